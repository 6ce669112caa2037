"""Chat updates seen: each Telegram update handled once by whichever replica claims it first.

Several `banwatch run` in webhook mode behind one proxy, on one database, may each be handed
the same update: Telegram retries one it got no answer for, a proxy retries one on another
replica after a timeout. The receiver claims the update's id in one statement before any
handler runs (`claim`: INSERT … ON CONFLICT); the replica whose statement wrote the row
handles the update and marks it `done`; every other delivery of it is answered 200 and
dropped. A claim not marked done within CLAIM_FOR (its replica died mid-handling) may be
taken over by the next delivery, so a crash loses no update; the handlers are idempotent, so
running one again doubles no effect.

Ids are kept for RETAIN (Telegram gives up on an update after 24 hours), then pruned, at
most once every PRUNE_EVERY by each process, from `claim`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import Clock
from bot.store.db import to_db
from bot.store.sql import Database

CLAIM_FOR = timedelta(minutes=2)  # a replica that has not finished by then is taken as dead
RETAIN = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=1)


class UpdateRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._pruned: datetime | None = None

    async def claim(self, source: str, update_id: int, by: str) -> bool:
        """Claim update `update_id` of `source` ("telegram:<bot id>") for replica `by`: True
        when this replica is to handle it (the first to claim it, or the one taking over a
        claim that lapsed unfinished), False when it was handled or is being handled."""
        now = self.clock.now()
        await self._maybe_prune(now)
        async with self.db.transaction() as tx:
            won = await tx.execute(
                "INSERT INTO updates_seen (source, update_id, claimed_by, claimed_until, seen)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (source, update_id) DO UPDATE"
                " SET claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until"
                " WHERE updates_seen.done = 0 AND updates_seen.claimed_until < ?",
                (
                    source,
                    update_id,
                    by,
                    to_db(now + CLAIM_FOR, precise=True),
                    to_db(now, precise=True),
                    to_db(now, precise=True),
                ),
            )
        return won > 0

    async def done(self, source: str, update_id: int, by: str) -> None:
        """The update was handled by `by`: no later delivery runs it again."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE updates_seen SET done = 1"
                " WHERE source = ? AND update_id = ? AND claimed_by = ?",
                (source, update_id, by),
            )

    async def prune(self, older_than: timedelta = RETAIN) -> int:
        """Forget the ids first seen more than `older_than` ago, and the effects of requests
        noted then (bot.store.chats.ChatRepo.unsubscribe_nth); how many ids."""
        cutoff = to_db(self.clock.now() - older_than, precise=True)
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM request_effects WHERE seen < ?", (cutoff,))
            return await tx.execute("DELETE FROM updates_seen WHERE seen < ?", (cutoff,))

    async def _maybe_prune(self, now: datetime) -> None:
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        await self.prune()
