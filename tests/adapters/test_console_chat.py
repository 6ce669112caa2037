"""`banwatch chat` as a real process fed on stdin: a command that fails inside is answered
and the chat goes on; a fatal fault ends it with one line and a non-zero exit; `--no-poll`
polls nothing."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from bot.app import run_chat
from bot.commands.notices import apology
from bot.config import load_settings
from bot.store import Store
from tests.support.builders import SEED_TITLE, make_item, seed_item
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer

TIMEOUT = 60


@pytest.fixture
def env(tmp_path: Path, feed_server: FeedServer) -> dict[str, str]:
    feed_server.add_file("/en.rss", "crypto_en.rss")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(feed_server.url("/en.rss") + "\n")
    database = tmp_path / "banwatch.db"

    async def create() -> None:
        async with Store.open(database) as store:
            await store.feeds.add(feed_server.url("/en.rss"), title="Local wire")

    asyncio.run(create())
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    return base | {
        "BOT_FEEDS": str(feeds),
        "BOT_DATABASE": str(database),
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        "BOT_LOG_LEVEL": "WARNING",
        "NO_COLOR": "1",
    }


def chat(
    env: dict[str, str], stdin: str, stdout: int | IO[str] = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--no-poll"],
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )


def test_a_failing_command_is_answered_and_the_chat_goes_on(env: dict[str, str]) -> None:
    with sqlite3.connect(env["BOT_DATABASE"]) as db:  # a damaged copy: one table is gone
        db.execute("DROP TABLE subscriptions")
    lines = "/subscribe bans\n/help\n/item ²\n/latest ⁵\n/digest on 08:00 Europe\n/feeds\n"
    result = chat(env, lines)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert apology("en") in out
    after = out.split(apology("en"), 1)[1]
    assert "/subscribe" in after  # /help answered after the fault
    assert "Give the item's number" in after
    assert "Give a number from 1 to 20" in after
    assert "I don't know the time zone 'Europe'" in after
    assert "#1 Local wire" in after
    assert "no such table: subscriptions" in result.stderr  # the fault is logged


def test_a_fatal_fault_exits_non_zero_with_one_line(env: dict[str, str]) -> None:
    with Path("/dev/full").open("w") as full:  # every write to stdout fails: disk full
        result = chat(env, "/help\n/latest\n", stdout=full)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("banwatch: ")
    assert "No space left on device" in lines[0]


@pytest.mark.parametrize("poll", [False, True], ids=["no-poll", "poll"])
async def test_no_poll_fetches_nothing_in_the_background(
    env: dict[str, str], feed_server: FeedServer, tmp_path: Path, poll: bool
) -> None:
    """The chat in this process on a fake clock that jumps whenever the bot waits on it: the
    feed is due, and three poll intervals of the clock pass while the chat is open. With
    polling on (the control) the feed is fetched; with `--no-poll` never."""
    settings = load_settings(
        None,
        BOT_DATABASE=env["BOT_DATABASE"],
        BOT_FEEDS=env["BOT_FEEDS"],
        BOT_ALLOW_PRIVATE_FEEDS="1",
        BOT_POLL_INTERVAL="60",
    )
    clock = FakeClock()
    read_end, write_end = os.pipe()
    out = io.StringIO()
    with os.fdopen(read_end, "r") as typed, os.fdopen(write_end, "w") as keyboard:
        async with clock.autojump():
            chat = asyncio.create_task(
                run_chat(settings, first_poll=poll, inp=typed, out=out, clock=clock)
            )
            keyboard.write("/help\n")
            keyboard.flush()
            async with asyncio.timeout(TIMEOUT):  # a bounded wait for the clock to run on
                while clock.monotonic() < 3 * 60 and not chat.done():
                    await asyncio.sleep(0.01)
            keyboard.write("/feeds\n")
            keyboard.close()
            await asyncio.wait_for(chat, TIMEOUT)
    fetched = feed_server.requests_for("/en.rss")
    if poll:
        assert fetched
    else:
        assert fetched == []
        assert "not polled yet" in out.getvalue()


def test_a_damaged_search_index_is_rebuilt_at_start(env: dict[str, str]) -> None:
    async def add_items() -> None:
        async with Store.open(env["BOT_DATABASE"]) as store:
            [feed] = await store.feeds.all()
            assert feed.id
            await store.items.add_many([seed_item(feed.id)])

    asyncio.run(add_items())
    with sqlite3.connect(env["BOT_DATABASE"]) as db:
        db.execute("INSERT INTO items_fts(items_fts) VALUES('delete-all')")
    result = chat(env, "/search wechat\n")
    assert result.returncode == 0, result.stderr
    assert SEED_TITLE in result.stdout
    assert "Nothing found" not in result.stdout
    [warning] = [line for line in result.stderr.splitlines() if "search index" in line]
    assert "rebuilt it from the 1 stored items" in warning


def test_the_running_chat_checks_the_index_thoroughly_once(env: dict[str, str]) -> None:
    async def add_items() -> None:
        async with Store.open(env["BOT_DATABASE"]) as store:
            [feed] = await store.feeds.all()
            assert feed.id
            await store.items.add_many(
                [seed_item(feed.id), make_item(feed.id, 1, title="Newest market story")]
            )

    asyncio.run(add_items())
    with sqlite3.connect(env["BOT_DATABASE"]) as db:  # the seed item indexed under other words
        db.execute(
            "INSERT INTO items_fts(items_fts, rowid, title, text)"
            " SELECT 'delete', id, title, text FROM items WHERE title = ?",
            (SEED_TITLE,),
        )
        db.execute(
            "INSERT INTO items_fts(rowid, title, text)"
            " SELECT id, 'zzz', 'zzz' FROM items WHERE title = ?",
            (SEED_TITLE,),
        )
    said: list[str] = []
    spoke = threading.Event()
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--no-poll"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        errors = proc.stderr

        def listen() -> None:
            for line in errors:
                said.append(line)
                if "search index" in line:
                    spoke.set()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        try:
            spoke.wait(TIMEOUT / 3)  # the check runs once, in the background, after start
            proc.stdin.write("/search chinois\n")
            proc.stdin.close()
            out = proc.stdout.read()
            proc.wait(TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
        listener.join(TIMEOUT)
    [warning] = [line for line in said if "search index" in line]
    assert "search index was damaged" in warning
    assert "rebuilt it from the 2 stored items" in warning
    assert proc.returncode == 0, "".join(said)
    assert SEED_TITLE in out


def test_a_line_over_a_megabyte_is_skipped_and_the_chat_goes_on(env: dict[str, str]) -> None:
    result = chat(env, "/search " + "x" * 3_000_000 + "\n/feeds\n/item 1")
    assert result.returncode == 0, result.stderr
    assert "That line is longer than 1,048,576 characters: skipped." in result.stdout
    after = result.stdout.split("skipped.", 1)[1]
    assert "#1 Local wire" in after
    assert "There is no item 1" in after  # the last line, without a line break
    assert "xxxx" not in result.stdout
