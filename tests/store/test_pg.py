"""What only PostgreSQL has: its schema made by the first open (as a role that is no
superuser), several Banwatch processes on one database, a server that does not answer, and the
CLI on a postgresql:// BOT_DATABASE. What both backends share is tested on both elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import asyncpg
import pytest

from bot.errors import StoreError
from bot.models import SubscriptionKind
from bot.store import Store, pg_schema
from tests.support.builders import make_item, seed_item
from tests.support.cli import banwatch
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer
from tests.support.pg import free_port


async def test_the_first_open_creates_the_schema_as_a_role_that_is_no_superuser(
    pg_empty_database: str,
) -> None:
    conn = await asyncpg.connect(pg_empty_database)
    try:
        assert not await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert await conn.fetchval("SELECT to_regclass('items')") is None
    finally:
        await conn.close()
    async with Store.open(pg_empty_database) as store:
        feed, _ = await store.feeds.add("https://a.example/rss")
        assert feed.id
        await store.items.add_many([make_item(feed.id, 1, title="La Réglementation arrive")])
        assert [h.item.title for h in (await store.search.search("reglementation")).hits] == [
            "La Réglementation arrive"
        ]
    async with Store.open(pg_empty_database) as again:  # a second open changes nothing
        version = await again.db.fetchone("SELECT max(version) FROM banwatch_schema")
        assert version is not None
        assert version[0] == len(pg_schema.STEPS)
        assert (await again.items.stats()).items == 1


async def test_a_database_of_a_newer_banwatch_is_refused(pg_database: str) -> None:
    conn = await asyncpg.connect(pg_database)
    try:
        await conn.execute("INSERT INTO banwatch_schema (version) VALUES (99)")
    finally:
        await conn.close()
    with pytest.raises(StoreError, match="newer than this Banwatch"):
        async with Store.open(pg_database):
            pass


async def test_several_bots_share_one_database_and_readers_beside_them(pg_database: str) -> None:
    async with (
        Store.open(pg_database, exclusive=True) as bot,
        Store.open(pg_database, exclusive=True) as worker,  # `banwatch worker` beside `run`
        Store.open(pg_database) as reader,  # `latest`, `search` beside them
    ):
        assert await reader.outbox.pending_count() == 0
        assert await bot.leases.take("sender:telegram", "bot") is not None
        assert await worker.leases.take("sender:telegram", "worker") is None  # one sender


async def test_claims_left_by_a_killed_bot_are_taken_over_when_they_expire(
    pg_database: str, clock: FakeClock
) -> None:
    async with Store.open(pg_database, clock) as store:
        feed, _ = await store.feeds.add("https://a.example/rss")
        chat = await store.chats.ensure("telegram", "1")
        assert feed.id and chat.id
        await store.chats.subscribe(chat.id, SubscriptionKind.ALL)
        await store.items.add_many([seed_item(feed.id)])
        assert len(await store.outbox.claim("killed-sender", seconds=60)) == 1
        assert await store.outbox.claim("other") == []  # held
    # Another process may be alive and hold claims: a start gives none of them back ...
    async with Store.open(pg_database, clock, exclusive=True) as bot:
        assert await bot.outbox.claim("new-sender") == []
        await clock.advance(61)  # ... they expire, and then any sender takes them
        [alert] = await bot.outbox.claim("new-sender")
        assert await bot.outbox.mark_sent(alert.id, "new-sender")


async def test_a_server_that_does_not_answer_is_one_clear_line() -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://bw:s3cret-pw@127.0.0.1:{port}/banwatch"
    with pytest.raises(StoreError) as refused:
        async with Store.open(url):
            pass
    message = str(refused.value)
    assert message.startswith(f"cannot open database postgresql://bw@127.0.0.1:{port}/banwatch:")
    assert "s3cret-pw" not in message
    assert "BOT_DATABASE" in message


@pytest.mark.slow
def test_the_cli_on_postgresql(pg_database: str, feed_server: FeedServer, tmp_path: Path) -> None:
    feed_server.add_file("/fr.rss", "crypto_fr.rss")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(feed_server.url("/fr.rss") + "\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env = base | {
        "BOT_FEEDS": str(feeds),
        "BOT_DATABASE": pg_database,
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        "BOT_LOG_LEVEL": "WARNING",
        "NO_COLOR": "1",
    }
    assert "1 feed" in banwatch("fetch", "--once", env=env).stdout
    found = banwatch("search", "medias", env=env)  # "médias" in the feed: accents folded
    assert "WeChat ferme les comptes de médias blockchain chinois" in found.stdout
    assert "why: ban" in banwatch("latest", "5", env=env).stdout
    checked = banwatch("check", env=env)
    assert checked.stdout.strip().endswith(": ok")
    assert "banwatch-test" not in checked.stdout  # the URL is shown without its password
    refused = banwatch("backup", str(tmp_path / "copy.db"), env=env, check=False)
    assert refused.returncode == 2
    assert "pg_dump" in refused.stderr
