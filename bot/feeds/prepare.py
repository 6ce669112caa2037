"""The CPU stage of ingest: parse → normalise → classify one feed body.

feedparser, the HTML-to-text step and the classifier are pure Python; `bot.feeds.preparer`
runs this stage in worker processes (or a thread of the bot's process) under a time limit.
This module is what a worker imports, and nothing more: no event loop, no HTTP client (a
worker holds only the parsers and the word lists; see `bot.feeds.workers`).
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from datetime import datetime

from bot.classify import Classifier, Thresholds
from bot.errors import ParseError
from bot.feeds.fetched import FetchResult
from bot.feeds.normalize import clean_title, normalize_entry, stored_already
from bot.feeds.text import remembering
from bot.models import Item

DEFAULT_TIMEOUT_S = 30.0  # BOT_PARSE_TIMEOUT


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What the CPU stage needs to know of the feed (plain data: it crosses processes)."""

    id: int
    url: str
    title: str
    lang: str | None
    # guids and canonical links of the feed's stored items: those entries are skipped
    known_guids: frozenset[str] = frozenset()
    known_urls: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Prepared:
    title: str
    lang: str | None
    items: list[Item]
    skipped: int = 0  # entries already stored: neither normalised nor classified


def prepare(
    result: FetchResult,
    feed: FeedInfo,
    fetched: datetime,
    classifier: Classifier,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Prepared:
    """Parse the body, normalise its entries to items and classify each one; raise
    ParseError once this has taken more than `timeout` seconds."""
    # The parsers (feedparser, fastfeedparser and lxml: about 7 MB) are imported where
    # feeds are parsed: a worker, or the bot's own process only with BOT_PARSE_WORKERS=0.
    from bot.feeds.parse import parse_bytes

    deadline = time.monotonic() + timeout
    parsed = parse_bytes(result)
    items = []
    skipped = 0
    base_url = parsed.base_url or feed.url
    for entry in parsed.entries:
        if time.monotonic() > deadline:
            raise ParseError(f"parse took longer than {timeout:g}s")
        if stored_already(entry, base_url, feed.known_guids, feed.known_urls):
            skipped += 1
            continue
        with remembering():  # the classifier reads the lines the normaliser has just read
            item = normalize_entry(
                entry,
                feed_id=feed.id,
                feed_title=feed.title or parsed.title,
                feed_lang=feed.lang or parsed.lang,
                base_url=base_url,
                fetched=fetched,
            )
            if item is None:
                continue
            item.flag = classifier.classify(item.title, item.text, item.lang)
        items.append(item)
    return Prepared(clean_title(parsed.title), parsed.lang, items, skipped)


_worker_classifier: Classifier | None = None


def _start_worker(thresholds: Thresholds) -> None:
    global _worker_classifier  # one classifier per worker process, built once
    # Ctrl-C reaches the whole process group: the bot shuts the pool down in order, so the
    # workers need not print a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_classifier = Classifier(thresholds)
    _worker_classifier.load()  # at start, not on the worker's first feed


def _prepare_in_worker(
    result: FetchResult, feed: FeedInfo, fetched: datetime, timeout: float
) -> Prepared:
    assert _worker_classifier is not None  # noqa: S101 - set by the pool's initializer
    return prepare(result, feed, fetched, _worker_classifier, timeout)
