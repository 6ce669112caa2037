"""Store faults: a full disk, another process holding the write lock, a damaged file at start,
and a backup taken while the poller writes. Each on a real SQLite file in tmp_path.

The disk is "filled" with `PRAGMA max_page_count` on the writer connection: SQLite then fails
with a real SQLITE_FULL exactly as on a full disk, without filling the test machine's disk.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.feeds.poller import Poller
from bot.store import Store
from tests.hardening import feeds as f
from tests.hardening.conftest import AddFeed
from tests.support.builders import make_item, seed_item
from tests.support.feedserver import FeedServer

# SQLite's own faults: its page limit as a full disk, its file lock, its pages, its backup.
pytestmark = pytest.mark.sqlite_only


async def fill_the_disk(store: Store) -> None:
    """Let the database grow by no more than its current size."""
    async with store.db.writer.execute("PRAGMA page_count") as cur:
        row = await cur.fetchone()
    assert row is not None
    await store.db.writer.execute(f"PRAGMA max_page_count={int(row[0])}")


async def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


async def test_disk_full_is_a_clear_error_and_nothing_is_half_written(
    store: Store, tmp_path: Path
) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    assert feed.id
    await store.items.add_many([seed_item(feed.id)])
    await fill_the_disk(store)

    big = [make_item(feed.id, n, text="regulators " * 2000) for n in range(1, 200)]
    with pytest.raises(StoreError, match=r"^disk full: .*banwatch\.db"):
        await store.items.add_many(big)

    stats = await store.items.stats()
    assert stats.items == 1  # the earlier item is intact; none of the batch was kept
    assert (await store.search.search("jinse")).hits  # the search index agrees
    assert await integrity(tmp_path / "banwatch.db") == "ok"
    # Space comes back: the same batch is stored whole.
    await store.db.writer.execute("PRAGMA max_page_count=1073741823")
    assert len(await store.items.add_many(big)) == len(big)


async def test_poller_records_disk_full_on_the_feed_and_keeps_going(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed, tmp_path: Path
) -> None:
    feed = await add_feed(feed_server.add("/f", f.many_items(300)))
    await fill_the_disk(store)
    [report] = await poller.poll_once([feed])
    assert report.outcome == "failed"
    assert report.error is not None and report.error.startswith("disk full")
    assert feed.failures == 0  # the store's fault, not the feed's: it is never disabled for it
    assert feed.body_hash is None  # so the body is parsed and stored again next time

    await store.db.writer.execute("PRAGMA max_page_count=1073741823")
    [report] = await poller.poll_once([feed])
    assert report.outcome == "new"
    assert report.new_items == 300
    assert await integrity(tmp_path / "banwatch.db") == "ok"


async def test_a_write_waits_for_another_process_holding_the_lock(
    store: Store, tmp_path: Path
) -> None:
    """busy_timeout: a second connection (as a second process would) holds the write lock for
    a moment; our write waits for it instead of failing with "database is locked"."""
    feed, _ = await store.feeds.add("https://a.example/rss")
    assert feed.id
    locked = threading.Event()
    order: list[str] = []

    def other_process() -> None:
        conn = sqlite3.connect(tmp_path / "banwatch.db", isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE feeds SET title = 'renamed elsewhere'")
            locked.set()
            threading.Event().wait(0.7)
            order.append("other committed")
            conn.execute("COMMIT")
        finally:
            conn.close()

    thread = threading.Thread(target=other_process)
    thread.start()
    try:
        await asyncio.to_thread(locked.wait, 5)
        await store.items.add_many([seed_item(feed.id)])
        order.append("ours stored")
    finally:
        await asyncio.to_thread(thread.join, 5)
    assert order == ["other committed", "ours stored"]
    assert [f.title for f in await store.feeds.all()] == ["renamed elsewhere"]
    assert (await store.items.stats()).items == 1


async def test_a_damaged_page_fails_the_integrity_check_at_start(tmp_path: Path) -> None:
    path = tmp_path / "banwatch.db"
    async with Store.open(path) as store:
        feed, _ = await store.feeds.add("https://a.example/rss")
        assert feed.id
        await store.items.add_many(
            [make_item(feed.id, n, text="regulators " * 300) for n in range(300)]
        )
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    # Scribble over a page in the middle of the file (a bad sector, a torn copy).
    data = bytearray(path.read_bytes())
    start = page_size * (pages // 2)
    data[start : start + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))

    with pytest.raises(StoreError, match=r"failed its integrity check.*banwatch backup"):
        async with Store.open(path):
            pass


async def test_backup_during_writes_is_a_consistent_copy(store: Store, tmp_path: Path) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    assert feed.id
    batches = [[make_item(feed.id, b * 100 + n) for n in range(100)] for b in range(10)]

    async def write() -> None:
        for batch in batches:
            await store.items.add_many(batch)

    target = tmp_path / "copy.db"
    await asyncio.gather(write(), store.backup(target))
    assert await integrity(target) == "ok"
    async with Store.open(target) as copy:
        stats = await copy.items.stats()
        assert stats.items % 100 == 0  # whole transactions only
        row = await copy.db.fetchone("SELECT count(*) FROM items_fts")
        assert row is not None and row[0] == stats.items


async def test_a_write_cancelled_at_its_begin_leaves_no_transaction_open(store: Store) -> None:
    """The sender is cancelled (shutdown) while its claim's BEGIN IMMEDIATE is on its way to
    SQLite's thread: the transaction that BEGIN opened is rolled back, and the next write
    works instead of failing with "cannot start a transaction within a transaction"."""
    for _ in range(20):  # the cancel lands at a slightly different moment each time
        task = asyncio.create_task(store.outbox.claim("stopping"))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await store.outbox.claim("next") == []
    assert not store.db.writer.in_transaction
