"""Telegram and Discord from one process and one store: one flagged item reaches a subscribed
Telegram chat and a subscribed Discord channel once each, through one Sender."""

from __future__ import annotations

from bot.adapters.discordbot import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.commands import Commands
from bot.delivery import Sender
from bot.store import Store
from tests.adapters.conftest import FAST, all_sent, make_settings, running
from tests.adapters.discord.fakeapi import TOKEN, FakeDiscordAPI
from tests.adapters.discord.fakes import CHANNEL
from tests.adapters.discord.test_discord_delivery import subscribe_channel
from tests.adapters.test_telegram_alerts import publish, subscribe_user
from tests.support.botapi import FakeBotAPI


async def test_one_item_reaches_each_platform_once(
    bot_api: FakeBotAPI, discord_api: FakeDiscordAPI, store: Store
) -> None:
    settings = make_settings(bot_api, DISCORD_BOT_TOKEN=TOKEN)
    commands = Commands(store, settings)
    async with (
        TelegramAdapter(settings, commands, store, poll_timeout=1) as tg,
        DiscordAdapter(settings, commands, store, gateway=False) as dc,
    ):
        await subscribe_user(bot_api)
        await subscribe_channel(dc)
        item_id = await publish(store)
        transports = {"telegram": tg.transport, "discord": dc.transport}
        sender = Sender(store, transports, {"telegram": FAST, "discord": FAST}, idle=0.1)
        async with running(sender):
            sender.wake()
            telegram_alert = (await bot_api.wait_messages(1001, 2))[1]
            [discord_alert] = await discord_api.wait_messages(CHANNEL)
            await all_sent(store)  # every alert marked sent: none can be sent again
    assert f"#{item_id} WeChat closes crypto accounts" in telegram_alert["plain"]
    assert discord_alert["embeds"][0]["title"] == f"#{item_id} WeChat closes crypto accounts"
    assert len(bot_api.messages(1001)) == 2  # the /subscribe answer, then the alert
    assert len(discord_api.messages(CHANNEL)) == 1
    assert discord_api.attempts[CHANNEL] == 1
    rows = await store.db.fetchall("SELECT status FROM outbox")
    assert sorted(r["status"] for r in rows) == ["sent", "sent"]
