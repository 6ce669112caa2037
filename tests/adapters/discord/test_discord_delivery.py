"""Alerts to Discord: outbox rows through the real Sender and the real discord.py HTTP client
to the fake REST API; log-in and slash command sync against the same fake."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.adapters.discordbot import DiscordAdapter
from bot.commands import Commands
from bot.delivery import Sender
from bot.ops.metrics import Metrics, MetricsServer
from bot.store import Store
from tests.adapters.conftest import FAST
from tests.adapters.discord.conftest import discord_settings, slash
from tests.adapters.discord.fakeapi import APP_ID, FakeDiscordAPI
from tests.adapters.discord.fakes import CHANNEL, GUILD, FakeInteraction
from tests.ops.test_metrics_http import samples
from tests.support.builders import ban_flag, make_item
from tests.support.clock import FakeClock, drive


async def publish(store: Store, n: int = 0, title: str = "WeChat closes crypto accounts") -> int:
    """A flagged ban item published just now (after any subscription); returns its id."""
    feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
    assert feed.id is not None
    later = store.clock.now() + timedelta(seconds=5)
    [item] = await store.items.add_many(
        [make_item(feed.id, n, title=title, flag=ban_flag(), published=later)]
    )
    assert item.id is not None
    return item.id


async def subscribe_channel(dc: DiscordAdapter, channel: int = CHANNEL) -> None:
    asked = FakeInteraction(channel_id=channel, manage_channels=True)
    assert "Subscribed" in (await slash(dc, "subscribe", asked, target="bans")).only.text()


async def outbox_row(store: Store) -> dict[str, object]:
    row = await store.db.fetchone("SELECT status, attempts, last_error FROM outbox")
    assert row is not None
    return dict(row)


async def wait_for(predicate: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    for _ in range(int(within / 0.02)):
        if await predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def no_pending(store: Store) -> Callable[[], Awaitable[bool]]:
    async def done() -> bool:
        return await store.outbox.pending_count() == 0

    return done


async def test_login_syncs_the_commands_to_the_dev_guild(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter
) -> None:
    [(path, commands)] = discord_api.synced
    assert path == f"/api/v10/applications/{APP_ID}/guilds/{GUILD}/commands"
    assert {c["name"] for c in commands} >= {"latest", "search", "subscribe", "help"}
    assert dc.client.user is not None
    assert dc.client.user.name == "Banwatch"


async def test_without_a_guild_the_commands_sync_globally(
    discord_api: FakeDiscordAPI, store: Store
) -> None:
    settings = discord_settings(DISCORD_GUILD_ID=None)
    async with DiscordAdapter(settings, Commands(store, settings), store, gateway=False):
        pass
    [(path, _)] = discord_api.synced
    assert path == f"/api/v10/applications/{APP_ID}/commands"


async def test_alert_arrives_once_as_an_embed(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_channel(dc)
    item_id = await publish(store)
    sender.wake()
    [message] = await discord_api.wait_messages(CHANNEL)
    assert message["content"] == "**⚠️ Platform ban**"
    [embed] = message["embeds"]
    assert embed["title"] == f"#{item_id} WeChat closes crypto accounts"
    assert embed["url"] == "https://news.example/1/0"
    assert "Why flagged:** ban · WeChat · CN" in embed["description"]
    assert f"/item {item_id} for the evidence" in embed["description"]
    assert embed["footer"]["text"] == "Example News"
    assert "timestamp" in embed
    assert message["allowed_mentions"] == {"parse": []}
    await wait_for(no_pending(store))
    assert await sender.drain() == 0  # nothing left that could still arrive
    assert len(discord_api.messages(CHANNEL)) == 1


async def test_short_429_is_waited_out_and_sent_once(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_channel(dc)
    discord_api.fail(CHANNEL, 429, retry_after=0.3)  # discord.py waits this out itself
    await publish(store)
    sender.wake()
    await discord_api.wait_messages(CHANNEL)
    assert discord_api.attempts[CHANNEL] == 2
    await wait_for(no_pending(store))
    assert await sender.drain() == 0
    assert len(discord_api.messages(CHANNEL)) == 1
    assert (await outbox_row(store))["status"] == "sent"


async def test_long_429_keeps_the_alert_pending(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, clock: FakeClock
) -> None:
    """A wait longer than discord.py's limit comes back as RetryLater: the row stays, not
    counted as a failure, and Discord is paused for that long rather than hammered."""
    await subscribe_channel(dc)
    discord_api.fail(CHANNEL, 429, retry_after=90)
    await publish(store)
    sender = Sender(store, {"discord": dc.transport}, {"discord": FAST})
    assert await sender.send_due() == 1
    row = await outbox_row(store)
    assert row["status"] == "pending"
    assert row["attempts"] == 0
    assert "rate limit" in str(row["last_error"])
    assert discord_api.messages(CHANNEL) == []
    await clock.advance(89)
    assert await sender.send_due() == 0  # not before the 90 s of the clock Discord asked for
    assert discord_api.attempts[CHANNEL] == 1
    chat = await store.chats.find("discord", str(CHANNEL))
    assert chat is not None
    assert chat.active
    await clock.advance(1)
    assert await sender.send_due() == 1
    assert len(discord_api.messages(CHANNEL)) == 1
    assert (await outbox_row(store))["status"] == "sent"


@pytest.mark.parametrize("status", [403, 404])
async def test_channel_we_cannot_post_to_is_deactivated(
    status: int, discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_channel(dc)
    discord_api.fail(CHANNEL, status)
    await publish(store, 0)
    await publish(store, 1)
    sender.wake()

    async def gone() -> bool:
        chat = await store.chats.find("discord", str(CHANNEL))
        return chat is not None and not chat.active

    await wait_for(gone)
    await wait_for(no_pending(store))
    assert await sender.drain() == 0
    assert discord_api.attempts[CHANNEL] == 1  # no retries, the second alert dropped
    assert discord_api.messages(CHANNEL) == []
    assert await store.outbox.pending_count() == 0


async def test_server_error_is_retried_with_backoff(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_channel(dc)
    discord_api.fail(CHANNEL, 503)  # discord.py does not retry a 503 itself
    await publish(store)
    sender.wake()
    await discord_api.wait_messages(CHANNEL, within=10)  # after a backoff of ~2 s (clock)
    assert discord_api.attempts[CHANNEL] == 2

    async def sent() -> bool:
        return (await outbox_row(store))["status"] == "sent"

    await wait_for(sent)
    assert (await outbox_row(store))["attempts"] == 2


async def test_a_long_reply_is_split_into_messages(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter
) -> None:
    from bot.commands import Entry, Reply
    from bot.models import Chat

    entries = tuple(
        Entry(i, f"Title {i}", f"https://x.example/{i}", "Src", datetime.now(UTC), "w " * 1500)
        for i in range(12)
    )
    await dc.transport.send(
        Chat("discord", str(CHANNEL), id=1, kind="group"), Reply("Head", entries)
    )
    sent = discord_api.messages(CHANNEL)
    assert len(sent) > 1
    assert sent[0]["content"] == "**Head**"
    assert all(m.get("content") is None for m in sent[1:])
    assert sum(len(m["embeds"]) for m in sent) == 12
    for m in sent:
        assert len(m["embeds"]) <= 10
        chars = sum(len(e.get("title", "")) + len(e.get("description", "")) for e in m["embeds"])
        assert chars <= 6000


async def test_every_429_is_counted_once_in_metrics(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, clock: FakeClock
) -> None:
    """A 429 discord.py waits out itself never reaches the Sender, and a long one comes back
    as RetryLater: /metrics, asked over HTTP, counts each of them once."""
    await subscribe_channel(dc)
    sender = Sender(store, {"discord": dc.transport}, {"discord": FAST})
    metrics = Metrics(store)
    metrics.sender = sender
    server = MetricsServer(metrics, "127.0.0.1", 0)
    await server.start()

    async def rate_limited() -> float:
        async with httpx.AsyncClient(timeout=10) as client:
            text = (await client.get(f"http://127.0.0.1:{server.port}/metrics")).text
        return samples(text)[("banwatch_rate_limited_total", ())]

    try:
        assert await rate_limited() == 0
        discord_api.fail(CHANNEL, 429, retry_after=0.1)  # waited out by discord.py
        await publish(store, 0)
        assert await drive(clock, sender.send_due()) == 1
        assert len(discord_api.messages(CHANNEL)) == 1
        assert await rate_limited() == 1

        discord_api.fail(CHANNEL, 429, retry_after=90)  # raised: the Sender pauses Discord
        await publish(store, 1, title="Binance banned in Nigeria")
        assert await drive(clock, sender.send_due()) == 1
        assert (await store.outbox.pending_count()) == 1
        assert await rate_limited() == 2
        await clock.advance(90)
        assert await drive(clock, sender.send_due()) == 1
        assert len(discord_api.messages(CHANNEL)) == 2
        assert await rate_limited() == 2
    finally:
        await server.stop()
