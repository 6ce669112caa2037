"""A French Discord channel's alerts through the real Sender, discord.py and the fake REST
API: the why line's label, category and action in French, the colour still the ban's."""

from __future__ import annotations

from bot.adapters.discordbot import DiscordAdapter
from bot.adapters.discordbot.render import COLOURS
from bot.delivery import Sender
from bot.store import Store
from tests.adapters.discord.conftest import slash
from tests.adapters.discord.fakeapi import FakeDiscordAPI
from tests.adapters.discord.fakes import CHANNEL, FakeInteraction
from tests.adapters.discord.test_discord_delivery import no_pending, publish, wait_for


async def test_a_french_channel_gets_the_why_line_in_french(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, sender: Sender
) -> None:
    asked = FakeInteraction(channel_id=CHANNEL, manage_channels=True)
    await slash(dc, "language", asked, language="fr")
    await slash(dc, "subscribe", asked, target="bans")
    await publish(store)
    sender.wake()
    [message] = await discord_api.wait_messages(CHANNEL)
    [embed] = message["embeds"]
    assert (
        "⚑ **Pourquoi signalé :** interdiction · WeChat · CN · fermeture de comptes"
        in embed["description"]
    )
    assert embed["color"] == COLOURS["ban"].value
    await wait_for(no_pending(store))
