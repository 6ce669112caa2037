"""The record of chat updates seen, on both backends: the first claim of an update wins, a
finished one is never handled again, an unfinished one is taken over once its claim lapsed,
and ids are forgotten after the retention."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.models import SubscriptionKind
from bot.store import Store
from bot.store.updates import CLAIM_FOR, RETAIN
from tests.support.clock import FakeClock

BOT = "telegram:123456"


async def test_an_update_is_claimed_once_across_stores(
    database: Path | str, clock: FakeClock
) -> None:
    async with Store.open(database, clock) as one, Store.open(database, clock) as two:
        won = await asyncio.gather(
            one.updates.claim(BOT, 41, "one"), two.updates.claim(BOT, 41, "two")
        )
        assert sorted(won) == [False, True]
        assert not await one.updates.claim(BOT, 41, "one")  # again to the same replica
        assert await one.updates.claim("telegram:999", 41, "one")  # another bot's 41


async def test_a_lapsed_unfinished_claim_is_taken_over_and_a_finished_one_never(
    database: Path | str, clock: FakeClock
) -> None:
    async with Store.open(database, clock) as store:
        assert await store.updates.claim(BOT, 1, "dead")  # never finished
        assert await store.updates.claim(BOT, 2, "alive")
        await store.updates.done(BOT, 2, "alive")
        assert not await store.updates.claim(BOT, 1, "other")  # still within its claim
        await clock.advance((CLAIM_FOR + timedelta(seconds=1)).total_seconds())
        assert await store.updates.claim(BOT, 1, "other")
        assert not await store.updates.claim(BOT, 2, "other")
        assert not await store.updates.claim(BOT, 1, "third")  # "other" holds it now


async def test_ids_and_request_effects_are_pruned_after_the_retention(
    database: Path | str, clock: FakeClock
) -> None:
    async with Store.open(database, clock) as store:
        chat = await store.chats.ensure("telegram", "1001")
        assert chat.id is not None
        await store.chats.subscribe_mode(chat.id, SubscriptionKind.BANS)
        assert await store.updates.claim(BOT, 7, "one")
        removed = await store.chats.unsubscribe_nth(chat.id, 1, f"{BOT}:7")
        assert removed is not None and removed.kind is SubscriptionKind.BANS
        await clock.advance((RETAIN + timedelta(hours=1)).total_seconds())
        assert await store.updates.prune() == 1
        effects = await store.db.fetchone("SELECT count(*) FROM request_effects")
        assert effects is not None and effects[0] == 0
        assert await store.updates.claim(BOT, 7, "one")  # forgotten: Telegram has too
