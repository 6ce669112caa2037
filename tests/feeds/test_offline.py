"""No network on the machine is not the feeds' fault: trying the bot offline again and again
disables nothing and logs one line; a dead host among live ones still counts."""

from __future__ import annotations

import logging
import socket
import typing
from collections.abc import AsyncIterator

import httpcore
import pytest

from bot.app import make_classifier, summary_line
from bot.config import Settings, load_settings
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import Poller
from bot.store import Store
from tests.support.feedserver import FeedServer

FEEDS = [f"http://news-{n}.example/rss" for n in range(6)]


class NoNameResolves(httpcore.AsyncNetworkBackend):
    """The network under the fetcher of a machine with no network (a laptop off Wi-Fi): no
    name resolves; 127.0.0.1 still answers. The only stand-in here: tests cannot unplug."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if host == "127.0.0.1":
            return await self.inner.connect_tcp(
                host, port, timeout, local_address=local_address, socket_options=socket_options
            )
        error = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        raise httpcore.ConnectError(str(error)) from error

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


@pytest.fixture
def settings() -> Settings:
    return load_settings(
        None, BOT_ALLOW_PRIVATE_FEEDS="1", BOT_FETCH_TIMEOUT="5", BOT_MAX_FAILURES="3"
    )


@pytest.fixture
async def poller(store: Store, settings: Settings) -> AsyncIterator[Poller]:
    fetcher = Fetcher.create(allow_private=True, total_timeout=5, network_backend=NoNameResolves())
    async with fetcher:
        yield Poller(store, fetcher, make_classifier(settings), settings)


async def test_polling_offline_again_and_again_disables_no_feed(
    store: Store, poller: Poller, caplog: pytest.LogCaptureFixture
) -> None:
    for url in FEEDS:
        await store.feeds.add(url)
    caplog.set_level(logging.DEBUG)
    for _ in range(12):  # twelve offline runs; 3 failures in a row disable a feed
        reports = await poller.poll_once()
        assert [r.outcome for r in reports] == ["offline"] * len(FEEDS)
    feeds = await store.feeds.all()
    assert [(f.disabled, f.failures) for f in feeds] == [(False, 0)] * len(FEEDS)
    no_network = [r for r in caplog.records if r.getMessage().startswith("no network: ")]
    assert len(no_network) == 1, [r.getMessage() for r in caplog.records]
    assert "DNS lookup failed" in no_network[0].getMessage()
    assert not any("failed (1 in a row)" in r.getMessage() for r in caplog.records)
    assert summary_line(reports).endswith(
        "0 failed; no network: 6 not reached, not counted as failures"
    )


async def test_a_dead_host_among_live_feeds_is_still_counted_and_disabled(
    store: Store, poller: Poller, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Some server answered in the same poll, so the network works: the failure is the
    feed's own (its name no longer resolves)."""
    await store.feeds.add(feed_server.add_file("/live.rss", "crypto_en.rss"))
    await store.feeds.add("http://gone.example/rss")
    for _ in range(3):
        await poller.poll_once()
    live, gone = await store.feeds.all()
    assert (live.disabled, live.failures) == (False, 0)
    assert (gone.disabled, gone.failures) == (True, 3)
    assert gone.last_error == "DNS lookup failed"
    assert not any("no network" in r.getMessage() for r in caplog.records)


async def test_the_network_coming_back_is_noticed_and_failures_count_again(
    store: Store, poller: Poller, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    gone, _ = await store.feeds.add("http://gone.example/rss")
    [report] = await poller.poll_once()
    assert report.outcome == "offline"
    caplog.set_level(logging.INFO)
    await store.feeds.add(feed_server.add_file("/live.rss", "crypto_en.rss"))
    reports = await poller.poll_once()
    assert sorted(r.outcome for r in reports) == ["failed", "new"]
    assert any(r.getMessage().startswith("network is back") for r in caplog.records)
    again = await store.feeds.get(gone.id or 0)
    assert again is not None
    assert again.failures == 1
