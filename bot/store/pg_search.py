"""Search on PostgreSQL: its own full-text search, and the CJK index, ranked and marked like
the SQLite searcher (bot/store/search.py), with the same answers to the same queries.

Words: `items.search` is title (weight A) and text (weight B) in the `banwatch` text search
configuration: 'simple' (every language, lower case, no stemming) with `unaccent` before it,
so `régulation` and `regulation` are one word in the text and in the query alike. The query
is every term (AND). The CANDIDATES most recently stored matches are ranked by `ts_rank` (a
title word counts five times a text word, as SQLite's bm25 weights) over age, and only the
page shown is joined to its rows and given a snippet (`ts_headline`, marked with MARK_START
and MARK_END).

Chinese, Japanese, Korean: `items_cjk` holds each item's CJK characters and bigrams as an
array under a GIN index. A term's spellings (bot.text.chinese_spellings) become the arrays
an item must hold; the token stream of their text (`cjk.contains`) then decides, as
SQLite's index does, newest published first.
"""

from __future__ import annotations

import re

from bot.store import cjk, pg_schema
from bot.store.items import ITEM_COLUMNS, item_from_row
from bot.store.search import (
    CANDIDATES,
    MARK_END,
    MARK_START,
    PagedSearch,
    SearchHit,
    substring_hits,
)
from bot.store.sql import Database, Row
from bot.text import CJK_CLASS, chinese_spellings

CHUNK = 25  # candidates whose text is read at once, growing fourfold while the page is short
CONFIG = pg_schema.SEARCH_CONFIG
TEXT_INDEXED = pg_schema.TEXT_INDEXED  # snippets come from the words the index holds
# ts_rank's weights, {D, C, B, A}: a title word (A) counts five times a text word (B).
WEIGHTS = "{0.04, 0.1, 0.2, 1.0}"
# A year-old item needs a twice better text match to rank beside today's one (as on SQLite).
_AGE_YEARS = "greatest(extract(epoch FROM now() - i.published::timestamptz), 0) / 31557600.0"
# ts_headline marks with these, turned into MARK_START/MARK_END (its options are plain text).
_START, _STOP = "\ue000", "\ue001"
HEADLINE = (
    f"StartSel={_START}, StopSel={_STOP}, MaxWords=16, MinWords=6, ShortWord=1,"
    " MaxFragments=1, FragmentDelimiter=…"
)
_RUN = re.compile(f"[{CJK_CLASS}]+")
_JOINS = "JOIN feeds f ON f.id = i.feed_id LEFT JOIN flags g ON g.item_id = i.id"


class PgSearcher(PagedSearch):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def check_index(self, *, thorough: bool = False) -> bool:
        """PostgreSQL keeps the index with the rows (a generated column under GIN): nothing
        to rebuild."""
        return False

    async def _search_words(self, terms: list[str], limit: int, offset: int) -> list[SearchHit]:
        candidates = max(CANDIDATES, limit + offset)
        rows = await self.db.fetchall(
            f"WITH q AS (SELECT plainto_tsquery('{CONFIG}', ?) AS query),"
            f" cand AS (SELECT i.id, ts_rank('{WEIGHTS}', i.search, q.query) AS relevance"
            "  FROM items i, q WHERE i.search @@ q.query ORDER BY i.id DESC LIMIT ?),"
            f" page AS (SELECT cand.id, cand.relevance / (1.0 + {_AGE_YEARS}) AS ranked"
            "  FROM cand JOIN items i ON i.id = cand.id"
            "  ORDER BY ranked DESC, cand.id DESC LIMIT ? OFFSET ?)"
            f" SELECT {ITEM_COLUMNS}, ts_headline('{CONFIG}', left(i.text, {TEXT_INDEXED}),"
            " q.query, ?) AS snip"
            f" FROM page JOIN items i ON i.id = page.id {_JOINS}, q"
            " ORDER BY page.ranked DESC, page.id DESC",
            (" ".join(terms), candidates, limit, offset, HEADLINE),
        )
        return [SearchHit(item_from_row(r), _marked(r["snip"], r["text"])) for r in rows]

    async def _search_substring(self, terms: list[str], limit: int, offset: int) -> list[SearchHit]:
        """Chinese has no spaces: a query holding Chinese is found as SQLite's CJK index
        finds it (bot/store/cjk.py): each term in any of its spellings, Chinese runs as
        substrings, latin words as words in any case, glued to Chinese or not; newest
        published first. The array index narrows the candidates to the CANDIDATES most
        recently stored items holding every Chinese term's characters and bigrams; their
        text is then checked a chunk at a time (`cjk.contains`) until the page is full."""
        spellings = [chinese_spellings(t) for t in terms]
        needs = _index_needs(spellings)
        assert needs  # noqa: S101 - called only when a term has CJK
        params: list[object] = []
        ways = []
        for need in needs:
            ways.append("(" + " OR ".join("grams @> ?::text[]" for _ in need) + ")")
            params += need
        candidates = max(CANDIDATES, limit + offset)
        ordered = [
            int(row["id"])
            for row in await self.db.fetchall(
                f"WITH cand AS (SELECT item_id AS id FROM {cjk.TABLE}"
                f"  WHERE {' AND '.join(ways)} ORDER BY item_id DESC LIMIT ?)"
                " SELECT i.id FROM cand JOIN items i ON i.id = cand.id"
                " ORDER BY i.published DESC, i.id DESC",
                (*params, candidates),
            )
        ]
        phrases = [[cjk.term_tokens(s) for s in term] for term in spellings]
        wanted, start, step = limit + offset, 0, max(limit + offset, CHUNK)
        found: list[Row] = []
        while start < len(ordered) and len(found) < wanted:
            chunk = ordered[start : start + step]
            rows = await self.db.fetchall(
                f"SELECT {ITEM_COLUMNS} FROM items i {_JOINS}"
                f" WHERE i.id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
            place = {item_id: n for n, item_id in enumerate(chunk)}
            rows.sort(key=lambda row: place[int(row["id"])])
            for row in rows:
                stream = cjk.tokens(str(row["title"]), str(row["text"]))
                if all(any(cjk.holds(stream, p) for p in term) for term in phrases):
                    found.append(row)
            start, step = start + step, step * 4
        return substring_hits(found[offset:wanted], spellings)


def _index_needs(spellings: list[list[str]]) -> list[list[list[str]]]:
    """For each term with CJK in every spelling: per spelling, the characters and bigrams an
    item's array must hold. Terms with a spelling without CJK are left to the text check."""
    needs = []
    for term in spellings:
        if term and all(_RUN.search(s) for s in term):
            needs.append([_bigrams_or_char(s) for s in term])
    return needs


def _bigrams_or_char(spelling: str) -> list[str]:
    """What the array must hold for a spelling: each CJK run's bigrams, or the character of
    a one-character run."""
    out: set[str] = set()
    for run in _RUN.findall(spelling):
        if len(run) == 1:
            out.add(run)
        else:
            out.update(run[k : k + 2] for k in range(len(run) - 1))
    return sorted(out)


def _marked(snippet: str, text: str) -> str:
    """ts_headline's fragment with the store's marks, and '…' where it cuts the text."""
    plain = snippet.replace(_START, "").replace(_STOP, "")
    head = "" if text.startswith(plain[:40]) else "…"
    tail = "" if text.rstrip().endswith(plain[-40:].rstrip()) else "…"
    return head + snippet.replace(_START, MARK_START).replace(_STOP, MARK_END) + tail
