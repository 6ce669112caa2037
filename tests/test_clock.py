"""`wait_event`, the poller's nap: it wakes at the moment it was asked to, even when time moves
before its timer starts (a busy loop; in the tests, a clock advanced meanwhile)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import wait_event
from tests.support.clock import FakeClock


async def test_a_nap_ends_at_its_deadline_though_time_moved_before_its_timer_started(
    clock: FakeClock,
) -> None:
    event = asyncio.Event()
    napping = asyncio.create_task(wait_event(clock, event, 5))
    await asyncio.sleep(0)  # the nap is asked for at 0 s; its timer's task has not run yet
    clock.set(clock.now() + timedelta(seconds=3))  # 3 s pass before it does
    await clock.advance(2)  # 5 s after the nap was asked for
    assert napping.done(), "the nap slept past its deadline (it counted from when it started)"
    assert napping.result() is False  # time ran out; the event was never set


async def test_a_nap_ends_when_its_event_is_set_and_leaves_no_timer_behind(
    clock: FakeClock,
) -> None:
    event = asyncio.Event()
    napping = asyncio.create_task(wait_event(clock, event, 60))
    await clock.advance(1)
    assert not napping.done()
    event.set()
    await clock.settle()
    assert napping.result() is True
    assert clock.sleepers == 0  # the 60 s timer was cancelled with the nap
