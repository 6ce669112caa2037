"""A changed feed: only its new entries are normalised and classified; the ones already
stored (same guid, or same canonical link) are skipped before any of that work. And a poll
of many feeds holds only as many fetched bodies as it runs polls at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bot.app import make_fetcher
from bot.classify import Classifier, Thresholds
from bot.config import Settings, load_settings
from bot.feeds.fetched import FetchResult
from bot.feeds.poller import Poller
from bot.feeds.prepare import FeedInfo, Prepared
from bot.feeds.preparer import Preparer
from bot.models import Feed, Flag
from bot.store import Store
from tests.support.feedserver import FeedServer


class CountingClassifier(Classifier):
    def __init__(self) -> None:
        super().__init__(Thresholds())
        self.titles: list[str] = []

    def classify(self, title: str, text: str, lang: str | None = None) -> Flag:
        self.titles.append(title)
        return super().classify(title, text, lang)


def rss(items: list[tuple[str | None, str, str]]) -> str:
    """An RSS 2.0 body of (guid or None, link, title) items."""
    body = "".join(
        f"<item>{f'<guid>{guid}</guid>' if guid else ''}<link>{link}</link>"
        f"<title>{title}</title><description>Body of {title}.</description></item>"
        for guid, link, title in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
        f"<description>d</description>{body}</channel></rss>"
    )


@pytest.fixture
def settings() -> Settings:
    return load_settings(None, BOT_ALLOW_PRIVATE_FEEDS="1", BOT_FETCH_TIMEOUT="3")


@pytest.fixture
async def counted(store: Store, settings: Settings) -> AsyncIterator[tuple[Poller, list[str]]]:
    classifier = CountingClassifier()
    async with make_fetcher(settings) as fetcher:
        yield Poller(store, fetcher, classifier, settings), classifier.titles


async def test_unchanged_items_are_not_classified_again(
    store: Store, counted: tuple[Poller, list[str]], feed_server: FeedServer
) -> None:
    poller, classified = counted
    old = [
        ("g1", "https://news.example/1", "One"),
        (None, "https://news.example/2?utm_source=rss", "Two"),  # guid: its canonical link
        ("g3", "https://news.example/3", "Three"),
    ]
    url = feed_server.add("/feed", rss(old))
    await store.feeds.add(url)
    [first] = await poller.poll_once()
    assert first.new_items == 3
    assert sorted(classified) == ["One", "Three", "Two"]

    classified.clear()
    new = [("g4", "https://news.example/4", "Four"), (None, "https://news.example/5", "Five")]
    # the second item's link now carries other tracking: same canonical link, same item
    changed = [*new, old[0], (None, "https://news.example/2?utm_medium=x", "Two"), old[2]]
    feed_server.add("/feed", rss(changed))
    [second] = await poller.poll_once()

    assert second.outcome == "new"
    assert second.new_items == 2
    assert sorted(classified) == ["Five", "Four"]
    assert (await store.items.stats()).items == 5


async def test_an_item_known_by_its_link_under_a_new_guid_is_skipped(
    store: Store, counted: tuple[Poller, list[str]], feed_server: FeedServer
) -> None:
    poller, classified = counted
    url = feed_server.add("/feed", rss([("a", "https://news.example/1", "One")]))
    await store.feeds.add(url)
    await poller.poll_once()
    classified.clear()
    feed_server.add("/feed", rss([("b", "https://news.example/1", "One again")]))
    [report] = await poller.poll_once()

    assert report.new_items == 0  # the store refuses a second item with the same link
    assert classified == []


class HoldingPreparer(Preparer):
    """Counts the fetched bodies waiting in or for the parse stage at once."""

    def __init__(self, classifier: Classifier) -> None:
        super().__init__(classifier, workers=0)
        self.holding = 0
        self.most = 0

    async def run(self, result: FetchResult, feed: FeedInfo, fetched: datetime) -> Prepared:
        self.holding += 1
        self.most = max(self.most, self.holding)
        try:
            await asyncio.sleep(0.01)  # a parse that takes a while: fetches finish first
            return await super().run(result, feed, fetched)
        finally:
            self.holding -= 1


async def test_a_poll_of_many_feeds_holds_a_bounded_number_of_bodies(
    store: Store, settings: Settings, feed_server: FeedServer
) -> None:
    hosts = ("127.0.0.1", "localhost")
    for n in range(12):
        feed_server.add(f"/f{n}", rss([(f"g{n}", f"https://news.example/{n}", f"T{n}")]))
        await store.feeds.add(feed_server.url(f"/f{n}", host=hosts[n % 2]))
    preparer = HoldingPreparer(CountingClassifier())
    async with make_fetcher(settings) as fetcher:
        poller = Poller(
            store, fetcher, preparer.classifier, settings, preparer=preparer, max_polls=3
        )
        reports = await poller.poll_once()

    assert [r.outcome for r in reports] == ["new"] * 12
    assert preparer.most <= 3


async def test_polls_that_end_together_save_their_health_together(
    store: Store, settings: Settings, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(20):
        feed_server.add(f"/f{n}", rss([]), etag=f'"{n}"')
        await store.feeds.add(feed_server.url(f"/f{n}", host=("127.0.0.1", "localhost")[n % 2]))
    calls: list[int] = []
    real = store.feeds.save_health
    poller: Poller | None = None
    holding = False

    async def counted(*feeds: Feed) -> None:
        # In the second round, the first save waits (bounded) until the other polls under
        # way (max_polls at a time) have ended and queued behind it, whatever the machine's
        # speed: polls that end while a batch is written must share the next one.
        nonlocal holding
        if holding and poller is not None:
            holding = False  # only the first save of the round waits
            for _ in range(1000):
                if len(poller._health._waiting) >= min(poller.max_polls, 20) - len(feeds):
                    break
                await asyncio.sleep(0.01)
        calls.append(len(feeds))
        await real(*feeds)

    monkeypatch.setattr(store.feeds, "save_health", counted)
    async with make_fetcher(settings) as fetcher:
        poller = Poller(store, fetcher, CountingClassifier(), settings)
        await poller.poll_once()
        first = len(calls)
        holding = True
        reports = await poller.poll_once()  # every feed answers 304

    assert [r.outcome for r in reports] == ["not_modified"] * 20
    assert sum(calls) == 40  # every poll saved, once
    assert len(calls) - first < 20  # in fewer transactions than feeds
    saved = await store.feeds.all()
    assert all(f.etag and f.next_poll and f.last_success for f in saved)
