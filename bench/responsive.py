"""4. Responsiveness: `/search` p95 while an ingest burst is running, against `/search` p95
on the same store when idle. The burst is the real Poller on N changed feeds, written into
the large store the commands bench used."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bench.bigdb import pick_words
from bench.commands import sample, search_calls
from bench.common import Row, bench_settings, percentile
from bench.server import FeedHost
from bot.app import make_classifier, make_fetcher
from bot.commands import Commands
from bot.feeds.poller import Poller
from bot.store import Store

VERSION = 1  # bodies none of the other benches polled
PAUSE = 0.01  # seconds between two searches: a busy chat, not a flood


def point_feeds(path: Path, host: FeedHost, count: int, version: int) -> list[int]:
    """Point the store's first `count` feeds at the feed server; returns their ids."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        ids = [r[0] for r in conn.execute("SELECT id FROM feeds ORDER BY id LIMIT ?", (count,))]
        conn.executemany(
            "UPDATE feeds SET url = ?, etag = NULL, body_hash = NULL WHERE id = ?",
            [(host.url(n, version), feed_id) for n, feed_id in enumerate(ids)],
        )
    finally:
        conn.close()
    return ids


async def _run(path: Path, host: FeedHost, feeds: int, samples: int) -> list[Row]:
    common, rare = pick_words(path)
    words = [w for pair in zip(common, rare, strict=False) for w in pair]
    ids = set(point_feeds(path, host, feeds, VERSION))
    settings = bench_settings(path)
    async with Store.open(path) as store, make_fetcher(settings) as fetcher:
        commands = Commands(store, settings)
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        try:
            await poller.preparer.start()
            await sample(search_calls(commands, words, len(words)))
            idle = await sample(search_calls(commands, words, samples), pause=PAUSE)
            burst = asyncio.create_task(
                poller.poll_once([f for f in await store.feeds.all() if f.id in ids])
            )
            busy: list[float] = []
            calls = search_calls(commands, words, 100_000)
            while not burst.done():
                busy += await sample(calls[len(busy) : len(busy) + 1], pause=PAUSE)
            reports = await burst
        finally:
            await poller.close()
    new = sum(r.new_items for r in reports)
    return [
        Row("/search p95 during ingest burst", percentile(busy, 95), "ms",
            percentile(idle, 95), "/search p95 idle", "value<=50",
            f"{len(busy)} searches while {feeds} feeds ({new:,} items) were ingested"),
    ]  # fmt: skip


def run(path: Path, host: FeedHost, *, feeds: int, samples: int) -> list[Row]:
    return asyncio.run(_run(path, host, feeds, samples))
