"""The outbox: one row per (chat, item) alert, written with the item, deleted never.

pending → sent, or → dropped (chat gone) / dead (gave up after MAX_ATTEMPTS and two days).
A row is marked sent only after the platform accepted the message, so a crash can repeat at
most the message in flight.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.models import Chat, Item
from bot.store.chats import chat_from_row
from bot.store.db import Database, to_db
from bot.store.items import ITEM_COLUMNS, item_from_row

MAX_ATTEMPTS = 12
# An alert gives up only after MAX_ATTEMPTS failures AND this long: a long platform outage
# must not turn pending alerts into lost ones (the backoff between tries is capped).
GIVE_UP_AFTER = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    chat: Chat
    item: Item
    attempts: int


class Outbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def due(
        self,
        *,
        limit: int = 100,
        now: datetime | None = None,
        platforms: Collection[str] | None = None,
    ) -> list[Alert]:
        """Pending alerts whose time has come, oldest first but taken round-robin across
        chats, so one chat's backlog never fills the batch ahead of other chats' alerts."""
        where, params = _platform_filter(platforms)
        rows = await self.db.fetchall(
            "WITH due AS (SELECT o.id, o.chat_id, o.item_id, o.attempts,"
            "   row_number() OVER (PARTITION BY o.chat_id ORDER BY o.id) AS turn"
            "   FROM outbox o JOIN chats c ON c.id = o.chat_id"
            f"  WHERE o.status = 'pending' AND o.not_before <= ? AND c.active = 1 {where})"
            f" SELECT o.id AS alert_id, o.attempts, o.chat_id, c.platform, c.key, c.kind,"
            f" c.active, c.lang AS chat_lang, {ITEM_COLUMNS}"
            " FROM due o JOIN chats c ON c.id = o.chat_id JOIN items i ON i.id = o.item_id"
            " JOIN feeds f ON f.id = i.feed_id LEFT JOIN flags g ON g.item_id = i.id"
            " ORDER BY o.turn, o.id LIMIT ?",
            (to_db(now or self.clock.now(), precise=True), *params, limit),
        )
        return [
            Alert(
                id=r["alert_id"],
                chat=chat_from_row(r, id_column="chat_id", lang_column="chat_lang"),
                item=item_from_row(r),
                attempts=r["attempts"],
            )
            for r in rows
        ]

    async def mark_sent(self, alert_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1"
                " WHERE id = ?",
                (to_db(self.clock.now()), alert_id),
            )

    async def mark_sent_many(self, alert_ids: list[int]) -> None:
        """Rows folded into one message: all sent in one transaction."""
        now = to_db(self.clock.now())
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1"
                " WHERE id = ?",
                [(now, alert_id) for alert_id in alert_ids],
            )

    async def retry(self, alert_id: int, delay: float, error: str, *, count: bool = True) -> bool:
        """Try again after `delay` seconds. Returns False when the alert gave up (dead).
        `count=False` for waits the platform asked for (rate limits), which are not failures."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE outbox SET attempts = attempts + ?, not_before = ?, last_error = ?,"
                " status = CASE WHEN attempts + ? >= ? AND created < ? THEN 'dead'"
                " ELSE 'pending' END"
                " WHERE id = ? RETURNING status",
                (
                    int(count),
                    to_db(self.clock.now() + timedelta(seconds=delay), precise=True),
                    error[:500],
                    int(count),
                    MAX_ATTEMPTS,
                    to_db(self.clock.now() - GIVE_UP_AFTER),
                    alert_id,
                ),
            )
            row = await cur.fetchone()
            await cur.close()
        return row is not None and row[0] == "pending"

    async def pending_count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM outbox WHERE status = 'pending'")
        return int(row[0]) if row else 0

    async def next_due(self, platforms: Collection[str] | None = None) -> datetime | None:
        where, params = _platform_filter(platforms)
        row = await self.db.fetchone(
            "SELECT min(o.not_before) FROM outbox o JOIN chats c ON c.id = o.chat_id"
            f" WHERE o.status = 'pending' AND c.active = 1 {where}",
            params,
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None


def _platform_filter(platforms: Collection[str] | None) -> tuple[str, tuple[str, ...]]:
    if platforms is None:
        return "", ()
    names = tuple(platforms)
    return f"AND c.platform IN ({','.join('?' * len(names))})", names
