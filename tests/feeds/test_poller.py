"""The poller end to end on loopback: fetch → parse → classify → store, and the feed's health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.app import make_classifier, make_fetcher
from bot.config import Settings, load_settings
from bot.feeds.poller import Poller
from bot.models import Category, Feed
from bot.store import Store
from tests.support.feedserver import FeedServer


@pytest.fixture
def settings() -> Settings:
    return load_settings(
        None, BOT_ALLOW_PRIVATE_FEEDS="1", BOT_FETCH_TIMEOUT="3", BOT_MAX_FAILURES="3"
    )


@pytest.fixture
async def poller(store: Store, settings: Settings) -> AsyncIterator[Poller]:
    async with make_fetcher(settings) as fetcher:
        yield Poller(store, fetcher, make_classifier(settings), settings)


async def add(store: Store, url: str) -> Feed:
    feed, _ = await store.feeds.add(url)
    return feed


async def test_items_are_stored_with_their_flags_and_the_feed_is_healthy(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    feed = await add(store, feed_server.add_file("/fr.rss", "crypto_fr.rss"))
    [report] = await poller.poll_once()
    assert report.outcome == "new"
    assert report.new_items == 3
    bans = await store.items.latest(5, [Category.BAN])
    assert [i.title for i in bans] == ["WeChat ferme les comptes de médias blockchain chinois"]
    flag = bans[0].flag
    assert flag is not None
    assert "WeChat" in flag.entities.platforms
    assert "CN" in flag.entities.jurisdictions
    saved = await store.feeds.get(feed.id or 0)
    assert saved is not None
    assert saved.title == "Le Journal de la Blockchain"
    assert saved.failures == 0
    assert saved.last_success is not None
    assert saved.next_poll is not None
    assert saved.next_poll > datetime.now(UTC)


async def test_unchanged_feeds_are_not_parsed_again(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    feeds = [
        await add(store, feed_server.add_file("/etag", "crypto_fr.rss", etag='"v1"')),
        await add(store, feed_server.add_file("/plain", "crypto_en.rss")),
    ]
    first = await poller.poll_once(feeds)
    assert [r.outcome for r in first] == ["new", "new"]
    again = [await store.feeds.get(f.id or 0) for f in feeds]
    second = await poller.poll_once([f for f in again if f])
    assert [r.outcome for r in second] == ["not_modified", "unchanged"]
    assert [r.status for r in feed_server.requests_for("/etag")] == [200, 304]
    assert (await store.items.stats()).items == 8


async def test_a_changed_body_adds_only_the_new_items(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    feed = await add(store, feed_server.add_file("/x", "crypto_en.rss"))
    await poller.poll_once()
    text = feed_server.routes["/x"].body.decode()
    extra = (
        "<item><title>Brazil's CVM orders a halt to an unlicensed crypto exchange</title>"
        "<guid>extra-1</guid><link>https://news.example.com/extra</link>"
        "<description>The securities regulator CVM ordered the platform to stop.</description>"
        "</item>"
    )
    feed_server.add("/x", text.replace("<item>", extra + "<item>", 1), content_type="text/xml")
    refreshed = await store.feeds.get(feed.id or 0)
    assert refreshed is not None
    [report] = await poller.poll_once([refreshed])
    assert report.outcome == "new"
    assert report.new_items == 1


async def test_a_failing_feed_backs_off_and_is_disabled_with_a_notice(
    store: Store, poller: Poller, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    feed = await add(store, feed_server.add("/down", "no", status=503))
    waits = []
    for _ in range(3):
        current = await store.feeds.get(feed.id or 0)
        assert current is not None
        [report] = await poller.poll_once([current])
        assert report.error is not None
        assert "503" in report.error
        assert current.next_poll is not None
        waits.append(current.next_poll - datetime.now(UTC))
    assert waits[0] < waits[1] < waits[2]  # exponential backoff
    final = await store.feeds.get(feed.id or 0)
    assert final is not None
    assert final.disabled
    assert final.failures == 3
    assert any("disabled after 3 consecutive failures" in r.getMessage() for r in caplog.records)
    assert await poller.poll_once() == []  # disabled feeds are not polled


async def test_one_bad_feed_does_not_stop_the_others(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    await add(
        store, feed_server.add("/html", "<html><body>hi</body></html>", content_type="text/html")
    )
    await add(store, "http://127.0.0.1:1/refused")
    await add(store, feed_server.add_file("/ok", "crypto_en.atom"))
    reports = {r.feed.url.rsplit("/", 1)[1]: r for r in await poller.poll_once()}
    assert reports["ok"].outcome == "new"
    assert reports["html"].outcome == "failed"
    assert reports["html"].error is not None
    assert "not a feed" in reports["html"].error
    assert reports["refused"].outcome == "failed"


async def test_validators_are_saved_only_after_the_items(
    store: Store, poller: Poller, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash (here: a store error) between fetching and storing must not mark the body as
    seen: the next poll fetches and parses it again, so no item is skipped."""
    feed = await add(store, feed_server.add_file("/fr.rss", "crypto_fr.rss", etag='"v1"'))

    async def broken(*_args: object) -> list[object]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store.items, "add_many", broken)
    [failed] = await poller.poll_once()
    assert failed.outcome == "failed"
    monkeypatch.undo()
    current = await store.feeds.get(feed.id or 0)
    assert current is not None
    assert current.etag is None
    assert current.body_hash is None
    [report] = await poller.poll_once([current])
    assert report.outcome == "new"
    assert report.new_items == 3


async def test_new_items_wake_the_sender(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    woken: list[int] = []
    poller.on_new_items = lambda items: woken.append(len(items))
    await add(store, feed_server.add_file("/fr.rss", "crypto_fr.rss"))
    await poller.poll_once()
    assert woken == [3]
