"""Targeted subscriptions on Telegram, end to end: commands typed into the fake Bot API, the
real Application, the real store, and alerts sent by the real Sender (digests by the real
digest task)."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.telegram import TelegramAdapter
from bot.delivery import Sender
from bot.digest import DigestTask
from bot.models import Category, Entities, Flag
from bot.store import Store
from tests.adapters.conftest import all_sent
from tests.support.botapi import FakeBotAPI
from tests.support.builders import ban_flag, make_item, regulation_flag
from tests.support.clock import FakeClock

BINANCE = Flag(Category.BAN, 0.9, ("delists",), Entities(platforms=("Binance",)), "en")
ESMA = Flag(
    Category.REGULATION, 0.8, ("MiCA",), Entities(jurisdictions=("EU",), regulators=("ESMA",)), "en"
)


async def publish(store: Store) -> None:
    """A WeChat ban, a Binance ban, an SEC lawsuit and an ESMA rule, published from now on."""
    feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
    assert feed.id is not None
    later = store.clock.now() + timedelta(seconds=5)
    news = [
        ("WeChat closes crypto accounts", ban_flag()),
        ("Binance delisted in a market", BINANCE),
        ("SEC sues exchange", regulation_flag()),
        ("ESMA publishes MiCA standards", ESMA),
    ]
    await store.items.add_many(
        [
            make_item(feed.id, n, title=title, flag=flag, published=later)
            for n, (title, flag) in enumerate(news)
        ]
    )


async def test_bans_on_wechat_gets_the_wechat_alert_and_not_binance(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    ann, bob = bot_api.user(1001), bot_api.user(1002)
    bot_api.send(bot_api.private_chat(ann), ann, "/subscribe bans on WeChat")
    bot_api.send(bot_api.private_chat(bob), bob, "/sub regulation in eu")
    [ok_ann] = await bot_api.wait_messages(1001)
    [ok_bob] = await bot_api.wait_messages(1002)
    assert ok_ann["plain"].startswith("Subscribed")
    assert "matching “on WeChat”" in ok_ann["plain"]
    assert "matching “in EU”" in ok_bob["plain"]
    await publish(store)
    sender.wake()
    alert_ann = (await bot_api.wait_messages(1001, 2))[1]
    alert_bob = (await bot_api.wait_messages(1002, 2))[1]
    await all_sent(store)
    assert await sender.drain() == 0
    assert "WeChat closes crypto accounts" in alert_ann["plain"]
    assert "ESMA publishes MiCA standards" in alert_bob["plain"]
    assert len(bot_api.messages(1001)) == 2  # not Binance, not regulation
    assert len(bot_api.messages(1002)) == 2  # not the SEC


async def test_hint_listing_and_unsubscribe_in_a_chat(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    ann = bot_api.user(1001)
    chat = bot_api.private_chat(ann)
    for line in (
        "/subscribe bans on Wechta",
        "/subscribe all by SEC",
        "/subscribe bans on x, twitter",
        "/subscriptions",
        "/unsubscribe 1",
        "/unsubscribe bans on X",
        "/subscriptions",
    ):
        bot_api.send(chat, ann, line)
    hint, sec, x, listing, one, words, empty = await bot_api.wait_messages(1001, 7)
    assert "I don't know the platform “Wechta”. Did you mean: WeChat" in hint["plain"]
    assert "Usage: /subscribe" in hint["plain"]
    assert "Subscribed" in sec["plain"]
    assert "Subscribed" in x["plain"]
    assert "1. all by SEC" in listing["plain"]
    assert "2. bans on X/Twitter" in listing["plain"]
    assert "Unsubscribed from all by SEC" in one["plain"]
    assert "Unsubscribed from bans on X/Twitter" in words["plain"]
    assert "No subscriptions here yet" in empty["plain"]


async def test_group_targets_belong_to_admins(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    boss, member = bot_api.user(2001, "Boss"), bot_api.user(2002, "Mia")
    group = bot_api.group(-100400, admins=(boss,))
    bot_api.send(group, member, "/subscribe bans on WeChat")
    [refused] = await bot_api.wait_messages(-100400)
    assert "administrators" in refused["plain"]
    assert await store.chats.find("telegram", "-100400") is None
    bot_api.send(group, boss, "/subscribe bans on WeChat digest")
    accepted = (await bot_api.wait_messages(-100400, 2))[1]
    assert "daily digest" in accepted["plain"]
    bot_api.send(group, member, "/unsubscribe 1")
    refused_again = (await bot_api.wait_messages(-100400, 3))[2]
    assert "administrators" in refused_again["plain"]
    chat = await store.chats.find("telegram", "-100400")
    assert chat is not None and chat.id is not None
    [sub] = await store.chats.subscriptions(chat.id)
    assert sub.label() == "bans on WeChat"


async def test_a_targeted_digest_reaches_the_group_with_only_what_matches(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, clock: FakeClock
) -> None:
    boss = bot_api.user(2001, "Boss")
    group = bot_api.group(-100401, admins=(boss,))
    bot_api.send(group, boss, "/digest on 00:00 utc")
    await bot_api.wait_messages(-100401, 1)
    bot_api.send(group, boss, "/subscribe regulation in eu digest")
    replies = await bot_api.wait_messages(-100401, 2)
    assert "matching “in EU”" in replies[1]["plain"]
    await publish(store)
    assert await store.outbox.pending_count() == 0  # digest only: no instant alert
    clock.set(clock.now() + timedelta(hours=1))
    assert await DigestTask(store, {"telegram": tg.transport}).send_due() == 1
    digest = (await bot_api.wait_messages(-100401, 3))[2]["plain"]
    assert digest.startswith("Daily digest — 1 flagged story")
    assert "ESMA publishes MiCA standards" in digest
    assert "SEC sues" not in digest
    assert "WeChat" not in digest
