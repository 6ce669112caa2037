"""1. Ingest of changed feeds, and 2. the cost of polls that find nothing new.

Ingest: N feeds × M items served by bench.server, polled once by the real Poller (fetch over
loopback, parse in a worker thread, normalise, classify, store with FTS) into a fresh store:
items/s, against `feedparser.parse` alone on the same bytes in this process.

Unchanged: the same feeds polled again, answered 304 (ETag), then served as a 200 whose body
did not change (no validators; the digest says so): wall time per feed, against one full
`feedparser.parse` of a feed.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import feedparser

from bench import data
from bench.common import Row, bench_settings
from bench.server import FeedHost
from bot.app import make_classifier, make_fetcher
from bot.feeds.poller import Poller, PollReport
from bot.models import Feed
from bot.store import Store


@dataclass(frozen=True, slots=True)
class IngestSize:
    feeds: int
    items: int
    rounds: int


def baseline_items_per_s(bodies: list[bytes]) -> tuple[float, float]:
    """feedparser alone: (items/s, seconds per feed)."""
    count = 0
    started = time.perf_counter()
    for body in bodies:
        count += len(feedparser.parse(body).entries)
    elapsed = time.perf_counter() - started
    return count / elapsed, elapsed / len(bodies)


def _check(reports: list[PollReport], outcome: str) -> None:
    wrong = [r for r in reports if r.outcome != outcome]
    if wrong:
        raise RuntimeError(f"{len(wrong)} polls were not {outcome}: {wrong[0]}")


async def _poll_timed(
    poller: Poller, feeds: list[Feed] | None = None
) -> tuple[float, list[PollReport]]:
    started = time.perf_counter()
    reports = await poller.poll_once(feeds)
    return time.perf_counter() - started, reports


async def pipeline_round(
    host: FeedHost, size: IngestSize, version: int, folder: Path
) -> tuple[float, float, float]:
    """One fresh store: (items/s of the first poll, s/feed of a 304 poll, s/feed of an
    unchanged-200 poll)."""
    settings = bench_settings(folder / f"ingest-{version}.db")
    async with Store.open(settings.database) as store, make_fetcher(settings) as fetcher:
        await store.feeds.add_many((host.url(n, version), "", None) for n in range(size.feeds))
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        try:
            await poller.preparer.start()  # workers up before the clock starts, as in the bot
            elapsed, reports = await _poll_timed(poller)
            _check(reports, "new")
            items = sum(r.new_items for r in reports)
            if items != size.feeds * size.items:
                raise RuntimeError(f"stored {items} items, expected {size.feeds * size.items}")
            not_modified = unchanged = float("inf")
            for _ in range(3):
                took, reports = await _poll_timed(poller)
                _check(reports, "not_modified")
                not_modified = min(not_modified, took / size.feeds)
                feeds = await store.feeds.all()
                plain = [
                    replace(f, url=host.url(n, version, plain=True)) for n, f in enumerate(feeds)
                ]
                took, reports = await _poll_timed(poller, plain)
                _check(reports, "unchanged")
                unchanged = min(unchanged, took / size.feeds)
        finally:
            await poller.close()
    return items / elapsed, not_modified, unchanged


async def _warm_up(host: FeedHost, folder: Path) -> None:
    """Load lexicons, the language model and every import before anything is timed."""
    await pipeline_round(host, IngestSize(feeds=2, items=host.items, rounds=1), 999, folder)


def run(size: IngestSize) -> list[Row]:
    bodies = [data.rss(n, size.items) for n in range(size.feeds)]
    best_304 = best_same = float("inf")
    best_pipe = 0.0
    best_base, parse_per_feed = 0.0, float("inf")
    with FeedHost(size.items) as host, tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        feedparser.parse(bodies[0])
        asyncio.run(_warm_up(host, folder))
        for version in range(size.rounds):
            rate, per_feed = baseline_items_per_s(bodies)
            best_base, parse_per_feed = max(best_base, rate), min(parse_per_feed, per_feed)
            # Every round polls the same bytes (version 0) into a fresh store.
            pipe, nm, same = asyncio.run(pipeline_round(host, size, 0, folder / str(version)))
            best_pipe, best_304, best_same = (
                max(best_pipe, pipe),
                min(best_304, nm),
                min(best_same, same),
            )
    scale = f"{size.feeds} feeds × {size.items} items"
    ms = 1000.0
    return [
        Row("ingest: fetch→parse→classify→store", best_pipe, "items/s", best_base,
            "feedparser.parse alone", "ratio>=0.9", scale),
        Row("unchanged: poll answered 304", best_304 * ms, "ms/feed", parse_per_feed * ms,
            "full feedparser.parse", "ratio<=0.01", scale),
        Row("unchanged: 200, same body", best_same * ms, "ms/feed", parse_per_feed * ms,
            "full feedparser.parse", "ratio<=0.01", scale),
    ]  # fmt: skip
