"""Full-text search over titles and texts (FTS5, diacritics folded), ranked by relevance and
recency. Any user input is turned into a safe query: never an SQL or FTS syntax error."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass

from bot.errors import StoreError
from bot.models import Item
from bot.store.db import Database
from bot.store.items import ITEM_COLUMNS, ITEM_JOINS, item_from_row
from bot.text import has_cjk

log = logging.getLogger(__name__)

MAX_TERMS = 12
MAX_TERM_CHARS = 64
# Markers around matched words in snippets; adapters turn them into bold (after escaping).
MARK_START = "\x02"
MARK_END = "\x03"

_WORD = re.compile(r"\w+", re.UNICODE)
# A year-old item needs a twice better text match to rank beside today's one.
_RANK = "relevance / (1.0 + (julianday('now') - julianday(i.published)) / 365.0)"
# Matches ranked per query: the most recently stored ones (see Searcher._search_fts).
CANDIDATES = 500
_PROBE_WORD = re.compile(r"[A-Za-z0-9]{3,}")


def _is_corrupt(exc: Exception) -> bool:
    """SQLITE_CORRUPT, or FTS5's SQLITE_CORRUPT_VTAB ("database disk image is malformed")."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == sqlite3.SQLITE_CORRUPT
    return isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc)


@dataclass(frozen=True, slots=True)
class SearchHit:
    item: Item
    snippet: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[SearchHit]
    has_more: bool
    terms: list[str]


def query_terms(query: str) -> list[str]:
    """The words of a user's query, at most MAX_TERMS of at most MAX_TERM_CHARS each."""
    words = [w[:MAX_TERM_CHARS] for w in _WORD.findall(query) if w.strip("_")]
    return words[:MAX_TERMS]


def fts_query(terms: list[str]) -> str:
    """Every term quoted as an FTS5 string, so `NEAR`, `*`, `"` and `(` are just text."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


class Searcher:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def check_index(self, *, thorough: bool = False) -> bool:
        """Find damage to the full-text index and rebuild it from the items (one warning
        line); True when it was rebuilt. A damaged index otherwise answers every search with
        "Nothing found", or with an error.

        The quick check (every start; milliseconds) compares the number of indexed rows with
        the number of items and looks the newest item up by one of its words. The thorough
        one is FTS5's own integrity check against the items (seconds on a large store, and
        it holds the write lock meanwhile): the long-running bot runs it once after start.
        """
        try:
            problem = await (self._thorough_problem() if thorough else self._quick_problem())
        except (sqlite3.Error, StoreError) as exc:
            if not _is_corrupt(exc):  # busy, read-only, disk: not the index's fault
                log.warning("could not check the search index: %s", exc)
                return False
            problem = str(exc)
        if problem is None:
            return False
        try:
            async with self.db.transaction() as conn:
                await conn.execute("INSERT INTO items_fts(items_fts) VALUES('rebuild')")
        except (sqlite3.Error, StoreError) as exc:
            log.warning("the search index is damaged (%s); rebuilding it failed: %s", problem, exc)
            return False
        row = await self.db.fetchone("SELECT count(*) FROM items")
        log.warning(
            "the search index was damaged (%s): rebuilt it from the %d stored items",
            problem,
            row[0] if row else 0,
        )
        return True

    async def _quick_problem(self) -> str | None:
        row = await self.db.fetchone(
            "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM items_fts_docsize)"
        )
        items, indexed = (int(row[0]), int(row[1])) if row else (0, 0)
        if items != indexed:
            return f"{indexed} rows indexed for {items} items"
        newest = await self.db.fetchone(
            "SELECT id, title || ' ' || substr(text, 1, 500) FROM items ORDER BY id DESC LIMIT 1"
        )
        # An ASCII word is a token whatever the tokenizer's rules for other scripts.
        word = _PROBE_WORD.search(str(newest[1])) if newest is not None else None
        if newest is None or word is None:
            return None
        found = await self.db.fetchone(
            "SELECT rowid FROM items_fts WHERE items_fts MATCH ? AND rowid = ?",
            (fts_query([word.group()]), newest[0]),
        )
        return None if found is not None else f"item {newest[0]} is not found by its words"

    async def _thorough_problem(self) -> str | None:
        async with self.db.transaction() as conn:
            # rank = 1: the index is checked against the items too, not only in itself.
            await conn.execute(
                "INSERT INTO items_fts(items_fts, rank) VALUES('integrity-check', 1)"
            )
        return None

    async def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchPage:
        terms = query_terms(query)
        if not terms:
            return SearchPage([], has_more=False, terms=[])
        if any(has_cjk(t) for t in terms):
            hits = await self._search_substring(terms, limit + 1, offset)
        else:
            hits = await self._search_fts(terms, limit + 1, offset)
        return SearchPage(hits[:limit], has_more=len(hits) > limit, terms=terms)

    async def _search_fts(self, terms: list[str], limit: int, offset: int) -> list[SearchHit]:
        # Ranking every match costs bm25 and a read of each (large) item row: for a common
        # word that is most of the store. So only the CANDIDATES most recently stored
        # matches are ranked (all of them for all but very common words), and only the page
        # shown is joined to its rows and given a snippet.
        query = fts_query(terms)
        candidates = max(CANDIDATES, limit + offset)
        rows = await self.db.fetchall(
            "WITH cand AS (SELECT rowid AS id, bm25(items_fts, 5.0, 1.0) AS relevance"
            "  FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC LIMIT ?),"
            f" page AS (SELECT cand.id, {_RANK} AS ranked FROM cand JOIN items i ON i.id = cand.id"
            "  ORDER BY ranked LIMIT ? OFFSET ?)"
            f" SELECT {ITEM_COLUMNS},"
            f" snippet(items_fts, 1, '{MARK_START}', '{MARK_END}', '…', 16) AS snip"
            " FROM page JOIN items_fts ON items_fts.rowid = page.id"
            " JOIN items i ON i.id = page.id"
            " JOIN feeds f ON f.id = i.feed_id LEFT JOIN flags g ON g.item_id = i.id"
            " WHERE items_fts MATCH ? ORDER BY page.ranked",
            (query, candidates, limit, offset, query),
        )
        return [SearchHit(item_from_row(r), r["snip"]) for r in rows]

    async def _search_substring(self, terms: list[str], limit: int, offset: int) -> list[SearchHit]:
        """Chinese has no spaces, so the unicode61 tokenizer sees whole runs as one token:
        match such queries as substrings instead (slower, and rare)."""
        where = " AND ".join("instr(i.title || ' ' || i.text, ?) > 0" for _ in terms)
        rows = await self.db.fetchall(
            f"SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE {where}"
            " ORDER BY i.published DESC LIMIT ? OFFSET ?",
            (*terms, limit, offset),
        )
        hits = []
        for row in rows:
            item = item_from_row(row)
            hits.append(SearchHit(item, _substring_snippet(item.text or item.title, terms[0])))
        return hits


def _substring_snippet(text: str, term: str, width: int = 60) -> str:
    at = text.find(term)
    if at < 0:
        return text[: width * 2]
    start = max(0, at - width)
    end = min(len(text), at + len(term) + width)
    head = "…" if start else ""
    tail = "…" if end < len(text) else ""
    marked = f"{MARK_START}{term}{MARK_END}"
    return head + text[start:at] + marked + text[at + len(term) : end] + tail
