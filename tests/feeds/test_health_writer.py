"""HealthWriter: polls that end together share one transaction; the writer's role passes on
after each batch; a writer stopped mid-write leaves no poll waiting for ever."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from bot.errors import StoreError
from bot.feeds.health import HealthWriter
from bot.models import Feed


class SlowFeeds:
    """save_health that holds each batch until the test lets it go."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.go = asyncio.Event()
        self.fail = False

    async def save_health(self, *feeds: Feed) -> None:
        self.batches.append([f.url for f in feeds])
        await self.go.wait()
        if self.fail:
            raise StoreError("disk full")


def writer() -> tuple[HealthWriter, SlowFeeds]:
    feeds = SlowFeeds()
    store: Any = SimpleNamespace(feeds=feeds)
    return HealthWriter(store), feeds


async def until(condition: Any) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never met")


async def test_polls_ending_together_share_a_batch_and_the_role_passes_on() -> None:
    health, feeds = writer()
    first = [asyncio.create_task(health.save(Feed(url=f"a{n}"))) for n in range(3)]
    await until(lambda: len(feeds.batches) == 1)
    later = [asyncio.create_task(health.save(Feed(url=f"b{n}"))) for n in range(2)]
    await asyncio.sleep(0)
    feeds.go.set()
    await asyncio.gather(*first, *later)

    assert feeds.batches == [["a0", "a1", "a2"], ["b0", "b1"]]


async def test_a_failed_batch_fails_each_of_its_polls_and_the_next_batch_is_written() -> None:
    health, feeds = writer()
    feeds.fail = True
    feeds.go.set()
    results = await asyncio.gather(
        *(health.save(Feed(url=f"a{n}")) for n in range(2)), return_exceptions=True
    )
    assert all(isinstance(r, StoreError) for r in results)
    feeds.fail = False
    await health.save(Feed(url="c"))
    assert feeds.batches[-1] == ["c"]


async def test_a_writer_stopped_mid_write_leaves_nobody_waiting() -> None:
    health, feeds = writer()
    stopped = asyncio.create_task(health.save(Feed(url="a")))
    await until(lambda: len(feeds.batches) == 1)
    others = [asyncio.create_task(health.save(Feed(url=f"b{n}"))) for n in range(2)]
    await asyncio.sleep(0)
    stopped.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopped
    feeds.go.set()
    await asyncio.wait_for(asyncio.gather(*others), timeout=5)  # the role was handed on

    assert feeds.batches == [["a"], ["b0", "b1"]]
    await asyncio.wait_for(health.save(Feed(url="c")), timeout=5)
    assert feeds.batches[-1] == ["c"]
