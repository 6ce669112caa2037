"""The index of Chinese, Japanese and Korean text (`items_cjk`, FTS5), for `/search`.

The word index (`items_fts`, unicode61) sees an unspaced run of Chinese as one token, so a
Chinese word inside it cannot be found there, nor a latin word glued to it (`比特币ETF`).
`items_cjk` holds, for each item with CJK text (`CJK_CLASS` in bot.text), its title and
text as a stream of tokens in reading order: each CJK run as its overlapping character
bigrams plus its last character alone (`加密货币` is `加密 密货 货币 币`), each other word
folded (`ETF` is `etf`, `Régulation` is `regulation`), with spaces and punctuation dropped,
and where a run and a word meet a join of their edges (`比特币ETF` holds `币etf`), so that a
term spanning both (`"比特 特币 币 币etf etf"`) is found through that rare token rather than
by checking the places of common ones. FTS5 also indexes each token's first character
(`prefix='1'`).

A query term is then the phrase of its own tokens: `加密货币` is `"加密 密货 货币"`
(consecutive within one run, so the run holds the whole term), `币` is the prefix `"币"*`
(every occurrence starts a bigram or ends its run), `比特币ETF` is `"比特 特币 币 etf"` (the
run ends where the latin word starts) and `ETF` is `"etf"`: a latin word is found as the
word index finds it, any case, accents ignored, also where it is glued to Chinese. Every
term of a Chinese query, latin ones included, is decided by this index: no item's text is
read to check it (`contains` is the same test in Python, for PostgreSQL and the tests).

Written by the same code path that inserts items (`ItemRepo.add_many`), backfilled for
stores made before it (migration 5) and rewritten in this form (migration 13), and kept in
step with deletes (retention, a removed feed) by a trigger on `items`. The tokens are
tokens of FTS5's `ascii` tokenizer: every non-ASCII character is a token character there,
so only the spaces split them.
"""

from __future__ import annotations

import logging
import re
from operator import add

import aiosqlite

from bot.store.sql import Dialect
from bot.text import CJK_CLASS, fold

log = logging.getLogger(__name__)

TABLE = "items_cjk"
_RUN = re.compile(f"[{CJK_CLASS}]+")
# A CJK run (group 1), or a word of other letters and digits (as unicode61 cuts words).
SEGMENT = re.compile(f"([{CJK_CLASS}]+)|[^\\W_{CJK_CLASS}]+")
BACKFILL_BATCH = 2_000


def tokens(*texts: str) -> list[str]:
    """The token stream of these texts, in reading order: each CJK run's bigrams then its
    last character, each other word folded, and where a run and a word meet (glued or
    spaced: `比特币ETF`, `币安 Binance`) a join of the run's edge character and the word
    (`币etf`, `安binance`), so a term spanning both is found through one rare token."""
    out: list[str] = []
    edge = ""  # the last segment's end: a run's last character, or a folded word
    for text in texts:
        for segment in SEGMENT.finditer(text):
            if run := segment.group(1):
                if edge and not _RUN.match(edge):
                    out.append(edge + run[0])  # a word, then this run
                out += map(add, run, run[1:])  # its bigrams: run[k] + run[k + 1]
                out.append(run[-1])
                edge = run[-1]
            else:
                word = fold(segment.group())
                if not word:  # folds to nothing: no token (the index would hold none)
                    continue
                if edge and _RUN.match(edge):
                    out.append(edge + word)  # a run, then this word
                out.append(word)
                edge = word
    return out


def grams(*texts: str) -> str:
    """What the index holds for an item with these texts: its token stream, space-separated
    ("" when there is no CJK: such items are found through the word index alone)."""
    if not any(_RUN.search(text) for text in texts):
        return ""
    return " ".join(tokens(*texts))


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


def term_tokens(spelling: str) -> tuple[list[str], bool]:
    """A term's phrase: its own stream (`tokens`), and whether the last token is a prefix.
    A CJK run that ends the term gives its bigrams only (the text's run may go on), or its
    character as a prefix when it is one character; a run followed by a word ends there, as
    in the text's stream."""
    out = tokens(spelling)
    segments = SEGMENT.findall(spelling)  # each: the run (group 1), or "" for a word
    last_run = segments[-1] if segments else ""
    if not last_run:
        return out, False
    if len(last_run) == 1:
        return out, True
    return out[:-1], False  # its last character alone: the text's run may not end there


def spelling_query(spelling: str) -> str | None:
    """The FTS5 phrase an item must match to hold `spelling`, or None when it has no word
    character."""
    phrase, prefix = term_tokens(spelling)
    if not phrase:
        return None
    return '"' + " ".join(phrase) + '"' + ("*" if prefix else "")


def match_query(spellings: list[list[str]]) -> str | None:
    """The query for a search: every term (AND) in any of its spellings (OR); None when a
    term has no word character (query_terms gives none such)."""
    parts = []
    for term in spellings:
        ways = [spelling_query(s) for s in term]
        if not ways or None in ways:
            return None
        parts.append("(" + " OR ".join(f"({w})" for w in ways) + ")")
    return " AND ".join(parts) if parts else None


def contains(stream: list[str], spelling: str) -> bool:
    """Does a token stream (`tokens`) hold the phrase of `spelling`? What the index's MATCH
    decides, in Python."""
    return holds(stream, term_tokens(spelling))


def holds(stream: list[str], term: tuple[list[str], bool]) -> bool:
    """`contains` for a phrase already made (`term_tokens`), to test many streams: only the
    places of the phrase's first token are compared (found by `list.index`), so a long text
    whose tokens never start the phrase costs one C scan."""
    phrase, prefix = term
    if not phrase:
        return False
    *body, tail = phrase
    if not body:
        return any(t == tail or (prefix and t.startswith(tail)) for t in stream)
    size, first = len(phrase), body[0]
    at = -1
    while True:
        try:
            at = stream.index(first, at + 1)
        except ValueError:
            return False
        if at + size > len(stream):
            return False
        if stream[at : at + size - 1] == body:
            end = stream[at + size - 1]
            if end.startswith(tail) if prefix else end == tail:
                return True


async def _write(conn: aiosqlite.Connection, rows: list[aiosqlite.Row]) -> int:
    """Index these `(id, title, text)` rows (those with CJK); how many were."""
    found = [(int(r[0]), g) for r in rows if (g := grams(str(r[1]), str(r[2])))]
    await conn.executemany(insert_sql("sqlite"), found)
    return len(found)


async def backfill(conn: aiosqlite.Connection) -> None:
    """Index every stored item (migration 9), from scratch: read in batches of rowid, only
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
        indexed += await _write(conn, rows)
    if indexed:
        log.info("indexed the Chinese, Japanese and Korean text of %d stored items", indexed)


async def rewrite(conn: aiosqlite.Connection) -> None:
    """Write the index's rows again in the current form (migration 13: the latin words of
    items with Chinese joined their bigrams). Only items already indexed are read: an item
    without CJK has no row either way. Runs inside the migration's transaction."""
    async with conn.execute(f"SELECT rowid FROM {TABLE} ORDER BY rowid") as cur:
        ids = [int(r[0]) for r in await cur.fetchall()]
    if len(ids) > BACKFILL_BATCH:  # about a millisecond an item: say so before it starts
        log.info(
            "writing the Chinese, Japanese and Korean index of %d stored items again"
            " (once, after an upgrade; about %d s)",
            len(ids),
            max(1, len(ids) // 1000),
        )
    for at in range(0, len(ids), BACKFILL_BATCH):
        batch = ids[at : at + BACKFILL_BATCH]
        marks = ", ".join("?" * len(batch))
        async with conn.execute(
            f"SELECT id, title, text FROM items WHERE id IN ({marks})", batch
        ) as cur:
            rows = list(await cur.fetchall())
        await conn.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({marks})", batch)
        await _write(conn, rows)
    if ids:
        log.info("wrote the Chinese, Japanese and Korean index of %d stored items", len(ids))
