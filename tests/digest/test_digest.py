"""/digest end to end, digest routing per subscription, and bursts folded into one message."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.telegram import TelegramAdapter
from bot.commands.digest import parse_time, zone
from bot.commands.reply import Reply
from bot.delivery import Sender
from bot.digest import DigestTask, due_date
from bot.models import Chat, SubscriptionKind
from bot.store import Store
from bot.store.chats import DigestSettings
from tests.adapters.conftest import FAST, all_sent, running
from tests.support.botapi import FakeBotAPI
from tests.support.builders import ban_flag, make_item, regulation_flag
from tests.support.clock import FakeClock


async def publish(store: Store, n: int, *, ban: bool = True, feed: str = "a") -> int:
    f, _ = await store.feeds.add(f"https://{feed}.example/feed", f"Feed {feed.upper()}")
    assert f.id is not None
    later = store.clock.now() + timedelta(seconds=5)
    title = f"WeChat closes crypto accounts, wave {n}" if ban else f"SEC sues exchange number {n}"
    flag = ban_flag() if ban else regulation_flag()
    [item] = await store.items.add_many(
        [make_item(f.id, n, title=title, flag=flag, published=later)]
    )
    assert item.id is not None
    return item.id


def test_time_and_zone_parsing() -> None:
    assert parse_time("8:30") == "08:30"
    assert parse_time("20h00") == "20:00"
    assert parse_time("24:00") is None
    assert zone("Europe/Paris") is not None
    assert zone("Mars/Olympus") is None
    assert zone("../etc/passwd") is None


def test_due_date_in_the_chats_zone() -> None:
    paris = DigestSettings(chat_id=1, at="08:00", tz="Europe/Paris")
    assert due_date(paris, datetime(2024, 6, 1, 5, 59, tzinfo=UTC)) is None  # 07:59 in Paris
    assert due_date(paris, datetime(2024, 6, 1, 6, 0, tzinfo=UTC)) == "2024-06-01"
    sent = DigestSettings(chat_id=1, at="08:00", tz="Europe/Paris", last_date="2024-06-01")
    assert due_date(sent, datetime(2024, 6, 1, 20, 0, tzinfo=UTC)) is None


async def test_digest_end_to_end(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, clock: FakeClock
) -> None:
    ann = bot_api.user(1001)
    chat = bot_api.private_chat(ann)
    bot_api.send(chat, ann, "/digest on 07:30 Mars/Olympus")
    [bad] = await bot_api.wait_messages(1001)
    assert "IANA" in bad["plain"]
    bot_api.send(chat, ann, "/digest on 00:00 Europe/Paris")  # due at once: any time is later
    on = (await bot_api.wait_messages(1001, 2))[1]
    assert "00:00 (Europe/Paris)" in on["plain"]
    bot_api.send(chat, ann, "/subscribe regulation digest")
    await bot_api.wait_messages(1001, 3)
    bot_api.send(chat, ann, "/subscribe bans")
    await bot_api.wait_messages(1001, 4)
    ban_id = await publish(store, 1)
    reg_id = await publish(store, 2, ban=False)
    rows = await store.db.fetchall("SELECT item_id FROM outbox")
    assert [r["item_id"] for r in rows] == [ban_id]  # regulation waits for the digest

    clock.set(clock.now() + timedelta(hours=1))
    task = DigestTask(store, {"telegram": tg.transport})
    assert await task.send_due() == 1
    digest = (await bot_api.wait_messages(1001, 5))[4]["plain"]
    assert digest.startswith("Daily digest — 2 flagged stories")
    assert digest.index("Platform ban") < digest.index("CN:") < digest.index("Regulation")
    assert f"/item {reg_id} SEC sues exchange" in digest
    assert "US:" in digest
    assert await task.send_due() == 0  # once a day
    assert len(bot_api.messages(1001)) == 5

    bot_api.send(chat, ann, "/digest off")
    off = (await bot_api.wait_messages(1001, 6))[5]
    assert off["plain"] == "Daily digest off."


async def test_french_digest(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, clock: FakeClock
) -> None:
    marie = bot_api.user(2002, "Marie", lang="fr")
    bot_api.send(bot_api.private_chat(marie), marie, "/digest on 00:00 Europe/Paris")
    [on] = await bot_api.wait_messages(2002)
    assert on["plain"].startswith("Résumé quotidien activé")
    await publish(store, 1)
    clock.set(clock.now() + timedelta(hours=1))
    chat = await store.chats.find("telegram", "2002")
    assert chat is not None
    assert chat.lang == "fr"  # taken from Telegram's language_code: alerts come in French
    await DigestTask(store, {"telegram": tg.transport}).send_due()
    digest = (await bot_api.wait_messages(2002, 2))[1]["plain"]
    assert digest.startswith("Résumé quotidien — 1 sujet signalé ")


async def test_burst_of_40_folds_into_one_message(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    ann = bot_api.user(1001)
    bot_api.send(bot_api.private_chat(ann), ann, "/subscribe all")
    await bot_api.wait_messages(1001)
    ids = [await publish(store, n) for n in range(40)]  # one feed: 40 items, 40 stories
    assert await store.outbox.pending_count() == 40
    sender = Sender(store, {"telegram": tg.transport}, {"telegram": FAST}, idle=5)
    async with running(sender):
        msgs = await bot_api.wait_messages(1001, 5)
        await all_sent(store)
    assert await sender.drain() == 0  # nothing left that could still arrive
    assert len(bot_api.messages(1001)) == 5  # the reply, 3 alerts, 1 summary
    summary = msgs[4]["plain"]
    assert summary.startswith("+37 more flagged items")
    assert f"/item {ids[-1]}" in summary
    assert await store.outbox.pending_count() == 0


async def test_same_story_from_three_feeds_alerts_once(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    from tests.stories.fixtures import story_items

    ann = bot_api.user(1001)
    bot_api.send(bot_api.private_chat(ann), ann, "/subscribe bans")
    await bot_api.wait_messages(1001)
    feeds = {}
    for name in ("Coin Wire", "Block Daily", "Ledger Times"):
        f, _ = await store.feeds.add(f"https://{name.replace(' ', '')}.example/rss", name)
        feeds[name] = f.id
    for item in story_items(feeds, store.clock.now())[:3]:  # as three polls of three feeds
        await store.items.add_many([item])
    sender = Sender(store, {"telegram": tg.transport}, {"telegram": FAST}, idle=5)
    async with running(sender):
        [_, alert] = await bot_api.wait_messages(1001, 2)
        await all_sent(store)
    assert await sender.drain() == 0
    assert len(bot_api.messages(1001)) == 2
    assert "WeChat closes accounts" in alert["plain"]
    first = await store.db.fetchone("SELECT id FROM items WHERE guid = 'wechat-0'")
    assert first is not None
    bot_api.send(bot_api.private_chat(ann), ann, f"/item {first['id']}")
    detail = (await bot_api.wait_messages(1001, 3))[2]["plain"]
    assert "Also reported by: Block Daily" in detail
    assert "Ledger Times" in detail
    assert SubscriptionKind.BANS.value == "bans"


async def test_digest_task_sends_at_the_chats_local_time_once_a_day(
    database: Path | str,
) -> None:
    """The running task, on a clock that starts at 07:59 in Paris: nothing before 08:00,
    one digest soon after, none more that day, the next one the next morning."""
    clock = FakeClock(datetime(2026, 1, 5, 6, 59, tzinfo=UTC))  # 07:59 in Paris (winter)
    sent: list[tuple[str, float]] = []

    class Recorder:
        platform = "fake"

        async def send(self, chat: Chat, reply: Reply) -> None:
            sent.append((reply.text, clock.monotonic()))

    async with Store.open(database, clock) as store:
        chat = await store.chats.ensure("fake", "1")
        assert chat.id is not None
        await store.chats.set_digest(chat.id, enabled=True, at="08:00", tz="Europe/Paris")
        task = asyncio.create_task(DigestTask(store, {"fake": Recorder()}, every=300).run())
        try:
            # The first look makes database round trips in real time: let it end and the task
            # sleep before the clock moves, or a busy machine would have it look at 07:59:59.
            await clock.run_until(lambda: clock.next_deadline() is not None, limit=0)
            await clock.advance(299)  # looked at 07:59, next look at 08:04
            assert sent == []
            # At 08:04 the task looks; its database round trips may take a while on a busy
            # machine: wait for its answer without letting the clock run on.
            await clock.run_until(lambda: len(sent) == 1, limit=1)
            assert [t for _, t in sent] == [300]  # the first look after 08:00 Paris time
            await clock.advance(23 * 3600)
            assert len(sent) == 1  # once a day
            await clock.run_until(lambda: len(sent) == 2, limit=3600)
            assert sent[1][1] == 289 * 300  # the first look after 08:00 the next day
        finally:
            task.cancel()
