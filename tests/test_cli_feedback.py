"""`banwatch feedback export` as a user runs it, then `banwatch eval` on what it wrote: real
processes on a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from bot.store import Store
from bot.store.feedback import Verdict
from tests.support.builders import ban_flag, make_item, seed_item
from tests.support.cli import banwatch


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    return base | {
        "BOT_DATABASE": str(tmp_path / "banwatch.db"),
        "BOT_LOG_LEVEL": "WARNING",
        "NO_COLOR": "1",
    }


async def pressed_store(database: Path, *, press: bool = True) -> dict[str, int]:
    """A store with a right ban and a loose one wrongly stored as a ban, pressed from two
    chats; returns the item ids by name."""
    async with Store.open(database) as store:
        feed, _ = await store.feeds.add("https://news.example/rss", title="Example News")
        assert feed.id is not None
        right, loose = await store.items.add_many(
            [
                seed_item(feed.id),
                make_item(feed.id, 1, title="Bears banned from the rally", flag=ban_flag()),
            ]
        )
        if press:
            chat = await store.chats.ensure("telegram", "7")
            group = await store.chats.ensure("discord", "777", "group")
            assert chat.id is not None and group.id is not None
            await store.feedback.press(chat.id, right, Verdict.WRONG)
            await store.feedback.press(chat.id, right, Verdict.USEFUL)  # changed its mind
            await store.feedback.press(chat.id, loose, Verdict.WRONG)
            await store.feedback.press(group.id, loose, Verdict.WRONG)
        return {"right": right.id or 0, "loose": loose.id or 0}


def test_export_round_trips_through_eval(env: dict[str, str], tmp_path: Path) -> None:
    ids = asyncio.run(pressed_store(Path(env["BOT_DATABASE"])))
    out = tmp_path / "feedback.jsonl"
    done = banwatch("feedback", "export", str(out), env=env)
    assert f"wrote 2 labelled items to {out}" in done.stdout
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_id = {line["id"]: line for line in lines}
    right, loose = by_id[ids["right"]], by_id[ids["loose"]]
    assert right["label"] == "ban"  # useful: the flagged category
    assert right["press"] == "useful"
    assert right["presses"] == {"useful": 1, "wrong": 0}
    assert right["summary"].startswith("Plusieurs comptes")
    assert right["lang"] == "fr"
    assert loose["label"] == "none"  # wrong flag: none
    assert loose["flagged"] == "ban"
    assert loose["presses"] == {"useful": 0, "wrong": 2}

    scored = banwatch("eval", str(out), env=env)
    assert "items: 2   unreadable: 0   accuracy: 1.000" in scored.stdout
    assert "macro-F1" in scored.stdout

    to_stdout = banwatch("feedback", "export", "-", env=env)
    assert to_stdout.stdout == out.read_text(encoding="utf-8")


def test_nothing_pressed_exports_an_empty_file_that_eval_accepts(
    env: dict[str, str], tmp_path: Path
) -> None:
    asyncio.run(pressed_store(Path(env["BOT_DATABASE"]), press=False))
    out = tmp_path / "feedback.jsonl"
    done = banwatch("feedback", "export", str(out), env=env)
    assert "wrote 0 labelled items" in done.stdout
    assert out.read_bytes() == b""
    scored = banwatch("eval", str(out), env=env)
    assert scored.returncode == 0
    assert "items: 0" in scored.stdout
    assert "nothing to score" in scored.stdout


def test_export_without_a_database_or_to_a_folder_says_why(
    env: dict[str, str], tmp_path: Path
) -> None:
    missing = banwatch("feedback", "export", str(tmp_path / "f.jsonl"), env=env, check=False)
    assert missing.returncode == 2
    assert "no database" in missing.stderr
    asyncio.run(pressed_store(Path(env["BOT_DATABASE"]), press=False))
    folder = banwatch("feedback", "export", str(tmp_path), env=env, check=False)
    assert folder.returncode == 2
    assert "it is a folder" in folder.stderr
