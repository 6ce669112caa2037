"""The schema as an ordered list of migrations; `PRAGMA user_version` records how far we are.

A step is an SQL script, or a coroutine given the writer connection (for work SQL cannot
do, such as filling an index computed in Python); each runs in its own transaction.
Append new steps; never edit a step that has shipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite

from bot.store import cjk


async def add_leases(conn: aiosqlite.Connection) -> None:
    """Migration 11: the lease columns on feeds and the `leases` table."""
    async with conn.execute("PRAGMA table_info(feeds)") as cur:
        columns = {str(row[1]) for row in await cur.fetchall()}
    for column in ("lease_owner", "lease_until"):
        if column not in columns:
            await conn.execute(f"ALTER TABLE feeds ADD COLUMN {column} TEXT")
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS leases ("
        " name TEXT PRIMARY KEY, owner TEXT NOT NULL, until TEXT NOT NULL)"
    )


Migration = str | Callable[[aiosqlite.Connection], Awaitable[None]]

MIGRATIONS: list[Migration] = [
    # 1: feeds, items with an external-content FTS5 index, flags, chats, subscriptions, outbox
    """
    CREATE TABLE feeds (
        id            INTEGER PRIMARY KEY,
        url           TEXT NOT NULL UNIQUE,
        title         TEXT NOT NULL DEFAULT '',
        lang          TEXT,
        etag          TEXT,
        last_modified TEXT,
        body_hash     TEXT,
        last_success  TEXT,
        last_error    TEXT,
        last_checked  TEXT,
        failures      INTEGER NOT NULL DEFAULT 0,
        disabled      INTEGER NOT NULL DEFAULT 0,
        next_poll     TEXT,
        added         TEXT NOT NULL
    );

    CREATE TABLE items (
        id        INTEGER PRIMARY KEY,
        feed_id   INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        guid      TEXT NOT NULL,
        url       TEXT NOT NULL,
        title     TEXT NOT NULL,
        text      TEXT NOT NULL,
        published TEXT NOT NULL,
        fetched   TEXT NOT NULL,
        lang      TEXT,
        author    TEXT,
        UNIQUE (feed_id, guid)
    );
    CREATE UNIQUE INDEX items_url ON items(url) WHERE url <> '';
    CREATE INDEX items_published ON items(published);

    CREATE VIRTUAL TABLE items_fts USING fts5(
        title, text,
        content='items', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
        INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END;
    CREATE TRIGGER items_au AFTER UPDATE OF title, text ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO items_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;

    CREATE TABLE flags (
        item_id   INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
        category  TEXT NOT NULL,
        score     REAL NOT NULL,
        evidence  TEXT NOT NULL,
        entities  TEXT NOT NULL,
        lang      TEXT NOT NULL,
        published TEXT NOT NULL
    );
    CREATE INDEX flags_category ON flags(category, published);

    CREATE TABLE chats (
        id       INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        key      TEXT NOT NULL,
        kind     TEXT NOT NULL DEFAULT 'private',
        active   INTEGER NOT NULL DEFAULT 1,
        lang     TEXT,
        created  TEXT NOT NULL,
        UNIQUE (platform, key)
    );

    CREATE TABLE subscriptions (
        id      INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        kind    TEXT NOT NULL,
        value   TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        UNIQUE (chat_id, kind, value)
    );

    CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY,
        chat_id    INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        item_id    INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        status     TEXT NOT NULL DEFAULT 'pending',
        attempts   INTEGER NOT NULL DEFAULT 0,
        not_before TEXT NOT NULL,
        created    TEXT NOT NULL,
        sent_at    TEXT,
        last_error TEXT,
        UNIQUE (chat_id, item_id)
    );
    CREATE INDEX outbox_due ON outbox(status, not_before);
    """,
    # 2: stories (items about one event share the story of its first item), delivery mode per
    # subscription (instant alerts or the daily digest), daily digest settings per chat
    """
    ALTER TABLE items ADD COLUMN story_id INTEGER;
    CREATE INDEX items_story ON items(story_id) WHERE story_id IS NOT NULL;

    ALTER TABLE subscriptions ADD COLUMN mode TEXT NOT NULL DEFAULT 'instant';

    CREATE TABLE digests (
        chat_id   INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
        enabled   INTEGER NOT NULL DEFAULT 1,
        at        TEXT NOT NULL DEFAULT '08:00',
        tz        TEXT NOT NULL DEFAULT 'UTC',
        last_date TEXT,
        sent_at   TEXT
    );
    """,
    # 3: outbox claims: a sender takes due rows by writing its name and an expiry on them in one
    # write transaction, so two senders on one database never send the same alert; a dead
    # sender's claims lapse at `claimed_until`. Rows already pending stay pending, unclaimed.
    """
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
    CREATE INDEX outbox_claims ON outbox(chat_id, claimed_until) WHERE claimed_until IS NOT NULL;
    """,
    # 4: targeted subscriptions (`/subscribe bans on WeChat`): the names a subscription narrows
    # its alerts to, as JSON ('' for none: every subscription stored before stays plain). One
    # chat may hold `bans` and `bans on WeChat` at once, so the unique key takes `targets` in;
    # SQLite changes a table's constraints only by rebuilding it.
    """
    CREATE TABLE subscriptions_v4 (
        id      INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        kind    TEXT NOT NULL,
        value   TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        mode    TEXT NOT NULL DEFAULT 'instant',
        targets TEXT NOT NULL DEFAULT '',
        UNIQUE (chat_id, kind, value, targets)
    );
    INSERT INTO subscriptions_v4 (id, chat_id, kind, value, created, mode)
        SELECT id, chat_id, kind, value, created, mode FROM subscriptions;
    DROP TABLE subscriptions;
    ALTER TABLE subscriptions_v4 RENAME TO subscriptions;
    """,
    # 5: feedback on alerts: one press per (chat, item), "useful" or "wrong", changeable. The
    # item's words and flag are copied at the press so the labelled line survives retention
    # (the item pruned, its id set to NULL). IF NOT EXISTS: a store set back to an older
    # user_version by hand (tests of older schemas do) still holds the table.
    """
    CREATE TABLE IF NOT EXISTS feedback (
        id        INTEGER PRIMARY KEY,
        chat_id   INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        item_id   INTEGER REFERENCES items(id) ON DELETE SET NULL,
        verdict   TEXT NOT NULL CHECK (verdict IN ('useful', 'wrong')),
        user_id   TEXT NOT NULL DEFAULT '',
        pressed   TEXT NOT NULL,
        title     TEXT NOT NULL,
        text      TEXT NOT NULL,
        url       TEXT NOT NULL,
        lang      TEXT,
        category  TEXT NOT NULL,
        UNIQUE (chat_id, item_id)
    );
    CREATE INDEX IF NOT EXISTS feedback_item ON feedback(item_id);
    """,
    # 6: a feed's category, as its list gave it (the OPML outlines around it, "News/EU"), so
    # `banwatch feeds export` writes it back. A table beside feeds, not a column: IF NOT
    # EXISTS keeps the step safe to run again on a store set back to an older version.
    """
    CREATE TABLE IF NOT EXISTS feed_categories (
        feed_id   INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
        category  TEXT NOT NULL
    );
    """,
    # 7: where a chat's alerts and digests land, beside the chat: the forum topic
    # (`message_thread_id`) a Telegram supergroup subscribed from, and for a channel
    # subscribed from a private chat, its @name and the administrator who did it. A table of
    # its own, not columns on `chats`: CREATE … IF NOT EXISTS survives a store set back to an
    # older user_version by hand (SQLite has no ADD COLUMN IF NOT EXISTS).
    """
    CREATE TABLE IF NOT EXISTS chat_places (
        chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON DELETE CASCADE,
        thread  INTEGER,
        handle  TEXT,
        admin   TEXT
    );
    """,
    # 8: the index of Chinese, Japanese and Korean text as character bigrams (bot/store/cjk.py),
    # written by ItemRepo.add_many, with an index of one-character prefixes (single-character
    # queries); a delete of an item (retention, a removed feed) drops its row, and so does a
    # change of its title or text (whoever changes them writes it again). items_id_published
    # gives a candidate's date without reading its (large) row. Steps 8 and 9 may run again
    # on a file that has them (a store whose version was set back): nothing is doubled.
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS items_cjk USING fts5(
        grams, tokenize='ascii', prefix='1', columnsize=0
    );
    CREATE INDEX IF NOT EXISTS items_id_published ON items(id, published);
    CREATE TRIGGER IF NOT EXISTS items_cjk_ad AFTER DELETE ON items BEGIN
        DELETE FROM items_cjk WHERE rowid = old.id;
    END;
    CREATE TRIGGER IF NOT EXISTS items_cjk_au AFTER UPDATE OF title, text ON items BEGIN
        DELETE FROM items_cjk WHERE rowid = old.id;
    END;
    """,
    # 9: the items stored before step 8 indexed in items_cjk
    cjk.backfill,
    # 10: the operator's notices (BOT_ADMIN_CHAT). `admin_problems` holds each problem a notice
    # was queued for ("feed:12:failing", "outbox:backlog") until it is over, so a restart does
    # not tell it again; `admin_notices` is their queue, sent by the Sender like alerts (paced,
    # retried) but with no item behind them. Both written in one transaction per check.
    """
    CREATE TABLE IF NOT EXISTS admin_problems (
        key   TEXT PRIMARY KEY,
        since TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS admin_notices (
        id         INTEGER PRIMARY KEY,
        chat_id    INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        text       TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'pending',
        attempts   INTEGER NOT NULL DEFAULT 0,
        not_before TEXT NOT NULL,
        created    TEXT NOT NULL,
        sent_at    TEXT,
        last_error TEXT
    );
    """,
    # 11: several processes on one database (PostgreSQL; on SQLite the file lock keeps one).
    # A feed being polled carries a lease (`lease_owner`, `lease_until`), so one process polls
    # it at a time; `leases` holds named leases such as "sender:telegram", the one process
    # sending to a platform. A coroutine, so the columns are added only when missing (SQLite
    # has no ADD COLUMN IF NOT EXISTS) and the step stays safe to run again.
    add_leases,
    # 12: chat updates seen (bot/store/updates.py): each Telegram update claimed by id before
    # it is handled, so webhook replicas on one database handle it once; and the effect a
    # request that must not be repeated had (`/unsubscribe 2` run again after a crash must
    # not remove what is now number 2), by the request's id. Both pruned after two days.
    # IF NOT EXISTS: safe to run again on a store whose version was set back.
    """
    CREATE TABLE IF NOT EXISTS updates_seen (
        source        TEXT NOT NULL,
        update_id     INTEGER NOT NULL,
        claimed_by    TEXT NOT NULL,
        claimed_until TEXT NOT NULL,
        done          INTEGER NOT NULL DEFAULT 0,
        seen          TEXT NOT NULL,
        PRIMARY KEY (source, update_id)
    );
    CREATE INDEX IF NOT EXISTS updates_seen_seen ON updates_seen(seen);
    CREATE TABLE IF NOT EXISTS request_effects (
        request TEXT PRIMARY KEY,
        effect  TEXT NOT NULL,
        seen    TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS request_effects_seen ON request_effects(seen);
    """,
    # 13: items_cjk in its second form: an item's latin words folded among its Chinese
    # bigrams, so a query mixing scripts (`比特币 ETF`) is decided by the index alone
    # (bot/store/cjk.py). Only the items already indexed are read again; safe to run again.
    cjk.rewrite,
]
