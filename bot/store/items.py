"""Items with their flags; storing a flagged item queues its alerts in the same transaction
(which chats get one: bot/store/routing.py), and an item with Chinese, Japanese or Korean text
its bigrams (bot/store/cjk.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.models import Category, Entities, Flag, Item
from bot.store import cjk
from bot.store.db import from_db, to_db
from bot.store.routing import Fanout, wants
from bot.store.sql import Database, Row, Tx
from bot.store.story_cache import StoryCache
from bot.stories import Candidate, StoryIndex

__all__ = ["ITEM_COLUMNS", "ITEM_JOINS", "ItemRepo", "Stats", "item_from_row", "wants"]

ITEM_COLUMNS = (
    "i.id, i.feed_id, i.guid, i.url, i.title, i.text, i.published, i.fetched, i.lang, i.author,"
    " f.title AS source, g.category, g.score, g.evidence, g.entities, g.lang AS flag_lang"
)
INSERT_ROWS = 100  # items a statement (9 values each: under SQLite's oldest limit of 999)
EVERY_ROW = 2**62  # a LIMIT of no limit that both SQLite and PostgreSQL read
ITEM_JOINS = "FROM items i JOIN feeds f ON f.id = i.feed_id LEFT JOIN flags g ON g.item_id = i.id"


def item_from_row(row: Row) -> Item:
    flag = None
    if row["category"] is not None:
        flag = Flag(
            category=Category(row["category"]),
            score=row["score"],
            evidence=tuple(json.loads(row["evidence"])),
            entities=Entities.from_dict(json.loads(row["entities"])),
            lang=row["flag_lang"],
        )
    published = from_db(row["published"])
    fetched = from_db(row["fetched"])
    assert published is not None  # noqa: S101 - NOT NULL column
    assert fetched is not None  # noqa: S101 - NOT NULL column
    return Item(
        id=row["id"],
        feed_id=row["feed_id"],
        guid=row["guid"],
        url=row["url"],
        title=row["title"],
        text=row["text"],
        published=published,
        fetched=fetched,
        lang=row["lang"],
        author=row["author"],
        flag=flag,
        source=row["source"],
    )


_INSERT = (
    "INSERT INTO items (feed_id, guid, url, title, text, published, fetched, lang, author)"
    " VALUES {rows} ON CONFLICT DO NOTHING RETURNING id, feed_id, guid, url"
)
_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?)"


async def _insert_rows(conn: Tx, items: Sequence[Item]) -> list[Item]:
    """Insert these items in one statement; give the new ones their ids and return them,
    in order. An item is new when no stored item (nor an earlier one of these) has its
    feed and guid, or its canonical link."""
    values: list[object] = []
    for item in items:
        values += (
            item.feed_id,
            item.guid,
            item.url,
            item.title,
            item.text,
            to_db(item.published),
            to_db(item.fetched),
            item.lang,
            item.author,
        )
    rows = await conn.fetchall(_INSERT.format(rows=", ".join([_ROW] * len(items))), values)
    # RETURNING's order is not promised: rows are told apart by feed, guid and link (of
    # items alike in all three, only the first can have been inserted).
    ids = {(r["feed_id"], r["guid"], r["url"]): int(r["id"]) for r in rows}
    new = []
    for item in items:
        item_id = ids.pop((item.feed_id, item.guid, item.url), None)
        if item_id is not None:
            item.id = item_id
            new.append(item)
    return new


@dataclass(frozen=True, slots=True)
class Stats:
    feeds: int
    feeds_failing: int
    feeds_disabled: int
    items: int
    bans: int
    regulation: int
    chats: int
    subscriptions: int
    pending_alerts: int
    sent_alerts: int
    newest: datetime | None
    last_poll: datetime | None


@dataclass(slots=True)
class _Batch:
    """What one add_many writes at its end, and the story candidates it added."""

    new: list[Item] = field(default_factory=list)
    grams: list[tuple[int, object]] = field(default_factory=list)  # (item, its CJK index row)
    flags: list[tuple[object, ...]] = field(default_factory=list)
    story_ids: list[tuple[int, int]] = field(default_factory=list)  # (story, item)
    alerts: list[tuple[int, int]] = field(default_factory=list)  # (chat, item), in item order
    joined: list[Candidate] = field(default_factory=list)


class ItemRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        # Recent flagged items for story matching, kept between batches (see story_cache).
        self.stories = StoryCache()

    async def add_many(self, items: Sequence[Item], *, alerting: bool = True) -> list[Item]:
        """Store new items (dedupe on feed+guid and canonical URL) with their flags, give each
        flagged item its story, and queue an alert for every chat with a matching instant
        subscription, at most one per (chat, story); with `alerting=False` (a feed's
        first poll: its past) none. Returns the items that were new.

        One transaction, and one round trip to the database thread per item: flags, story
        ids and alerts are written together at the end."""
        if not items:
            return []
        batch = _Batch()
        try:
            async with self.db.transaction() as conn:
                await self._insert(conn, items, batch, alerting=alerting)
                await conn.executemany(cjk.insert_sql(self.db.dialect), batch.grams)
                await conn.executemany(
                    "INSERT INTO flags (item_id, category, score, evidence, entities, lang,"
                    " published) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    batch.flags,
                )
                await conn.executemany(
                    "UPDATE items SET story_id = ? WHERE id = ?", batch.story_ids
                )
                now = to_db(self.clock.now())
                await conn.executemany(
                    "INSERT INTO outbox (chat_id, item_id, not_before, created)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [(chat_id, item_id, now, now) for chat_id, item_id in batch.alerts],
                )
        except BaseException:
            self.stories.forget(batch.joined)  # rolled back: those ids may be given again
            raise
        return batch.new

    async def _insert(
        self, conn: Tx, items: Sequence[Item], batch: _Batch, *, alerting: bool
    ) -> None:
        """The body of add_many: the items inserted a statement of many rows at a time;
        flags, stories and alerts collected."""
        dialect = self.db.dialect
        for start in range(0, len(items), INSERT_ROWS):
            batch.new += await _insert_rows(conn, items[start : start + INSERT_ROWS])
        flagged: list[Item] = []
        for item in batch.new:
            assert item.id is not None  # noqa: S101 - just inserted
            if (grams := cjk.index_value(dialect, item.title, item.text)) is not None:
                batch.grams.append((item.id, grams))
            flag = item.flag
            if flag is None:
                continue
            batch.flags.append(
                (
                    item.id,
                    flag.category.value,
                    flag.score,
                    json.dumps(list(flag.evidence), ensure_ascii=False),
                    json.dumps(flag.entities.to_dict(), ensure_ascii=False),
                    flag.lang,
                    to_db(item.published),
                )
            )
            if flag.flagged:
                flagged.append(item)
        if not flagged:
            return
        stories = await self.stories.prepare(conn, items)
        joined = await self._match(conn, stories, flagged, batch)
        fanout = Fanout(conn, alerting=alerting)
        for item, candidate, new_story in joined:
            assert item.id is not None  # noqa: S101 - just inserted
            batch.story_ids.append((candidate.story_id, item.id))
            chats = await fanout.chats(item, candidate.story_id, new_story=new_story)
            batch.alerts += [(chat_id, item.id) for chat_id in chats]

    async def _match(
        self, conn: Tx, stories: StoryIndex, flagged: list[Item], batch: _Batch
    ) -> list[tuple[Item, Candidate, bool]]:
        """Each flagged item's story, in order: (item, its candidate, starts its story).

        The items a batch would join are looked up together once the batch is matched (an
        item deleted since, by retention or a removed feed, must not lend its story); when
        one is gone it leaves the index and the batch is matched again."""
        probes = [Candidate.of(item, 0) for item in flagged]
        batch.joined += probes  # in the index from here on: out again if this rolls back
        while True:
            joined: list[tuple[Item, Candidate, bool]] = []
            lenders: dict[int, Candidate] = {}  # stored before this batch
            batch_ids: set[int] = set()
            for item, probe in zip(flagged, probes, strict=True):
                found = stories.best_of(probe)
                if found is not None and found.item_id not in batch_ids:
                    lenders[found.item_id] = found
                probe.story_id = found.story_id if found is not None else probe.item_id
                self.stories.add(probe)
                batch_ids.add(probe.item_id)
                joined.append((item, probe, found is None))
            gone = await self.stories.not_stored(conn, list(lenders.values()))
            if not gone:
                return joined
            self.stories.forget(probes)  # matched again without the items gone

    async def story_of(self, item_id: int) -> list[Item]:
        """The other items of this item's story, first published first."""
        rows = await self.db.fetchall(
            f"SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE i.story_id ="
            " (SELECT story_id FROM items WHERE id = ?) AND i.id <> ?"
            " ORDER BY i.published, i.id",
            (item_id, item_id),
        )
        return [item_from_row(r) for r in rows]

    async def known_keys(self, feed_id: int, limit: int = 1000) -> tuple[set[str], set[str]]:
        """(guids, urls) of the feed's newest `limit` items: the poller skips the entries
        already stored before normalising and classifying them."""
        rows = await self.db.fetchall(
            "SELECT guid, url FROM items WHERE feed_id = ? ORDER BY id DESC LIMIT ?",
            (feed_id, limit),
        )
        return {r["guid"] for r in rows}, {r["url"] for r in rows if r["url"]}

    async def get(self, item_id: int) -> Item | None:
        row = await self.db.fetchone(
            f"SELECT {ITEM_COLUMNS} {ITEM_JOINS} WHERE i.id = ?", (item_id,)
        )
        return item_from_row(row) if row else None

    async def latest(
        self, limit: int, categories: Sequence[Category], offset: int = 0
    ) -> list[Item]:
        """Newest flagged items of the given categories, newest first, after skipping the
        `offset` newest (the pages of /latest)."""
        if not categories:
            return []
        # The newest `limit` of each category straight from the covering index, then only
        # those few joined to their (large) item rows: an IN (...) over the categories would
        # join and sort every flagged item.
        newest = " UNION ALL ".join(
            "SELECT * FROM (SELECT item_id, published FROM flags WHERE category = ?"
            f" ORDER BY published DESC, item_id DESC LIMIT ?) AS c{n}"
            for n in range(len(categories))
        )
        rows = await self.db.fetchall(
            f"SELECT {ITEM_COLUMNS} FROM (SELECT item_id, published FROM ({newest}) AS newest"
            " ORDER BY published DESC, item_id DESC LIMIT ? OFFSET ?) AS top"
            " JOIN flags g ON g.item_id = top.item_id JOIN items i ON i.id = top.item_id"
            " JOIN feeds f ON f.id = i.feed_id ORDER BY top.published DESC, top.item_id DESC",
            (*[v for c in categories for v in (c.value, limit + offset)], limit, offset),
        )
        return [item_from_row(r) for r in rows]

    async def flagged_since(self, since: datetime) -> list[Item]:
        rows = await self.db.fetchall(
            f"SELECT {ITEM_COLUMNS} FROM flags g JOIN items i ON i.id = g.item_id"
            " JOIN feeds f ON f.id = i.feed_id WHERE g.category <> 'none' AND g.published >= ?"
            " ORDER BY g.published DESC",
            (to_db(since),),
        )
        return [item_from_row(r) for r in rows]

    async def flagged_since_with_story(self, since: datetime) -> list[tuple[Item, int | None]]:
        """Flagged items published since `since`, oldest first, with their story ids."""
        rows = await self.db.fetchall(
            f"SELECT {ITEM_COLUMNS}, i.story_id FROM flags g JOIN items i ON i.id = g.item_id"
            " JOIN feeds f ON f.id = i.feed_id WHERE g.category <> 'none' AND g.published >= ?"
            " ORDER BY g.published, g.item_id",
            (to_db(since),),
        )
        return [(item_from_row(r), r["story_id"]) for r in rows]

    async def prune(self, max_age: timedelta, max_items: int) -> int:
        """Retention by age (since we fetched the item, so old news that a feed still carries is
        not dropped and fetched again at every poll) and by count (newest published kept).
        Items with a pending alert are kept."""
        keep_pending = "id NOT IN (SELECT item_id FROM outbox WHERE status = 'pending')"
        async with self.db.transaction() as conn:
            by_age = await conn.execute(
                f"DELETE FROM items WHERE fetched < ? AND {keep_pending}",
                (to_db(self.clock.now() - max_age),),
            )
            by_count = await conn.execute(
                "DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY published DESC,"
                f" id DESC LIMIT ? OFFSET ?) AND {keep_pending}",
                (EVERY_ROW, max_items),
            )
            return by_age + by_count

    async def stats(self) -> Stats:
        row = await self.db.fetchone(
            "SELECT"
            " (SELECT count(*) FROM feeds),"
            " (SELECT count(*) FROM feeds WHERE failures > 0 AND disabled = 0),"
            " (SELECT count(*) FROM feeds WHERE disabled = 1),"
            " (SELECT count(*) FROM items),"
            " (SELECT count(*) FROM flags WHERE category = 'ban'),"
            " (SELECT count(*) FROM flags WHERE category = 'regulation'),"
            " (SELECT count(*) FROM chats WHERE active = 1),"
            " (SELECT count(*) FROM subscriptions s JOIN chats c ON c.id = s.chat_id"
            "   WHERE c.active = 1),"
            " (SELECT count(*) FROM outbox WHERE status = 'pending'),"
            " (SELECT count(*) FROM outbox WHERE status = 'sent'),"
            " (SELECT max(published) FROM items),"
            " (SELECT max(last_checked) FROM feeds)"
        )
        assert row is not None  # noqa: S101 - an aggregate always yields a row
        c = [int(v) for v in tuple(row)[:10]]
        return Stats(
            feeds=c[0],
            feeds_failing=c[1],
            feeds_disabled=c[2],
            items=c[3],
            bans=c[4],
            regulation=c[5],
            chats=c[6],
            subscriptions=c[7],
            pending_alerts=c[8],
            sent_alerts=c[9],
            newest=from_db(row[10]),
            last_poll=from_db(row[11]),
        )
