"""Named leases: what one process at a time may do, for a while, across every process on the
database ("sender:telegram": the one process sending to Telegram, so the bot keeps one pace).

A lease has an owner (`bot.store.outbox.new_owner`: host:pid:random) and an expiry on the
store's clock. `take` takes a free or expired lease, or renews one the owner holds, in one
statement (an upsert whose update applies only then), so two processes never both get it.
The holder renews it well before it runs out; a process killed with SIGKILL renews nothing,
and its lease is free once it expires (LEASE_SECONDS). `give_back` frees it at a clean stop,
so another process takes over at once.

On SQLite the file lock keeps one Banwatch per file: the one process always gets its leases.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import Clock
from bot.store.db import from_db, to_db
from bot.store.sql import Database

# How long a lease (and a feed's poll lease) holds without renewal: what a process killed with
# SIGKILL costs the others at most before they take over.
LEASE_SECONDS = 60.0


class LeaseRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def take(self, name: str, owner: str, seconds: float = LEASE_SECONDS) -> datetime | None:
        """Take or renew the lease `name` for `owner` until now + `seconds`. Returns that
        expiry, or None when another owner holds it (and it has not expired)."""
        now = self.clock.now()
        until = now + timedelta(seconds=seconds)
        async with self.db.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO leases (name, owner, until) VALUES (:name, :owner, :until)"
                " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until"
                " WHERE leases.owner = excluded.owner OR leases.until <= :now"
                " RETURNING until",
                {
                    "name": name,
                    "owner": owner,
                    "until": to_db(until, precise=True),
                    "now": to_db(now, precise=True),
                },
            )
        return until if row is not None else None

    async def holder(self, name: str) -> tuple[str, datetime] | None:
        """Who holds `name` and until when (an expired lease included), or None."""
        row = await self.db.fetchone("SELECT owner, until FROM leases WHERE name = ?", (name,))
        if row is None:
            return None
        until = from_db(row[1])
        assert until is not None  # noqa: S101 - NOT NULL
        return str(row[0]), until

    async def live(self) -> list[str]:
        """The names of the leases held now (not expired): a process is running on this
        database (its sender renews one every third of BOT_LEASE_SECONDS)."""
        rows = await self.db.fetchall(
            "SELECT name FROM leases WHERE until > ? ORDER BY name",
            (to_db(self.clock.now(), precise=True),),
        )
        return [str(r[0]) for r in rows]

    async def give_back(self, name: str, owner: str) -> bool:
        """Free `name` if `owner` holds it. Returns whether it did."""
        async with self.db.transaction() as tx:
            return (
                await tx.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))
                == 1
            )

    async def give_back_all(self) -> int:
        """Free every lease, of feeds too: only when no other process can be running (the
        instance lock of SQLite is held), so leases of a killed process need not expire."""
        async with self.db.transaction() as tx:
            freed = await tx.execute("DELETE FROM leases")
            freed += await tx.execute(
                "UPDATE feeds SET lease_owner = NULL, lease_until = NULL"
                " WHERE lease_until IS NOT NULL"
            )
        return freed
