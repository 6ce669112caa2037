"""The story index kept between batches, read from SQL one day of flagged items at a time.

`add_many` needs the flagged items published within `WINDOW` of each new flagged item. The
index (`bot.stories.StoryIndex`) is kept in memory across batches: a batch reads only the
days it needs that were not read before (by `flags(category, published)`, so the read costs
what the days hold, not what the store holds), and the items stored since are added as they
are stored. Days not needed for a while are dropped once the index holds more than
`MAX_CANDIDATES` items.

It stays true to the database: an item added in a transaction that rolls back is taken out
again (`forget`); another connection's commit (`PRAGMA data_version`; on PostgreSQL, which
cannot tell, every batch) empties the index; and the items a batch would join are looked up
(together) before they are trusted, so an item deleted since (a removed feed, retention) is
dropped instead of lending its story.
"""

from __future__ import annotations

import contextlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from bot.models import Entities, Item
from bot.store.db import from_db, to_db
from bot.store.sql import Tx, placeholders
from bot.stories import BODY_CHARS, WINDOW, Candidate, StoryIndex, normalise
from bot.text import fold

DAY = 86_400
MAX_CANDIDATES = 40_000  # about 70 MB: 1.7 KB a candidate (bench items), index included
LOOKUP_IDS = 500  # ids a lookup (under SQLite's oldest limit of 999 values)


def day_of(moment: datetime) -> int:
    return int(moment.timestamp() // DAY)


def _day_start(day: int) -> str:
    try:
        return to_db(datetime.fromtimestamp(day * DAY, UTC))
    except (OverflowError, ValueError, OSError):  # beyond the calendar's ends
        return "" if day < 0 else "\uffff"


def days_needed(items: Iterable[Item]) -> set[int]:
    """The days within `WINDOW` of any of these items."""
    days: set[int] = set()
    for item in items:
        earliest = latest = item.published
        with contextlib.suppress(OverflowError):  # dates at the ends of the calendar
            earliest -= WINDOW
        with contextlib.suppress(OverflowError):
            latest += WINDOW
        days.update(range(day_of(earliest), day_of(latest) + 1))
    return days


def _runs(days: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted days as (first, last) runs of consecutive days."""
    runs: list[tuple[int, int]] = []
    for day in days:
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


class StoryCache:
    def __init__(self) -> None:
        self.index = StoryIndex()
        self._days: OrderedDict[int, set[int]] = OrderedDict()  # day read → its item ids
        self._data_version: int | None = None

    def clear(self) -> None:
        self.index = StoryIndex()
        self._days.clear()

    async def prepare(self, conn: Tx, batch: Sequence[Item]) -> StoryIndex:
        """The index, holding every stored flagged item within `WINDOW` of this batch."""
        version = await conn.data_version()
        if version is None or version != self._data_version:  # another wrote: read afresh
            self.clear()
            self._data_version = version
        needed = days_needed(batch)
        missing = sorted(needed - self._days.keys())
        for first, last in _runs(missing):
            for day in range(first, last + 1):
                self._days[day] = set()
            await self._read(conn, first, last)
        for day in needed:
            self._days.move_to_end(day)
        self._evict(keep=needed)
        return self.index

    async def _read(self, conn: Tx, first: int, last: int) -> None:
        rows = await conn.fetchall(
            "SELECT i.id, i.feed_id, i.title, substr(i.text, 1, ?) AS opening, i.published,"
            " i.story_id, g.category, g.entities FROM flags g JOIN items i ON i.id = g.item_id"
            " WHERE g.category IN ('ban', 'regulation') AND g.published >= ?"
            " AND g.published < ? AND i.story_id IS NOT NULL",
            (BODY_CHARS, _day_start(first), _day_start(last + 1)),
        )
        for row in rows:
            entities = Entities.from_dict(json.loads(row["entities"]))
            published = from_db(row["published"])
            assert published is not None  # noqa: S101 - NOT NULL column
            self.add(
                Candidate(
                    item_id=int(row["id"]),
                    story_id=int(row["story_id"]),
                    feed_id=int(row["feed_id"]),
                    published=published,
                    title=normalise(row["title"]),
                    body=normalise(row["opening"]),
                    category=str(row["category"]),
                    names=frozenset(fold(n) for n in (*entities.platforms, *entities.regulators)),
                )
            )

    def add(self, candidate: Candidate) -> None:
        """A stored flagged item, kept when its day is held."""
        day = self._days.get(day_of(candidate.published))
        if day is not None:
            day.add(candidate.item_id)
            self.index.add(candidate)

    def forget(self, candidates: Iterable[Candidate]) -> None:
        """Items of a transaction that rolled back."""
        for candidate in candidates:
            self.index.discard(candidate.item_id)
            day = self._days.get(day_of(candidate.published))
            if day is not None:
                day.discard(candidate.item_id)

    async def not_stored(self, conn: Tx, candidates: Sequence[Candidate]) -> list[Candidate]:
        """Those of these items no longer stored with their story (deleted since: retention,
        a removed feed), looked up together; they leave the index."""
        gone: list[Candidate] = []
        for start in range(0, len(candidates), LOOKUP_IDS):
            chunk = candidates[start : start + LOOKUP_IDS]
            rows = await conn.fetchall(
                f"SELECT id, story_id FROM items WHERE id IN ({placeholders(len(chunk))})",
                [c.item_id for c in chunk],
            )
            stored = {int(r[0]): r[1] for r in rows}
            gone += [c for c in chunk if stored.get(c.item_id) != c.story_id]
        self.forget(gone)
        return gone

    def _evict(self, keep: set[int]) -> None:
        while len(self.index) > MAX_CANDIDATES:
            day = next((d for d in self._days if d not in keep), None)
            if day is None:
                return
            for item_id in self._days.pop(day):
                self.index.discard(item_id)
