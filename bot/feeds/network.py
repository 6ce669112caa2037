"""Is the machine itself offline? Judged from the polls' own outcomes, with no request of its
own.

A fetch that reached a server (any HTTP answer, an error status included) shows that the
network works. A fetch that reached none (DNS failed, no route, connect timed out) shows
nothing by itself: the feed's host may be gone, or the machine may have no network. For
such a fetch, `NetworkWatch.is_offline` decides:

- a server was reached within the last `window` seconds (a poll interval): the network
  works, so the failure is the feed's and counts toward disabling it;
- else it waits until a fetch still under way reaches a server (the feed's fault again), or
  until every one of them has failed the same way: then the machine is offline, which is no
  feed's fault. The first such verdict logs one line, "no network: ...", however many
  feeds failed; the first server reached afterwards logs "network is back".

Trying the bot on a machine with no network (29 bundled feeds, every one failing on DNS)
thus counts nothing against the feeds, however often it is tried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from bot.clock import Clock

log = logging.getLogger(__name__)


class NetworkWatch:
    def __init__(self, clock: Clock, window: float) -> None:
        self.clock = clock
        self.window = window
        self.offline = False
        self._reached: float | None = None  # clock.monotonic() of the last server reached
        self._fetching = 0  # fetches under way that may still reach a server
        self._changed = asyncio.Event()

    @contextlib.contextmanager
    def fetching(self) -> Iterator[None]:
        """Around one fetch, and `is_offline` when it reached no server."""
        self._fetching += 1
        try:
            yield
        finally:
            self._fetching -= 1
            self._notify()

    def reached(self) -> None:
        """A server answered: the network works."""
        self._reached = self.clock.monotonic()
        if self.offline:
            self.offline = False
            log.info("network is back: feed failures count again")
        self._notify()

    async def is_offline(self, error: str) -> bool:
        """For a fetch (inside `fetching`) that reached no server: True when the machine
        looks offline, so that the failure is not the feed's. May wait for the fetches
        under way to reach a server or fail."""
        since = self.clock.monotonic() - self.window
        self._fetching -= 1  # this fetch is over: it waits for the others' verdict
        self._notify()
        try:
            while True:
                if self._reached is not None and self._reached >= since:
                    return False
                if self._fetching <= 0:
                    break  # every fetch under way failed to reach a server too
                await self._changed.wait()
        finally:
            self._fetching += 1
        if not self.offline:
            self.offline = True
            log.warning(
                "no network: %s, and no feed's server answered; failures are not counted "
                "against the feeds until one does",
                error,
            )
        return True

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
