"""The outbox: one row per (chat, item) alert, written with the item, deleted never.

pending → sent, or → dropped (chat gone) / dead (gave up after MAX_ATTEMPTS and two days).
A row is marked sent only after the platform accepted the message, so a crash can repeat at
most the message in flight.

Claims. A sender takes due rows with `claim`: in one write transaction (BEGIN IMMEDIATE, so no
other connection or process can claim in between) it picks due rows that nobody holds and
writes its name (`claimed_by`) and an expiry (`claimed_until`, CLAIM_SECONDS on the store's
clock) on them. Two senders on one database therefore never hold, nor send, the same row. A
sender marks sent, or puts back for a retry, only rows it still holds; at the end of its round
it `release`s the rest. A sender that dies keeps its claims until they expire; then any sender
takes them. A chat's pending rows are held by one sender at a time, so per-chat order and pace
hold across senders too.

The claim is "select the due, unheld rows; stamp them" in one transaction. On PostgreSQL the
claim transaction first takes a lock of its own name (`Tx.hold`, an advisory lock), so claims
of any number of processes follow one another as they do on SQLite's one writer (which keeps
a chat's rows with one sender, in order); the stamp locks the rows `FOR UPDATE SKIP LOCKED`
and re-checks that each is unheld, so a row another transaction is writing is left for the
next claim, never waited for nor taken twice. With several processes, one of them sends to a
platform at a time (its lease, bot/store/leases.py); on taking over it gives back at once what
the previous sender left (`release_others`).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.clock import Clock
from bot.models import Chat, Item
from bot.store.chats import chat_from_row
from bot.store.db import to_db
from bot.store.items import ITEM_COLUMNS, item_from_row
from bot.store.sql import Database, Row, placeholders

CLAIMS = "banwatch:outbox-claims"  # the lock a claim holds (Tx.hold)

MAX_ATTEMPTS = 12
# An alert gives up only after MAX_ATTEMPTS failures AND this long: a long platform outage
# must not turn pending alerts into lost ones (the backoff between tries is capped).
GIVE_UP_AFTER = timedelta(days=2)
# How long a claim holds. A sender starts no send in the last CLAIM_MARGIN of its claim (see
# bot/delivery.py), so a send in progress ends well before another sender can take the row.
CLAIM_SECONDS = 300.0

RetryOutcome = Literal["pending", "dead", "lost"]  # "lost": the row is no longer ours


def new_owner() -> str:
    """A name for one sender, unique across processes and hosts: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    chat: Chat
    item: Item
    attempts: int
    claimed_until: datetime | None = None  # set on rows taken with `claim`


# Pending rows whose time has come and that no live claim holds, on chats that are active and
# not held by another sender; numbered per chat ("turn") so a batch takes chats round-robin.
_DUE = (
    "WITH due AS (SELECT o.id, o.chat_id, o.item_id, o.attempts,"
    "   row_number() OVER (PARTITION BY o.chat_id ORDER BY o.id) AS turn"
    "   FROM outbox o JOIN chats c ON c.id = o.chat_id"
    "   WHERE o.status = 'pending' AND o.not_before <= :now AND c.active = 1 {where}"
    "   AND (o.claimed_until IS NULL OR o.claimed_until <= :now)"
    "   AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.chat_id = o.chat_id"
    "     AND x.claimed_until > :now AND x.claimed_by <> :owner AND x.status = 'pending'))"
    " SELECT o.id AS alert_id, o.attempts, o.chat_id, c.platform, c.key, c.kind,"
    " c.active, c.lang AS chat_lang, {items}"
    " FROM due o JOIN chats c ON c.id = o.chat_id JOIN items i ON i.id = o.item_id"
    " JOIN feeds f ON f.id = i.feed_id LEFT JOIN flags g ON g.item_id = i.id"
    " ORDER BY o.turn, o.id LIMIT :limit"
)


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
        """Pending alerts whose time has come and that no sender holds, oldest first but taken
        round-robin across chats, so one chat's backlog never fills the batch ahead of other
        chats' alerts. Only a look: `claim` is what a sender uses."""
        sql, params = _due_query(platforms, now or self.clock.now(), limit, owner="")
        rows = await self.db.fetchall(sql, params)
        return [_alert(r) for r in rows]

    async def claim(
        self,
        owner: str,
        *,
        limit: int = 100,
        platforms: Collection[str] | None = None,
        seconds: float = CLAIM_SECONDS,
    ) -> list[Alert]:
        """Take up to `limit` due alerts for `owner` until now + `seconds`, atomically."""
        now = self.clock.now()
        until = now + timedelta(seconds=seconds)
        sql, params = _due_query(platforms, now, limit, owner=owner)
        skip_locked = " FOR UPDATE SKIP LOCKED" if self.db.dialect == "postgresql" else ""
        async with self.db.transaction() as conn:
            await conn.hold(CLAIMS)
            rows = await conn.fetchall(sql, params)
            if not rows:
                return []
            ids = [int(r["alert_id"]) for r in rows]
            # Stamped only if still unheld: on PostgreSQL a row another transaction is
            # writing (a stale sender's mark or retry) is skipped, never waited for.
            stamped = await conn.fetchall(
                "UPDATE outbox SET claimed_by = ?, claimed_until = ?"
                f" WHERE id IN (SELECT id FROM outbox WHERE id IN ({placeholders(len(ids))})"
                f" AND (claimed_until IS NULL OR claimed_until <= ?){skip_locked})"
                " RETURNING id",
                (owner, to_db(until, precise=True), *ids, to_db(now, precise=True)),
            )
        taken = {int(r[0]) for r in stamped}
        return [_alert(r, claimed_until=until) for r in rows if int(r["alert_id"]) in taken]

    async def release_others(self, platform: str, owner: str) -> int:
        """Give back the rows of `platform`'s chats that senders other than `owner` hold: the
        process that has just become the one sender to `platform` (its lease) takes over
        at once what the previous one, whose lease ran out, left unfinished."""
        async with self.db.transaction() as conn:
            return await conn.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL"
                " WHERE claimed_until IS NOT NULL AND claimed_by <> ? AND status = 'pending'"
                " AND chat_id IN (SELECT id FROM chats WHERE platform = ?)",
                (owner, platform),
            )

    async def release(self, owner: str) -> int:
        """Give back every row `owner` still holds unfinished (the end of its round)."""
        async with self.db.transaction() as conn:
            return await conn.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL"
                " WHERE claimed_by = ? AND claimed_until IS NOT NULL",
                (owner,),
            )

    async def release_all(self) -> int:
        """Give back every claim: only when no other sender can be running (the instance lock
        is held), so that claims left by a killed process do not wait for their expiry."""
        async with self.db.transaction() as conn:
            return await conn.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL"
                " WHERE claimed_until IS NOT NULL"
            )

    async def mark_sent(self, alert_id: int, owner: str) -> bool:
        """Sent, if `owner` still holds the row. Returns whether it did."""
        return await self.mark_sent_many([alert_id], owner) == 1

    async def mark_sent_many(self, alert_ids: list[int], owner: str) -> int:
        """Rows folded into one message: all sent in one transaction. Returns how many of
        them `owner` still held (only those are marked)."""
        if not alert_ids:
            return 0
        async with self.db.transaction() as conn:
            return await conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1,"
                " claimed_by = NULL, claimed_until = NULL"
                f" WHERE id IN ({placeholders(len(alert_ids))}) AND claimed_by = ?",
                (to_db(self.clock.now()), *[int(i) for i in alert_ids], owner),
            )

    async def retry(
        self, alert_id: int, delay: float, error: str, *, owner: str, count: bool = True
    ) -> RetryOutcome:
        """Try again after `delay` seconds, and give the row back. "dead" when the alert gave
        up, "lost" when `owner` no longer held it (nothing changed). `count=False` for waits
        the platform asked for (rate limits), which are not failures."""
        async with self.db.transaction() as conn:
            row = await conn.fetchone(
                "UPDATE outbox SET attempts = attempts + ?, not_before = ?, last_error = ?,"
                " claimed_by = NULL, claimed_until = NULL,"
                " status = CASE WHEN attempts + ? >= ? AND created < ? THEN 'dead'"
                " ELSE 'pending' END"
                " WHERE id = ? AND claimed_by = ? RETURNING status",
                (
                    int(count),
                    to_db(self.clock.now() + timedelta(seconds=delay), precise=True),
                    error[:500],
                    int(count),
                    MAX_ATTEMPTS,
                    to_db(self.clock.now() - GIVE_UP_AFTER),
                    alert_id,
                    owner,
                ),
            )
        if row is None:
            return "lost"
        return "pending" if row[0] == "pending" else "dead"

    async def pending_count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM outbox WHERE status = 'pending'")
        return int(row[0]) if row else 0

    async def next_due(self, platforms: Collection[str] | None = None) -> datetime | None:
        where, params = _platform_filter(platforms)
        row = await self.db.fetchone(
            # A held row is due again when its claim expires (unless it is finished first).
            "SELECT min(CASE WHEN o.claimed_until > o.not_before THEN o.claimed_until"
            " ELSE o.not_before END)"
            " FROM outbox o JOIN chats c ON c.id = o.chat_id"
            f" WHERE o.status = 'pending' AND c.active = 1 {where}",
            params,
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None


def _platform_filter(platforms: Collection[str] | None) -> tuple[str, tuple[str, ...]]:
    if platforms is None:
        return "", ()
    names = tuple(platforms)
    if not names:
        return "AND 1 = 0", ()
    return f"AND c.platform IN ({placeholders(len(names))})", names


def _due_query(
    platforms: Collection[str] | None, now: datetime, limit: int, *, owner: str
) -> tuple[str, dict[str, object]]:
    params: dict[str, object] = {"now": to_db(now, precise=True), "owner": owner, "limit": limit}
    where = ""
    if platforms is not None:
        names = {f"p{n}": name for n, name in enumerate(platforms)}
        where = f"AND c.platform IN ({', '.join(':' + key for key in names)})" if names else ""
        where = where or "AND 1 = 0"
        params.update(names)
    return _DUE.format(where=where, items=ITEM_COLUMNS), params


def _alert(row: Row, claimed_until: datetime | None = None) -> Alert:
    return Alert(
        id=row["alert_id"],
        chat=chat_from_row(row, id_column="chat_id", lang_column="chat_lang"),
        item=item_from_row(row),
        attempts=row["attempts"],
        claimed_until=claimed_until,
    )
