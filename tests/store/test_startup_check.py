"""Start-up reads every page only when the file may have changed since it was last known good:
after a clean close the next open reads the schema only; after a crash, or a change by another
program, the full quick check runs (and still refuses a damaged file)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.store import Store
from tests.support.builders import make_item
from tests.support.cli import banwatch

ROOT = Path(__file__).resolve().parents[2]


async def fill(path: Path) -> None:
    async with Store.open(path) as store:
        feed, _ = await store.feeds.add("https://a.example/rss")
        assert feed.id
        await store.items.add_many([make_item(feed.id, n) for n in range(50)])


def damage(path: Path) -> None:
    """Overwrite one page of the items table (not the schema's: its pages are read at every
    open, and where they fall moves as migrations add tables)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        pages = [
            row[0]
            for row in conn.execute("SELECT pageno FROM dbstat WHERE name = 'items' ORDER BY 1")
        ]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    start = (pages[len(pages) // 2] - 1) * size
    data[start : start + size] = b"\xa5" * size
    path.write_bytes(bytes(data))


async def checked_fully(path: Path) -> bool:
    async with Store.open(path) as store:
        return store.db.checked_fully


async def test_first_open_checks_fully_and_a_clean_reopen_does_not(tmp_path: Path) -> None:
    path = tmp_path / "bw.db"
    assert await checked_fully(path)
    await fill(path)
    assert not await checked_fully(path)
    assert not await checked_fully(path)


async def test_an_open_after_a_crash_checks_fully(tmp_path: Path) -> None:
    path = tmp_path / "bw.db"
    await fill(path)
    crash = (
        "import asyncio, os, sys\n"
        "from bot.store import Store\n"
        "async def main():\n"
        "    async with Store.open(sys.argv[1]) as store:\n"
        "        await store.feeds.add('https://b.example/rss')\n"
        "        os._exit(9)\n"
        "asyncio.run(main())\n"
    )
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", crash, str(path)],
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 9
    assert await checked_fully(path)
    assert not await checked_fully(path)  # closed cleanly this time


async def test_a_change_by_another_program_checks_fully(tmp_path: Path) -> None:
    path = tmp_path / "bw.db"
    await fill(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE feeds SET title = 'edited'")
    assert await checked_fully(path)


async def test_full_check_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "bw.db"
    await fill(path)
    async with Store.open(path, full_check=True) as store:
        assert store.db.checked_fully


async def test_a_damaged_file_copied_over_a_clean_one_is_refused(tmp_path: Path) -> None:
    """A restored (damaged) copy keeps the size but not the time of the clean close."""
    path = tmp_path / "bw.db"
    await fill(path)
    damage(path)
    os.utime(path, ns=(1, 1))
    with pytest.raises(StoreError, match=r"failed its integrity check"):
        async with Store.open(path):
            pass


def test_check_command(tmp_path: Path) -> None:
    path = tmp_path / "bw.db"
    env = {**os.environ, "BOT_DATABASE": str(path)}
    env = {k: v for k, v in env.items() if not k.startswith(("TELEGRAM_", "DISCORD_"))}
    asyncio.run(fill(path))
    ok = banwatch("check", env=env)
    assert "ok" in ok.stdout
    damage(path)
    bad = banwatch("check", env=env, check=False)
    assert bad.returncode == 2
    assert "integrity check" in bad.stderr or "damaged" in bad.stderr
