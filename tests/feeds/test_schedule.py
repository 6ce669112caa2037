"""Poll scheduling: jitter on success, bounded exponential backoff on failure."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.feeds.schedule import MAX_BACKOFF, MAX_RETRY_AFTER, next_poll, should_disable

NOW = datetime(2018, 8, 22, 7, 40, tzinfo=UTC)
TEN_MIN = timedelta(minutes=10)


@given(seed=st.integers(0, 2**32), minutes=st.integers(1, 24 * 60))
def test_success_jitter_stays_within_ten_percent(seed: int, minutes: int) -> None:
    interval = timedelta(minutes=minutes)
    delay = next_poll(NOW, interval, 0, rng=random.Random(seed)) - NOW
    assert interval * 0.9 <= delay <= interval * 1.1


def test_jitter_actually_spreads_feeds() -> None:
    rng = random.Random(1)
    times = {next_poll(NOW, TEN_MIN, 0, rng=rng) for _ in range(20)}
    assert len(times) > 10


def test_backoff_doubles_per_failure() -> None:
    delays = [next_poll(NOW, TEN_MIN, n) - NOW for n in range(1, 5)]
    assert delays == [TEN_MIN * 2, TEN_MIN * 4, TEN_MIN * 8, TEN_MIN * 16]


@pytest.mark.parametrize("failures", [6, 10, 100, 10_000])
def test_backoff_is_capped_at_six_hours(failures: int) -> None:
    assert next_poll(NOW, TEN_MIN, failures) - NOW == MAX_BACKOFF == timedelta(hours=6)


def test_retry_after_is_a_floor() -> None:
    assert next_poll(NOW, TEN_MIN, 1, retry_after=3600) - NOW == timedelta(hours=1)
    # A short Retry-After does not shorten the backoff.
    assert next_poll(NOW, TEN_MIN, 3, retry_after=5) - NOW == TEN_MIN * 8
    # Honoured after a success too (e.g. a 429 answered by a later 200 with Retry-After).
    rng = random.Random(0)
    assert next_poll(NOW, TEN_MIN, 0, retry_after=timedelta(hours=2), rng=rng) - NOW == (
        timedelta(hours=2)
    )


def test_hostile_retry_after_is_bounded() -> None:
    assert next_poll(NOW, TEN_MIN, 1, retry_after=10**9) - NOW == MAX_RETRY_AFTER


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        next_poll(NOW, timedelta(0), 0)


def test_should_disable() -> None:
    assert not should_disable(0)
    assert not should_disable(9)
    assert should_disable(10)
    assert should_disable(3, limit=3)
