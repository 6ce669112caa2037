"""One SQLite file through aiosqlite: a writer connection and a reader connection.

WAL lets `/search` read while the poller writes. Writes go through `transaction()`, which
holds an asyncio lock so two coroutines never interleave their statements on the writer.

Faults: another process holding the write lock is waited for (`busy_timeout`, 5 s); a file
that fails `PRAGMA quick_check` is refused at start; a full disk (SQLITE_FULL) rolls the
transaction back whole and is raised as a StoreError starting "disk full".

The start-up check: `PRAGMA quick_check` reads every page (4.7 s at a million items), so it
runs only when the file may have been damaged since it was last known good. A Banwatch that
closes the file cleanly (last connection out, write-ahead log folded back and gone) writes
`<database>.clean` beside it: the file's size and modification time. The next open that finds
the file as that note says, or finds a live Banwatch holding the file (it checked at its own
start), only reads the schema; any other open (after a crash, a copy, a restore, an edit by
another program, a first open) runs the full quick check. `banwatch check` runs SQLite's full
`integrity_check` on demand, and `Database(full_check=True)` forces it at open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import aiosqlite

from bot.errors import StoreError
from bot.store.migrations import MIGRATIONS
from bot.store.paths import database_path_problem
from bot.store.sql import Params, Row

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


def clean_note_path(database: Path) -> Path:
    real = database.resolve()
    return real.with_name(real.name + ".clean")


def _file_state(database: Path) -> dict[str, int] | None:
    """The file's size and modification time, or None while a write-ahead log is left."""
    wal = database.with_name(database.name + "-wal")
    try:
        if wal.exists() and wal.stat().st_size > 0:
            return None
        stat = database.stat()
    except OSError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


async def _fetchall(conn: aiosqlite.Connection, sql: str, params: Params) -> list[Row]:
    """One trip to the connection's thread (execute, fetch and close would be three: each
    trip wakes that thread and then the event loop, which costs more CPU than most of
    our statements)."""
    return list(await conn.execute_fetchall(sql, params))


async def _fetchone(conn: aiosqlite.Connection, sql: str, params: Params) -> Row | None:
    """The first row, in one trip (our one-row queries: by id, aggregates, RETURNING)."""
    rows = await _fetchall(conn, sql, params)
    return rows[0] if rows else None


class SqliteTx:
    """The statements of one transaction on the writer connection (bot.store.sql.Tx)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await _fetchall(self.conn, sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await _fetchone(self.conn, sql, params)

    async def execute(self, sql: str, params: Params = ()) -> int:
        # One trip: the cursor of a finished INSERT/UPDATE/DELETE holds nothing to close.
        cur = await self.conn.execute(sql, params)
        return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = rows if isinstance(rows, list) else list(rows)
        if batch:  # nothing to write: no trip to the database thread
            await self.conn.executemany(sql, batch)

    async def hold(self, name: str) -> None:
        """BEGIN IMMEDIATE holds the whole file already: nothing more to take."""

    async def data_version(self) -> int | None:
        row = await _fetchone(self.conn, "PRAGMA data_version", ())
        return int(row[0]) if row else 0


class Database:
    dialect: Literal["sqlite"] = "sqlite"

    def __init__(
        self, path: Path | str, *, full_check: bool = False, vouched: bool = False
    ) -> None:
        """`full_check`: run the quick check at open whatever the clean note says;
        `vouched`: a live Banwatch holds this file (it checked it at its own start)."""
        self.path = Path(path)
        self.full_check = full_check
        self.vouched = vouched
        self.checked_fully = False  # did this open run the full quick check?
        self._opened = False  # checked and migrated: a close then leaves a clean note
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def _on_disk(self) -> bool:
        return str(self.path) != ":memory:"

    def _closed_cleanly(self) -> bool:
        """Is the file as the last clean close left it?"""
        if not self._on_disk:
            return True
        note = clean_note_path(self.path)
        try:
            noted = json.loads(note.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(noted, dict) and noted == _file_state(self.path.resolve())

    def _note_clean_close(self) -> None:
        if not self._on_disk:
            return
        state = _file_state(self.path.resolve())
        if state is None:  # another connection still has the file (its log is left)
            return
        with contextlib.suppress(OSError):  # a read-only folder: the next open checks fully
            clean_note_path(self.path).write_text(json.dumps(state), encoding="utf-8")

    def _drop_clean_note(self) -> None:
        if self._on_disk:
            with contextlib.suppress(OSError):
                clean_note_path(self.path).unlink(missing_ok=True)

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
        thorough = self.full_check or not (self.vouched or self._closed_cleanly())
        self._drop_clean_note()  # open now: a crash from here on must check at next open
        try:
            self._writer = await self._connect()
            await self._writer.execute("PRAGMA journal_mode=WAL")
            if thorough:
                await self._check_integrity(self._writer)
                self.checked_fully = True
            else:
                await self._check_schema(self._writer)
            await self._migrate(self._writer)
            self._reader = await self._connect()
            self._opened = True
        except sqlite3.DatabaseError as exc:
            await self.close()
            if "malformed" in str(exc) or "not a database" in str(exc):
                # Damage found before the check could run (the schema pages themselves).
                raise StoreError(
                    f"database {self.path} failed its integrity check ({exc}); "
                    "restore a backup made with `banwatch backup`"
                ) from exc
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

    async def _check_schema(self, conn: aiosqlite.Connection) -> None:
        """The cheap check of a file closed cleanly: its header and schema can be read."""
        try:
            async with conn.execute("SELECT count(*) FROM sqlite_master") as cur:
                await cur.fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"database {self.path} failed its integrity check ({exc}); "
                "restore a backup made with `banwatch backup`"
            ) from exc

    async def integrity_check(self) -> list[str]:
        """SQLite's full `integrity_check` (every page, every index): its problems, or []."""
        async with self.reader.execute("PRAGMA integrity_check") as cur:
            rows = [str(r[0]) for r in await cur.fetchall()]
        return [] if rows == ["ok"] else rows

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        async with conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"database {self.path} is at schema {version}, newer than this Banwatch "
                f"({len(MIGRATIONS)}); upgrade Banwatch"
            )
        for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
            log.info("applying database migration %d", number)
            if isinstance(step, str):
                await conn.executescript(f"BEGIN;\n{step}\nPRAGMA user_version={number};\nCOMMIT;")
                continue
            await conn.execute("BEGIN IMMEDIATE")
            try:
                await step(conn)
                await conn.execute(f"PRAGMA user_version={number}")
                await conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):
                    await conn.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        opened, self._opened = self._opened, False
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None
        if opened:
            self._note_clean_close()

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
    async def transaction(self) -> AsyncIterator[SqliteTx]:
        """BEGIN IMMEDIATE … COMMIT on the writer; ROLLBACK on any error. A full disk is
        raised as StoreError("disk full: …") once the transaction is rolled back."""
        async with self._lock:
            conn = self.writer
            try:
                await conn.execute("BEGIN IMMEDIATE")
                yield SqliteTx(conn)
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

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await _fetchall(self.reader, sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return await _fetchone(self.reader, sql, params)

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
