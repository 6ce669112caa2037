"""The one clock of the core: what time it is, and waiting for time to pass.

Everything that reads the time or waits for it (poll scheduling and backoff, Retry-After,
send pacing and bursts, digests at local time, story windows, retention, "published from now
on") is handed a `Clock` and asks it, never `datetime.now` or `asyncio.sleep` directly.
Production uses `SystemClock`; the tests use `tests.support.clock.FakeClock`, whose time
moves only when a test advances it, so they assert behaviour, never elapsed wall time.

    now()          aware UTC datetime
    monotonic()    seconds, for pacing and deadlines
    sleep(s)       wait s seconds of this clock's time

`Bucket` paces on a clock (a leaky bucket), `Window` caps how many pass in any window of
the clock (a sliding log), and `wait_event` waits for an event or a timeout
measured on a clock.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds that never go back, for pacing and deadlines."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time (at once when <= 0)."""
        ...


class SystemClock:
    """The real clock: the system's time and asyncio's sleep."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


SYSTEM = SystemClock()


async def wait_event(clock: Clock, event: asyncio.Event, seconds: float) -> bool:
    """Wait until `event` is set or `seconds` of `clock` have passed.
    Returns whether the event was set."""
    if event.is_set():
        return True
    # The deadline is fixed now, not when the nap's task first runs: time may move before
    # it does (a busy loop, or a test's clock advanced meanwhile), and a nap counted from
    # then would end late, sleeping past the moment it was asked to wake at.
    deadline = clock.monotonic() + seconds

    async def nap_until() -> None:
        await clock.sleep(deadline - clock.monotonic())

    waiter = asyncio.ensure_future(event.wait())
    nap = asyncio.ensure_future(nap_until())
    try:
        await asyncio.wait({waiter, nap}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (waiter, nap):
            task.cancel()
        await asyncio.gather(waiter, nap, return_exceptions=True)
    return event.is_set()


class Bucket:
    """A leaky bucket on a clock: at most `size` acquisitions at once, draining at
    `size / period` per second, so never more than `size` (plus the one leaking out) in
    any `period`. A bucket of one is a steady pace with no burst."""

    def __init__(self, size: float, period: float, clock: Clock) -> None:
        self.size = size
        self.rate = size / period  # drained per second
        self.clock = clock
        self._level = 0.0
        self._at = clock.monotonic()

    def _drain(self) -> None:
        now = self.clock.monotonic()
        self._level = max(0.0, self._level - (now - self._at) * self.rate)
        self._at = now

    async def acquire(self) -> None:
        while True:
            self._drain()
            if self._level + 1 <= self.size + 1e-9:
                self._level += 1
                return
            await self.clock.sleep((self._level + 1 - self.size) / self.rate)


class Window:
    """At most `count` acquisitions in any `period` of the clock (a sliding log of the last
    `count`): what "20 messages a minute per group" means, with no allowance on top."""

    def __init__(self, count: int, period: float, clock: Clock) -> None:
        self.count = max(1, count)
        self.period = period
        self.clock = clock
        self._times: deque[float] = deque(maxlen=self.count)

    async def acquire(self) -> None:
        while len(self._times) == self.count:
            wait = self._times[0] + self.period - self.clock.monotonic()
            if wait <= 0:
                break
            await self.clock.sleep(wait)
        self._times.append(self.clock.monotonic())
