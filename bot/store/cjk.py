"""The index of Chinese, Japanese and Korean text (`items_cjk`, FTS5), for `/search`.

The word index (`items_fts`, unicode61) sees an unspaced run of Chinese as one token, so a
Chinese word inside it cannot be found there. `items_cjk` holds each item's CJK runs (of
title and text, `CJK_CLASS` in bot.text) as overlapping character bigrams, plus the run's
last character alone: `加密货币` is indexed as `加密 密货 货币 币`; FTS5 also indexes each
token's first character (`prefix='1'`).

A term is then found as a phrase of its bigrams (`"加密 密货 货币"`: consecutive within one
run, so the run holds the whole term), and a single character as a prefix (`"币"*`: every
occurrence starts a bigram or ends its run). For terms made only of CJK characters the
index is exact: search checks only the page's text. Terms mixing scripts (`比特币ETF`) are
checked in the text of every candidate.

Written by the same code path that inserts items (`ItemRepo.add_many`), backfilled for
stores made before it (migration 5), and kept in step with deletes (retention, a removed
feed) by a trigger on `items`. The grams are tokens of FTS5's `ascii` tokenizer: every
non-ASCII character is a token character there, so only the spaces split them.
"""

from __future__ import annotations

import logging
import re
from operator import add

import aiosqlite

from bot.store.sql import Dialect
from bot.text import CJK_CLASS

log = logging.getLogger(__name__)

TABLE = "items_cjk"
_RUN = re.compile(f"[{CJK_CLASS}]+")
BACKFILL_BATCH = 2_000


def grams(*texts: str) -> str:
    """The index's tokens for these texts: for each CJK run its bigrams then its last
    character, space-separated ("" when there is no CJK)."""
    out: list[str] = []
    for text in texts:
        for run in _RUN.findall(text):
            out += map(add, run, run[1:])  # its bigrams: run[k] + run[k + 1]
            out.append(run[-1])
    return " ".join(out)


def gram_set(*texts: str) -> list[str]:
    """PostgreSQL's form of the index (bot/store/pg_search.py): every CJK character and
    every bigram of the texts' CJK runs, each once, sorted."""
    out: set[str] = set()
    for text in texts:
        for run in _RUN.findall(text):
            out.update(run)
            out.update(map(add, run, run[1:]))
    return sorted(out)


def index_value(dialect: Dialect, title: str, text: str) -> str | list[str] | None:
    """What ItemRepo.add_many writes in the index for one item, or None (no CJK)."""
    if dialect == "postgresql":
        return gram_set(title, text) or None
    return grams(title, text) or None


def insert_sql(dialect: Dialect) -> str:
    if dialect == "postgresql":
        return f"INSERT INTO {TABLE} (item_id, grams) VALUES (?, ?)"
    return f"INSERT INTO {TABLE} (rowid, grams) VALUES (?, ?)"


def _run_query(run: str) -> str:
    if len(run) == 1:
        return f'"{run}"*'
    return '"' + " ".join(run[k : k + 2] for k in range(len(run) - 1)) + '"'


def exact(spellings: list[list[str]]) -> bool:
    """Does the index alone decide these terms (every spelling made only of CJK)?"""
    return all(_RUN.fullmatch(s) for term in spellings for s in term)


def spelling_query(spelling: str) -> str | None:
    """The FTS5 query an item must match to contain `spelling` (all its CJK runs), or None
    when it has no CJK character (the index cannot narrow it)."""
    runs = _RUN.findall(spelling)
    if not runs:
        return None
    return " AND ".join(_run_query(r) for r in runs)


def match_query(spellings: list[list[str]]) -> str | None:
    """The query for a search: every term (AND) in any of its spellings (OR). Terms with no
    CJK are left to the text check. None when no term has CJK."""
    parts = []
    for term in spellings:
        ways = [q for q in (spelling_query(s) for s in term) if q is not None]
        if len(ways) == len(term) and ways:  # a spelling without CJK would match anything
            parts.append("(" + " OR ".join(f"({w})" for w in ways) + ")")
    return " AND ".join(parts) if parts else None


async def backfill(conn: aiosqlite.Connection) -> None:
    """Index every stored item (migration 5), from scratch: read in batches of rowid, only
    items with CJK written. Runs inside the migration's transaction."""
    await conn.execute(f"DELETE FROM {TABLE}")
    last, indexed = 0, 0
    while True:
        async with conn.execute(
            "SELECT id, title, text FROM items WHERE id > ? ORDER BY id LIMIT ?",
            (last, BACKFILL_BATCH),
        ) as cur:
            rows = list(await cur.fetchall())
        if not rows:
            break
        last = int(rows[-1][0])
        found = [(int(r[0]), g) for r in rows if (g := grams(str(r[1]), str(r[2])))]
        await conn.executemany(f"INSERT INTO {TABLE} (rowid, grams) VALUES (?, ?)", found)
        indexed += len(found)
    if indexed:
        log.info("indexed the Chinese, Japanese and Korean text of %d stored items", indexed)
