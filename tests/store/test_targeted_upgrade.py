"""A store written before targeted subscriptions (schema 3) upgrades when it opens: its plain
subscriptions keep their modes and keep alerting, and targeted ones can sit beside them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.models import SubscriptionKind
from bot.store import Store
from bot.store.chats import DIGEST
from bot.store.migrations import MIGRATIONS
from bot.targets import Targets
from tests.support.builders import ban_flag, make_item, regulation_flag


def old_store(path: Path, created: datetime) -> None:
    """A schema-3 database, as the previous release left it, with two chats subscribed."""
    with sqlite3.connect(path) as conn:
        for number, script in enumerate(MIGRATIONS[:3], start=1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")
        stamp = created.isoformat(timespec="seconds")
        conn.executemany(
            "INSERT INTO chats (id, platform, key, kind, created) VALUES (?, 'telegram', ?, ?, ?)",
            [(1, "1001", "private", stamp), (2, "-1002", "group", stamp)],
        )
        conn.executemany(
            "INSERT INTO subscriptions (chat_id, kind, value, created, mode)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (1, "bans", "", stamp, "instant"),
                (1, "keyword", "binance", stamp, "instant"),
                (2, "regulation", "", stamp, "digest"),
            ],
        )


async def test_an_old_store_upgrades_and_its_subscriptions_keep_working(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    created = datetime.now(UTC) - timedelta(days=1)
    old_store(path, created)
    async with Store.open(path) as store:
        version = await store.db.fetchone("PRAGMA user_version")
        assert version is not None
        assert tuple(version) == (len(MIGRATIONS),)
        subs = await store.chats.subscriptions(1)
        assert [s.label() for s in subs] == ["bans", "keyword binance"]
        assert all(not s.targets for s in subs)
        assert list((await store.chats.subscription_modes(2)).values()) == [DIGEST]

        # A targeted subscription beside the plain one of the same kind.
        assert await store.chats.subscribe(1, SubscriptionKind.BANS) is False  # already there
        wechat = Targets(platforms=("WeChat",))
        assert await store.chats.subscribe(2, SubscriptionKind.BANS, targets=wechat)

        feed, _ = await store.feeds.add("https://news.example/rss", "Wire")
        assert feed.id is not None
        soon = datetime.now(UTC) + timedelta(hours=1)
        await store.items.add_many(
            [
                make_item(
                    feed.id, 1, title="WeChat closes accounts", flag=ban_flag(), published=soon
                ),
                make_item(feed.id, 2, title="SEC sues", flag=regulation_flag(), published=soon),
            ]
        )
        due = await store.outbox.due(now=soon + timedelta(days=1))
        assert sorted((a.chat.key, a.item.title) for a in due) == [
            ("-1002", "WeChat closes accounts"),  # the new targeted one; regulation is digest
            ("1001", "WeChat closes accounts"),
        ]
