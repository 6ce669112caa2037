"""Feedback buttons on Discord: an alert sent through the real Sender and discord.py's HTTP
client to the fake Discord API carries "useful" and "wrong flag"; pressing one (the button's
custom_id handed to the adapter as discord.py would) is stored, acknowledged ephemerally,
leaves the alert's buttons in place, and the other button changes it. A burst folded into one
message carries its first item's buttons, named by number."""

from __future__ import annotations

from bot.adapters.discordbot import DiscordAdapter
from bot.delivery import Sender
from bot.store import Store
from bot.store.feedback import Verdict
from tests.adapters.conftest import FAST
from tests.adapters.discord.conftest import slash
from tests.adapters.discord.fakeapi import FakeDiscordAPI
from tests.adapters.discord.fakes import CHANNEL, FakeInteraction
from tests.adapters.discord.test_discord_delivery import (
    no_pending,
    publish,
    subscribe_channel,
    wait_for,
)
from tests.adapters.test_telegram_feedback import burst
from tests.support.clock import FakeClock, drive


async def channel_verdict(store: Store, item_id: int) -> Verdict | None:
    chat = await store.chats.find("discord", str(CHANNEL))
    assert chat is not None and chat.id is not None
    return await store.feedback.of(chat.id, item_id)


async def test_alert_buttons_store_acknowledge_and_change_a_press(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_channel(dc)
    item_id = await publish(store)
    sender.wake()
    [message] = await discord_api.wait_messages(CHANNEL)
    await wait_for(no_pending(store))
    [row] = message["components"]
    useful, wrong = row["components"]
    assert (useful["label"], wrong["label"]) == ("👍 Useful", "👎 Wrong flag")
    assert useful["custom_id"].startswith("bw:") and len(useful["custom_id"]) <= 100

    press = FakeInteraction(custom_id=useful["custom_id"])  # any member of the channel
    await dc.handlers.press(press, useful["custom_id"])
    assert press.only.ephemeral
    assert (press.only.content or "").startswith(f"Thanks: #{item_id} marked useful")
    assert press.response.edits == []  # the alert keeps its buttons
    assert await channel_verdict(store, item_id) is Verdict.USEFUL

    again = FakeInteraction(custom_id=wrong["custom_id"])
    await dc.handlers.press(again, wrong["custom_id"])
    assert again.only.ephemeral
    assert "now marked a wrong flag here (was useful)" in (again.only.content or "")
    assert await channel_verdict(store, item_id) is Verdict.WRONG
    assert len(discord_api.messages(CHANNEL)) == 1  # nothing posted in the channel

    stats = (await slash(dc, "stats")).only
    assert "1 of 1 alerts marked wrong (100%)" in stats.text()


async def test_why_and_useful_as_slash_commands(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, sender: Sender
) -> None:
    await subscribe_channel(dc)
    item_id = await publish(store)
    sender.wake()
    await discord_api.wait_messages(CHANNEL)
    why = (await slash(dc, "why", arguments=str(item_id))).only
    assert "Rules that decided it:" in why.text()
    assert "ban." in why.text()
    typed = (await slash(dc, "useful", arguments=str(item_id))).only
    assert typed.ephemeral  # an acknowledgement: for the caller's eyes
    assert f"#{item_id} marked useful" in typed.text()
    assert await channel_verdict(store, item_id) is Verdict.USEFUL


async def test_a_folded_burst_carries_the_buttons_of_its_first_item(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, clock: FakeClock
) -> None:
    await subscribe_channel(dc)
    ids = await burst(store, 12)  # more than FOLD_AFTER: 3 alerts, then one summary of 9
    sender = Sender(store, {"discord": dc.transport}, {"discord": FAST})
    assert await drive(clock, sender.drain()) == 4
    assert await store.outbox.pending_count() == 0
    summary = discord_api.messages(CHANNEL)[3]
    lead, other = ids[3], ids[4]
    [row] = summary["components"]
    useful, wrong = row["components"]
    assert (useful["label"], wrong["label"]) == (f"👍 Useful #{lead}", f"👎 Wrong flag #{lead}")
    described = "".join(e.get("description") or "" for e in summary["embeds"])
    assert described.startswith("+9 more flagged items")
    assert f"Feedback on the others: /wrong {other} or /useful {other}" in described

    press = FakeInteraction(custom_id=wrong["custom_id"])
    await dc.handlers.press(press, wrong["custom_id"])
    assert press.only.ephemeral
    assert (press.only.content or "").startswith(f"Thanks: #{lead} marked a wrong flag")
    assert press.response.edits == []  # the summary keeps its buttons
    assert await channel_verdict(store, lead) is Verdict.WRONG
    typed = (await slash(dc, "useful", arguments=str(other))).only
    assert f"#{other} marked useful" in typed.text()
    assert await channel_verdict(store, other) is Verdict.USEFUL
    assert len(discord_api.messages(CHANNEL)) == 4  # nothing more posted in the channel
