"""Full-text search over titles and texts (FTS5, diacritics folded), ranked by relevance and
recency. Any user input is turned into a safe query: never an SQL or FTS syntax error."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.models import Item
from bot.store import cjk
from bot.store.db import Database
from bot.store.index_repair import check_search_index
from bot.store.items import ITEM_COLUMNS, item_from_row
from bot.store.sql import Row
from bot.text import chinese_spellings, has_cjk

MAX_TERMS = 12
MAX_TERM_CHARS = 64
# Markers around matched words in snippets; adapters turn them into bold (after escaping).
MARK_START = "\x02"
MARK_END = "\x03"

_WORD = re.compile(r"\w+", re.UNICODE)
# A year-old item needs a twice better text match to rank beside today's one.
_RANK = "relevance / (1.0 + (julianday('now') - julianday(i.published)) / 365.0)"
# Matches ranked per query: the most recently stored ones (see Searcher._search_words).
CANDIDATES = 500
# A word in more items than this is common: bm25() would read its whole list of items for
# its rarity (about 20 ms for a word in half of a 1M-item store), so queries holding one
# rank their candidates by where the words are (all in the title first) instead.
COMMON_ITEMS = 20_000


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


def substring_hits(rows: Iterable[Row], spellings: list[list[str]]) -> list[SearchHit]:
    """Hits of a CJK search, each with its snippet: from the text, or from the title when
    only the title holds the first term (in any of its spellings)."""
    patterns = [_spelled(w) for w in spellings[0]]
    hits = []
    for row in rows:
        item = item_from_row(row)
        found = (m for t in (item.text, item.title) for p in patterns if (m := p.search(t)))
        hit = next(found, None)
        if hit is None:
            hits.append(SearchHit(item, substring_snippet(item.text or item.title, None)))
        else:
            hits.append(SearchHit(item, substring_snippet(hit.string, hit)))
    return hits


def _spelled(spelling: str) -> re.Pattern[str]:
    """Where a spelling stands in a text, as the CJK index finds it: its parts in order, any
    case, with spaces or punctuation between a Chinese run and a latin word."""
    parts = [re.escape(p.group()) for p in cjk.SEGMENT.finditer(spelling)]
    return re.compile(r"[\W_]*".join(parts) or re.escape(spelling), re.IGNORECASE)


class PagedSearch:
    """What the searchers of both backends share: the query cut into terms, one hit more
    than the page asked for (to know whether there is a next page), Chinese, Japanese and
    Korean terms found by substring and the others through the word index."""

    async def search(self, query: str, *, limit: int = 5, offset: int = 0) -> SearchPage:
        terms = query_terms(query)
        if not terms:
            return SearchPage([], has_more=False, terms=[])
        if any(has_cjk(t) for t in terms):
            hits = await self._search_substring(terms, limit + 1, offset)
        else:
            hits = await self._search_words(terms, limit + 1, offset)
        return SearchPage(hits[:limit], has_more=len(hits) > limit, terms=terms)

    async def _search_words(self, terms: list[str], limit: int, offset: int) -> list[SearchHit]:
        raise NotImplementedError

    async def _search_substring(self, terms: list[str], limit: int, offset: int) -> list[SearchHit]:
        raise NotImplementedError


class Searcher(PagedSearch):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def check_index(self, *, thorough: bool = False) -> bool:
        """Find damage to the full-text index and rebuild it (see bot.store.index_repair);
        True when it was rebuilt."""
        return await check_search_index(self.db, thorough=thorough)

    async def _common(self, terms: list[str]) -> bool:
        """Is any of these words in more than COMMON_ITEMS items? (Reads at most that many
        entries of each word's list.)"""
        counts = " UNION ALL ".join(
            "SELECT count(*) AS n FROM (SELECT rowid FROM items_fts WHERE items_fts MATCH ?"
            " LIMIT ?)"
            for _ in terms
        )
        params = [p for t in terms for p in (fts_query([t]), COMMON_ITEMS + 1)]
        row = await self.db.fetchone(f"SELECT max(n) FROM ({counts})", params)
        return bool(row and row[0] is not None and int(row[0]) > COMMON_ITEMS)

    async def _search_words(self, terms: list[str], limit: int, offset: int) -> list[SearchHit]:
        # Ranking every match costs bm25 and a read of each (large) item row: for a common
        # word that is most of the store. So only the CANDIDATES most recently stored
        # matches are ranked (all of them for all but very common words), and only the page
        # shown is joined to its rows and given a snippet. A query holding a common word
        # ranks them without bm25 (see COMMON_ITEMS): every word in the title counts as
        # bm25's title weight (5), otherwise as its text weight (1).
        query = fts_query(terms)
        candidates = max(CANDIDATES, limit + offset)
        if await self._common(terms):
            titled = " AND ".join(f"title : {fts_query([t])}" for t in terms)
            scored = (
                "WITH top AS (SELECT rowid AS id FROM items_fts WHERE items_fts MATCH ?"
                "  ORDER BY rowid DESC LIMIT ?),"
                " titled AS (SELECT rowid AS id FROM items_fts WHERE items_fts MATCH ?"
                "  AND rowid >= (SELECT min(id) FROM top)),"
                " cand AS (SELECT top.id, CASE WHEN titled.id IS NULL THEN -1.0 ELSE -5.0 END"
                "  AS relevance FROM top LEFT JOIN titled ON titled.id = top.id),"
            )
            params: tuple[object, ...] = (query, candidates, titled)
        else:
            scored = (
                "WITH cand AS (SELECT rowid AS id, bm25(items_fts, 5.0, 1.0) AS relevance"
                "  FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC LIMIT ?),"
            )
            params = (query, candidates)
        rows = await self.db.fetchall(
            f"{scored}"
            f" page AS (SELECT cand.id, {_RANK} AS ranked FROM cand JOIN items i ON i.id = cand.id"
            "  ORDER BY ranked LIMIT ? OFFSET ?)"
            f" SELECT {ITEM_COLUMNS},"
            f" snippet(items_fts, 1, '{MARK_START}', '{MARK_END}', '…', 16) AS snip"
            " FROM page JOIN items_fts ON items_fts.rowid = page.id"
            " JOIN items i ON i.id = page.id"
            " JOIN feeds f ON f.id = i.feed_id LEFT JOIN flags g ON g.item_id = i.id"
            " WHERE items_fts MATCH ? ORDER BY page.ranked",
            (*params, limit, offset, query),
        )
        return [SearchHit(item_from_row(r), r["snip"]) for r in rows]

    async def _search_substring(self, terms: list[str], limit: int, offset: int) -> list[SearchHit]:
        """Chinese has no spaces, so the unicode61 tokenizer sees whole runs as one token:
        such queries go to the CJK index (bot/store/cjk.py), which holds the Chinese of
        every item that has some as bigrams and its other words as the word index does. A
        term matches in any of its spellings: simplified, or traditional as Taiwan or Hong
        Kong write it; a latin term (`比特币 ETF`) as a word, any case, glued to Chinese or
        not. The index decides every term: among the CANDIDATES most recently stored
        matches (all of them for all but very common words), the page's rows alone are
        read, newest published first."""
        spellings = [chinese_spellings(t) for t in terms]
        match = cjk.match_query(spellings)
        if match is None:
            return []
        candidates = max(CANDIDATES, limit + offset)
        # The candidates with their dates from a covering index: only the page's rows are read.
        rows = await self.db.fetchall(
            f"WITH cand AS (SELECT rowid AS id FROM {cjk.TABLE} WHERE {cjk.TABLE} MATCH ?"
            "  ORDER BY rowid DESC LIMIT ?),"
            " page AS (SELECT p.id, p.published FROM cand"
            "  JOIN items p INDEXED BY items_id_published ON p.id = cand.id"
            "  ORDER BY p.published DESC, p.id DESC LIMIT ? OFFSET ?)"
            f" SELECT {ITEM_COLUMNS} FROM page JOIN items i ON i.id = page.id"
            " JOIN feeds f ON f.id = i.feed_id LEFT JOIN flags g ON g.item_id = i.id"
            " ORDER BY page.published DESC, page.id DESC",
            (match, candidates, limit, offset),
        )
        return substring_hits(rows, spellings)


def substring_snippet(text: str, hit: re.Match[str] | None, width: int = 60) -> str:
    """`width` characters either side of the hit, the hit marked (the text's start when
    there is none)."""
    if hit is None:
        return text[: width * 2]
    at, stop = hit.span()
    start = max(0, at - width)
    end = min(len(text), stop + width)
    head = "…" if start else ""
    tail = "…" if end < len(text) else ""
    marked = f"{MARK_START}{text[at:stop]}{MARK_END}"
    return head + text[start:at] + marked + text[stop:end] + tail
