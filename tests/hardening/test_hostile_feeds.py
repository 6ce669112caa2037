"""Hostile feeds through the real Poller, real Store and the local feed server.

For each fault: the feed's error is recorded on the feed (or the case is handled), memory
stays bounded, the poller keeps going, and the other feeds are not held up. Fetch-level
details (exact limits, hop counting) are tested in tests/feeds/test_fetch.py; here the
question is what the whole pipeline does with them.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from bot.app import make_classifier
from bot.feeds.fetch import Fetcher
from bot.feeds.normalize import MAX_TEXT, MAX_TITLE
from bot.feeds.poller import Poller, PollReport
from bot.models import Feed
from bot.store import Store
from tests.hardening import feeds as f
from tests.hardening.conftest import AddFeed, hardening_settings
from tests.support.feedserver import FeedServer

MEMORY_BOUND = 64 * 1024 * 1024  # bytes: generous next to the 5 MB body cap
T = TypeVar("T")


async def peak_memory(work: Callable[[], Awaitable[T]]) -> tuple[T, int]:
    """Run `work` under tracemalloc; its result and the peak of traced memory in bytes."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = await work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


async def poll_one(poller: Poller, feed: Feed) -> PollReport:
    [report] = await poller.poll_once([feed])
    return report


async def stored_titles(store: Store, feed: Feed) -> list[str]:
    rows = await store.db.fetchall("SELECT title FROM items WHERE feed_id = ?", (feed.id,))
    return [r["title"] for r in rows]


async def saved_error(store: Store, feed: Feed) -> str | None:
    assert feed.id is not None
    saved = await store.feeds.get(feed.id)
    assert saved is not None
    return saved.last_error


# -- faults that end in a recorded error -------------------------------------------------------


Serve = Callable[[FeedServer, str], str]  # (server, path) -> the feed's URL

FAULTS: list[tuple[str, Serve, str]] = [
    ("5xx", lambda s, p: s.add(p, "oops", status=503), "HTTP 503 Service Unavailable"),
    ("redirect loop", lambda s, p: (s.redirect(p, p + "/b"), s.redirect(p + "/b", p))[0], "loop"),
    ("html page", lambda s, p: s.add(p, f.HTML_PAGE, content_type="text/html"), "HTML"),
    ("empty body", lambda s, p: s.add(p, b""), "empty body"),
    ("50 MB body", lambda s, p: s.huge(p, 50_000_000), "body larger than 5 MB"),
    ("gzip bomb", lambda s, p: s.gzip_bomb(p, 1_000_000_000), "body larger than 5 MB"),
    ("entity blowup", lambda s, p: s.add(p, f.quadratic_blowup()), "XML entities"),
    *(
        (f"entity bomb in {cs} ({where})", serve, "refused: feed encoded in")
        for cs in ("utf-7", "cp037", "cp500", "cp1026", "cp1140")
        for where, serve in (
            (
                "declared in XML",
                lambda s, p, cs=cs: s.add(
                    p, f.entity_bomb_in(cs), content_type="application/rss+xml"
                ),
            ),
            (
                "declared in HTTP",
                lambda s, p, cs=cs: s.add(
                    p, f.entity_bomb_in(cs), content_type=f"application/xml; charset={cs}"
                ),
            ),
        )
    ),
    ("entity refs without ';'", lambda s, p: s.add(p, f.unterminated_references()), "XML entities"),
    ("deeply nested XML", lambda s, p: s.add(p, f.nested_elements()), "nested deeper than"),
]


@pytest.mark.parametrize(("name", "serve", "error"), FAULTS, ids=[c[0] for c in FAULTS])
async def test_fault_is_recorded_on_the_feed_in_bounded_memory(
    feed_server: FeedServer,
    poller: Poller,
    store: Store,
    add_feed: AddFeed,
    name: str,
    serve: Serve,
    error: str,
) -> None:
    feed = await add_feed(serve(feed_server, "/f"))
    report, peak = await peak_memory(lambda: poll_one(poller, feed))
    assert report.outcome == "failed"
    assert report.error is not None
    assert error in report.error
    assert await saved_error(store, feed) == report.error
    assert feed.failures == 1
    assert feed.next_poll is not None and feed.next_poll > datetime.now(UTC)
    assert peak < MEMORY_BOUND, f"{name}: peak {peak / 1e6:.1f} MB"


async def test_one_poll_with_every_fault_and_a_good_feed(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed
) -> None:
    """All the faults at once, beside a good feed: each fails alone, the good one is stored,
    and the next poll still works."""
    bad = [
        await add_feed(serve(feed_server, f"/fault{i}")) for i, (_, serve, _) in enumerate(FAULTS)
    ]
    good = await add_feed(feed_server.add_file("/good.rss", "crypto_en.rss"))

    reports = await poller.poll_once()
    by_url = {r.feed.url: r for r in reports}
    assert by_url[good.url].outcome == "new"
    assert by_url[good.url].new_items > 0
    assert all(by_url[b.url].outcome == "failed" for b in bad)

    again = await poller.poll_once()
    assert {r.feed.url: r.outcome for r in again}[good.url] == "unchanged"


async def test_5xx_then_recovery_resets_the_failure_count(
    feed_server: FeedServer, poller: Poller, add_feed: AddFeed
) -> None:
    feed = await add_feed(feed_server.add("/f", "busy", status=502))
    assert (await poll_one(poller, feed)).outcome == "failed"
    assert (await poll_one(poller, feed)).outcome == "failed"
    assert feed.failures == 2
    feed_server.add_file("/f", "crypto_en.rss")
    report = await poll_one(poller, feed)
    assert report.outcome == "new"
    assert feed.failures == 0
    assert feed.last_error is None


async def test_429_retry_after_sets_the_next_poll(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed
) -> None:
    feed = await add_feed(
        feed_server.add("/f", "slow down", status=429, headers={"Retry-After": "7200"})
    )
    before = datetime.now(UTC)
    report = await poll_one(poller, feed)
    assert report.outcome == "failed"
    assert report.error is not None and "429" in report.error
    assert feed.next_poll is not None
    assert feed.next_poll >= before + timedelta(seconds=7200)
    assert feed.id is not None
    saved = await store.feeds.get(feed.id)
    assert saved is not None and saved.next_poll is not None
    assert saved.next_poll >= before + timedelta(seconds=7199)


async def test_redirect_to_a_private_address_is_refused_on_the_hop(
    feed_server: FeedServer, store: Store, add_feed: AddFeed
) -> None:
    """The first hop is a trusted local bridge; its redirects to the cloud-metadata address
    and to a name that resolves to loopback are refused before any request is sent."""
    settings = hardening_settings(BOT_ALLOW_PRIVATE_FEEDS="0")
    async with Fetcher.create(
        allow_private=False, trusted_hosts={"127.0.0.1"}, total_timeout=3
    ) as fetcher:
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        meta = await add_feed(
            feed_server.redirect("/meta", "http://169.254.169.254/latest/meta-data/")
        )
        local = await add_feed(
            feed_server.redirect("/local", feed_server.url("/good", host="localhost"))
        )
        feed_server.add_file("/good", "crypto_en.rss")
        reports = {r.feed.url: r for r in await poller.poll_once([meta, local])}
    meta_error = reports[meta.url].error or ""
    assert "refused" in meta_error and "169.254.169.254" in meta_error
    local_error = reports[local.url].error or ""
    assert "refused localhost" in local_error
    assert feed_server.requests_for("/good") == []


# -- slow feeds do not hold up the others ------------------------------------------------------


async def test_silent_and_dripping_feeds_do_not_delay_a_good_feed(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed
) -> None:
    silent = await add_feed(feed_server.add("/silent", f.rss([f.item(1)]), delay=10))
    drip = await add_feed(
        feed_server.add("/drip", f.rss([f.item(i) for i in range(50)]), drip=(8, 0.2))
    )
    # Another host (the fetcher allows two requests at once per host, so a third feed on the
    # slow feeds' host would wait its turn: politeness, by design).
    feed_server.add_file("/good.rss", "crypto_en.rss")
    good = await add_feed(feed_server.url("/good.rss", host="localhost"))
    finished: list[tuple[str, int]] = []

    def progress(report: PollReport) -> None:
        # How many requests the server is still answering when this feed's report is done.
        finished.append((report.feed.url, feed_server.in_flight))

    reports = await poller.poll_once([silent, drip, good], progress=progress)

    assert finished[0] == (good.url, 2), "the good feed finished while both slow ones hung"
    assert await stored_titles(store, good)
    by_url = {r.feed.url: r for r in reports}
    for slow in (silent, drip):
        assert by_url[slow.url].outcome == "failed"
        assert by_url[slow.url].error == "timed out after 3s"
    assert await stored_titles(store, drip) == []


# -- bodies that are read, with something hostile inside --------------------------------------


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        # Declared UTF-8, actually Latin-1: feedparser falls back to another charset.
        (
            "wrong charset",
            f.rss([f.item(1, title="Régulation des échanges")]).encode("latin-1"),
            "application/rss+xml; charset=utf-8",
        ),
        # No charset in the header, the XML declaration names it.
        (
            "charset only in the XML declaration",
            f.rss([f.item(1, title="Régulation des échanges")], encoding="iso-8859-1").encode(
                "latin-1"
            ),
            "application/rss+xml",
        ),
        # No charset anywhere: UTF-8 by default.
        (
            "missing charset",
            f.rss([f.item(1, title="Régulation des échanges")])
            .replace(' encoding="utf-8"', "")
            .encode(),
            "text/xml",
        ),
    ],
)
async def test_wrong_or_missing_charset_still_stores_readable_text(
    feed_server: FeedServer,
    poller: Poller,
    store: Store,
    add_feed: AddFeed,
    name: str,
    body: bytes,
    content_type: str,
) -> None:
    feed = await add_feed(feed_server.add("/f", body, content_type=content_type))
    report = await poll_one(poller, feed)
    assert report.outcome == "new", report.error
    [title] = await stored_titles(store, feed)
    assert title == "Régulation des échanges"


async def test_billion_laughs_is_not_expanded(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed
) -> None:
    feed = await add_feed(feed_server.add("/f", f.billion_laughs()))
    report, peak = await peak_memory(lambda: poll_one(poller, feed))
    assert report.outcome in ("new", "failed")
    assert peak < MEMORY_BOUND
    rows = await store.db.fetchall("SELECT title, text FROM items WHERE feed_id = ?", (feed.id,))
    assert all(len(r["title"]) + len(r["text"]) < 1000 for r in rows)


async def test_external_entity_never_reads_a_local_file(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a9")
    feed = await add_feed(feed_server.add("/f", f.external_entity(str(secret))))
    report = await poll_one(poller, feed)
    assert report.outcome == "failed"
    assert report.error is not None and report.error.startswith("refused: the feed declares")
    rows = await store.db.fetchall("SELECT title, text FROM items")
    assert all("TOP-SECRET" not in r["title"] + r["text"] for r in rows)


async def test_ten_thousand_items_are_all_stored(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed
) -> None:
    feed = await add_feed(feed_server.add("/f", f.many_items(10_000)))
    report = await poll_one(poller, feed)
    assert report.outcome == "new"
    assert report.new_items == 10_000
    assert (await store.feeds.item_counts())[feed.id or 0] == 10_000
    page = await store.search.search("update 9999")
    assert any(h.item.url == "https://news.example/9999" for h in page.hits)


async def test_a_one_megabyte_description_and_title_are_capped(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed
) -> None:
    huge_text = "regulators " * 100_000  # 1.1 MB
    feed = await add_feed(
        feed_server.add("/f", f.rss([f.item(1, title=huge_text, description=huge_text)]))
    )
    report = await poll_one(poller, feed)
    assert report.outcome == "new"
    rows = await store.db.fetchall("SELECT title, text FROM items WHERE feed_id = ?", (feed.id,))
    [row] = rows
    assert 0 < len(row["title"]) <= MAX_TITLE
    assert 0 < len(row["text"]) <= MAX_TEXT


# feedparser warns when `updated_parsed` is read on an entry that has only `published`
# (normalize reads it after an unparseable pubDate); harmless, but an error under -W error.
# TODO(normalize owner): read the keys with dict.get(entry, key) to skip feedparser's mapping.
@pytest.mark.filterwarnings("ignore:To avoid breaking existing software:DeprecationWarning")
async def test_dates_far_in_the_future_or_past(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed
) -> None:
    dates = [
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Sat, 01 Jan 2töö 00:00:00 GMT",
        "Mon, 01 Jan 1900 00:00:00 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Tue, 19 Jan 2038 03:14:08 GMT",
        "Wed, 01 Jan 0001 00:00:00 GMT",
        "not a date at all",
        "",
    ]
    feed = await add_feed(
        feed_server.add("/f", f.rss([f.item(i, pub_date=d) for i, d in enumerate(dates)]))
    )
    before = datetime.now(UTC)
    report = await poll_one(poller, feed)
    assert report.outcome == "new"
    assert report.new_items == len(dates)
    rows = await store.db.fetchall("SELECT url, published FROM items WHERE feed_id = ?", (feed.id,))
    published = {r["url"]: datetime.fromisoformat(r["published"]) for r in rows}
    latest_allowed = datetime.now(UTC) + timedelta(days=1)
    assert all(p <= latest_allowed for p in published.values())
    # 9999 and 2038 are in the future: clamped to the fetch time.
    assert published["https://news.example/0"] >= before - timedelta(seconds=1)
    assert published["https://news.example/2"].year == 1900
    assert published["https://news.example/5"].year == 1


async def test_deeply_nested_html_is_flattened_without_a_tree(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed
) -> None:
    """200,000 nested <div> in a description (2.2 MB) took the HTML parser 155 s: HTML nested
    deeper than 256 levels is read as flat text instead, so the feed is stored at once."""
    feed = await add_feed(feed_server.add("/f", f.nested_divs(200_000)))
    report = await poll_one(poller, feed)
    assert report.outcome == "new", report.error
    assert report.new_items == 2
    rows = await store.db.fetchall("SELECT title, text FROM items WHERE title = 'Deep'")
    assert [r["text"] for r in rows] == ["Deep text"]
