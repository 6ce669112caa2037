"""Commands end to end: a user's message through the fake Bot API to the real Application."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.commands import Commands, Invocation, Reply
from bot.store import Store
from tests.adapters.conftest import ADMIN_ID
from tests.support.botapi import FakeBotAPI
from tests.support.builders import ban_flag, make_item


async def add_flagged(store: Store, count: int, title: str = "WeChat closes accounts") -> None:
    feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
    assert feed.id is not None
    items = [
        make_item(
            feed.id, n, title=f"{title} {n}", text=f"Story {n} about wechat bans.", flag=ban_flag()
        )
        for n in range(count)
    ]
    await store.items.add_many(items)


async def test_start(bot_api: FakeBotAPI, tg: TelegramAdapter) -> None:
    ann = bot_api.user(1001)
    bot_api.send(bot_api.private_chat(ann), ann, "/start")
    [reply] = await bot_api.wait_messages(1001)
    assert "Banwatch" in reply["plain"]
    assert "/subscribe" in reply["plain"]


async def test_menu_lists_commands(bot_api: FakeBotAPI, tg: TelegramAdapter) -> None:
    menus = {json.loads(scope)["type"]: cmds for scope, cmds in bot_api.commands.items()}
    public = [c["command"] for c in menus["default"]]
    assert "latest" in public
    assert "search" in public
    assert "start" not in public
    assert "addfeed" not in public
    admin = [c["command"] for c in menus["chat"]]
    assert "addfeed" in admin


async def test_help_and_unknown_command(bot_api: FakeBotAPI, tg: TelegramAdapter) -> None:
    ann = bot_api.user(1001)
    chat = bot_api.private_chat(ann)
    bot_api.send(chat, ann, "/help")
    bot_api.send(chat, ann, "/frobnicate now")
    bot_api.send(chat, ann, "/latest 999")
    help_, unknown, bad = await bot_api.wait_messages(1001, 3)
    assert "/search" in help_["plain"]
    assert "/addfeed" not in help_["plain"]
    assert unknown["plain"].startswith("Unknown command /frobnicate")
    assert "\n" not in unknown["plain"]
    assert "1 to 20" in bad["plain"]


async def test_other_bots_commands_are_ignored(bot_api: FakeBotAPI, tg: TelegramAdapter) -> None:
    ann = bot_api.user(1001)
    group = bot_api.group(-100200)
    bot_api.send(group, ann, "/help@OtherBot")
    bot_api.send(group, ann, "/weather")  # another bot's command, not addressed to us
    bot_api.send(group, ann, "/help@BanwatchTestBot")
    [reply] = await bot_api.wait_messages(-100200)
    # Updates are handled one by one, in order: the two before it were ignored.
    assert len(bot_api.messages(-100200)) == 1
    assert "/search" in reply["plain"]


async def test_latest(bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store) -> None:
    await add_flagged(store, 3)
    ann = bot_api.user(1001)
    bot_api.send(bot_api.private_chat(ann), ann, "/latest")
    [reply] = await bot_api.wait_messages(1001)
    assert reply["plain"].startswith("Latest ")
    assert "#1 WeChat closes accounts 0" in reply["plain"]
    assert "Why flagged: ban · WeChat · CN" in reply["plain"]
    assert '<a href="https://news.example/' in reply["text"]
    assert reply["link_preview_options"] == {"is_disabled": True}


async def test_search_with_more_button(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    await add_flagged(store, 12)
    ann = bot_api.user(1001)
    bot_api.send(bot_api.private_chat(ann), ann, "/search wechat")
    [first] = await bot_api.wait_messages(1001)
    assert first["plain"].count("Why flagged") == 5
    assert "<b>wechat</b>" in first["text"].casefold()
    [[button]] = first["reply_markup"]["inline_keyboard"]
    assert button["text"] == "More"
    bot_api.press(first, button["callback_data"], ann)
    second = (await bot_api.wait_messages(1001, 2))[1]
    assert "(page 2)" in second["plain"]
    assert second["plain"].count("Why flagged") == 5
    assert "reply_markup" not in bot_api.messages(1001)[0]  # the used button is gone
    [[button]] = second["reply_markup"]["inline_keyboard"]
    bot_api.press(second, button["callback_data"], ann)
    third = (await bot_api.wait_messages(1001, 3))[2]
    assert third["plain"].count("Why flagged") == 2
    assert "reply_markup" not in third
    shown = [m["plain"] for m in (first, second, third)]
    ids = {f"#{n} " for n in range(1, 13)}
    assert all(any(i in text for text in shown) for i in ids)
    assert len(bot_api.answers) == 2


async def test_expired_button(bot_api: FakeBotAPI, tg: TelegramAdapter) -> None:
    ann = bot_api.user(1001)
    chat = bot_api.private_chat(ann)
    message = bot_api.send(chat, ann, "/help")
    await bot_api.wait_messages(1001)
    bot_api.press(message, "~forgotten-token", ann)
    for _ in range(100):
        if bot_api.answers:
            break
        await asyncio.sleep(0.02)
    assert "expired" in bot_api.answers[0]["text"]


async def test_group_subscriptions_belong_to_admins(
    bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store
) -> None:
    boss, member = bot_api.user(2001, "Boss"), bot_api.user(2002, "Mia")
    group = bot_api.group(-100300, admins=(boss,))
    bot_api.send(group, member, "/subscribe bans")
    [refused] = await bot_api.wait_messages(-100300)
    assert "administrators" in refused["plain"]
    assert await store.chats.find("telegram", "-100300") is None
    bot_api.send(group, boss, "/subscribe@BanwatchTestBot bans")
    accepted = (await bot_api.wait_messages(-100300, 2))[1]
    assert accepted["plain"].startswith("Subscribed")
    chat = await store.chats.find("telegram", "-100300")
    assert chat is not None
    assert chat.kind == "group"


async def test_admin_commands(bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store) -> None:
    admin, other = bot_api.user(ADMIN_ID), bot_api.user(1001)
    bot_api.send(bot_api.private_chat(other), other, "/addfeed https://feeds.example/rss")
    bot_api.send(bot_api.private_chat(admin), admin, "/addfeed https://feeds.example/rss")
    [refused] = await bot_api.wait_messages(1001)
    [added] = await bot_api.wait_messages(ADMIN_ID)
    assert "administrators" in refused["plain"]
    assert added["plain"].startswith("Added feed #")
    assert [f.url for f in await store.feeds.all()] == ["https://feeds.example/rss"]


async def test_feed_text_is_escaped(bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store) -> None:
    await add_flagged(store, 1, title="<script>alert('x')</script> & <b>bold</b> a<b")
    ann = bot_api.user(1001)
    bot_api.send(bot_api.private_chat(ann), ann, "/latest")
    [reply] = await bot_api.wait_messages(1001)
    assert (
        "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; a&lt;b"
        in reply["text"]
    )
    assert "<script>alert('x')</script> & <b>bold</b> a<b" in reply["plain"]


async def test_long_reply_is_split(bot_api: FakeBotAPI, tg: TelegramAdapter, store: Store) -> None:
    for n in range(60):
        await store.feeds.add(f"https://feeds.example/{n}/" + "long-path-segment/" * 8)
    ann = bot_api.user(1001)
    bot_api.send(bot_api.private_chat(ann), ann, "/feeds")
    bot_api.send(bot_api.private_chat(ann), ann, "/help")  # answered after all of /feeds
    async with asyncio.timeout(10):
        while not any("/search" in m["plain"] for m in bot_api.messages(1001)):
            await asyncio.sleep(0.01)
    messages = [m for m in bot_api.messages(1001) if "/search" not in m["plain"]]
    assert len(messages) >= 2
    assert all(len(m["text"]) < 4096 for m in messages)
    joined = "\n".join(m["plain"] for m in messages)
    assert all(f"https://feeds.example/{n}/" in joined for n in range(60))


async def test_error_handler_apologises_and_goes_on(
    bot_api: FakeBotAPI,
    tg: TelegramAdapter,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real_run = Commands.run

    async def broken(self: Commands, inv: Invocation) -> Reply:
        if inv.command == "stats":
            raise RuntimeError("database on fire")
        return await real_run(self, inv)

    monkeypatch.setattr(Commands, "run", broken)
    ann = bot_api.user(1001)
    chat = bot_api.private_chat(ann)
    with caplog.at_level(logging.ERROR):
        bot_api.send(chat, ann, "/stats")
        [apology] = await bot_api.wait_messages(1001)
    assert apology["plain"].startswith("Sorry, something went wrong")
    assert "database on fire" in caplog.text
    marie = bot_api.user(1002, "Marie", lang="fr")
    bot_api.send(bot_api.private_chat(marie), marie, "/stats")
    [excuses] = await bot_api.wait_messages(1002)
    assert excuses["plain"].startswith("Désolé, quelque chose s’est mal passé")
    bot_api.send(chat, ann, "/help")
    assert "/search" in (await bot_api.wait_messages(1001, 2))[1]["plain"]


async def test_token_never_logged(
    bot_api: FakeBotAPI, settings: object, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.config import Settings

    assert isinstance(settings, Settings)
    with caplog.at_level(logging.DEBUG):
        async with TelegramAdapter(settings, Commands(store, settings), store, poll_timeout=1):
            ann = bot_api.user(1001)
            bot_api.send(bot_api.private_chat(ann), ann, "/help")
            await bot_api.wait_messages(1001)
    assert caplog.records
    assert bot_api.token not in caplog.text
    assert bot_api.token.split(":")[1] not in caplog.text
