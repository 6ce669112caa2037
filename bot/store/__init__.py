"""The store: one SQLite file (WAL, FTS5, migrations) behind small repositories.

async with Store.open(path) as store:
    await store.items.add_many(items)
    page = await store.search.search("wechat")
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

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
    def __init__(self, db: Database) -> None:
        self.db = db
        self.feeds = FeedRepo(db)
        self.items = ItemRepo(db)
        self.search = Searcher(db)
        self.chats = ChatRepo(db)
        self.outbox = Outbox(db)

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path | str) -> AsyncIterator[Store]:
        async with Database(path) as db:
            yield cls(db)

    async def backup(self, target: Path) -> None:
        await self.db.backup(target)
