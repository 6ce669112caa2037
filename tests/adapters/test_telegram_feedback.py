"""Feedback buttons on Telegram: the real Application against the fake Bot API server. An
alert carries "useful" and "wrong flag"; a press is stored, answered with answerCallbackQuery
and changeable, and the alert keeps its buttons. A burst folded into one message carries its
first item's buttons, named by number. /why and /stats as users type them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.adapters.telegram import TelegramAdapter
from bot.delivery import Sender
from bot.store import Store
from bot.store.feedback import Verdict
from tests.adapters.conftest import FAST, all_sent, running
from tests.adapters.test_telegram_alerts import publish, subscribe_user
from tests.support.botapi import FakeBotAPI, Json
from tests.support.builders import ban_flag, make_item


async def answers(api: FakeBotAPI, count: int, within: float = 5.0) -> list[Json]:
    """A bounded poll for the server's answerCallbackQuery calls."""
    async with asyncio.timeout(within):
        while len(api.answers) < count:
            await asyncio.sleep(0.02)
    return list(api.answers)


async def verdict(store: Store, key: str, item_id: int) -> Verdict | None:
    chat = await store.chats.find("telegram", key)
    assert chat is not None and chat.id is not None
    return await store.feedback.of(chat.id, item_id)


async def test_alert_buttons_store_acknowledge_and_change_a_press(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_user(bot_api)
    item_id = await publish(store)
    sender.wake()
    alert = (await bot_api.wait_messages(1001, 2))[1]
    [[useful, wrong]] = alert["reply_markup"]["inline_keyboard"]
    assert (useful["text"], wrong["text"]) == ("👍 Useful", "👎 Wrong flag")
    ann = bot_api.user(1001)

    bot_api.press(alert, useful["callback_data"], ann)
    [ack] = await answers(bot_api, 1)
    assert ack["text"].startswith(f"Thanks: #{item_id} marked useful")
    assert await verdict(store, "1001", item_id) is Verdict.USEFUL

    bot_api.press(alert, wrong["callback_data"], ann)
    changed = (await answers(bot_api, 2))[1]
    assert "now marked a wrong flag here (was useful)" in changed["text"]
    assert await verdict(store, "1001", item_id) is Verdict.WRONG

    assert len(bot_api.messages(1001)) == 2  # answered in place: no new message
    assert "reply_markup" in bot_api.messages(1001)[1]  # the buttons stay to change it again
    assert bot_api.called("editMessageReplyMarkup") == []


async def test_a_group_members_press_counts_for_the_group_in_french(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    boss, member = bot_api.user(2001, "Boss"), bot_api.user(2002, "Mia", lang="fr")
    group = bot_api.group(-100500, admins=(boss,))
    bot_api.send(group, boss, "/subscribe bans")
    await bot_api.wait_messages(-100500)
    item_id = await publish(store)
    sender.wake()
    alert = (await bot_api.wait_messages(-100500, 2))[1]
    [[_, wrong]] = alert["reply_markup"]["inline_keyboard"]
    bot_api.press(alert, wrong["callback_data"], member)  # not an admin: feedback is open
    [ack] = await answers(bot_api, 1)
    assert ack["text"].startswith(f"Merci : #{item_id} marqué : signalement erroné")
    assert await verdict(store, "-100500", item_id) is Verdict.WRONG


async def test_why_and_stats_typed_on_telegram(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_user(bot_api)
    item_id = await publish(store)
    sender.wake()
    alert = (await bot_api.wait_messages(1001, 2))[1]
    ann, chat = bot_api.user(1001), bot_api.chats[1001]
    bot_api.send(chat, ann, f"/wrong {item_id}")  # typed, it is answered as a message
    typed = (await bot_api.wait_messages(1001, 3))[2]
    assert f"#{item_id} marked a wrong flag" in typed["plain"]
    bot_api.send(chat, ann, f"/why {item_id}")
    why = (await bot_api.wait_messages(1001, 4))[3]
    assert "Rules that decided it:" in why["plain"]
    assert "\n• ban." in why["plain"]  # rule ids of the rule book, one a line
    bot_api.send(chat, ann, "/stats")
    stats = (await bot_api.wait_messages(1001, 5))[4]
    assert "1 of 1 alerts marked wrong (100%)" in stats["plain"]
    assert alert["reply_markup"]


async def burst(store: Store, count: int) -> list[int]:
    """`count` flagged ban items (distinct stories) stored at once; their ids, in order."""
    feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
    assert feed.id is not None
    later = store.clock.now() + timedelta(seconds=5)
    items = [
        make_item(
            feed.id,
            n,
            title=f"WeChat closes crypto accounts, wave {n}",
            flag=ban_flag(),
            published=later,
        )
        for n in range(count)
    ]
    return [item.id or 0 for item in await store.items.add_many(items)]


async def test_a_folded_burst_carries_the_buttons_of_its_first_item(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    await subscribe_user(bot_api)
    ids = await burst(store, 12)  # more than FOLD_AFTER: 3 alerts, then one summary of 9
    sender = Sender(store, {"telegram": tg.transport}, {"telegram": FAST}, idle=5)
    async with running(sender):
        messages = await bot_api.wait_messages(1001, 5)
        await all_sent(store)
    assert len(bot_api.messages(1001)) == 5  # the reply, 3 alerts, 1 summary
    summary = messages[4]
    assert summary["plain"].startswith("+9 more flagged items")
    lead, other = ids[3], ids[4]
    [[useful, wrong]] = summary["reply_markup"]["inline_keyboard"]
    assert (useful["text"], wrong["text"]) == (f"👍 Useful #{lead}", f"👎 Wrong flag #{lead}")
    assert f"Feedback on the others: /wrong {other} or /useful {other}" in summary["plain"]

    ann = bot_api.user(1001)
    bot_api.press(summary, wrong["callback_data"], ann)
    [ack] = await answers(bot_api, 1)
    assert ack["text"].startswith(f"Thanks: #{lead} marked a wrong flag")
    assert await verdict(store, "1001", lead) is Verdict.WRONG
    bot_api.send(bot_api.chats[1001], ann, f"/useful {other}")  # as the summary says
    typed = (await bot_api.wait_messages(1001, 6))[5]
    assert f"#{other} marked useful" in typed["plain"]
    assert await verdict(store, "1001", other) is Verdict.USEFUL
    assert await verdict(store, "1001", ids[5]) is None  # one press, one item
    assert "reply_markup" in bot_api.messages(1001)[4]  # the buttons stay to change it again
