"""Feed health saved in batches: the polls that end together share one transaction.

Each poll writes back what it learned (validators, health, next poll). One transaction per
feed cost as much CPU as the 304 answer itself (a round trip to SQLite's thread for BEGIN,
UPDATE and COMMIT), so a poll of unchanged feeds was twice a bare HTTP client's cost.

Here a poll that finds no write under way becomes the writer: it lets the event loop run
once so that the polls ending at the same moment join, and writes all that wait, its own feed
among them. Polls ending meanwhile wait; when the writer's batch is done it hands the role to
the first of them, so no poll writes for others for longer than one batch. Every poll returns
only once its own feed is saved (the poller reads the next due time back from the store), and
a StoreError reaches every poll of the failed batch.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.errors import StoreError
from bot.models import Feed
from bot.store import Store


@dataclass(slots=True)
class _Waiting:
    feed: Feed
    # True once saved; False hands this poll the writer's role (and is replaced by a new one)
    saved: asyncio.Future[bool]


class HealthWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: list[_Waiting] = []
        self._writing = False

    async def save(self, feed: Feed) -> None:
        loop = asyncio.get_running_loop()
        me = _Waiting(feed, loop.create_future())
        self._waiting.append(me)
        if self._writing:
            if await me.saved:
                return
            # handed the writer's role: `me` is still waiting, with a new future
        else:
            self._writing = True
        try:
            await self._write_batch()
        finally:  # stopped before its batch was taken: this poll neither writes nor waits
            self._waiting = [w for w in self._waiting if w is not me]
            self._hand_over()
        me.saved.result()  # raises the batch's StoreError, if it failed

    async def _write_batch(self) -> None:
        await asyncio.sleep(0)  # the polls ending now join this batch
        batch, self._waiting = self._waiting, []
        try:
            await self.store.feeds.save_health(*(w.feed for w in batch))
        except StoreError as exc:
            for waiting in batch:
                if not waiting.saved.done():
                    waiting.saved.set_exception(exc)
        else:
            for waiting in batch:
                if not waiting.saved.done():
                    waiting.saved.set_result(True)
        finally:  # cancelled (or a bug) while writing: no poll of the batch waits for ever
            for waiting in batch:
                if not waiting.saved.done():
                    waiting.saved.set_exception(StoreError("the poll saving it stopped"))
                    waiting.saved.exception()  # read here: its own poll may be the one stopped

    def _hand_over(self) -> None:
        """The writer's role to the first poll still waiting, or to nobody."""
        while self._waiting:
            first = self._waiting[0]
            if first.saved.cancelled():  # that poll was stopped: not saved, not a writer
                self._waiting.pop(0)
                continue
            old, first.saved = first.saved, asyncio.get_running_loop().create_future()
            old.set_result(False)
            return
        self._writing = False
