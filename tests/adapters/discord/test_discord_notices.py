"""Admin notices to a Discord channel (`BOT_ADMIN_CHAT=discord:<channel id>`), end to end: a
real feed server, the real poller and store on a fake clock, the real discord.py HTTP client
and Sender against the fake Discord API.

The channel gets each notice once, in the language set there with /language; a subscribed
channel gets none of them; a notice for Discord waits while only Telegram runs and arrives
once Discord does; an admin channel the bot cannot post to drops its notice, and the
subscribers' alerts still go out.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.adapters.discordbot import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.commands import Commands
from bot.config import Settings
from bot.delivery import Sender
from bot.ops.admin import AdminWatch
from bot.store import Store
from tests.adapters.conftest import FAST
from tests.adapters.discord.conftest import discord_settings, slash
from tests.adapters.discord.fakeapi import FakeDiscordAPI, Json
from tests.adapters.discord.fakes import CHANNEL, FakeInteraction
from tests.adapters.discord.test_discord_delivery import publish, subscribe_channel
from tests.ops.test_admin_notices import poll, told
from tests.support.botapi import FakeBotAPI
from tests.support.clock import FakeClock, drive
from tests.support.feedserver import FeedServer

ADMIN_CHANNEL = 4242


@pytest.fixture
def settings() -> Settings:
    return discord_settings(
        BOT_ADMIN_CHAT=f"discord:{ADMIN_CHANNEL}",
        BOT_ALLOW_PRIVATE_FEEDS="1",
        BOT_FETCH_TIMEOUT="3",
        BOT_MAX_FAILURES="10",
    )


@contextlib.asynccontextmanager
async def watching(
    dc: DiscordAdapter, store: Store, settings: Settings
) -> AsyncIterator[tuple[AdminWatch, Sender]]:
    """The watch and a Sender that sends notices (as `banwatch run` does with the key set)."""
    yield (
        AdminWatch(store, settings),
        Sender(store, {"discord": dc.transport}, {"discord": FAST}, notices=True),
    )


def shown(message: Json) -> str:
    """What a reader of the channel sees in a message: its content and its embeds' text."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(parts)


async def test_a_discord_admin_channel_is_told_once_and_of_the_recovery_once(
    discord_api: FakeDiscordAPI,
    dc: DiscordAdapter,
    store: Store,
    settings: Settings,
    clock: FakeClock,
    feed_server: FeedServer,
) -> None:
    await subscribe_channel(dc)  # a subscribed channel: alerts only, never notices
    url = feed_server.add("/feed.xml", b"oops", status=500)
    feed, _ = await store.feeds.add(url, "Flaky News")
    assert feed.id is not None
    async with watching(dc, store, settings) as (watch, sender):
        for _ in range(2):
            assert await poll(store, settings, clock, feed.id) == "failed"
        assert await told(watch, sender, clock) == 0
        assert discord_api.messages(ADMIN_CHANNEL) == []

        assert await poll(store, settings, clock, feed.id) == "failed"  # the third
        assert await told(watch, sender, clock) == 1
        [notice] = [shown(m) for m in discord_api.messages(ADMIN_CHANNEL)]
        assert "1 feed failed 3 times in a row" in notice
        assert "Flaky News" in notice
        assert "500" in notice  # the last error

        for _ in range(2):  # the problem persists: nothing more
            assert await poll(store, settings, clock, feed.id) == "failed"
            assert await told(watch, sender, clock) == 0
        assert len(discord_api.messages(ADMIN_CHANNEL)) == 1

        feed_server.add_file("/feed.xml", "crypto_fr.rss")
        assert await poll(store, settings, clock, feed.id) == "new"
        assert await told(watch, sender, clock) == 1
        assert "1 feed answers again" in shown(discord_api.messages(ADMIN_CHANNEL)[-1])
        assert await told(watch, sender, clock) == 0
    assert len(discord_api.messages(ADMIN_CHANNEL)) == 2
    assert all("feed" not in shown(m) for m in discord_api.messages(CHANNEL))


async def test_the_admin_channel_is_told_in_the_language_set_there(
    discord_api: FakeDiscordAPI,
    dc: DiscordAdapter,
    store: Store,
    settings: Settings,
    clock: FakeClock,
) -> None:
    manager = FakeInteraction(channel_id=ADMIN_CHANNEL, manage_channels=True)
    assert "français" in (await slash(dc, "language", manager, language="fr")).only.text()
    for n in range(2):
        feed, _ = await store.feeds.add(f"https://dead{n}.example/feed", f"Dead {n}")
        await store.feeds.save_health(
            replace(feed, failures=10, disabled=True, last_error="HTTP 404")
        )
    async with watching(dc, store, settings) as (watch, sender):
        assert await told(watch, sender, clock) == 1
        [notice] = [shown(m) for m in discord_api.messages(ADMIN_CHANNEL)]
        assert "2 flux désactivés après 10 échecs" in notice
        assert "Dead 0" in notice
        assert "Dead 1" in notice
        assert await told(watch, sender, clock) == 0


async def test_a_discord_notice_waits_while_only_telegram_runs(
    discord_api: FakeDiscordAPI,
    dc: DiscordAdapter,
    store: Store,
    settings: Settings,
    clock: FakeClock,
    bot_api: FakeBotAPI,
) -> None:
    both = discord_settings(
        BOT_ADMIN_CHAT=f"discord:{ADMIN_CHANNEL}",
        TELEGRAM_BOT_TOKEN=bot_api.token,
        TELEGRAM_API_URL=bot_api.url,
    )
    feed, _ = await store.feeds.add("https://dead.example/feed", "Dead News")
    await store.feeds.save_health(replace(feed, failures=3, last_error="HTTP 502"))
    async with TelegramAdapter(both, Commands(store, both), store, poll_timeout=1) as tg:
        telegram_only = Sender(store, {"telegram": tg.transport}, {"telegram": FAST}, notices=True)
        assert await told(AdminWatch(store, both), telegram_only, clock) == 1
    assert discord_api.messages(ADMIN_CHANNEL) == []
    assert not any(bot_api.sent.values())  # not sent to Telegram instead

    discord = Sender(store, {"discord": dc.transport}, {"discord": FAST}, notices=True)
    assert await drive(clock, discord.drain()) == 1
    [notice] = [shown(m) for m in discord_api.messages(ADMIN_CHANNEL)]
    assert "Dead News" in notice
    assert await drive(clock, discord.drain()) == 0  # sent once


async def test_an_admin_channel_the_bot_cannot_post_to_drops_the_notice_not_the_alerts(
    discord_api: FakeDiscordAPI,
    dc: DiscordAdapter,
    store: Store,
    settings: Settings,
    clock: FakeClock,
) -> None:
    discord_api.gone.add(ADMIN_CHANNEL)
    await subscribe_channel(dc)
    feed, _ = await store.feeds.add("https://dead.example/feed", "Dead News")
    await store.feeds.save_health(replace(feed, failures=3, last_error="HTTP 502"))
    await publish(store, n=1)
    async with watching(dc, store, settings) as (watch, sender):
        assert await watch.check() == 1
        assert await drive(clock, sender.drain()) == 1  # the alert; the notice was dropped
        assert await drive(clock, sender.drain()) == 0  # and is not tried again
    assert discord_api.attempts[ADMIN_CHANNEL] == 1
    [alert] = discord_api.messages(CHANNEL)
    assert alert["content"] == "**⚠️ Platform ban**"
    assert await store.outbox.pending_count() == 0
