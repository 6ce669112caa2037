"""The operator's notices (BOT_ADMIN_CHAT): the problems told, and the queue of notices.

A problem is a key ("feed:12:failing", "outbox:backlog") kept in `admin_problems` from the
check that found it until the check that finds it over. A check writes the problems it opens
and closes and the notices telling them in one transaction (`record`): a notice is queued
once per event, and a restart, which reads the problems back, queues nothing again.

Notices leave through the Sender like alerts (paced, retried with backoff, given up after
MAX_ATTEMPTS), but they carry their own text instead of an item. One sender per database (the
instance lock) takes them, so they need no claims.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.models import Chat
from bot.store.chats import chat_from_row
from bot.store.db import from_db, to_db
from bot.store.sql import Database, placeholders

MAX_ATTEMPTS = 12


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    chat: Chat
    text: str
    attempts: int


class NoticeRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def problems(self) -> set[str]:
        """The keys of the problems told and not over."""
        rows = await self.db.fetchall("SELECT key FROM admin_problems")
        return {row[0] for row in rows}

    async def record(
        self,
        *,
        opened: Iterable[str] = (),
        closed: Iterable[str] = (),
        chat_id: int | None = None,
        texts: Iterable[str] = (),
    ) -> None:
        """Open and close problems and queue the notices that tell them, all at once."""
        now = to_db(self.clock.now(), precise=True)
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO admin_problems (key, since) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(key, now) for key in opened],
            )
            await conn.executemany(
                "DELETE FROM admin_problems WHERE key = ?", [(key,) for key in closed]
            )
            if chat_id is not None:
                await conn.executemany(
                    "INSERT INTO admin_notices (chat_id, text, not_before, created)"
                    " VALUES (?, ?, ?, ?)",
                    [(chat_id, text, now, now) for text in texts],
                )

    async def due(self, platforms: Collection[str], limit: int = 20) -> list[Notice]:
        names = tuple(platforms)
        if not names:
            return []
        rows = await self.db.fetchall(
            "SELECT n.id AS notice_id, n.text, n.attempts, c.* FROM admin_notices n"
            " JOIN chats c ON c.id = n.chat_id"
            " WHERE n.status = 'pending' AND n.not_before <= ? AND c.platform IN"
            f" ({placeholders(len(names))}) ORDER BY n.id LIMIT ?",
            (to_db(self.clock.now(), precise=True), *names, limit),
        )
        return [Notice(r["notice_id"], chat_from_row(r), r["text"], r["attempts"]) for r in rows]

    async def next_due(self, platforms: Collection[str]) -> datetime | None:
        names = tuple(platforms)
        if not names:
            return None
        row = await self.db.fetchone(
            "SELECT min(n.not_before) FROM admin_notices n JOIN chats c ON c.id = n.chat_id"
            f" WHERE n.status = 'pending' AND c.platform IN ({placeholders(len(names))})",
            names,
        )
        return from_db(row[0]) if row and row[0] else None

    async def mark_sent(self, notice_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE admin_notices SET status = 'sent', sent_at = ?, attempts = attempts + 1"
                " WHERE id = ?",
                (to_db(self.clock.now()), notice_id),
            )

    async def retry(self, notice_id: int, delay: float, error: str, *, count: bool = True) -> str:
        """Try again after `delay` seconds; "dead" once it gave up, else "pending"."""
        async with self.db.transaction() as conn:
            row = await conn.fetchone(
                "UPDATE admin_notices SET attempts = attempts + ?, not_before = ?,"
                " last_error = ?, status = CASE WHEN attempts + ? >= ? THEN 'dead'"
                " ELSE 'pending' END WHERE id = ? RETURNING status",
                (
                    int(count),
                    to_db(self.clock.now() + timedelta(seconds=delay), precise=True),
                    error[:500],
                    int(count),
                    MAX_ATTEMPTS,
                    notice_id,
                ),
            )
        return str(row[0]) if row else "dead"

    async def drop(self, notice_id: int, reason: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE admin_notices SET status = 'dropped', last_error = ? WHERE id = ?",
                (reason[:500], notice_id),
            )

    async def pending_count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM admin_notices WHERE status = 'pending'")
        return int(row[0]) if row else 0
