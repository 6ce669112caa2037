"""Security: private addresses refused on the address actually connected to (DNS rebinding),
private feeds refused by default end to end, feed text never becomes markup, and the bot
token stays out of what the bot prints.

Already proven elsewhere (not repeated here): /addfeed admin-only and http(s)-only
(tests/commands/test_commands.py), every redirect hop checked and non-http redirects refused
(tests/feeds/test_fetch.py), the token never logged by the Telegram adapter
(tests/adapters/test_telegram_commands.py::test_token_never_logged).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import httpcore
import pytest

from bot.app import configure_logging, make_classifier, make_fetcher
from bot.commands import Commands, Invocation
from bot.config import load_settings
from bot.errors import ConfigError, FetchError
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import Poller
from bot.store import Store
from tests.hardening import feeds as f
from tests.hardening.telegram_html import links, problems, render_telegram
from tests.support.feedserver import FeedServer

PUBLIC = "93.184.216.34"  # documentation-style public address; never dialled in these tests
TOKEN = "123456789:AAH-secret-token-value-xyz"


class RebindingResolver:
    """Answers a public address to the first lookup and loopback to every later one."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return [PUBLIC] if self.calls == 1 else ["127.0.0.1"]


class LandsOnLoopback(httpcore.AsyncNetworkBackend):
    """A network where every connection ends up on 127.0.0.1:`port`, whatever was dialled
    (a hostile resolver below ours, a NAT rule, a compromised route)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpcore.AnyIOBackend()
        self.dialled: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.dialled.append(host)
        return await self.inner.connect_tcp("127.0.0.1", self.port, timeout)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


async def test_dns_rebinding_to_loopback_is_refused(feed_server: FeedServer) -> None:
    feed_server.add("/feed", f.rss([f.item(1)]))
    resolver = RebindingResolver()
    backend = LandsOnLoopback(feed_server.port)
    async with Fetcher.create(
        allow_private=False, resolver=resolver, network_backend=backend, total_timeout=3
    ) as fetcher:
        with pytest.raises(FetchError, match=r"refused rebind\.test: .*127\.0\.0\.1"):
            await fetcher.fetch(f"http://rebind.test:{feed_server.port}/feed")
    assert resolver.calls == 2  # the URL check, then the connection's own lookup
    assert backend.dialled == []
    assert feed_server.log == []


async def test_a_connection_that_lands_on_loopback_is_refused(feed_server: FeedServer) -> None:
    feed_server.add("/feed", f.rss([f.item(1)]))

    async def public(host: str, port: int) -> list[str]:
        return [PUBLIC]

    backend = LandsOnLoopback(feed_server.port)
    async with Fetcher.create(
        allow_private=False, resolver=public, network_backend=backend, total_timeout=3
    ) as fetcher:
        with pytest.raises(FetchError, match=r"connected to non-public address 127\.0\.0\.1"):
            await fetcher.fetch("http://news.test/feed")
    assert backend.dialled == [PUBLIC]  # the checked IP is dialled, never the name
    assert feed_server.log == []  # refused before a byte of the request was sent


async def test_the_same_network_works_when_private_feeds_are_allowed(
    feed_server: FeedServer,
) -> None:
    """Control for the two tests above: the refusal is the guard's, not a broken harness."""
    feed_server.add("/feed", f.rss([f.item(1)]))
    backend = LandsOnLoopback(feed_server.port)
    async with Fetcher.create(allow_private=True, network_backend=backend) as fetcher:
        result = await fetcher.fetch("http://news.test/feed")
    assert b"Exchange update 1" in result.body


async def test_private_feed_added_by_an_admin_is_refused_by_default(
    feed_server: FeedServer, store: Store
) -> None:
    """/addfeed takes the URL (it is http); polling it with default settings refuses the
    loopback address without sending a request. BOT_ALLOW_PRIVATE_FEEDS=1 lets it through."""
    url = feed_server.add("/feed", f.rss([f.item(1)]))
    commands = Commands(store, load_settings(None, BOT_ADMINS="42"))
    added = await commands.run(Invocation("telegram", "1", "addfeed", url, user_id="42"))
    assert not added.error
    [feed] = await store.feeds.all()

    for allow, outcome in (("0", "failed"), ("1", "new")):
        cfg = load_settings(None, BOT_ALLOW_PRIVATE_FEEDS=allow, BOT_FETCH_TIMEOUT="3")
        async with make_fetcher(cfg) as fetcher:
            poller = Poller(store, fetcher, make_classifier(cfg), cfg)
            [report] = await poller.poll_once([feed])
        assert report.outcome == outcome, report.error
        if allow == "0":
            assert report.error == "refused 127.0.0.1: resolves to non-public address 127.0.0.1"
            assert feed_server.log == []
    assert len(feed_server.requests_for("/feed")) == 1


HOSTILE_TITLE = (
    '</a><b>FAKE</b> <a href="javascript:alert(1)">click</a> &bogus; <script>x</script>'
    " SEC bans exchange"
)
HOSTILE_HTML = (
    '<p>Regulators <b>ban</b> <a href="javascript:alert(2)">here</a>'
    '<img src="x" onerror="alert(3)"> &lt;i&gt;escaped&lt;/i&gt; <pre>code</pre></p>'
)


async def test_feed_text_cannot_inject_markup(feed_server: FeedServer, store: Store) -> None:
    """A feed whose title, description, links and feed title carry markup: every reply that
    shows its items is valid Telegram HTML whose only tags are the renderer's own, and
    whose only links are the items' own http(s) URLs."""
    items = [
        f.item(1, title=HOSTILE_TITLE, description=HOSTILE_HTML),
        f.item(2, title="Exchange &amp; regulator", description=HOSTILE_HTML, raw=True),
        f.item(3, title="Quote breakout", description="x").replace(
            "https://news.example/3", 'https://news.example/3?a="&gt;&lt;b&gt;x'
        ),
        f.item(4, title="Script link", description="y").replace(
            "<link>https://news.example/4</link>", "<link>javascript:alert(4)</link>"
        ),
    ]
    body = f.rss(items, title="&lt;i&gt;Feed&lt;/i&gt; <![CDATA[</b><a href='x'>]]>")
    url = feed_server.add("/feed", body)
    cfg = load_settings(None, BOT_ALLOW_PRIVATE_FEEDS="1", BOT_ADMINS="42")
    await store.feeds.add(url)
    async with make_fetcher(cfg) as fetcher:
        poller = Poller(store, fetcher, make_classifier(cfg), cfg)
        [report] = await poller.poll_once()
    assert report.outcome == "new", report.error
    assert report.new_items == 4

    commands = Commands(store, cfg)
    ids = [str(r["id"]) for r in await store.db.fetchall("SELECT id FROM items")]
    lines = [("search", "exchange"), ("search", "regulators"), ("latest", "20 all"), ("feeds", "")]
    lines += [("item", i) for i in ids]
    seen_text = ""
    for name, args in lines:
        reply = await commands.run(Invocation("telegram", "1", name, args, user_id="42"))
        for chunk in render_telegram(reply):
            assert problems(chunk.text) == [], (name, args, chunk.text)
            for href in links(chunk.text):
                assert href.startswith("https://news.example/"), href
            seen_text += chunk.text
    assert "FAKE" in seen_text  # the hostile title was shown ...
    assert "<b>FAKE</b>" not in seen_text  # ... as text, not as markup
    assert "javascript" not in " ".join(links(seen_text))


def test_token_stays_out_of_settings_text_and_config_errors() -> None:
    cfg = load_settings(None, TELEGRAM_BOT_TOKEN=TOKEN)
    assert cfg.telegram_bot_token is not None
    assert cfg.telegram_bot_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(cfg)
    assert TOKEN not in str(cfg.model_dump())
    with pytest.raises(ConfigError) as error:
        load_settings(None, TELEGRAM_BOT_TOKEN=TOKEN, BOT_POLL_INTERVAL="0")
    assert TOKEN not in str(error.value)
    assert "BOT_POLL_INTERVAL" in str(error.value)


def test_http_client_logs_that_would_carry_the_token_are_silenced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bot API URLs carry the token and httpx logs every URL at INFO: the app turns the
    HTTP libraries down to WARNING, even at BOT_LOG_LEVEL=DEBUG."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))  # restored after the test
    monkeypatch.setattr(root, "level", root.level)
    for name in ("httpx", "httpcore"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    configure_logging(load_settings(None, BOT_LOG_LEVEL="DEBUG", TELEGRAM_BOT_TOKEN=TOKEN))
    for name in ("httpx", "httpcore"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
