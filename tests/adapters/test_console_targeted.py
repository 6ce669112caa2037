"""Targeted subscriptions in the terminal chat, in this process: commands typed into the chat
loop, then alerts printed by the console transport through the real Sender."""

from __future__ import annotations

import io
import os
from datetime import timedelta

from bot.adapters.console import ConsoleTransport, chat_loop
from bot.commands import Commands
from bot.config import load_settings
from bot.delivery import Sender
from bot.models import Category, Entities, Flag
from bot.store import Store
from tests.adapters.conftest import FAST
from tests.support.builders import ban_flag, make_item

TYPED = """\
/subscribe bans on weixin
/subscribe all in Narnia
/subscriptions
"""


async def test_the_terminal_chat_subscribes_to_bans_on_wechat(store: Store) -> None:
    commands = Commands(store, load_settings(None))
    out = io.StringIO()
    read_end, write_end = os.pipe()  # as `printf … | banwatch chat` feeds it
    with os.fdopen(read_end, "r") as typed:
        with os.fdopen(write_end, "w") as keyboard:
            keyboard.write(TYPED)
        await chat_loop(commands, typed, out)
    shown = out.getvalue()
    assert "Subscribed: you will get an alert here for platform bans matching “on WeChat”" in shown
    assert "I don't know the jurisdiction “Narnia”." in shown
    assert "1. bans on WeChat" in shown

    feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
    assert feed.id is not None
    later = store.clock.now() + timedelta(seconds=5)
    binance = Flag(Category.BAN, 0.9, ("delists",), Entities(platforms=("Binance",)), "en")
    await store.items.add_many(
        [
            make_item(
                feed.id, 1, title="Binance delisted in a market", flag=binance, published=later
            ),
            make_item(
                feed.id, 2, title="WeChat closes crypto accounts", flag=ban_flag(), published=later
            ),
        ]
    )
    alerts = io.StringIO()
    sender = Sender(store, {"console": ConsoleTransport(alerts)}, {"console": FAST})
    await sender.drain()
    printed = alerts.getvalue()
    assert printed.count("🔔") == 1
    assert "WeChat closes crypto accounts" in printed
    assert "Binance" not in printed
