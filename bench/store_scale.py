"""Store scale (issue 14): the same work on an empty store and on a large one, and the ingest
of feeds where every item is flagged (story matching on every item).

- `add_many` per item: batches of 20 new items (about 1 in 8 flagged) into a store of N
  items, against the same batches into an empty store with the same feeds. A poll's batch:
  one feed's items published within the last day (story matching reads the flagged items of
  the days around them once, then keeps them). A new feed's archive: items spread over the
  store's 180 days, which read the flagged items of most of those days again at every batch.
- Start-up: `Store.open` and close after a clean close, at N items against empty; and the
  first open of a copied file, which checks every page (what a crash costs).
- `/search` p95 at N items by kind of word: latin (a mix), common, rare, Chinese, Chinese
  mixed with latin; against a bare FTS5 MATCH of the common words.
- Flagged ingest: 150 feeds × 50 items, every item about a ban or regulation, polled once
  by the real Poller from a loopback static server: items/s against `feedparser.parse`
  alone on the same bytes.

The large store is built once by bench.bigdb (flagged items given stories, as the bot
would) and cached under bench/.cache/; each run works on a copy. Its size is
`BENCH_STORE_ITEMS` (default 100,000; `BENCH_STORE_ITEMS=1000000 make bench` for the 1M
figure: about 9 GB and 15 minutes to build the first time).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import bigdb, data
from bench.common import Row, bench_settings, percentile
from bench.ingest import baseline_items_per_s
from bot.app import make_classifier, make_fetcher
from bot.feeds.poller import Poller
from bot.models import Item
from bot.store import Store
from bot.store.migrations import MIGRATIONS

CACHE = Path(__file__).resolve().parent / ".cache"
DEFAULT_ITEMS = 100_000
BATCH = 20
CHINESE = ("监管", "比特币", "交易所", "禁止", "加密货币", "央行")
# Queries mixing scripts: the index narrows by the Chinese part, the text check does the rest.
MIXED = ("比特币 ETF", "监管 SEC", "交易所 MiCA", "比特币ETF")


def store_items() -> int:
    return int(os.environ.get("BENCH_STORE_ITEMS", DEFAULT_ITEMS))


def cached_store(items: int, feeds: int) -> Path:
    """The large store, built once (flagged items with their own stories)."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"store-{items}-{feeds}.db"
    if path.exists():
        asyncio.run(_migrated(path))
        return path
    partial = path.with_suffix(".partial")
    for leftover in CACHE.glob(partial.name + "*"):
        leftover.unlink()
    bigdb.build(partial, items=items, feeds=feeds)
    with sqlite3.connect(partial) as conn:
        conn.execute(
            "UPDATE items SET story_id = id WHERE id IN"
            " (SELECT item_id FROM flags WHERE category <> 'none')"
        )
    conn.close()
    partial.rename(path)
    for extra in CACHE.glob(partial.name + ".*"):
        extra.unlink()  # the lock or clean note of the partial file
    return path


async def _migrated(path: Path) -> None:
    """A store cached by an older Banwatch brought to the current schema in place, once
    (migrations backfill what they add, e.g. the CJK index)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version < len(MIGRATIONS):
        async with Store.open(path):
            pass


def _new_items(feed_ids: list[int], count: int, seed: int, *, polled: bool) -> list[Item]:
    """`polled`: batches as a poll stores them (each one feed's, published in the last day);
    otherwise spread over feeds and 180 days."""
    items = data.stored_items(feed_ids, count, seed=seed)
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    for k, item in enumerate(items):
        item.guid = f"scale-{seed}-{k}"
        item.url = f"https://scale.example/{seed}/{k}"
        if polled:
            item.feed_id = feed_ids[(k // BATCH) % len(feed_ids)]
            item.published = item.fetched = now - timedelta(seconds=rnd.randint(0, 86_400))
    return items


async def _add_many_per_item(path: Path, batches: int, *, polled: bool) -> float:
    """Median seconds per item of `batches` batches of 20 new items."""
    async with Store.open(path) as store:
        feed_ids = [f.id for f in await store.feeds.all() if f.id is not None][:200]
        seed = 4242 if polled else 4343  # other guids: the archive is new items too
        items = _new_items(feed_ids, batches * BATCH, seed=seed, polled=polled)
        took = []
        for start in range(0, len(items), BATCH):
            began = time.perf_counter()
            await store.items.add_many(items[start : start + BATCH])
            took.append((time.perf_counter() - began) / BATCH)
    return statistics.median(took)


async def _open_once(path: Path) -> float:
    began = time.perf_counter()
    async with Store.open(path):
        pass
    return time.perf_counter() - began


async def _startup(path: Path) -> tuple[float, float]:
    """(first open of a copied file: every page checked, median clean start-up)."""
    first = await _open_once(path)
    return first, statistics.median([await _open_once(path) for _ in range(5)])


async def _search_p95(path: Path, words: Sequence[str], samples: int) -> float:
    async with Store.open(path) as store:
        for word in words:
            await store.search.search(word)  # warm: the first query loads OpenCC and pages
        took = []
        for n in range(samples):
            began = time.perf_counter()
            await store.search.search(words[n % len(words)])
            took.append(time.perf_counter() - began)
    return percentile(took, 95)


def _bare_fts_p95(path: Path, words: Sequence[str], samples: int) -> float:
    conn = sqlite3.connect(path)
    try:
        took = []
        for n in range(samples):
            began = time.perf_counter()
            conn.execute(
                "SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC LIMIT 6",
                (f'"{words[n % len(words)]}"',),
            ).fetchall()
            took.append(time.perf_counter() - began)
    finally:
        conn.close()
    return percentile(took, 95)


async def _empty_like(path: Path, feeds: int) -> None:
    async with Store.open(path) as store:
        await store.feeds.add_many(
            (f"https://news{n}.example/feed.xml", f"Crypto news {n}", data.feed_lang(n))
            for n in range(feeds)
        )


def _latin_words(path: Path, count: int = 12) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        titles = [
            str(r[0]) for r in conn.execute("SELECT title FROM items WHERE lang <> 'zh' LIMIT 2000")
        ]
    finally:
        conn.close()
    words = sorted({w.lower() for t in titles for w in t.split() if w.isalpha() and len(w) > 4})
    return random.Random(3).sample(words, min(count, len(words)))


def store_rows(*, items: int, feeds: int, batches: int, samples: int, folder: Path) -> list[Row]:
    big_cached = cached_store(items, feeds)
    big = folder / "big.db"
    shutil.copyfile(big_cached, big)
    empty = folder / "empty.db"
    asyncio.run(_empty_like(empty, feeds))
    first_big, start_big = asyncio.run(_startup(big))
    first_empty, start_empty = asyncio.run(_startup(empty))
    per_item_empty = asyncio.run(_add_many_per_item(empty, batches, polled=True))
    per_item_big = asyncio.run(_add_many_per_item(big, batches, polled=True))
    archive_empty = asyncio.run(_add_many_per_item(empty, batches, polled=False))
    archive_big = asyncio.run(_add_many_per_item(big, batches, polled=False))
    common, rare = bigdb.pick_words(big)
    kinds = {
        "latin": _latin_words(big),
        "common": common,
        "rare": rare,
        "chinese": list(CHINESE),
        "chinese and latin": list(MIXED),
    }
    bare = _bare_fts_p95(big, common, samples)
    ms = 1000.0
    scale = f"{items:,} items, {feeds:,} feeds, batches of {BATCH} (bench/store_scale.py)"
    rows = [
        Row("store: add_many per item, large store (a poll's batches)", per_item_big * ms,
            "ms/item", per_item_empty * ms, "empty store", "ratio<=1.5", scale),
        Row("store: add_many per item, large store (a new feed's archive, 180 days)",
            archive_big * ms, "ms/item", archive_empty * ms, "empty store", "", scale),
        Row("store: start-up, large store", start_big * ms, "ms", start_empty * ms,
            "empty store", "ratio<=3", scale),
        Row("store: start-up after a crash or copy, large store", first_big * ms, "ms",
            first_empty * ms, "empty store", "", scale),
    ]  # fmt: skip
    for kind, words in kinds.items():
        if not words:  # no word found in 20–200 items (the 1M store has none)
            continue
        p95 = asyncio.run(_search_p95(big, words, samples))
        rows.append(
            Row(f"/search p95 in the large store, {kind} words", p95 * ms, "ms", bare * ms,
                "bare FTS5 p95", "value<=10", scale)
        )  # fmt: skip
    return rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _ingest(urls: list[str], database: Path) -> tuple[float, int, int]:
    """(seconds of the first poll, items stored, items flagged)."""
    settings = bench_settings(database)
    async with Store.open(settings.database) as store, make_fetcher(settings) as fetcher:
        await store.feeds.add_many((url, "", None) for url in urls)
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        try:
            await poller.preparer.start()
            began = time.perf_counter()
            reports = await poller.poll_once()
            took = time.perf_counter() - began
        finally:
            await poller.close()
        stats = await store.items.stats()
    stored = sum(r.new_items for r in reports)
    return took, stored, stats.bans + stats.regulation


def flagged_ingest_row(*, feeds: int, items: int, folder: Path) -> Row:
    share, data.FLAGGED_SHARE = data.FLAGGED_SHARE, 1.0  # every entry about a ban or a rule
    try:
        bodies = [data.rss(n, items) for n in range(feeds)]
    finally:
        data.FLAGGED_SHARE = share
    site = folder / "site"
    site.mkdir()
    for n, body in enumerate(bodies):
        (site / f"{n}.xml").write_bytes(body)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        urls = [f"http://127.0.0.1:{port}/{n}.xml" for n in range(feeds)]
        asyncio.run(_ingest(urls[:2], folder / "warm.db"))  # imports, lexicons, workers
        base_rate, _ = baseline_items_per_s(bodies)
        took, stored, flagged = asyncio.run(_ingest(urls, folder / "flagged.db"))
    finally:
        server.terminate()
        server.wait(10)
    if stored != feeds * items:
        raise RuntimeError(f"stored {stored} items, expected {feeds * items}")
    return Row(
        "ingest, every item flagged", stored / took, "items/s", base_rate,
        "feedparser.parse alone", "ratio>=0.9",
        f"{feeds} feeds × {items} items, {flagged} flagged (story matching on each)",
    )  # fmt: skip


def run(*, quick: bool) -> list[Row]:
    items = 500 if quick else store_items()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(tmp)
        rows = store_rows(
            items=items,
            feeds=20 if quick else 1_000,
            batches=3 if quick else 50,
            samples=10 if quick else 200,
            folder=folder,
        )
        rows.append(
            flagged_ingest_row(feeds=3 if quick else 150, items=5 if quick else 50, folder=folder)
        )
    return rows
