"""What a feed holds when it is first polled is its past: it never alerts, dated or not (an
undated item gets the fetch time, which would make an old article look fresh). Items that
appear in later polls alert as usual, undated ones included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.app import make_classifier, make_fetcher
from bot.config import load_settings
from bot.feeds.poller import Poller
from bot.models import SubscriptionKind
from bot.store import Store
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer

UNDATED_OLD = (
    "China bans cryptocurrency mining and trading",
    "The People's Bank of China declared all crypto transactions illegal.",
)
DATED_RECENT = (
    "Apple removes crypto exchange app from App Store in India",
    "Apple pulled the app after the regulator ordered it.",
)
UNDATED_NEW = (
    "Nigeria central bank orders banks to close crypto exchange accounts",
    "The CBN told banks to shut the accounts of crypto platforms.",
)


def rss(*items: tuple[str, str, datetime | None]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>https://news.example/{title.split()[0]}</link>"
        f"<description>{text}</description>"
        + (f"<pubDate>{format_datetime(when)}</pubDate>" if when else "")
        + "</item>"
        for title, text, when in items
    )
    return f'<rss version="2.0"><channel><title>T</title>{entries}</channel></rss>'


@pytest.fixture
async def store(database: Path | str, clock: FakeClock) -> AsyncIterator[Store]:
    async with Store.open(database, clock) as opened:
        yield opened


async def alerted(store: Store) -> list[str]:
    rows = await store.db.fetchall(
        "SELECT i.title FROM outbox o JOIN items i ON i.id = o.item_id ORDER BY o.id"
    )
    return [r[0] for r in rows]


async def test_a_feeds_first_poll_never_alerts_and_later_items_do(
    store: Store, clock: FakeClock, feed_server: FeedServer
) -> None:
    subscribed = clock.now()
    chat = await store.chats.ensure("telegram", "1001")
    assert chat.id is not None
    await store.chats.subscribe(chat.id, SubscriptionKind.BANS)
    clock.set(subscribed + timedelta(hours=2))  # later, an admin adds a feed
    # Its past: an undated old article, and one dated after the subscription was made.
    old = [(*UNDATED_OLD, None), (*DATED_RECENT, subscribed + timedelta(hours=1))]
    url = feed_server.add("/feed.rss", rss(*old))
    await store.feeds.add(url)
    settings = load_settings(None, BOT_ALLOW_PRIVATE_FEEDS="1")
    async with make_fetcher(settings, clock) as fetcher:
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        [first] = await poller.poll_once()
        assert (first.outcome, first.new_items, first.flagged) == ("new", 2, 2)
        assert await alerted(store) == []

        clock.set(clock.now() + timedelta(minutes=10))
        feed_server.add("/feed.rss", rss((*UNDATED_NEW, None), *old))  # news, undated
        [second] = await poller.poll_once()
        assert (second.outcome, second.new_items) == ("new", 1)
        assert await alerted(store) == [UNDATED_NEW[0]]

        clock.set(clock.now() + timedelta(minutes=10))
        feed_server.add("/feed.rss", rss((*UNDATED_NEW, None), *old) + " ")  # same items
        [third] = await poller.poll_once()
        assert (third.outcome, third.new_items) == ("new", 0)
        assert await alerted(store) == [UNDATED_NEW[0]]  # once
