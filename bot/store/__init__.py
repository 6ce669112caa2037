"""The store: one SQLite file (WAL, FTS5, migrations) behind small repositories.

async with Store.open(path) as store:
    await store.items.add_many(items)
    page = await store.search.search("wechat")
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.clock import SYSTEM, Clock
from bot.store.chats import ChatRepo
from bot.store.db import Database
from bot.store.feeds import FeedRepo
from bot.store.items import ItemRepo, Stats
from bot.store.outbox import Alert, Outbox
from bot.store.search import MARK_END, MARK_START, Searcher, SearchHit, SearchPage

__all__ = [
    "MARK_END",
    "MARK_START",
    "Alert",
    "SearchHit",
    "SearchPage",
    "Stats",
    "Store",
]


class Store:
    def __init__(self, db: Database, clock: Clock = SYSTEM) -> None:
        self.db = db
        self.clock = clock  # every "now" the repositories write or compare with
        self.feeds = FeedRepo(db, clock)
        self.items = ItemRepo(db, clock)
        self.search = Searcher(db)
        self.chats = ChatRepo(db, clock)
        self.outbox = Outbox(db, clock)

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path | str, clock: Clock = SYSTEM) -> AsyncIterator[Store]:
        async with Database(path) as db:
            store = cls(db, clock)
            await store.search.check_index()
            yield store

    async def backup(self, target: Path) -> None:
        await self.db.backup(target)
