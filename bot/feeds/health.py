"""Feed health saved in batches: the polls that end together share one transaction.

Each poll writes back what it learned (validators, health, next poll). One transaction per
feed cost as much CPU as the 304 answer itself (a round trip to SQLite's thread for BEGIN,
UPDATE and COMMIT), so a poll of unchanged feeds was twice a bare HTTP client's cost. Here
the first poll to save becomes the writer: it lets the event loop run once so that the polls
ending at the same moment join, writes them all, and goes on until none is waiting. Every
poll still returns only once its own feed is saved (the poller reads the next due time back
from the store), and a StoreError reaches every poll of the failed batch.
"""

from __future__ import annotations

import asyncio

from bot.errors import StoreError
from bot.models import Feed
from bot.store import Store


class HealthWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: list[tuple[Feed, asyncio.Future[None]]] = []
        self._writing = False

    async def save(self, feed: Feed) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((feed, done))
        if not self._writing:
            self._writing = True
            try:
                await self._write_all()
            except BaseException:
                if done.done() and not done.cancelled():
                    done.exception()  # told to whoever stopped this writer, not left unread
                raise
            finally:
                self._writing = False
        await done

    async def _write_all(self) -> None:
        batch: list[tuple[Feed, asyncio.Future[None]]] = []
        try:
            while self._waiting:
                await asyncio.sleep(0)  # the polls ending now join this batch
                batch, self._waiting = self._waiting, []
                try:
                    await self.store.feeds.save_health(*(feed for feed, _ in batch))
                except StoreError as exc:
                    for _, done in batch:
                        done.set_exception(exc)
                else:
                    for _, done in batch:
                        done.set_result(None)
                batch = []
        finally:  # cancelled (or a bug) while writing: no poll may wait for ever
            for _, done in batch + self._waiting:
                if not done.done():
                    done.set_exception(StoreError("the poll saving it stopped"))
            self._waiting = []
