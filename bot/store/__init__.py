"""The store: one SQLite file (WAL, FTS5, migrations), or a PostgreSQL database, behind
small repositories that are the same on both.

async with Store.open(path) as store:               # SQLite, the embedded default
async with Store.open("postgresql://…") as store:   # PostgreSQL (bot/store/pg.py)
    await store.items.add_many(items)
    page = await store.search.search("wechat")
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.clock import SYSTEM, Clock
from bot.errors import StoreError
from bot.store.chats import ChatRepo
from bot.store.db import Database
from bot.store.feedback import FeedbackRepo
from bot.store.feeds import FeedRepo
from bot.store.items import ItemRepo, Stats
from bot.store.leases import LeaseRepo
from bot.store.lock import InstanceLock, held_by_another
from bot.store.notices import NoticeRepo
from bot.store.outbox import Alert, Outbox
from bot.store.paths import database_path_problem
from bot.store.pg import PgDatabase, is_url
from bot.store.pg_search import PgSearcher
from bot.store.search import MARK_END, MARK_START, Searcher, SearchHit, SearchPage
from bot.store.updates import UpdateRepo

log = logging.getLogger(__name__)

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
    def __init__(self, db: Database | PgDatabase, clock: Clock = SYSTEM) -> None:
        self.db = db
        self.clock = clock  # every "now" the repositories write or compare with
        self.feeds = FeedRepo(db, clock)
        self.items = ItemRepo(db, clock)
        self.search: Searcher | PgSearcher = (
            Searcher(db) if isinstance(db, Database) else PgSearcher(db)
        )
        self.chats = ChatRepo(db, clock)
        self.outbox = Outbox(db, clock)
        self.feedback = FeedbackRepo(db, clock)
        self.notices = NoticeRepo(db, clock)
        self.updates = UpdateRepo(db, clock)  # chat updates seen (webhook replicas)
        self.leases = LeaseRepo(db, clock)  # feeds polled, the one sender per platform

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        path: Path | str,
        clock: Clock = SYSTEM,
        *,
        exclusive: bool = False,
        full_check: bool = False,
    ) -> AsyncIterator[Store]:
        """`path`: a SQLite file, or a postgresql:// URL (bot/store/pg.py).

        `exclusive`: this process polls or sends (the bot, a worker; not a read command). On
        SQLite it is the one Banwatch on the file: refused with a StoreError when another
        holds it (bot/store/lock.py), and the claims and leases a killed process left are
        given back at once. On PostgreSQL any number of processes share the database: what
        one of them leaves behind expires (BOT_LEASE_SECONDS) and the others take it over.
        The search index is checked (and rebuilt when damaged) on every open; the whole file
        only when it may have been damaged since it was last known good (see bot.store.db),
        or with `full_check`."""
        if is_url(path):
            async with PgDatabase(str(path)) as pg:
                yield cls(pg, clock)
            return
        lock = InstanceLock(Path(path)) if exclusive and str(path) != ":memory:" else None
        if lock is not None:
            if (problem := database_path_problem(Path(path))) is not None:
                raise StoreError(problem)  # named before a lock file is tried beside it
            lock.acquire()
        try:
            vouched = lock is None and str(path) != ":memory:" and held_by_another(Path(path))
            async with Database(path, full_check=full_check, vouched=vouched) as db:
                store = cls(db, clock)
                if lock is not None and (stale := await store.outbox.release_all()):
                    log.info("gave back %d alerts claimed by a Banwatch that stopped", stale)
                if lock is not None:
                    await store.leases.give_back_all()
                await store.search.check_index()
                yield store
        finally:
            if lock is not None:
                lock.release()

    async def backup(self, target: Path) -> None:
        await self.db.backup(target)
