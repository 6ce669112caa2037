"""Finding and mending damage to the full-text index (`items_fts`, FTS5 over `items`).

The index lives in FTS5's shadow tables (`items_fts_data`, `_idx`, `_docsize`, `_config`).
`PRAGMA quick_check` does not look inside them, so a damaged index went unnoticed: every
/search said "Nothing found", or failed. The items themselves are the source of truth, so
the index can always be rebuilt from them.

- The quick check (every time the store opens): the newest item found by one of its words,
  and as many index rows as items. Counting reads every row of `items` and of the index's
  sizes (about 25 ms at 1M items), so the counts run only when the file may have changed
  since it was last known good: when `PRAGMA quick_check` ran at this open (a crash, a
  copy, a hand in the file: see bot.store.db). After a clean close, the newest item and the
  newest index row are compared instead (two index lookups).
- The thorough check: FTS5's own integrity check, against the items too. It reads the whole
  index and holds the write lock meanwhile (4.7 s for 200,000 items of 1.5 KB), so the
  long-running bot runs it once after start instead of every CLI command at open.
- The repair: FTS5's 'rebuild'; when the index is too damaged for FTS5 to open it (its
  structure record or its config gone), its shadow tables are first reset from a fresh,
  empty FTS5 table of the same definition. One warning line says what happened.
"""

from __future__ import annotations

import logging
import re
import sqlite3

import aiosqlite

from bot.errors import StoreError
from bot.store.db import Database

log = logging.getLogger(__name__)

TABLE = "items_fts"
SHADOWS = ("data", "idx", "docsize", "config")
_FRESH = "banwatch_fresh_fts"  # a temporary table: never written to the file
_PROBE_WORD = re.compile(r"[A-Za-z0-9]{3,}")  # a token whatever the tokenizer's rules


class IndexDamaged(Exception):
    pass


def _is_damage(exc: BaseException) -> bool:
    """SQLITE_CORRUPT or FTS5's SQLITE_CORRUPT_VTAB ("database disk image is malformed",
    "vtable constructor failed"), a shadow table that is gone, or a config FTS5 refuses."""
    if isinstance(exc, IndexDamaged):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_CORRUPT:
        return True
    text = str(exc)
    return isinstance(exc, sqlite3.Error) and (
        f"no such table: {TABLE}" in text or "invalid fts5 file format" in text
    )


# Failures of the machine, not of the index: a rebuild cannot help with these.
_ENVIRONMENT = frozenset(
    {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_FULL,
     sqlite3.SQLITE_IOERR, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM}
)  # fmt: skip


def _is_environment(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _ENVIRONMENT


async def check_search_index(db: Database, *, thorough: bool = False) -> bool:
    """Check the index and rebuild it when damaged; True when it was rebuilt."""
    try:
        if thorough:
            await _integrity_check(db)
        else:
            await _quick_check(db, count=db.checked_fully)
    except (sqlite3.Error, StoreError, IndexDamaged) as exc:
        if not _is_damage(exc):  # busy, read-only, a full disk: not the index's fault
            log.warning("could not check the search index: %s", exc)
            return False
        problem = " ".join(str(exc).split())
    else:
        return False
    try:
        await _rebuild(db)
    except (sqlite3.Error, StoreError) as exc:
        log.warning("the search index is damaged (%s); rebuilding it failed: %s", problem, exc)
        return False
    row = await db.fetchone("SELECT count(*) FROM items")
    log.warning(
        "the search index was damaged (%s): rebuilt it from the %d stored items",
        problem,
        row[0] if row else 0,
    )
    return True


async def _quick_check(db: Database, *, count: bool) -> None:
    """`count`: compare the numbers of items and index rows (reads both tables whole);
    otherwise their newest ids (the index's last row must be the newest item's)."""
    if count:
        row = await db.fetchone(
            f"SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM {TABLE}_docsize)"
        )
        items, indexed = (int(row[0]), int(row[1])) if row else (0, 0)
        if items != indexed:
            raise IndexDamaged(f"{indexed} rows indexed for {items} items")
    else:
        row = await db.fetchone(
            f"SELECT (SELECT max(id) FROM items), (SELECT max(id) FROM {TABLE}_docsize)"
        )
        newest, last = (row[0], row[1]) if row else (None, None)
        if newest != last:
            raise IndexDamaged(f"the index ends at row {last}, the items at {newest}")
    newest = await db.fetchone(
        "SELECT id, title || ' ' || substr(text, 1, 500) FROM items ORDER BY id DESC LIMIT 1"
    )
    word = _PROBE_WORD.search(str(newest[1])) if newest is not None else None
    if newest is None or word is None:
        return
    found = await db.fetchone(
        f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH ? AND rowid = ?",
        (f'"{word.group()}"', newest[0]),
    )
    if found is None:
        raise IndexDamaged(f"item {newest[0]} is not found by its words")


async def _integrity_check(db: Database) -> None:
    async with db.transaction() as conn:
        # rank = 1: checked against the items too, not only within itself.
        await conn.execute(f"INSERT INTO {TABLE}({TABLE}, rank) VALUES('integrity-check', 1)")


async def _rebuild(db: Database) -> None:
    async with db.transaction() as conn:
        try:
            await conn.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES('rebuild')")
        except sqlite3.Error as exc:
            if _is_environment(exc):
                raise
            await _reset_shadow_tables(conn.conn)  # too damaged for FTS5 to rebuild in place
            await conn.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES('rebuild')")


async def _reset_shadow_tables(conn: aiosqlite.Connection) -> None:
    """Give the index the shadow tables of a fresh, empty FTS5 table of the same
    definition, made in the temp schema (so FTS5 writes its own empty structure)."""
    async with conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    ) as cur:
        row = await cur.fetchone()
    if row is None:
        raise StoreError(f"the {TABLE} table is gone; restore a backup")
    using = str(row[0])[str(row[0]).upper().index(" USING ") :]
    await conn.execute(f"DROP TABLE IF EXISTS temp.{_FRESH}")
    await conn.execute(f"CREATE VIRTUAL TABLE temp.{_FRESH}{using}")
    try:
        for shadow in SHADOWS:
            name, fresh = f"{TABLE}_{shadow}", f"{_FRESH}_{shadow}"
            async with conn.execute(
                "SELECT sql FROM sqlite_temp_master WHERE name = ?", (fresh,)
            ) as cur:
                found = await cur.fetchone()
            if found is None:
                raise StoreError(f"FTS5 made no {fresh} table")
            columns = str(found[0])[str(found[0]).index("(") :]  # "(id INTEGER PRIMARY KEY, …"
            await conn.execute(f"CREATE TABLE IF NOT EXISTS main.{name}{columns}")
            await conn.execute(f"DELETE FROM main.{name}")
            await conn.execute(f"INSERT INTO main.{name} SELECT * FROM temp.{fresh}")
    finally:
        await conn.execute(f"DROP TABLE temp.{_FRESH}")
