"""Forum topics and channels on Telegram, end to end: the real Application against the fake
Bot API server (forum topics, getChat, getChatMember), the real Sender and digest task, a
real store on the fake clock.

A forum supergroup's alerts and digests go to the topic its /subscribe was sent in; a channel
is subscribed from a private chat with its administrator (`/subscribe @channel bans`) once
Telegram confirms both the sender and the bot administer it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.adapters.telegram import TelegramAdapter
from bot.delivery import Sender
from bot.digest import DigestTask
from bot.store import Store
from bot.store.feedback import Verdict
from bot.store.migrations import MIGRATIONS
from tests.adapters.conftest import eventually
from tests.adapters.test_telegram_alerts import publish
from tests.support.botapi import FakeBotAPI
from tests.support.clock import FakeClock

FORUM = -1005001
TOPIC = 7
CHANNEL = -1006001


async def test_an_alert_lands_in_the_topic_where_subscribe_was_sent(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    ann = bot_api.user(1001)
    forum = bot_api.forum(FORUM, admins=(ann,), topics=(TOPIC, 9))
    bot_api.send(forum, ann, "/subscribe bans", topic=TOPIC)
    [ok] = await bot_api.wait_messages(FORUM)
    assert ok["message_thread_id"] == TOPIC  # the reply, in the topic it was asked in
    assert "come to this topic" in ok["plain"]
    item_id = await publish(store)
    sender.wake()
    alert = (await bot_api.wait_messages(FORUM, 2))[1]
    assert f"#{item_id} WeChat closes crypto accounts" in alert["plain"]
    assert alert["message_thread_id"] == TOPIC
    assert alert["is_topic_message"] is True


async def test_subscribe_outside_a_topic_sends_to_the_chat_itself(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    ann = bot_api.user(1001)
    forum = bot_api.forum(FORUM, admins=(ann,), topics=(TOPIC,))
    bot_api.send(forum, ann, "/subscribe bans", topic=TOPIC)
    await bot_api.wait_messages(FORUM)
    bot_api.send(forum, ann, "/subscribe all")  # General: the latest /subscribe decides
    second = (await bot_api.wait_messages(FORUM, 2))[1]
    assert "message_thread_id" not in second
    await publish(store)
    sender.wake()
    alert = (await bot_api.wait_messages(FORUM, 3))[2]
    assert "message_thread_id" not in alert


async def test_a_deleted_topic_falls_back_to_the_chat(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    ann = bot_api.user(1001)
    forum = bot_api.forum(FORUM, admins=(ann,), topics=(TOPIC,))
    bot_api.send(forum, ann, "/subscribe bans", topic=TOPIC)
    await bot_api.wait_messages(FORUM)
    bot_api.topics[FORUM].discard(TOPIC)  # the topic was deleted since
    await publish(store)
    sender.wake()
    alert = (await bot_api.wait_messages(FORUM, 2))[1]
    assert "WeChat closes crypto accounts" in alert["plain"]
    assert "message_thread_id" not in alert


async def test_the_digest_lands_in_the_topic_too(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, clock: FakeClock
) -> None:
    ann = bot_api.user(1001)
    forum = bot_api.forum(FORUM, admins=(ann,), topics=(TOPIC,))
    bot_api.send(forum, ann, "/subscribe bans digest", topic=TOPIC)
    [ok] = await bot_api.wait_messages(FORUM)
    assert ok["plain"].startswith("Subscribed")
    chat = await store.chats.find("telegram", str(FORUM))
    assert chat is not None and chat.id is not None
    await store.chats.set_digest(chat.id, enabled=True, at="00:00")  # due whenever we are
    await publish(store)
    clock.set(clock.now() + timedelta(hours=1))
    assert await DigestTask(store, {"telegram": tg.transport}).send_due() == 1
    digest = (await bot_api.wait_messages(FORUM, 2))[1]
    assert digest["plain"].startswith("Daily digest — 1 flagged story,")
    assert digest["message_thread_id"] == TOPIC


async def test_a_channel_admin_subscribes_the_channel_from_a_private_chat(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    ann = bot_api.user(1001)
    bot_api.channel(CHANNEL, "cryptobans", admins=(ann,))
    bot_api.send(bot_api.private_chat(ann), ann, "/subscribe @CryptoBans bans")
    [ok] = await bot_api.wait_messages(1001)
    assert ok["plain"].startswith("Subscribed @cryptobans: an alert will be posted there")
    channel = await store.chats.find("telegram", str(CHANNEL))
    assert channel is not None and channel.kind == "channel" and channel.id is not None
    assert await store.chats.place(channel.id) == (None, "@cryptobans")
    assert await store.chats.find("telegram", "1001") is None  # nothing subscribed in private

    item_id = await publish(store)
    sender.wake()
    [alert] = await bot_api.wait_messages(CHANNEL)
    assert f"#{item_id} WeChat closes crypto accounts" in alert["plain"]
    assert len(bot_api.messages(1001)) == 1  # the alert went to the channel only

    bot_api.send(bot_api.private_chat(ann), ann, "/subscriptions @cryptobans")
    listing = (await bot_api.wait_messages(1001, 2))[1]
    assert listing["plain"].startswith("For @cryptobans:")
    assert "1. bans" in listing["plain"]


async def test_a_non_admin_is_refused_with_the_fix(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    ann, bob = bot_api.user(1001), bot_api.user(1002, "Bob")
    bot_api.channel(CHANNEL, "cryptobans", admins=(ann,))
    bot_api.send(bot_api.private_chat(bob), bob, "/subscribe @cryptobans bans")
    [no] = await bot_api.wait_messages(1002)
    assert no["plain"].startswith("Only the administrators of @cryptobans can change its alerts")
    assert "make you an administrator" in no["plain"]
    assert await store.chats.find("telegram", str(CHANNEL)) is None


async def test_a_channel_the_bot_cannot_post_to_is_refused_with_the_fix(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    ann = bot_api.user(1001, lang="fr")
    bot_api.channel(CHANNEL, "absent", admins=(ann,), bot="absent")
    bot_api.channel(CHANNEL - 1, "mute", admins=(ann,), bot="admin")
    chat = bot_api.private_chat(ann)
    bot_api.send(chat, ann, "/subscribe @absent bans")
    bot_api.send(chat, ann, "/subscribe @mute bans")
    bot_api.send(chat, ann, "/subscribe @nowhere bans")
    absent, mute, nowhere = await bot_api.wait_messages(1001, 3)
    assert absent["plain"].startswith("Je ne suis pas administrateur de @absent")
    assert "droit de publier" in absent["plain"]
    assert mute["plain"].startswith("Je suis administrateur de @mute mais je ne peux pas")
    assert nowhere["plain"].startswith("Je ne trouve pas le canal @nowhere")
    assert await store.chats.find("telegram", str(CHANNEL)) is None


async def test_a_group_is_not_a_channel(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    ann = bot_api.user(1001)
    group = bot_api.group(-1007001, admins=(ann,))
    group["username"] = "somegroup"
    bot_api.send(bot_api.private_chat(ann), ann, "/subscribe @somegroup bans")
    [no] = await bot_api.wait_messages(1001)
    assert no["plain"].startswith("@somegroup is not a channel")


async def test_an_old_store_upgrades_and_keeps_its_chats(tmp_path: Path) -> None:
    """A schema-5 store (before topics and channels) opens, upgrades, and takes a topic."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for number, script in enumerate(MIGRATIONS[:5], start=1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")
        conn.execute(
            "INSERT INTO chats (id, platform, key, kind, created)"
            " VALUES (1, 'telegram', '-1005001', 'group', '2026-01-01T00:00:00+00:00')"
        )
    async with Store.open(path) as store:
        row = await store.db.fetchone("PRAGMA user_version")
        assert row is not None and row[0] == len(MIGRATIONS)
        chat = await store.chats.get(1)
        assert chat is not None
        assert (await store.chats.for_delivery(chat)).thread is None  # as before: the chat
        await store.chats.set_thread(1, TOPIC)
        assert (await store.chats.for_delivery(chat)).thread == TOPIC


async def test_a_french_chats_alert_speaks_french_at_its_local_time(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    marie = bot_api.user(2002, "Marie", lang="fr")
    chat = bot_api.private_chat(marie)
    bot_api.send(chat, marie, "/digest on 08:00 europe/paris")
    bot_api.send(chat, marie, "/subscribe bans")
    await bot_api.wait_messages(2002, 2)
    item_id = await publish(store)
    item = await store.items.get(item_id)
    assert item is not None
    sender.wake()
    alert = (await bot_api.wait_messages(2002, 3))[2]
    assert "Pourquoi signalé : interdiction · WeChat · CN · fermeture de comptes" in alert["plain"]
    paris = item.published.astimezone(ZoneInfo("Europe/Paris"))
    assert f"{paris:%Y-%m-%d %H:%M} {paris.tzname()}" in alert["plain"]


async def test_feedback_pressed_in_a_channel_and_in_a_topic_counts_for_that_chat(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    ann = bot_api.user(1001)
    bot_api.channel(CHANNEL, "cryptobans", admins=(ann,))
    bot_api.send(bot_api.private_chat(ann), ann, "/subscribe @cryptobans bans")
    await bot_api.wait_messages(1001)
    boss = bot_api.user(2001, "Boss")
    forum = bot_api.forum(FORUM, admins=(boss,), topics=(TOPIC,))
    bot_api.send(forum, boss, "/subscribe bans", topic=TOPIC)
    await bot_api.wait_messages(FORUM)
    item_id = await publish(store)
    sender.wake()
    [posted] = await bot_api.wait_messages(CHANNEL)
    in_topic = (await bot_api.wait_messages(FORUM, 2))[1]
    assert in_topic["message_thread_id"] == TOPIC

    [[useful, _]] = posted["reply_markup"]["inline_keyboard"]
    bot_api.press(posted, useful["callback_data"], ann)  # a channel's admin, under the post
    [[_, wrong]] = in_topic["reply_markup"]["inline_keyboard"]
    bot_api.press(in_topic, wrong["callback_data"], bot_api.user(2002, "Mia"))
    await eventually(lambda: len(bot_api.answers) == 2)
    assert all(a["text"].startswith(f"Thanks: #{item_id} marked") for a in bot_api.answers)
    for key, verdict in ((CHANNEL, Verdict.USEFUL), (FORUM, Verdict.WRONG)):
        chat = await store.chats.find("telegram", str(key))
        assert chat is not None and chat.id is not None
        assert await store.feedback.of(chat.id, item_id) is verdict
    assert await store.chats.find("telegram", "2002") is None  # not a chat of its own
    assert len(bot_api.messages(CHANNEL)) == 1  # answered in place, nothing posted
