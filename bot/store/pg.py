"""The store on PostgreSQL through asyncpg: `BOT_DATABASE=postgresql://user:password@host/db`.

The same repositories as on SQLite run their SQL here, `?` numbered `$1..$n`
(bot.store.sql.numbered). Reads take any connection of a small pool; writes go through
`transaction()`, one at a time in this process (as on SQLite's one writer, so the in-memory
story index and the routing of a batch see every write of this process in order), each on a
pooled connection in a READ COMMITTED transaction. Statements that must not run side by side
across processes take a lock of their own name (`Tx.hold`: a transaction-level advisory lock).

The schema is created or upgraded at open (bot/store/pg_schema.py). A full disk on the server
rolls the transaction back and is raised as a StoreError starting "disk full", as on SQLite.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import urlsplit

import asyncpg

from bot.errors import StoreError
from bot.store import pg_schema
from bot.store.sql import Params, Row, numbered

log = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgres://")
POOL_SIZE = 4  # connections for reads beside the one write at a time
CONNECT_TIMEOUT = 10.0


def is_url(target: object) -> bool:
    """Does BOT_DATABASE name a PostgreSQL database (and not a SQLite file)?"""
    return isinstance(target, str) and target.startswith(SCHEMES)


def display(url: str) -> str:
    """The URL as messages show it: host, port and database, never the password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"postgresql://{user}{host}{port}{parts.path}"


def lock_key(name: str) -> int:
    """A bigint advisory lock key for a name, the same in every process."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _rows_changed(status: str) -> int:
    """asyncpg's command tag ("UPDATE 3", "INSERT 0 1", "DELETE 0") as a count."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgTx:
    """The statements of one transaction on one pooled connection (bot.store.sql.Tx)."""

    def __init__(self, conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record]) -> None:
        self.conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        text, values = numbered(sql, params)
        return list(await self.conn.fetch(text, *values))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        text, values = numbered(sql, params)
        return await self.conn.fetchrow(text, *values)

    async def execute(self, sql: str, params: Params = ()) -> int:
        text, values = numbered(sql, params)
        return _rows_changed(await self.conn.execute(text, *values))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            text, _ = numbered(sql)
            await self.conn.executemany(text, batch)

    async def hold(self, name: str) -> None:
        await self.conn.execute("SELECT pg_advisory_xact_lock($1)", lock_key(name))

    async def data_version(self) -> int | None:
        return None  # other processes' commits cannot be told apart: callers read afresh


class PgDatabase:
    dialect: Literal["postgresql"] = "postgresql"

    def __init__(self, url: str) -> None:
        """Any number of processes may open one database (bot/store/leases.py shares the
        work among them); there is no instance lock as on SQLite."""
        self.url = url
        self.name = display(url)
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=POOL_SIZE,
                timeout=CONNECT_TIMEOUT,
                server_settings={"application_name": "banwatch"},
            )
            async with self._pool.acquire() as conn:
                await pg_schema.migrate(conn, self.name)  # type: ignore[arg-type]
        except StoreError:
            await self.close()
            raise
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            await self.close()
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise StoreError(
                f"cannot open database {self.name}: {reason}; check BOT_DATABASE "
                "(postgresql://user:password@host:port/database) and that the server runs"
            ) from exc
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def pool(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._pool is None:
            raise StoreError("database is not open")
        return self._pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgTx]:
        """BEGIN … COMMIT on a pooled connection; ROLLBACK on any error. A full disk is
        raised as StoreError("disk full: …") once the transaction is rolled back."""
        async with self._lock, self.pool.acquire() as conn:
            try:
                async with conn.transaction():
                    yield PgTx(conn)
            except asyncpg.DiskFullError as exc:
                raise StoreError(
                    f"disk full: could not write to {self.name}; nothing was written, "
                    "free some space on the database server (the write is retried at the "
                    "next poll)"
                ) from exc

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        text, values = numbered(sql, params)
        return list(await self.pool.fetch(text, *values))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        text, values = numbered(sql, params)
        return await self.pool.fetchrow(text, *values)

    async def integrity_check(self) -> list[str]:
        """What a role that is no superuser can check: the schema is this Banwatch's and its
        search configuration is there. (PostgreSQL checks its own pages as it reads them,
        with data checksums where the cluster has them; `amcheck` needs a superuser.)"""
        problems: list[str] = []
        async with self.pool.acquire() as conn:
            found = await pg_schema.version(conn)  # type: ignore[arg-type]
            if found != len(pg_schema.STEPS):
                problems.append(f"schema {found}, expected {len(pg_schema.STEPS)}")
            if not await conn.fetchval(
                "SELECT count(*) FROM pg_ts_config WHERE cfgname = $1", pg_schema.SEARCH_CONFIG
            ):
                problems.append(f"the text search configuration {pg_schema.SEARCH_CONFIG} is gone")
        return problems

    async def backup(self, target: Path) -> None:
        raise StoreError(
            f"`banwatch backup` copies a SQLite file; back up {self.name} with "
            f"pg_dump (pg_dump -Fc -f {target} DATABASE_URL)"
        )
