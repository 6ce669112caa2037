"""A large store built quickly: the real schema (migrations), then items and flags written
with executemany in batches; the FTS5 triggers index every item as the bot's own writes do,
and the CJK bigrams are written as `ItemRepo.add_many` writes them (bot/store/cjk.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from bench import data
from bot.store import Store, cjk
from bot.store.db import to_db

BATCH = 5_000


async def _schema_and_feeds(path: Path, feeds: int) -> list[int]:
    async with Store.open(path) as store:
        await store.feeds.add_many(
            (f"https://news{n}.example/feed.xml", f"Crypto news {n}", data.feed_lang(n))
            for n in range(feeds)
        )
        return [f.id for f in await store.feeds.all() if f.id is not None]


def build(path: Path, *, items: int, feeds: int) -> None:
    """A database at `path` with `feeds` feeds and `items` items (about 1 in 4 with a flag)."""
    feed_ids = asyncio.run(_schema_and_feeds(path, feeds))
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        for start in range(0, items, BATCH):
            batch = data.stored_items(feed_ids, min(BATCH, items - start), seed=start)
            conn.execute("BEGIN")
            first = start + 1
            conn.executemany(
                "INSERT INTO items (id, feed_id, guid, url, title, text, published, fetched,"
                " lang, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (first + k, i.feed_id, f"g{first + k}", f"{i.url}-{first + k}", i.title,
                     i.text, to_db(i.published), to_db(i.fetched), i.lang, None)
                    for k, i in enumerate(batch)
                ],
            )  # fmt: skip
            conn.executemany(
                f"INSERT INTO {cjk.TABLE} (rowid, grams) VALUES (?, ?)",
                [
                    (first + k, grams)
                    for k, i in enumerate(batch)
                    if (grams := cjk.grams(i.title, i.text))
                ],
            )
            conn.executemany(
                "INSERT INTO flags (item_id, category, score, evidence, entities, lang,"
                " published) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (first + k, i.flag.category.value, i.flag.score,
                     json.dumps(list(i.flag.evidence)), json.dumps(i.flag.entities.to_dict()),
                     i.flag.lang, to_db(i.published))
                    for k, i in enumerate(batch) if i.flag is not None
                ],
            )  # fmt: skip
            conn.execute("COMMIT")
        conn.execute("PRAGMA optimize")
    finally:
        conn.close()


def pick_words(path: Path, common: int = 6, rare: int = 6) -> tuple[list[str], list[str]]:
    """The most frequent words (by items containing them) and some found in 20–200 items."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, items_fts, 'row')")
        rows = conn.execute("SELECT term, doc FROM temp.vocab").fetchall()
    finally:
        conn.close()
    words = [(t, d) for t, d in rows if t.isalpha() and len(t) >= 4]
    words.sort(key=lambda td: (-td[1], td[0]))
    frequent = [t for t, _ in words[:common]]
    scarce = [t for t, d in words if 20 <= d <= 200]
    step = max(1, len(scarce) // rare)
    return frequent, scarce[::step][:rare]
