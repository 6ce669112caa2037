"""A clock the tests drive: time stands still until a test moves it.

    clock = FakeClock()                 # starts at the real time of its making, to the second
    store = Store(db, clock)            # every "now" in the core comes from it
    await clock.advance(30)             # 30 s pass: due sleepers wake, in deadline order
    await clock.run_until(lambda: ...)  # let time run, sleeper by sleeper, until it holds

`sleep(s)` waits until the clock has been moved past its deadline. `advance` wakes sleepers
one deadline at a time and lets the woken tasks run (including their database round trips)
before moving on, so a task that sleeps again inside the advanced span wakes again within
it. Nothing here waits for wall time to pass, except a short settle for work running in
threads (aiosqlite) to report back; assertions are on the fake time the code saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
SETTLE_ROUNDS = 3  # loop passes, each with a short wait for threads, before time moves


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        # Computed when made, never at import: items built "now" by tests sit beside it.
        self._start = start or datetime.now(UTC).replace(microsecond=0)
        self._elapsed = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    # --- the Clock protocol -------------------------------------------------------------------

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._elapsed + seconds, next(self._seq), future))
        await future

    # --- driving it ---------------------------------------------------------------------------

    @property
    def sleepers(self) -> int:
        """How many tasks wait on this clock (cancelled waits are not counted)."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    def next_deadline(self) -> float | None:
        self._drop_cancelled()
        return self._sleepers[0][0] if self._sleepers else None

    def set(self, moment: datetime) -> None:
        """Jump to a later moment without waking anyone (for 'the next day' setups)."""
        assert moment >= self.now(), "time does not go back"
        self._elapsed = (moment - self._start).total_seconds()

    async def settle(self) -> None:
        """Let every task that can run, run, including answers from database threads."""
        for _ in range(SETTLE_ROUNDS):
            for _ in range(20):
                await asyncio.sleep(0)
            await asyncio.sleep(0.001)  # real time: for a thread's answer, not for the clock

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, waking every sleeper due on the way, in order."""
        assert seconds >= 0, "time does not go back"
        target = self._elapsed + seconds
        await self.settle()
        while (deadline := self.next_deadline()) is not None and deadline <= target:
            self._elapsed = max(self._elapsed, deadline)
            self._wake_due()
            await self.settle()
        self._elapsed = target
        await self.settle()

    async def run_until(
        self, condition: Callable[[], bool], *, limit: float = 24 * 3600.0, within: float = 15.0
    ) -> None:
        """Let time run, one sleeper's deadline at a time, until `condition()` holds. Fails
        when it would need more than `limit` seconds of clock time, or when nothing is waiting
        on the clock and `within` seconds of real time pass (a hang, not a slow machine)."""
        end = self._elapsed + limit
        async with asyncio.timeout(within):
            while True:
                await self.settle()
                if condition():
                    return
                deadline = self.next_deadline()
                if deadline is None:
                    await asyncio.sleep(0.005)  # real work (a server, a thread) is answering
                    continue
                assert deadline <= end, f"condition still false after {limit:.0f} clock seconds"
                self._elapsed = max(self._elapsed, deadline)
                self._wake_due()

    @contextlib.asynccontextmanager
    async def autojump(self) -> AsyncIterator[FakeClock]:
        """While inside, time jumps to the next sleeper's deadline whenever the tasks have
        settled: for tests that wait on a real server while the core waits on the clock.
        Time runs ahead fast here; assertions read the clock's times, as everywhere."""

        async def jump() -> None:
            while True:
                await self.settle()
                deadline = self.next_deadline()
                if deadline is None:
                    await asyncio.sleep(0.005)  # real work (a server, a thread) is answering
                    continue
                self._elapsed = max(self._elapsed, deadline)
                self._wake_due()

        task = asyncio.create_task(jump())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _drop_cancelled(self) -> None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)

    def _wake_due(self) -> None:
        while self._sleepers and self._sleepers[0][0] <= self._elapsed:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock that starts at the real time and moves only when the test moves it."""
    return FakeClock()


async def drive(clock: FakeClock, work: Coroutine[Any, Any, T], *, limit: float = 3600.0) -> T:
    """Run `work` to its end, letting the clock run whenever it waits on it."""
    task = asyncio.ensure_future(work)
    try:
        await clock.run_until(task.done, limit=limit)
    finally:
        if not task.done():
            task.cancel()
    return task.result()
