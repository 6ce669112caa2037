"""`banwatch migrate --to postgresql://…`: a SQLite store filled by the bot's own code is moved
into PostgreSQL by the real command (a subprocess), then read back through the normal store
and commands there: the same `/item N`, the same search results, pending alerts still
pending and sent ones not sent again, subscriptions and digests as they were, new rows
numbered after the copied ones. A second run changes nothing; a target holding another
store's data, a bad URL and a server that does not answer are refused in one line."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.adapters.console import render_plain
from bot.commands import Commands, Invocation
from bot.config import load_settings
from bot.models import Category, Entities, Flag, SubscriptionKind
from bot.store import Store
from bot.store.chats import DigestSettings
from bot.store.feedback import Verdict
from bot.store.move import PG_OWN, PLAN, SQLITE_INDEXES, TRANSIENT, Mover, Watcher
from bot.targets import Targets
from tests.support.builders import (
    SEED_TEXT,
    SEED_TITLE,
    ban_flag,
    make_item,
    regulation_flag,
    seed_item,
)
from tests.support.cli import banwatch
from tests.support.clock import FakeClock
from tests.support.pg import ROLE_PASSWORD, free_port

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TODAY = "2026-12-07"
SEARCHES = ["wechat", "reglementation", "加密货币", "禁止", "bitcoin market"]


def zh_flag() -> Flag:
    return Flag(
        Category.BAN,
        0.9,
        ("禁止加密货币交易",),
        Entities(platforms=("Huobi",), jurisdictions=("CN",)),
        "zh",
    )


@dataclass
class Filled:
    items: list[int]
    chats: list[int]
    pending: set[int]  # outbox ids
    sent: set[int]


async def fill(path: Path) -> Filled:
    """A store as a running bot leaves it, written through the store's own code (the
    flagged items published after the subscriptions, so they are alerted)."""
    clock = FakeClock(NOW)
    async with Store.open(path, clock) as store:
        gone, _ = await store.feeds.add("https://gone.example/rss", "Gone")
        assert gone.id
        await store.items.add_many([make_item(gone.id, n, published=NOW) for n in range(3)])
        await store.feeds.add_many(
            [
                ("https://fr.example/rss", "Le Fil", "fr", "News/EU"),
                ("https://zh.example/rss", "链闻", "zh", ""),
            ]
        )
        _, fr, zh = await store.feeds.all()
        assert fr.id and zh.id
        private = await store.chats.ensure("telegram", "100")
        forum = await store.chats.ensure("telegram", "-1002", "supergroup")
        channel = await store.chats.ensure("telegram", "-1003", "channel")
        server = await store.chats.ensure("discord", "g1:c1", "group")
        ids = [c.id for c in (private, forum, channel, server)]
        assert all(ids)
        a, b, c, d = (int(i or 0) for i in ids)
        await store.chats.subscribe(a, SubscriptionKind.ALL)
        await store.chats.subscribe_mode(b, SubscriptionKind.KEYWORD, "wechat", mode="digest")
        await store.chats.subscribe(c, SubscriptionKind.BANS, targets=Targets(platforms=("Huobi",)))
        await store.chats.subscribe(d, SubscriptionKind.REGULATION)
        await store.chats.set_thread(b, 77)
        await store.chats.set_channel(c, "@bannews", "100")
        await store.chats.set_digest(b, enabled=True, at="09:30", tz="Europe/Paris")
        assert await store.chats.mark_digest_sent(b, TODAY)
        await store.chats.set_lang(a, "fr")
        new = await store.items.add_many(
            [
                seed_item(fr.id, published=NOW + timedelta(minutes=1)),
                make_item(
                    fr.id,
                    1,
                    title="La réglementation MiCA arrive",
                    flag=regulation_flag(),
                    published=NOW + timedelta(minutes=2),
                ),
                make_item(
                    zh.id,
                    2,
                    title="火币禁止加密货币交易",
                    text="中国监管机构宣布禁止加密货币交易。",
                    flag=zh_flag(),
                    published=NOW + timedelta(minutes=3),
                    lang="zh",
                ),
                *[make_item(fr.id, n, published=NOW - timedelta(days=n)) for n in range(3, 9)],
            ]
        )
        items = [int(i.id or 0) for i in new]
        later = make_item(
            zh.id, 9, title=SEED_TITLE, text=SEED_TEXT, flag=ban_flag(), published=NOW
        )
        [joined] = await store.items.add_many([later])  # the same news again: one story
        items.append(int(joined.id or 0))
        await store.feeds.remove(gone.id)  # the first numbers stay unused: none is redone
        first = await store.outbox.claim("old-sender")
        assert first
        assert await store.outbox.mark_sent(first[0].id, "old-sender")
        await store.outbox.release("old-sender")
        await store.feedback.press(a, new[0], Verdict.USEFUL, "100")
        await store.feedback.press(d, new[1], Verdict.WRONG, "5")
        await store.notices.record(opened=["feed:9:failing"], chat_id=a, texts=["feed 9 fails"])
        rows = await store.db.fetchall("SELECT id, status FROM outbox")
        return Filled(
            items=items,
            chats=[a, b, c, d],
            pending={int(r[0]) for r in rows if r[1] == "pending"},
            sent={int(r[0]) for r in rows if r[1] == "sent"},
        )


async def seen(where: Path | str, filled: Filled) -> dict[str, Any]:
    """What users see of a store: items by number, searches, subscriptions, digests, where
    alerts land, feedback, and what is still to send."""
    async with Store.open(where, FakeClock(NOW)) as store:
        commands = Commands(store, load_settings(None, BOT_ADMINS="42"))

        async def item(n: int) -> str:
            inv = Invocation("telegram", "100", "item", str(n), user_id="100")
            return render_plain(await commands.run(inv))

        view: dict[str, Any] = {
            "item": {n: await item(n) for n in filled.items},
            "stored": {n: await store.items.get(n) for n in filled.items},
            "story": {n: [i.id for i in await store.items.story_of(n)] for n in filled.items},
            "search": {
                q: sorted(h.item.id or 0 for h in (await store.search.search(q, limit=20)).hits)
                for q in SEARCHES
            },
            "subscriptions": {c: await store.chats.subscriptions(c) for c in filled.chats},
            "modes": {c: await store.chats.subscription_modes(c) for c in filled.chats},
            "digest": {c: await store.chats.digest(c) for c in filled.chats},
            "place": {c: await store.chats.place(c) for c in filled.chats},
            "chat": {c: await store.chats.get(c) for c in filled.chats},
            "feeds": await store.feeds.all(),
            "categories": await store.feeds.categories(),
            "pressed": await store.feedback.pressed(),
            "problems": await store.notices.problems(),
            "notices": await store.notices.due(["telegram"]),
            "due": sorted(a.id for a in await store.outbox.due(limit=1000)),
            "stats": await store.items.stats(),
        }
        return view


async def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the PostgreSQL store, and where each id sequence is."""
    conn = await asyncpg.connect(url)
    try:
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in [*(t.name for t in PLAN), "items_cjk"]:
            rows = await conn.fetch(f"SELECT * FROM {table} ORDER BY 1")
            out[table] = [tuple(r) for r in rows]
        out["sequences"] = [
            tuple(r) for r in await conn.fetch("SELECT * FROM pg_sequences ORDER BY sequencename")
        ]
        return out
    finally:
        await conn.close()


def environment(database: Path | str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    return base | {"BOT_DATABASE": str(database), "BOT_LOG_LEVEL": "WARNING", "NO_COLOR": "1"}


@pytest.mark.slow
async def test_a_moved_store_shows_users_what_it_did(
    tmp_path: Path, pg_empty_database: str
) -> None:
    path = tmp_path / "banwatch.db"
    filled = await fill(path)
    assert filled.pending
    assert filled.sent
    before = await seen(path, filled)

    moved = banwatch("migrate", "--to", pg_empty_database, env=environment(path))
    assert "moved" in moved.stdout
    assert "every id kept" in moved.stdout
    assert f"items {len(filled.items)}," in moved.stdout
    assert ROLE_PASSWORD not in moved.stdout + moved.stderr

    after = await seen(pg_empty_database, filled)
    assert after == before
    assert "火币禁止加密货币交易" in after["item"][filled.items[2]]  # `/item N`: the same item
    assert min(filled.items) > 3  # numbers a removed feed's items had stay unused
    assert after["story"][filled.items[0]] == [filled.items[-1]]  # one story, kept
    assert after["search"]["加密货币"] == [filled.items[2]]  # the Chinese item, by its word
    assert after["search"]["reglementation"] == [filled.items[1]]  # accents ignored
    assert after["digest"][filled.chats[1]] == DigestSettings(
        filled.chats[1], True, "09:30", "Europe/Paris", TODAY
    )
    assert after["place"][filled.chats[1]] == (77, None)
    assert after["place"][filled.chats[2]] == (None, "@bannews")

    # A second run copies nothing and changes nothing.
    rows = await dump(pg_empty_database)
    again = banwatch("migrate", "--to", pg_empty_database, env=environment(path))
    assert "nothing to move" in again.stdout
    assert "nothing changed" in again.stdout
    assert await dump(pg_empty_database) == rows

    async with Store.open(pg_empty_database, FakeClock(NOW)) as store:
        # Pending alerts are sent now; the sent one is not sent again.
        claimed = await store.outbox.claim("new-sender", limit=1000)
        assert {a.id for a in claimed} == filled.pending
        assert not {a.id for a in claimed} & filled.sent
        # Today's digest went out before the move: not a second time.
        assert not await store.chats.mark_digest_sent(filled.chats[1], TODAY)
        # New rows are numbered after the copied ones.
        feed, added = await store.feeds.add("https://new.example/rss")
        assert added
        assert feed.id == max(f.id or 0 for f in before["feeds"]) + 1
        [item] = await store.items.add_many([make_item(feed.id, 1, title="Fresh news")])
        assert item.id == max(filled.items) + 1
        chat = await store.chats.ensure("telegram", "555")
        assert chat.id == max(filled.chats) + 1


@pytest.mark.slow
async def test_a_target_with_another_stores_data_is_refused(
    tmp_path: Path, pg_database: str, pg_empty_database: str
) -> None:
    path = tmp_path / "banwatch.db"
    await fill(path)
    async with Store.open(pg_database) as other:  # a row the SQLite store does not have
        await other.feeds.add("https://elsewhere.example/rss")
    async with Store.open(pg_empty_database) as other:  # an id naming another row
        await other.chats.ensure("telegram", "999")

    for url, says in [
        (pg_database, "already holds feed 1, which"),
        (pg_empty_database, "already holds another store's data: chat 1 is telegram, 999"),
    ]:
        rows = await dump(url)
        refused = banwatch("migrate", "--to", url, env=environment(path), check=False)
        assert refused.returncode == 2
        message = refused.stderr.strip()
        assert says in message
        assert "another store's data" in message
        assert "createdb" in message  # the fix
        assert ROLE_PASSWORD not in message
        assert len(message.splitlines()) == 1
        assert await dump(url) == rows  # nothing written


async def test_a_bad_url_or_a_server_that_does_not_answer_is_one_clear_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "banwatch.db"
    async with Store.open(path) as store:
        await store.feeds.add("https://a.example/rss")
    env = environment(path)

    bad = banwatch("migrate", "--to", "mysql://bw:pw@db/banwatch", env=env, check=False)
    assert bad.returncode == 2
    assert "--to takes a PostgreSQL URL, postgresql://user@host:port/database" in bad.stderr
    assert "pw" not in bad.stderr.replace("password", "")

    port = free_port()  # nothing listens there
    url = f"postgresql://bw:s3cret-pw@127.0.0.1:{port}/banwatch"
    down = banwatch("migrate", "--to", url, env=env, check=False)
    assert down.returncode == 2
    message = down.stderr.strip()
    assert message.startswith(f"banwatch: cannot open database postgresql://bw@127.0.0.1:{port}")
    assert "check the URL given to --to" in message
    assert "s3cret-pw" not in down.stdout + down.stderr


async def test_a_wrong_password_is_one_clear_line(tmp_path: Path, pg_database: str) -> None:
    path = tmp_path / "banwatch.db"
    async with Store.open(path) as store:
        await store.feeds.add("https://a.example/rss")
    wrong = pg_database.replace(ROLE_PASSWORD, "not-the-password")
    refused = banwatch("migrate", "--to", wrong, env=environment(path), check=False)
    assert refused.returncode == 2
    message = refused.stderr.strip()
    assert message.startswith("banwatch: cannot open database postgresql://banwatch@")
    assert "password authentication failed" in message
    assert "check the URL given to --to" in message
    assert "not-the-password" not in refused.stdout + refused.stderr


def test_a_store_on_postgresql_already_is_not_moved(tmp_path: Path) -> None:
    env = environment("postgresql://bw:s3cret-pw@127.0.0.1:5432/banwatch")
    refused = banwatch("migrate", "--to", "postgresql://bw@db/x", env=env, check=False)
    assert refused.returncode == 2
    assert "copies a SQLite store" in refused.stderr
    assert "s3cret-pw" not in refused.stderr


async def test_the_move_knows_every_table_of_both_schemas(tmp_path: Path, pg_database: str) -> None:
    """A table added to either schema must be added to the move's PLAN (or named as a
    search index of its backend's own form, or as a short-lived delivery record)."""
    async with Store.open(tmp_path / "banwatch.db") as store:
        rows = await store.db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    sqlite_tables = {str(r[0]) for r in rows if not str(r[0]).startswith(SQLITE_INDEXES)}
    conn = await asyncpg.connect(pg_database)
    try:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    finally:
        await conn.close()
    pg_tables = {str(r[0]) for r in rows} - set(PG_OWN)
    planned = {t.name for t in PLAN} | set(TRANSIENT)
    assert sqlite_tables == planned
    assert pg_tables == planned


async def test_no_move_while_a_bot_runs_on_either_store(tmp_path: Path, pg_database: str) -> None:
    path = tmp_path / "banwatch.db"
    async with Store.open(path) as store:
        await store.feeds.add("https://a.example/rss")
    for running in (path, pg_database):
        async with Store.open(running, exclusive=True) as bot:
            # A bot on PostgreSQL is known by the sender lease it keeps renewed.
            await bot.leases.take("sender:telegram", "a running bot")
            refused = banwatch("migrate", "--to", pg_database, env=environment(path), check=False)
        assert refused.returncode == 2
        assert "another Banwatch is already running on" in refused.stderr
        assert "stop it" in refused.stderr
    async with Store.open(pg_database) as target:
        assert await target.feeds.all() == []  # nothing copied


@pytest.mark.slow
async def test_small_batches_move_the_same_store(tmp_path: Path, pg_database: str) -> None:
    """Many batches, each its own transaction, copy what one would; a second run, whose
    check reads the target batch by batch, copies nothing."""
    path = tmp_path / "banwatch.db"
    filled = await fill(path)
    before = await seen(path, filled)

    class Batches(Watcher):
        def __init__(self) -> None:
            self.sizes: list[int] = []

        def advance(self, rows: int) -> None:
            self.sizes.append(rows)

    runs = []
    for _ in range(2):
        watcher = Batches()
        async with Store.open(path, exclusive=True) as mine, Store.open(pg_database) as theirs:
            mover = Mover(
                mine.db,
                theirs.db,
                source_name="a",
                target_name="b",
                fix="",
                batch=3,
                watcher=watcher,
            )
            runs.append((await mover.run(), watcher.sizes))
    (first, sizes), (second, _) = runs
    assert first.copied["items"] == len(filled.items)
    assert max(sizes) == 3
    assert not second.changed
    assert sum(second.copied.values()) == 0
    assert await seen(pg_database, filled) == before
