"""One running Banwatch per SQLite file: a second `banwatch run` on the same database stops at
once with one clear line and a non-zero exit, read commands keep working beside the bot, and
the lock goes with the process that held it, even after SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.models import SubscriptionKind
from bot.store import Store
from tests.support.botapi import FakeBotAPI
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer
from tests.test_delivery import add_items

START_WITHIN = 20.0  # seconds for a bot to be up (imports, migrations, first poll)
REFUSE_WITHIN = 30.0  # seconds for the second one to give up


async def test_a_second_exclusive_store_on_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bw.db"
    async with Store.open(path, exclusive=True):
        with pytest.raises(StoreError) as refused:
            async with Store.open(path, exclusive=True):
                pass
        assert str(refused.value) == (
            f"another Banwatch is already running on {path} (pid {os.getpid()}); "
            "stop it or set BOT_DATABASE to another file"
        )
        # Another spelling of the same file meets the same lock.
        with pytest.raises(StoreError, match="already running"):
            async with Store.open(tmp_path / "data" / ".." / "data" / "bw.db", exclusive=True):
                pass
        # A reader (latest, search, backup) opens it beside the running one.
        async with Store.open(path) as reader:
            assert await reader.outbox.pending_count() == 0
    async with Store.open(path, exclusive=True):  # free again once the first one closed
        pass


async def test_claims_left_by_a_killed_bot_are_given_back_at_the_next_start(
    tmp_path: Path, clock: FakeClock
) -> None:
    """With the lock held, no other sender can be running: the claims of one that was
    killed go back at once instead of waiting for their expiry."""
    path = tmp_path / "bw.db"
    async with Store.open(path, clock) as store:
        chat = await store.chats.ensure("fake", "1")
        assert chat.id is not None
        await store.chats.subscribe(chat.id, SubscriptionKind.BANS)
        await add_items(store, 3)
        assert len(await store.outbox.claim("killed", limit=10)) == 3
    async with Store.open(path, clock, exclusive=True) as store:
        assert len(await store.outbox.claim("restarted", limit=10)) == 3


# --- real processes ---------------------------------------------------------------------------


def bot_env(api: FakeBotAPI, feeds: Path, database: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return {
        **keep,
        "PYTHONUNBUFFERED": "1",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.url,
        "BOT_FEEDS": str(feeds),
        "BOT_DATABASE": str(database),
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        "BOT_PARSE_WORKERS": "0",
    }


def banwatch(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=REFUSE_WITHIN,
        check=False,
    )


@pytest.fixture
def start_bot(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (tmp_path / f"bot-{len(procs)}.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env=env,
                cwd=tmp_path,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


async def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + START_WITHIN
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {START_WITHIN}s"
        await asyncio.sleep(0.02)


@pytest.mark.slow
async def test_a_second_bot_on_the_same_database_is_refused_in_one_line(
    bot_api: FakeBotAPI,
    feed_server: FeedServer,
    tmp_path: Path,
    start_bot: Callable[[dict[str, str]], subprocess.Popen[bytes]],
) -> None:
    url = feed_server.add(
        "/fr.rss",
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Crypto FR</title></channel></rss>',
    )
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(url + "\n")
    database = tmp_path / "data" / "bw.db"
    env = bot_env(bot_api, feeds, database)

    first = start_bot(env)
    await wait_until(lambda: bool(bot_api.called("getUpdates")), "the first bot's long polling")
    calls = len(bot_api.calls)

    second = banwatch(env, tmp_path, "run")
    lines = second.stderr.strip().splitlines()
    assert second.returncode != 0
    assert lines == [
        f"banwatch: another Banwatch is already running on {database} (pid {first.pid}); "
        "stop it or set BOT_DATABASE to another file"
    ], second.stderr
    assert first.poll() is None  # the running bot is untouched
    # Refused before it spoke to Telegram (the running bot's long polling aside).
    assert {name for name, _ in bot_api.calls[calls:]} <= {"getUpdates"}

    # The terminal chat, `fetch` and a worker send or poll too: refused the same way (several
    # processes share a PostgreSQL database, not a SQLite file).
    for args in (("chat", "--no-poll"), ("fetch", "--once"), ("worker",)):
        refused = banwatch(env, tmp_path, *args)
        assert refused.returncode != 0, args
        assert "another Banwatch is already running" in refused.stderr, args

    # Read commands work beside the running bot.
    for args in (("latest",), ("search", "wechat"), ("feeds", "list")):
        done = banwatch(env, tmp_path, *args)
        assert done.returncode == 0, (args, done.stderr)

    # The lock dies with its process: after SIGKILL, a new bot starts and polls Telegram.
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=5)
    polls = len(bot_api.called("getUpdates"))
    third = start_bot(env)
    await wait_until(
        lambda: len(bot_api.called("getUpdates")) > polls or third.poll() is not None,
        "the restarted bot's long polling",
    )
    assert third.poll() is None, (tmp_path / "bot-1.log").read_text()
