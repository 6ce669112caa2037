"""A peer's corpus: feedparser's own ~2,100 test feeds (tests/data/feedparser-tests, BSD-2,
with its LICENSE), each served by the local feed server and ingested by the real Poller, a
quarter of the corpus per test. Nothing crashes, a feed that cannot be read gets a clear error
of its own, and every entry that can be read (a title, a link or some text) is in the store
afterwards."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.feeds.fetched import FetchResult
from bot.feeds.normalize import normalize_entry
from bot.feeds.parse import parse_bytes
from bot.feeds.poller import Poller
from bot.store import Store
from tests.support.feedserver import FeedServer

CORPUS = Path(__file__).parents[1] / "data" / "feedparser-tests"
# Files about HTTP headers say which Content-Type they were served with.
_HEADER = re.compile(rb"Header:\s*Content-type:\s*([^\r\n]+)", re.IGNORECASE)


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*.xml") if p.is_file())


def content_type(body: bytes) -> str:
    found = _HEADER.search(body[:2000])
    return found.group(1).decode("ascii", "replace").strip() if found else "application/xml"


def readable_items(url: str, body: bytes, ctype: str) -> list[tuple[str, str]]:
    """(guid, url) of the entries the bot can read, parsed here on their own."""
    result = FetchResult(200, False, body, None, None, url, ctype)
    try:
        parsed = parse_bytes(result)
    except Exception:  # unreadable: the poll must say so (checked in the test)
        return []
    now = datetime.now(UTC)
    items = [
        normalize_entry(e, feed_id=0, feed_title="", feed_lang=None, base_url=url, fetched=now)
        for e in parsed.entries
    ]
    return [(i.guid, i.url) for i in items if i is not None]


PARTS = 4  # the corpus is ingested in quarters: each test stays well under the time limit


def test_the_corpus_copy_is_complete() -> None:
    assert len(corpus_files()) > 2000


@pytest.mark.parametrize("part", range(PARTS))
async def test_the_whole_corpus_is_ingested_without_a_crash(
    feed_server: FeedServer, poller: Poller, store: Store, part: int
) -> None:
    files = corpus_files()[part::PARTS]
    expected: dict[str, list[tuple[str, str]]] = {}
    for path in files:
        body = path.read_bytes()
        ctype = content_type(body)
        url = feed_server.add("/" + path.relative_to(CORPUS).as_posix(), body, content_type=ctype)
        expected[url] = readable_items(url, body, ctype)
    await store.feeds.add_many((url, "", None) for url in expected)

    reports = await poller.poll_once()

    assert len(reports) == len(files)
    outcomes = Counter(r.outcome for r in reports)
    assert outcomes["new"] > 0.9 * len(files), outcomes  # almost all of them are feeds
    for report in reports:
        if report.outcome in ("failed", "disabled"):
            # A clear error of the feed's own, never a crash of ours.
            assert report.error, report.feed.url
            assert not report.error.startswith("internal error"), (report.feed.url, report.error)
            assert not expected[report.feed.url], (report.feed.url, report.error)
        else:
            assert report.outcome == "new", report

    rows = await store.db.fetchall(
        "SELECT f.url AS feed, i.guid, i.url FROM items i JOIN feeds f ON f.id = i.feed_id"
    )
    by_feed = {(r["feed"], r["guid"]) for r in rows}
    urls = {r["url"] for r in rows if r["url"]}
    missing = [
        (feed, guid)
        for feed, items in expected.items()
        for guid, url in items
        # Stored under this feed, or kept once under another (same canonical URL).
        if (feed, guid) not in by_feed and url not in urls
    ]
    assert missing == []
    # most files test feed-level fields, but each quarter has entries to find
    assert sum(len(v) for v in expected.values()) > 100
    assert (await store.items.stats()).items == len(rows)
