"""Feeds and their health: last success, last error, consecutive failures, schedule."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.models import Feed
from bot.store.db import from_db, to_db
from bot.store.leases import LEASE_SECONDS
from bot.store.sql import Database, Row, placeholders


def _feed(row: Row) -> Feed:
    return Feed(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        lang=row["lang"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        last_success=from_db(row["last_success"]),
        last_error=row["last_error"],
        last_checked=from_db(row["last_checked"]),
        failures=row["failures"],
        disabled=bool(row["disabled"]),
        next_poll=from_db(row["next_poll"]),
    )


class FeedRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def add(self, url: str, title: str = "", lang: str | None = None) -> tuple[Feed, bool]:
        """Add a feed; return it and whether it is new. Re-adding a feed re-enables it."""
        async with self.db.transaction() as conn:
            row = await conn.fetchone(
                "UPDATE feeds SET disabled = 0, failures = 0, next_poll = NULL WHERE url = ?"
                " RETURNING id",
                (url,),
            )
            fresh = row is None
            if fresh:
                row = await conn.fetchone(
                    "INSERT INTO feeds (url, title, lang, added) VALUES (?, ?, ?, ?) RETURNING id",
                    (url, title, lang, to_db(self.clock.now())),
                )
        assert row is not None  # noqa: S101 - RETURNING always yields a row here
        feed = await self.get(int(row[0]))
        assert feed is not None  # noqa: S101 - just written
        return feed, fresh

    async def add_many(
        self, feeds: Iterable[tuple[str, str, str | None] | tuple[str, str, str | None, str]]
    ) -> int:
        """Insert (url, title, lang[, category]) rows that are not there yet; return how many
        were new. A feed already there keeps its title, language and category."""
        now = to_db(self.clock.now())
        added = 0
        async with self.db.transaction() as conn:
            for url, title, lang, *rest in feeds:
                row = await conn.fetchone(
                    "INSERT INTO feeds (url, title, lang, added) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (url) DO NOTHING RETURNING id",
                    (url, title, lang, now),
                )
                if row is None:
                    continue
                added += 1
                if rest and rest[0]:
                    await conn.execute(
                        "INSERT INTO feed_categories (feed_id, category) VALUES (?, ?)"
                        " ON CONFLICT (feed_id) DO UPDATE SET category = excluded.category",
                        (row[0], rest[0]),
                    )
        return added

    async def categories(self) -> dict[int, str]:
        """Each feed's category as its list gave it ("News/EU"); feeds without one are left
        out."""
        rows = await self.db.fetchall("SELECT feed_id, category FROM feed_categories")
        return {int(r[0]): str(r[1]) for r in rows}

    async def keep_only(self, urls: Collection[str]) -> list[Feed]:
        """Remove every feed whose URL is not in `urls` (their items go too); return them."""
        keep = set(urls)
        gone = [f for f in await self.all() if f.url not in keep]
        if gone:
            async with self.db.transaction() as conn:
                await conn.executemany("DELETE FROM feeds WHERE id = ?", [(f.id,) for f in gone])
        return gone

    async def enable(self, feed_id: int | None = None) -> int:
        """Enable disabled feeds again, to be polled at once: one, or all when `feed_id` is
        None. Returns how many were disabled."""
        where, params = ("", ()) if feed_id is None else (" AND id = ?", (feed_id,))
        async with self.db.transaction() as conn:
            return await conn.execute(
                "UPDATE feeds SET disabled = 0, failures = 0, next_poll = NULL"
                f" WHERE disabled = 1{where}",
                params,
            )

    async def remove(self, feed_id: int) -> Feed | None:
        feed = await self.get(feed_id)
        if feed is not None:
            async with self.db.transaction() as conn:
                await conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
        return feed

    async def get(self, feed_id: int) -> Feed | None:
        row = await self.db.fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return _feed(row) if row else None

    async def all(self) -> list[Feed]:
        return [_feed(r) for r in await self.db.fetchall("SELECT * FROM feeds ORDER BY id")]

    async def due(self, now: datetime) -> list[Feed]:
        """Feeds to poll now: enabled ones never polled or due, disabled ones due for their
        daily retry; the never polled first, then by due time."""
        rows = await self.db.fetchall(
            "SELECT * FROM feeds WHERE (next_poll IS NULL AND disabled = 0) OR next_poll <= ?"
            " ORDER BY next_poll IS NOT NULL, next_poll",
            (to_db(now, precise=True),),
        )
        return [_feed(r) for r in rows]

    async def lease_due(
        self, owner: str, now: datetime, *, limit: int, seconds: float = LEASE_SECONDS
    ) -> list[Feed]:
        """Take up to `limit` due feeds (as `due` orders them) that no other process is
        polling: each gets `owner`'s lease until now + `seconds`, in one statement. On
        PostgreSQL the due rows are locked `FOR UPDATE SKIP LOCKED`, so processes that look
        at once take different feeds and never wait for each other; on SQLite the one
        writer does the same. The lease ends when the poll's health is saved, or expires
        (a process killed while polling)."""
        if limit <= 0:
            return []
        lock = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
        moment = to_db(now, precise=True)
        async with self.db.transaction() as conn:
            rows = await conn.fetchall(
                "UPDATE feeds SET lease_owner = :owner, lease_until = :until"
                " WHERE id IN (SELECT id FROM feeds"
                "  WHERE ((next_poll IS NULL AND disabled = 0) OR next_poll <= :now)"
                "  AND (lease_until IS NULL OR lease_until <= :now)"
                f"  ORDER BY next_poll IS NOT NULL, next_poll, id LIMIT :limit{lock})"
                " RETURNING *",
                {
                    "owner": owner,
                    "until": to_db(now + timedelta(seconds=seconds), precise=True),
                    "now": moment,
                    "limit": limit,
                },
            )
        feeds = [_feed(r) for r in rows]
        feeds.sort(key=lambda f: (f.next_poll is not None, f.next_poll or now, f.id or 0))
        return feeds

    async def give_back(self, owner: str) -> int:
        """Free the feeds `owner` leased and did not finish (a poller that stops)."""
        async with self.db.transaction() as conn:
            return await conn.execute(
                "UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                (owner,),
            )

    async def next_due(self, exclude: Collection[int] = ()) -> datetime | None:
        """The earliest next poll (a disabled feed's daily retry included), leaving out
        `exclude` (feeds being polled now); a feed another process is polling is due again
        when its lease expires, at the latest."""
        skip = sorted(exclude)
        where = f" WHERE id NOT IN ({placeholders(len(skip))})" if skip else ""
        row = await self.db.fetchone(
            "SELECT min(CASE WHEN lease_until > next_poll THEN lease_until ELSE next_poll END)"
            f" FROM feeds{where}",
            tuple(skip),
        )
        return from_db(row[0]) if row else None

    async def save_health(self, *feeds: Feed) -> None:
        """Write back what polls learned: validators, body hash, health and next poll (of
        several feeds in one transaction: the poller saves polls that end together)."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE feeds SET title = ?, lang = ?, etag = ?, last_modified = ?, body_hash = ?,"
                " last_success = ?, last_error = ?, last_checked = ?, failures = ?, disabled = ?,"
                " next_poll = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?",
                [
                    (
                        feed.title,
                        feed.lang,
                        feed.etag,
                        feed.last_modified,
                        feed.body_hash,
                        to_db(feed.last_success) if feed.last_success else None,
                        feed.last_error,
                        to_db(feed.last_checked) if feed.last_checked else None,
                        feed.failures,
                        int(feed.disabled),
                        to_db(feed.next_poll, precise=True) if feed.next_poll else None,
                        feed.id,
                    )
                    for feed in feeds
                ],
            )

    async def item_counts(self) -> dict[int, int]:
        rows = await self.db.fetchall("SELECT feed_id, count(*) FROM items GROUP BY feed_id")
        return {int(r[0]): int(r[1]) for r in rows}
