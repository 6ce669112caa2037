"""Jobs and start-up hooks for parse-worker tests, importable by a spawned worker."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

from bot.classify import Thresholds
from bot.feeds.fetched import FetchResult
from bot.feeds.prepare import FeedInfo, Prepared, _prepare_in_worker

HANG = "/hang"


def hang_or_prepare(
    result: FetchResult, feed: FeedInfo, fetched: datetime, timeout: float
) -> Prepared:
    """The worker's real job, except for a feed whose URL ends in /hang: that one blocks
    for good, as a parse stuck inside a C extension would (no check of the time runs)."""
    if feed.url.endswith(HANG):
        threading.Event().wait()
    return _prepare_in_worker(result, feed, fetched, timeout)


def _thresholds_once_released(release: str) -> Thresholds:
    while not Path(release).exists():
        time.sleep(0.05)
    return Thresholds()


class SlowToStart(Thresholds):
    """Thresholds that a new worker can only unpickle once the file `release` exists: the
    test decides when the worker gets past its start, e.g. after the bot was killed."""

    release = ""

    def __reduce__(self) -> tuple[object, ...]:
        return (_thresholds_once_released, (self.release,))


def imported(*names: str) -> list[str]:
    """Those of these modules the worker has imported."""
    import sys

    return [name for name in names if name in sys.modules]
