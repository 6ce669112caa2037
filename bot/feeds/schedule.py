"""When to poll a feed next: pure functions, so the poller's timing is easy to test.

success      now + interval ± 10 %  (jitter spreads feeds that were added together)
failure n    now + interval × 2ⁿ, capped at 6 h
Retry-After  a floor under either (itself capped at a day, so a hostile header cannot
             silence a feed for good)
disabled     after DISABLE_AFTER failures in a row: tried again once a day, and enabled
             again by the first success
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=6)
MAX_RETRY_AFTER = timedelta(days=1)
JITTER = 0.10
DISABLE_AFTER = 10  # consecutive failures; at the 6 h cap that is more than two days of errors
DISABLED_RETRY = timedelta(days=1)  # how often a disabled feed is tried again

_rng = random.Random()


def backoff(interval: timedelta, failures: int, *, cap: timedelta = MAX_BACKOFF) -> timedelta:
    """interval × 2^failures, never more than `cap` (and never less than `interval`)."""
    if failures <= 0:
        return interval
    # 2**40 × any sane interval already exceeds the cap; avoid timedelta overflow.
    factor = 2 ** min(failures, 40)
    seconds = min(interval.total_seconds() * factor, cap.total_seconds())
    return max(interval, timedelta(seconds=seconds))


def next_poll(
    now: datetime,
    interval: timedelta,
    failures: int,
    retry_after: float | timedelta | None = None,
    *,
    rng: random.Random | None = None,
    jitter: float = JITTER,
    cap: timedelta = MAX_BACKOFF,
) -> datetime:
    """The time to poll next, after a success (`failures == 0`) or the n-th failure in a row.

    `retry_after` (seconds or a timedelta, e.g. from a 429 or 503) is honoured as a floor.
    """
    if interval <= timedelta(0):
        raise ValueError("interval must be positive")
    if failures <= 0:
        spread = (rng or _rng).uniform(-jitter, jitter)
        delay = interval * (1 + spread)
    else:
        delay = backoff(interval, failures, cap=cap)
    if retry_after is not None:
        floor = (
            retry_after if isinstance(retry_after, timedelta) else timedelta(seconds=retry_after)
        )
        delay = max(delay, min(floor, MAX_RETRY_AFTER))
    return now + delay


def should_disable(failures: int, limit: int = DISABLE_AFTER) -> bool:
    """True once a feed has failed `limit` times in a row: stop polling, tell the admin."""
    return failures >= limit
