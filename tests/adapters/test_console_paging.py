"""The terminal chat in this process, as a newcomer meets it (issue 16, point 7): the
progress bar of the first poll is gone before the chat says hello, and lists page with
`/more` or `page N`."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console

from bot.adapters.console import NOTHING_MORE
from bot.app import run_chat
from bot.cli import poll_progress
from bot.config import load_settings
from bot.feeds.poller import PollReport
from bot.store import Store
from tests.support.builders import ban_flag, make_item
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer

TIMEOUT = 60


async def chat(typed: str, database: Path, feeds: Path, **options: object) -> str:
    """Run the terminal chat on `typed` (then EOF); what it wrote."""
    settings = load_settings(
        None, BOT_DATABASE=str(database), BOT_FEEDS=str(feeds), BOT_ALLOW_PRIVATE_FEEDS="1"
    )
    out = options.pop("out", None) or io.StringIO()
    assert isinstance(out, io.StringIO)
    read_end, write_end = os.pipe()
    clock = FakeClock()
    with os.fdopen(read_end, "r") as inp, os.fdopen(write_end, "w") as keyboard:
        keyboard.write(typed)
        keyboard.close()
        async with clock.autojump():
            await asyncio.wait_for(
                run_chat(settings, inp=inp, out=out, clock=clock, **options),  # type: ignore[arg-type]
                TIMEOUT,
            )
    return out.getvalue()


async def seed(database: Path, count: int) -> None:
    async with Store.open(database) as store:
        feed, _ = await store.feeds.add("https://wire.example/feed", title="Wire")
        assert feed.id
        items = [
            make_item(feed.id, n, title=f"Exchange ban story {n}", flag=ban_flag())
            for n in range(count)
        ]
        await store.items.add_many(items, alerting=False)


def stories(text: str) -> list[int]:
    """The numbers of the stories listed in `text`, in order (from their title lines)."""
    return [int(n) for n in re.findall(r"^#\d+ Exchange ban story (\d+)$", text, re.M)]


async def test_more_pages_latest_past_twenty_and_search(tmp_path: Path) -> None:
    database, feeds = tmp_path / "banwatch.db", tmp_path / "feeds.txt"
    feeds.write_text("https://wire.example/feed\n")
    await seed(database, 25)
    typed = "/more\n/latest 20\n/more\n/more\n/search exchange\n/help\n/more\n"
    typed += "/search exchange page 5\n/l 20 page 2\n"
    screen = await chat(typed, database, feeds, first_poll=False)

    assert "/more for the next page" in screen  # the greeting says how
    first, rest = screen.split("Latest ban and regulation news:", 1)
    assert NOTHING_MORE in first  # /more before any list
    page1, rest = rest.split("Latest ban and regulation news (page 2):", 1)
    assert stories(page1) == list(range(20))
    assert "[More: /more, or /latest 20 all page 2]" in page1
    page2, rest = rest.split("Results for “exchange”:", 1)
    assert stories(page2) == list(range(20, 25))
    assert NOTHING_MORE in page2  # the third /more: nothing after the 25th
    results, rest = rest.split("Results for “exchange” (page 2):", 1)
    assert "[More: /more, or /search exchange page 2]" in results
    assert "Commands:" in results  # /help between does not forget the list
    search2, rest = rest.split("Results for “exchange” (page 5):", 1)
    assert len(stories(search2)) == 5
    typed_page, last = rest.split("Latest ban and regulation news (page 2):", 1)
    assert len(stories(typed_page)) == 5  # results 21-25
    assert stories(last) == list(range(20, 25))


class Screen(io.StringIO):
    """One terminal: the progress bar (stderr) and the chat (stdout) write to it in turn."""


async def test_progress_bar_is_gone_before_the_prompt(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.add_file("/en.rss", "crypto_en.rss")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(feed_server.url("/en.rss") + "\n")
    screen = Screen()
    terminal = Console(file=screen, force_terminal=True, width=80)
    closed: list[int] = []  # where the screen was when the bar closed

    @contextlib.contextmanager
    def progress(total: int) -> Iterator[Callable[[PollReport], None]]:
        with poll_progress(total, console=terminal) as advance:
            yield advance
        closed.append(len(screen.getvalue()))

    text = await chat("/help\n", tmp_path / "banwatch.db", feeds, progress=progress, out=screen)
    hello = text.index("Banwatch terminal chat.")
    assert "polling feeds" in text[:hello]  # the bar was shown during the first poll
    assert closed
    assert closed[0] <= hello  # and closed before the chat said hello
    assert "polling feeds" not in text[hello:]  # nothing of it under what is typed
