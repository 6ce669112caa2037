"""One SQLite file through aiosqlite: a writer connection and a reader connection.

WAL lets `/search` read while the poller writes. Writes go through `transaction()`, which
holds an asyncio lock so two coroutines never interleave their statements on the writer.

Faults: another process holding the write lock is waited for (`busy_timeout`, 5 s); a file
that fails `PRAGMA quick_check` is refused at start; a full disk (SQLITE_FULL) rolls the
transaction back whole and is raised as a StoreError starting "disk full".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from bot.errors import StoreError
from bot.store.migrations import MIGRATIONS
from bot.store.paths import database_path_problem

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


def to_db(moment: datetime, *, precise: bool = False) -> str:
    """Timestamps are stored as sortable UTC ISO-8601 text, to the second, or to the
    millisecond with `precise` (retry times, so a short wait is not cut by truncation).
    Both forms compare correctly as text: "…:39+00:00" sorts before "…:39.500+00:00"."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds" if precise else "seconds")


def from_db(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _is_disk_full(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or "database or disk is full" in str(exc)


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        problem = database_path_problem(self.path)
        if problem is not None:
            raise StoreError(problem)
        if str(self.path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = (exc.strerror or str(exc)).lower()
                raise StoreError(
                    f"cannot create the folder {self.path.parent} for the database ({reason}): "
                    "set BOT_DATABASE to a path you can write"
                ) from None
        try:
            self._writer = await self._connect()
            await self._writer.execute("PRAGMA journal_mode=WAL")
            await self._check_integrity(self._writer)
            await self._migrate(self._writer)
            self._reader = await self._connect()
        except sqlite3.DatabaseError as exc:
            await self.close()
            hint = (
                ": set BOT_DATABASE to a file you can write" if "unable to open" in str(exc) else ""
            )
            raise StoreError(f"cannot open database {self.path}: {exc}{hint}") from exc
        except BaseException:
            await self.close()  # never leave a connection thread behind
            raise

    async def _connect(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(self.path, isolation_level=None)
        try:
            conn = await pending
        except BaseException:
            # aiosqlite stops its thread on a failed connect but does not wait: wait here,
            # or the thread reports to a closed event loop ("Event loop is closed") at exit.
            await asyncio.to_thread(pending._thread.join, 5)
            raise
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _check_integrity(self, conn: aiosqlite.Connection) -> None:
        try:
            async with conn.execute("PRAGMA quick_check") as cur:
                row = await cur.fetchone()
            problem = "no answer" if row is None else str(row[0])
        except sqlite3.DatabaseError as exc:  # damage bad enough that the check itself fails
            problem = str(exc)
        if problem != "ok":
            raise StoreError(
                f"database {self.path} failed its integrity check ({problem}); "
                "restore a backup made with `banwatch backup`"
            )

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"database {self.path} is at schema {version}, newer than this Banwatch "
                f"({len(MIGRATIONS)}); upgrade Banwatch"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            log.info("applying database migration %d", number)
            await conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

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
    def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise StoreError("database is not open")
        return self._writer

    @property
    def reader(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise StoreError("database is not open")
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT on the writer; ROLLBACK on any error. A full disk is
        raised as StoreError("disk full: …") once the transaction is rolled back."""
        async with self._lock:
            conn = self.writer
            try:
                await conn.execute("BEGIN IMMEDIATE")
                yield conn
                await conn.execute("COMMIT")
            except BaseException as exc:
                # Always queue a ROLLBACK: a task cancelled while its BEGIN (or COMMIT) was on
                # its way still has that statement run by aiosqlite's thread, after which this
                # ROLLBACK runs in turn. When there is nothing to roll back (SQLite already
                # did, as on some SQLITE_FULL errors, or the COMMIT went through) it fails
                # harmlessly.
                with contextlib.suppress(sqlite3.OperationalError):
                    await conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and _is_disk_full(exc):
                    raise StoreError(
                        f"disk full: could not write to {self.path}; nothing was written, "
                        "free some space (the write is retried at the next poll)"
                    ) from exc
                raise

    async def fetchall(self, sql: str, params: Iterable[object] = ()) -> list[aiosqlite.Row]:
        async with self.reader.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Iterable[object] = ()) -> aiosqlite.Row | None:
        async with self.reader.execute(sql, params) as cur:
            return await cur.fetchone()

    async def backup(self, target: Path) -> None:
        """Copy the live database with SQLite's online backup API.

        The copy is read through the reader connection, in one step: a WAL snapshot of whole
        transactions, taken while the poller goes on writing. (Through the writer it would
        deadlock: SQLite refuses to back up from a connection in the middle of a write
        transaction, and that transaction could not finish while the backup holds the thread.)
        """
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as dest:
            await self.reader.backup(dest)
