"""`banwatch migrate --to postgresql://…`: copy a SQLite store into PostgreSQL, every id kept.

Both stores are opened by the normal store code (the target's schema created or upgraded
first), each as the one Banwatch on it, so no bot writes to either meanwhile. Then:

1. **Check the target.** Every row it already holds must be the source's own row under the
   same id (a feed of the same URL, an item of the same feed and guid, a chat of the same
   platform and key, …). A row the source lacks, or an id that names another row, means the
   target holds another store's data: the move is refused before anything is written.
2. **Copy**, table by table in the order their references need, in batches of BATCH rows,
   one transaction each: `INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`, so a row
   already there (an earlier run) is left exactly as it is. PostgreSQL computes an item's
   search vector as it is inserted; its CJK index row (items_cjk, in PostgreSQL's form) is
   written in the same transaction. SQLite's own search tables (items_fts, items_cjk) are
   not copied: they are SQLite's form of the same index.
3. **Continue the ids**: each identity sequence is set past the highest copied id (never
   moved back), so new rows get new numbers.

Running it again copies nothing and changes nothing. Tables come from both schemas: a table
on either side that PLAN (or TRANSIENT, the short-lived delivery records not copied) does not
name stops the move (tests/store/test_move.py checks that they name every table of both
schemas).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.errors import StoreError
from bot.store import cjk
from bot.store.sql import Database, Row, Tx, placeholders

BATCH = 500


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    key: str  # the primary key: one column
    identity: tuple[str, ...]  # what says whose row it is, beside the key
    noun: str  # one row, in messages


# In the order their references need (a row's parents are copied before it).
PLAN: tuple[Table, ...] = (
    Table("feeds", "id", ("url",), "feed"),
    Table("feed_categories", "feed_id", (), "feed category"),
    Table("items", "id", ("feed_id", "guid"), "item"),
    Table("flags", "item_id", (), "flag"),
    Table("chats", "id", ("platform", "key"), "chat"),
    Table("chat_places", "chat_id", (), "chat place"),
    Table("subscriptions", "id", ("chat_id", "kind", "value", "targets"), "subscription"),
    Table("digests", "chat_id", (), "digest setting"),
    Table("outbox", "id", ("chat_id", "item_id"), "alert"),
    Table("feedback", "id", ("chat_id", "url"), "feedback press"),
    Table("admin_problems", "key", (), "admin problem"),
    Table("admin_notices", "id", ("chat_id", "created", "text"), "admin notice"),
)
# Search indexes of each backend's own form: rebuilt, never copied.
SQLITE_INDEXES = ("items_fts", "items_cjk")
PG_OWN = ("banwatch_schema", cjk.TABLE)
# Records that only a running bot needs (webhook updates claimed, effects of a request, the
# leases of running processes): a move is made with the bot stopped, so they are not copied;
# the target starts with its own.
TRANSIENT = ("updates_seen", "request_effects", "leases")
# PostgreSQL's column types as the copy sends them: (array cast, Python type).
TYPES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "bigint": ("bigint[]", int),
    "integer": ("integer[]", int),
    "text": ("text[]", str),
    "double precision": ("double precision[]", float),
}


@dataclass(slots=True)
class Column:
    name: str
    cast: str
    convert: Callable[[Any], Any]


@dataclass(slots=True)
class Moved:
    """What a move did: rows copied per table (only those the target did not hold) and the
    sequences set past the copied ids."""

    copied: dict[str, int] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)  # table → its next id

    @property
    def changed(self) -> bool:
        return any(self.copied.values()) or bool(self.sequences)


class Watcher:
    """Told what the move does, for a progress display: each phase with its row count, and
    each batch done. The default shows nothing."""

    def phase(self, description: str, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


def _values(rows: Sequence[Row], columns: Sequence[Column]) -> list[list[Any]]:
    """The rows as one list per column, each value of its PostgreSQL type (None stays)."""
    return [
        [None if row[n] is None else col.convert(row[n]) for row in rows]
        for n, col in enumerate(columns)
    ]


class Mover:
    def __init__(
        self,
        source: Database,
        target: Database,
        *,
        source_name: str,
        target_name: str,
        fix: str,
        batch: int = BATCH,
        watcher: Watcher | None = None,
    ) -> None:
        if source.dialect != "sqlite" or target.dialect != "postgresql":
            raise StoreError("a move copies a SQLite store into a PostgreSQL database")
        self.source = source
        self.target = target
        self.source_name = source_name
        self.target_name = target_name
        self.fix = fix  # how to get a target the move accepts, for the refusals
        self.batch = batch
        self.watcher = watcher or Watcher()

    async def run(self) -> Moved:
        columns = {t.name: await self._columns(t) for t in await self._tables()}
        for table in PLAN:
            await self._check(table, columns[table.name])
        moved = Moved()
        for table in PLAN:
            moved.copied[table.name] = await self._copy(table, columns[table.name])
        for table in PLAN:
            if (next_id := await self._continue_ids(table)) is not None:
                moved.sequences[table.name] = next_id
        return moved

    async def _tables(self) -> tuple[Table, ...]:
        """PLAN, once both schemas are seen to hold only tables it names."""
        known = {t.name for t in PLAN} | set(TRANSIENT)
        rows = await self.source.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        mine = {
            str(r[0]) for r in rows if not str(r[0]).startswith(SQLITE_INDEXES)
        }  # an FTS5 table's shadow tables are named after it
        rows = await self.target.fetchall(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        theirs = {str(r[0]) for r in rows} - set(PG_OWN)
        unknown = [(n, self.source_name) for n in sorted(mine - known)]
        unknown += [(n, self.target_name) for n in sorted(theirs - known)]
        if unknown:
            name, side = unknown[0]
            raise StoreError(
                f"{side} has a table `{name}` this Banwatch cannot move; "
                "upgrade Banwatch and run `banwatch migrate` again"
            )
        for table in PLAN:
            if table.name not in mine or table.name not in theirs:
                where = self.source_name if table.name not in mine else self.target_name
                raise StoreError(f"{where} has no table `{table.name}`: it is no Banwatch store")
        return PLAN

    async def _columns(self, table: Table) -> list[Column]:
        """The source's columns, each with its type in the target (generated ones left to
        PostgreSQL)."""
        rows = await self.source.fetchall("SELECT name FROM pragma_table_info(?)", (table.name,))
        names = [str(r[0]) for r in rows]
        rows = await self.target.fetchall(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?"
            " AND is_generated = 'NEVER'",
            (table.name,),
        )
        types = {str(r[0]): str(r[1]) for r in rows}
        columns = []
        for name in names:
            if name not in types or types[name] not in TYPES:
                raise StoreError(
                    f"{self.target_name} has no column {table.name}.{name} of a type this "
                    "Banwatch copies; upgrade Banwatch and run `banwatch migrate` again"
                )
            cast, convert = TYPES[types[name]]
            columns.append(Column(name, cast, convert))
        if table.key not in names:
            raise StoreError(f"{self.source_name} has no column {table.name}.{table.key}")
        return columns

    async def _check(self, table: Table, columns: list[Column]) -> None:
        """Refuse when the target holds a row the source does not have under that key, or
        another row under it."""
        total = await self._count(self.target, table.name)
        self.watcher.phase(f"checking {table.name}", total)
        if not total:
            return
        key_type = next(c for c in columns if c.name == table.key)
        wanted = ", ".join((table.key, *table.identity))
        last: Any = None
        while True:
            after = "" if last is None else f"WHERE {table.key} > ?"
            theirs = await self.target.fetchall(
                f"SELECT {wanted} FROM {table.name} {after} ORDER BY {table.key} LIMIT ?",
                (*([] if last is None else [last]), self.batch),
            )
            if not theirs:
                return
            keys = [key_type.convert(r[0]) for r in theirs]
            mine = await self.source.fetchall(
                f"SELECT {wanted} FROM {table.name}"
                f" WHERE {table.key} IN ({placeholders(len(keys))})",
                keys,
            )
            ours = {key_type.convert(r[0]): tuple(r)[1:] for r in mine}
            for row in theirs:
                key, identity = key_type.convert(row[0]), tuple(row)[1:]
                if key not in ours:
                    raise StoreError(
                        f"{self.target_name} already holds {table.noun} {key}, which "
                        f"{self.source_name} does not have: that is another store's data (or "
                        f"a bot has run on it since an earlier move); {self.fix}"
                    )
                if _shown(ours[key]) != _shown(identity):
                    raise StoreError(
                        f"{self.target_name} already holds another store's data: "
                        f"{table.noun} {key} is {_shown(identity)} there and "
                        f"{_shown(ours[key])} in {self.source_name}; {self.fix}"
                    )
            last = keys[-1]
            self.watcher.advance(len(theirs))

    async def _copy(self, table: Table, columns: list[Column]) -> int:
        """Copy the rows the target lacks, batch by batch; how many were copied."""
        self.watcher.phase(f"copying {table.name}", await self._count(self.source, table.name))
        names = ", ".join(c.name for c in columns)
        arrays = ", ".join(f"?::{c.cast}" for c in columns)
        key_at = next(n for n, c in enumerate(columns) if c.name == table.key)
        copied = 0
        last: Any = None
        while True:
            after = "" if last is None else f"WHERE {table.key} > ?"
            rows = await self.source.fetchall(
                f"SELECT {names} FROM {table.name} {after} ORDER BY {table.key} LIMIT ?",
                (*([] if last is None else [last]), self.batch),
            )
            if not rows:
                return copied
            values = _values(rows, columns)
            keys = values[key_at]
            async with self.target.transaction() as tx:
                copied += await tx.execute(
                    f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays})"
                    " ON CONFLICT DO NOTHING",
                    values,
                )
                there = await tx.fetchone(
                    f"SELECT count(*) FROM {table.name} WHERE {table.key} = ANY(?::"
                    f"{columns[key_at].cast})",
                    (keys,),
                )
                if there is None or int(there[0]) != len(rows):
                    raise StoreError(  # a row of another key holds one of its unique values
                        f"{self.target_name} already holds another store's data: some "
                        f"{table.noun} rows of {self.source_name} clash with rows there; "
                        f"{self.fix}"
                    )
                if table.name == "items":
                    await self._index_cjk(tx, rows)
            last = rows[-1][key_at]
            self.watcher.advance(len(rows))

    async def _index_cjk(self, tx: Tx, rows: Sequence[Row]) -> None:
        """The items' CJK index rows, as ItemRepo.add_many writes them on PostgreSQL."""
        ids, grams = [], []
        for row in rows:
            value = cjk.index_value("postgresql", str(row["title"]), str(row["text"]))
            if value:
                ids.append(int(row["id"]))
                grams.append(" ".join(value))  # a gram is CJK characters: never a space
        if ids:
            await tx.execute(
                f"INSERT INTO {cjk.TABLE} (item_id, grams)"
                " SELECT id, string_to_array(g, ' ') FROM unnest(?::bigint[], ?::text[])"
                " AS u(id, g) ON CONFLICT DO NOTHING",
                (ids, grams),
            )

    async def _continue_ids(self, table: Table) -> int | None:
        """Set the table's identity sequence past its highest id; the next id when it was
        moved (None: no sequence, or already past)."""
        found = await self.target.fetchone(
            "SELECT pg_get_serial_sequence(?, ?)", (table.name, table.key)
        )
        sequence = found[0] if found is not None else None
        if sequence is None:
            return None
        async with self.target.transaction() as tx:
            top = await tx.fetchone(f"SELECT max({table.key}) FROM {table.name}")
            state = await tx.fetchone(f"SELECT last_value, is_called FROM {sequence}")
            assert top is not None  # noqa: S101 - an aggregate always yields a row
            assert state is not None  # noqa: S101 - a sequence has its one row
            if top[0] is None:
                return None
            coming = int(state[0]) + 1 if state[1] else int(state[0])
            if int(top[0]) < coming:
                return None
            await tx.execute("SELECT setval(?::text::regclass, ?, true)", (sequence, int(top[0])))
            return int(top[0]) + 1

    async def _count(self, db: Database, table: str) -> int:
        row = await db.fetchone(f"SELECT count(*) FROM {table}")
        return int(row[0]) if row is not None else 0


def _shown(identity: tuple[Any, ...]) -> str:
    return ", ".join(str(v) for v in identity)
