"""Host names a feed cannot be fetched from (an emoji in punycode, bad labels) are refused by
/addfeed with one clear line, and a stored one fails its polls as a clean feed error."""

from __future__ import annotations

import logging

import pytest

from bot.app import make_classifier, make_fetcher
from bot.commands import Commands, Invocation
from bot.config import load_settings
from bot.feeds.guard import BadHost, normalize_feed_url
from bot.feeds.poller import Poller
from bot.store import Store
from tests.support.feedserver import FeedServer

BAD_HOSTS = [
    "http://xn--ls8h.example/",  # punycode of an emoji: no domain may hold it
    "http://💩.example/feed",
    "http://xn--zz.example/rss",  # not valid punycode at all
    "http://-dash-.example/rss",
    "http://a..b.example/rss",
    "http://%41.example/rss",
    "http://" + "a" * 64 + ".example/rss",  # a label is at most 63 characters
]


def admin(args: str, command: str = "addfeed") -> Invocation:
    return Invocation("telegram", "42", command, args, user_id="42")


@pytest.mark.parametrize("url", BAD_HOSTS)
async def test_addfeed_refuses_a_host_no_request_can_be_made_to(store: Store, url: str) -> None:
    commands = Commands(store, load_settings(None, BOT_ADMINS="42"))
    reply = await commands.run(admin(url))
    assert reply.error
    assert "not a valid domain name" in reply.text
    assert await store.feeds.all() == []


async def test_addfeed_stores_one_canonical_form_of_the_host(store: Store) -> None:
    commands = Commands(store, load_settings(None, BOT_ADMINS="42"))
    first = await commands.run(admin("HTTPS://Bücher.Example/Feed.xml"))
    assert not first.error
    again = await commands.run(admin("https://xn--bcher-kva.example/Feed.xml"))
    assert "Already watching" in again.text
    [feed] = await store.feeds.all()
    assert feed.url == "https://xn--bcher-kva.example/Feed.xml"


def test_the_refusal_names_the_host_and_the_reason() -> None:
    with pytest.raises(BadHost) as caught:
        normalize_feed_url("http://xn--ls8h.example/")
    assert caught.value.host == "xn--ls8h.example"
    assert "U+1F4A9" in str(caught.value)


async def test_a_stored_bad_host_fails_as_one_clean_line_without_a_traceback(
    store: Store, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Feeds added before the check (or by an old version) still poll cleanly; so does a
    redirect to such a host."""
    settings = load_settings(None, BOT_ALLOW_PRIVATE_FEEDS="1", BOT_FETCH_TIMEOUT="3")
    await store.feeds.add("http://xn--ls8h.example/")
    await store.feeds.add(feed_server.redirect("/moved", "http://xn--ls8h.example/feed"))
    caplog.set_level(logging.DEBUG)
    async with make_fetcher(settings) as fetcher:
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        for _ in range(2):
            reports = await poller.poll_once()
            errors = {r.feed.url.rsplit("/", 1)[1]: r.error for r in reports}
            assert errors == {
                "": "invalid host xn--ls8h.example: not a valid international domain name"
                " (Codepoint U+1F4A9 at position 1 of '💩' not allowed)",
                "moved": "invalid URL: Codepoint U+1F4A9 at position 1 of '💩' not allowed",
            }
    assert [r for r in caplog.records if r.exc_info] == []  # no traceback in the log
    assert not any("internal error" in r.getMessage() for r in caplog.records)
