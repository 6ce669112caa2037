"""Alerts end to end: outbox rows through the Sender and the real Application to the fake API."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

from bot.adapters.telegram import TelegramAdapter
from bot.commands import Commands
from bot.config import Settings
from bot.delivery import Sender
from bot.store import Store
from tests.adapters.conftest import FAST, Timed, all_sent, eventually, running
from tests.support.botapi import FakeBotAPI
from tests.support.builders import ban_flag, make_item


async def publish(store: Store, n: int = 0, title: str = "WeChat closes crypto accounts") -> int:
    """A flagged ban item published just now (after any subscription); returns its id."""
    feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
    assert feed.id is not None
    later = store.clock.now() + timedelta(seconds=5)
    [item] = await store.items.add_many(
        [make_item(feed.id, n, title=title, flag=ban_flag(), published=later)]
    )
    assert item.id is not None
    return item.id


async def subscribe_user(api: FakeBotAPI, user_id: int = 1001) -> None:
    ann = api.user(user_id)
    api.send(api.private_chat(ann), ann, "/subscribe bans")
    [ok] = await api.wait_messages(user_id)
    assert ok["plain"].startswith("Subscribed")


async def test_subscribe_then_alert_arrives_once(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_user(bot_api)
    item_id = await publish(store)
    sender.wake()
    alert = (await bot_api.wait_messages(1001, 2))[1]
    assert alert["plain"].startswith("⚠️ Platform ban")
    assert f"#{item_id} WeChat closes crypto accounts" in alert["plain"]
    assert "Why flagged: ban · WeChat · CN" in alert["plain"]
    assert "Example News · " in alert["plain"]
    assert alert["link_preview_options"] == {"is_disabled": False}
    await all_sent(store)
    assert await sender.drain() == 0  # nothing left that could still arrive
    assert len(bot_api.messages(1001)) == 2


async def test_blocked_user_is_deactivated(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_user(bot_api)
    bot_api.blocked.add(1001)
    await publish(store, 0)
    await publish(store, 1)
    sender.wake()
    async with asyncio.timeout(10):  # bounded: the fake server answers, then the store
        while (chat := await store.chats.find("telegram", "1001")) is None or chat.active:
            await asyncio.sleep(0.02)
    assert await store.outbox.pending_count() == 0
    assert await sender.drain() == 0
    assert bot_api.attempts[1001] == 2  # the /subscribe reply, then one alert: no retries
    assert await store.outbox.pending_count() == 0


async def test_retry_after_is_honoured(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    await subscribe_user(bot_api)
    bot_api.fail(1001, "retry_after", retry_after=30)
    await publish(store)
    timed = Timed(tg.transport, store.clock)
    sender = Sender(store, {"telegram": timed}, {"telegram": FAST}, idle=5)
    async with running(sender):
        await bot_api.wait_messages(1001, 2, within=10)
        await eventually(lambda: len(timed.times()) == 1)
        await all_sent(store)  # recorded as sent before the sender stops
    [refused] = timed.times("RetryLater")
    [sent] = timed.times()
    assert sent - refused >= 30 - 1e-9  # the clock's seconds, as Telegram asked (float slack)
    assert await sender.drain() == 0
    assert len(bot_api.messages(1001)) == 2
    assert bot_api.attempts[1001] == 3


async def test_server_error_is_retried(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_user(bot_api)
    bot_api.fail(1001, "bad_gateway")
    await publish(store)
    sender.wake()
    await bot_api.wait_messages(1001, 2, within=10)  # after a backoff of about 2 s (clock)
    assert bot_api.attempts[1001] == 3


async def test_chat_migration_is_followed(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    boss = bot_api.user(2001)
    group = bot_api.group(-300, admins=(boss,), kind="group")
    bot_api.send(group, boss, "/subscribe bans")
    await bot_api.wait_messages(-300)
    bot_api.fail(-300, "migrate", to=-100300)
    await publish(store)
    sender.wake()
    [alert] = await bot_api.wait_messages(-100300)
    assert "WeChat" in alert["plain"]
    assert await store.chats.find("telegram", "-300") is None
    moved = await store.chats.find("telegram", "-100300")
    assert moved is not None
    assert moved.active


async def test_restart_sends_pending_rows_once(
    bot_api: FakeBotAPI, settings: Settings, store: Store
) -> None:
    chat = await store.chats.ensure("telegram", "1001")
    bot_api.private_chat(bot_api.user(1001))
    assert chat.id is not None
    from bot.models import SubscriptionKind

    await store.chats.subscribe(chat.id, SubscriptionKind.BANS)
    for n in range(3):
        await publish(store, n)  # stored while the bot was down
    assert await store.outbox.pending_count() == 3
    commands = Commands(store, settings)
    for _ in range(2):  # start, deliver, stop; start again: nothing is sent twice
        async with TelegramAdapter(settings, commands, store, poll_timeout=1) as tg:
            sender = Sender(store, {"telegram": tg.transport}, {"telegram": FAST}, idle=5)
            async with running(sender):
                await bot_api.wait_messages(1001, 3)
                await all_sent(store)
            assert await sender.drain() == 0
    assert len(bot_api.messages(1001)) == 3
    assert await store.outbox.pending_count() == 0


async def test_per_chat_pacing_one_per_second(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    await subscribe_user(bot_api)
    for n in range(3):
        await publish(store, n)
    timed = Timed(tg.transport, store.clock)
    sender = Sender(store, {"telegram": timed}, idle=5)  # Telegram's pacing
    async with running(sender):
        await bot_api.wait_messages(1001, 4, within=10)
        await eventually(lambda: len(timed.times()) == 3)
    gaps = [b - a for a, b in itertools.pairwise(timed.times())]
    assert len(gaps) == 2
    assert min(gaps) >= 1.0 - 1e-9  # one a second to one chat, on the clock
