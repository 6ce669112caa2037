from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.models import Category, SubscriptionKind
from bot.store import Store
from tests.support.builders import make_item, regulation_flag, seed_item


async def test_reopening_keeps_items_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    async with Store.open(path) as store:
        feed, _ = await store.feeds.add("https://a.example/rss")
        assert feed.id is not None
        await store.items.add_many([seed_item(feed.id)])
    async with Store.open(path) as store:
        page = await store.search.search("wechat")
        assert [h.item.title for h in page.hits] == [seed_item(1).title]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1


async def test_duplicates_are_skipped_by_guid_and_by_canonical_url(store: Store) -> None:
    a, _ = await store.feeds.add("https://a.example/rss")
    b, _ = await store.feeds.add("https://b.example/rss")
    assert a.id and b.id
    first = await store.items.add_many([make_item(a.id, 1), make_item(a.id, 2)])
    assert len(first) == 2
    again = await store.items.add_many([make_item(a.id, 1)])
    assert again == []
    same_url_other_feed = make_item(b.id, 9, url=make_item(a.id, 2).url)
    assert await store.items.add_many([same_url_other_feed]) == []
    assert (await store.items.stats()).items == 2


async def test_flags_round_trip_and_latest_filters_by_category(store: Store) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    assert feed.id
    await store.items.add_many(
        [seed_item(feed.id), make_item(feed.id, 1, flag=regulation_flag()), make_item(feed.id, 2)]
    )
    bans = await store.items.latest(10, [Category.BAN])
    assert [i.title for i in bans] == [seed_item(feed.id).title]
    flag = bans[0].flag
    assert flag is not None
    assert flag.entities.platforms == ("WeChat",)
    assert flag.entities.regulators == ("CAC",)
    both = await store.items.latest(10, [Category.BAN, Category.REGULATION])
    assert len(both) == 2  # the unflagged item is not listed


async def test_flagged_item_queues_alerts_only_for_matching_new_subscriptions(
    store: Store,
) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    assert feed.id
    bans = await store.chats.ensure("telegram", "1")
    regs = await store.chats.ensure("telegram", "2")
    kw = await store.chats.ensure("telegram", "3")
    other_kw = await store.chats.ensure("telegram", "4")
    assert bans.id and regs.id and kw.id and other_kw.id
    await store.chats.subscribe(bans.id, SubscriptionKind.BANS)
    await store.chats.subscribe(regs.id, SubscriptionKind.REGULATION)
    await store.chats.subscribe(kw.id, SubscriptionKind.KEYWORD, "jinse")
    await store.chats.subscribe(other_kw.id, SubscriptionKind.KEYWORD, "ripple")
    now = datetime.now(UTC)
    old = seed_item(feed.id, published=now - timedelta(days=2))
    old.guid, old.url = "old", "https://fr.example/old"
    fresh = seed_item(feed.id, published=now + timedelta(seconds=5))
    await store.items.add_many([old, fresh])
    due = await store.outbox.due(now=now + timedelta(seconds=1))
    assert sorted(a.chat.key for a in due) == ["1", "3"]
    assert {a.item.id for a in due} == {fresh.id}


async def test_retention_prunes_by_age_and_count_and_the_search_index(store: Store) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    assert feed.id
    now = datetime.now(UTC)
    items = [
        make_item(
            feed.id,
            n,
            title=f"wechat story {n}",
            published=now - timedelta(days=n + 1000),
            fetched=now - timedelta(days=n),
        )
        for n in range(10)
    ]
    await store.items.add_many(items)
    removed = await store.items.prune(timedelta(days=5, hours=12), max_items=4)
    assert removed == 6
    page = await store.search.search("wechat", limit=20)
    assert sorted(h.item.title for h in page.hits) == [f"wechat story {n}" for n in range(4)]


async def test_items_with_pending_alerts_survive_retention(store: Store) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    chat = await store.chats.ensure("telegram", "1")
    assert feed.id and chat.id
    await store.chats.subscribe(chat.id, SubscriptionKind.ALL)
    await store.items.add_many([seed_item(feed.id, published=datetime.now(UTC) + timedelta(1))])
    assert await store.items.prune(timedelta(days=1), max_items=100) == 0
    assert await store.outbox.pending_count() == 1


async def test_a_corrupt_database_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"bad\.db"):
        async with Store.open(path):
            pass


@pytest.mark.sqlite_only  # `banwatch backup` copies the SQLite file; PostgreSQL has pg_dump
async def test_backup_copies_a_live_database(store: Store, tmp_path: Path) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    assert feed.id
    await store.items.add_many([seed_item(feed.id)])
    target = tmp_path / "backup" / "copy.db"
    await store.backup(target)
    async with Store.open(target) as copy:
        assert (await copy.search.search("jinse")).hits


async def test_due_alerts_are_taken_round_robin_across_chats_and_by_platform(
    store: Store,
) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    busy = await store.chats.ensure("telegram", "busy")
    quiet = await store.chats.ensure("telegram", "quiet")
    console = await store.chats.ensure("console", "local")
    assert feed.id and busy.id and quiet.id and console.id
    for chat in (busy, quiet, console):
        assert chat.id
        await store.chats.subscribe(chat.id, SubscriptionKind.ALL)
    await store.chats.unsubscribe(quiet.id)
    later = datetime.now(UTC) + timedelta(minutes=1)
    await store.items.add_many(
        [make_item(feed.id, n, flag=regulation_flag(), published=later) for n in range(1, 6)]
    )
    await store.chats.subscribe(quiet.id, SubscriptionKind.ALL)
    await store.items.add_many([make_item(feed.id, 9, flag=regulation_flag(), published=later)])
    # busy has 6 pending alerts, quiet has 1 (the newest): quiet is still in the first two.
    due = await store.outbox.due(limit=2, platforms=["telegram"])
    assert sorted(a.chat.key for a in due) == ["busy", "quiet"]
    assert {a.chat.platform for a in await store.outbox.due(limit=100, platforms=["console"])} == {
        "console"
    }
    assert await store.outbox.next_due(["discord"]) is None


async def test_old_news_just_fetched_is_not_pruned(store: Store) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    assert feed.id
    old_story = seed_item(feed.id, published=datetime(2018, 8, 22, tzinfo=UTC))
    await store.items.add_many([old_story])
    assert await store.items.prune(timedelta(days=180), max_items=100) == 0
    assert (await store.search.search("wechat")).hits


async def test_failing_alerts_outlive_a_long_outage_and_give_up_only_after_days(
    store: Store,
) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss")
    chat = await store.chats.ensure("telegram", "1")
    assert feed.id and chat.id
    await store.chats.subscribe(chat.id, SubscriptionKind.ALL)
    await store.items.add_many([seed_item(feed.id, published=datetime.now(UTC) + timedelta(1))])
    for _ in range(30):  # hours of failed tries while the platform is down
        [alert] = await store.outbox.claim("sender")
        assert await store.outbox.retry(alert.id, 0, "HTTP 502", owner="sender") == "pending"
    assert await store.outbox.pending_count() == 1
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE outbox SET created = '2000-01-01T00:00:00.000+00:00'")
    [alert] = await store.outbox.claim("sender")
    assert await store.outbox.retry(alert.id, 0, "HTTP 502", owner="sender") == "dead"
    assert await store.outbox.pending_count() == 0
