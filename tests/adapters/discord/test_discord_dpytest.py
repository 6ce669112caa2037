"""A message-level flow with dpytest's simulated guild: the transport posting to a channel
where the bot may not send is refused with 403, becomes ChatGone, and nothing is posted.
(Successful posts are covered against the fake REST API in test_discord_delivery.py.)"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator

import discord
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord.ext.test as dpytest

from bot.adapters.discordbot.buttons import BanwatchClient, ButtonCodec
from bot.adapters.discordbot.transport import DiscordTransport
from bot.commands import Reply
from bot.errors import ChatGone
from bot.models import Chat


@pytest.fixture
async def client() -> AsyncIterator[BanwatchClient]:
    bot = BanwatchClient(intents=discord.Intents.all())  # dpytest keeps members in its cache
    await bot._async_setup_hook()
    dpytest.configure(bot)
    yield bot
    await dpytest.empty_queue()


async def test_a_channel_without_send_permission_is_gone(client: BanwatchClient) -> None:
    """dpytest checks the bot's permissions the way Discord does: 403 → ChatGone."""
    channel = dpytest.get_config().channels[0]
    await dpytest.set_permission_overrides(channel.guild.default_role, channel, send_messages=False)
    transport = DiscordTransport(client, ButtonCodec())
    with pytest.raises(ChatGone):
        await transport.send(Chat("discord", str(channel.id), id=1, kind="group"), Reply("hi"))
    assert dpytest.verify().message().nothing()
