"""What the repositories need of a database, whichever it is: SQLite (bot/store/db.py) or
PostgreSQL (bot/store/pg.py).

Repositories write one SQL text for both, with `?` placeholders (or `:name` with a mapping
of values); the PostgreSQL side numbers them `$1..$n` (`numbered`). Portable SQL is the rule
(`INSERT … ON CONFLICT … DO NOTHING/UPDATE`, `RETURNING id`, `CASE`, `coalesce`); what must
differ (schema, full-text and CJK search, integrity checks, backup, the instance lock) lives
in modules named after their backend.

    async with db.transaction() as tx:
        changed = await tx.execute("UPDATE feeds SET failures = 0 WHERE id = ?", (feed_id,))
        rows = await tx.fetchall("SELECT id FROM feeds")
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgresql"]
Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """A result row: by position or by column name (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


class Tx(Protocol):
    """The statements of one write transaction."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; how many rows it inserted, changed or deleted."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def hold(self, name: str) -> None:
        """Hold a lock named `name` until this transaction ends, against every other
        process on the database (SQLite's BEGIN IMMEDIATE already holds the whole file)."""
        ...

    async def data_version(self) -> int | None:
        """A number that changes when another connection commits a write, or None when the
        backend cannot tell (then every cache of the store is read afresh)."""
        ...


class Database(Protocol):
    @property
    def dialect(self) -> Dialect: ...

    def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def integrity_check(self) -> list[str]: ...

    async def backup(self, target: Path) -> None: ...

    async def close(self) -> None: ...


def placeholders(count: int) -> str:
    """`?, ?, ?` for an IN list of `count` values (never empty: `IN ()` is not SQL)."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return ", ".join("?" * count)


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|\?|:([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    names: list[str] = []
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        found = match.group(0)
        if found == "?":
            count += 1
            return f"${count}"
        name = match.group(1)
        if name is None:  # a quoted string or a `::` cast: left as it is
            return found
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    text = _TOKEN.sub(number, sql)
    if count and names:
        raise ValueError("an SQL text mixes `?` and `:name` placeholders")
    return text, tuple(names)


def numbered(sql: str, params: Params = ()) -> tuple[str, list[Any]]:
    """The SQL with `$1..$n` for PostgreSQL, and its values in that order. Placeholders in
    quoted strings are text, not placeholders; `::type` casts stay."""
    text, names = _numbered(sql)
    if isinstance(params, Mapping):
        return text, [params[name] for name in names]
    return text, list(params)
