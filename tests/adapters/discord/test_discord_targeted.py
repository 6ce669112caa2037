"""Targeted subscriptions on Discord: slash options for jurisdictions, platforms and
regulators, suggested by autocomplete (a real discord.py Interaction answered through the fake
REST API), and alerts for the matching items only."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import discord

from bot.adapters.discordbot import DiscordAdapter
from bot.adapters.discordbot.slash import name_choices
from bot.delivery import Sender
from bot.digest import DigestTask
from bot.models import Category, Entities, Flag
from bot.store import Store
from tests.adapters.conftest import all_sent
from tests.adapters.discord.conftest import slash
from tests.adapters.discord.fakeapi import APP_ID, FakeDiscordAPI
from tests.adapters.discord.fakes import CHANNEL, FakeInteraction, dm
from tests.adapters.discord.test_discord_notices import shown
from tests.commands.test_targeted import publish as publish_news
from tests.support.builders import ban_flag, make_item
from tests.support.clock import FakeClock

_ids = itertools.count(7_000_000)


def autocomplete_payload(command: str, focused: str, value: str, **others: str) -> dict[str, Any]:
    """An autocomplete interaction as the gateway delivers it: a direct message, one option
    being typed (`focused`), the others as filled so far."""
    options = [{"name": k, "type": 3, "value": v} for k, v in others.items()]
    options.append({"name": focused, "type": 3, "value": value, "focused": True})
    user = {"id": "1001", "username": "ann", "discriminator": "0", "avatar": None}
    return {
        "id": str(next(_ids)),
        "application_id": str(APP_ID),
        "type": discord.InteractionType.autocomplete.value,
        "token": "autocomplete-token",
        "version": 1,
        "channel_id": "888",
        "channel": {"id": "888", "type": 1},
        "user": user,
        "locale": "en-GB",
        "attachment_size_limit": 8_000_000,
        "data": {"id": "1", "name": command, "type": 1, "options": options},
    }


async def autocomplete(
    dc: DiscordAdapter, api: FakeDiscordAPI, command: str, focused: str, value: str
) -> list[dict[str, str]]:
    interaction: discord.Interaction[discord.Client] = discord.Interaction(
        data=autocomplete_payload(command, focused, value),  # type: ignore[arg-type]
        state=dc.client._connection,
    )
    before = len(api.callbacks)
    await dc.tree._call(interaction)
    [answer] = api.callbacks[before:]
    assert answer["type"] == discord.InteractionResponseType.autocomplete_result.value
    choices: list[dict[str, str]] = answer["data"]["choices"]
    return choices


def test_names_options_complete(adapter: DiscordAdapter) -> None:
    subscribe = adapter.tree.get_command("subscribe")
    assert isinstance(subscribe, discord.app_commands.Command)
    options = {o["name"]: o for o in subscribe.to_dict(adapter.tree)["options"]}
    for name in ("jurisdiction", "platform", "regulator"):
        assert options[name]["autocomplete"] is True
        assert options[name]["type"] == discord.AppCommandOptionType.string.value
    unsubscribe = adapter.tree.get_command("unsubscribe")
    assert isinstance(unsubscribe, discord.app_commands.Command)
    unsub = {o["name"]: o for o in unsubscribe.to_dict(adapter.tree)["options"]}
    assert unsub["platform"]["autocomplete"] is True
    assert unsub["number"]["type"] == discord.AppCommandOptionType.integer.value


async def test_autocomplete_suggests_matching_names_through_the_api(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter
) -> None:
    platforms = await autocomplete(dc, discord_api, "subscribe", "platform", "wec")
    assert platforms[0] == {"name": "WeChat", "value": "WeChat"}
    twitter = await autocomplete(dc, discord_api, "subscribe", "platform", "twit")
    assert {"name": "X/Twitter", "value": "X/Twitter"} in twitter
    regulators = await autocomplete(dc, discord_api, "unsubscribe", "regulator", "SE")
    assert regulators[0]["value"] == "SEC"
    # After a comma the last name is completed and the ones before are kept.
    places = await autocomplete(dc, discord_api, "subscribe", "jurisdiction", "EU, fran")
    assert places[0] == {"name": "EU, FR (france)", "value": "EU, FR"}
    everything = await autocomplete(dc, discord_api, "subscribe", "jurisdiction", "")
    assert len(everything) == 25


def test_name_choices_for_unknown_text_are_empty() -> None:
    assert name_choices("platforms", "zzzz") == []
    assert [c.value for c in name_choices("jurisdictions", "china")][:1] == ["CN"]


async def test_subscribe_with_names_options(adapter: DiscordAdapter, store: Store) -> None:
    manager = FakeInteraction(manage_channels=True)
    sent = await slash(adapter, "subscribe", manager, target="bans", platform="WeChat")
    assert "platform bans matching “on WeChat”" in sent.only.text()
    both = await slash(
        adapter,
        "subscribe",
        FakeInteraction(manage_channels=True),
        target="regulation",
        jurisdiction="eu, France",
        mode="digest",
    )
    assert "daily digest" in both.only.text()
    listed = (await slash(adapter, "subscriptions")).only.text()
    assert "1. bans on WeChat" in listed
    assert "2. regulation in EU FR" in listed
    unknown = await slash(
        adapter, "subscribe", FakeInteraction(manage_channels=True), regulator="Secc"
    )
    assert unknown.only.ephemeral
    assert "Did you mean: SEC" in unknown.only.text()
    refused = await slash(adapter, "subscribe", target="bans", platform="WeChat")
    assert refused.only.ephemeral
    assert "administrators" in refused.only.text()
    gone = await slash(adapter, "unsubscribe", FakeInteraction(manage_channels=True), number=2)
    assert "Unsubscribed from regulation in EU FR" in gone.only.text()
    words = await slash(
        adapter, "unsubscribe", FakeInteraction(manage_channels=True), target="bans", platform="x"
    )
    assert "was not subscribed to bans on X/Twitter" in words.only.text()


async def test_a_channel_subscribed_to_bans_on_wechat_gets_only_that_alert(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, sender: Sender
) -> None:
    manager = FakeInteraction(manage_channels=True)
    await slash(dc, "subscribe", manager, target="bans", platform="WeChat")
    await slash(dc, "subscribe", dm(), target="bans")  # another chat, every ban
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
    sender.wake()
    await discord_api.wait_messages(888, 2)  # the direct message gets both
    [message] = await discord_api.wait_messages(CHANNEL)
    assert message["embeds"][0]["title"].endswith("WeChat closes crypto accounts")
    await all_sent(store)  # every send recorded, so drain counts only what is still due
    assert await sender.drain() == 0
    assert len(discord_api.messages(CHANNEL)) == 1


async def test_a_targeted_digest_reaches_the_channel_with_only_what_matches(
    discord_api: FakeDiscordAPI, dc: DiscordAdapter, store: Store, clock: FakeClock
) -> None:
    def manager() -> FakeInteraction:
        return FakeInteraction(manage_channels=True)

    on = await slash(dc, "digest", manager(), action="on", time="00:00", timezone="europe/paris")
    assert "00:00 (Europe/Paris)" in on.only.text()
    sub = await slash(
        dc, "subscribe", manager(), target="regulation", jurisdiction="eu", mode="digest"
    )
    assert "daily digest" in sub.only.text()
    feed, _ = await store.feeds.add("https://news.example/rss", title="Wire")
    await publish_news(store, feed)
    assert await store.outbox.pending_count() == 0  # digest only: no instant alert
    clock.set(clock.now() + timedelta(hours=2))  # the items are in the last 24 hours
    assert await DigestTask(store, {"discord": dc.transport}).send_due() == 1
    [message] = discord_api.messages(CHANNEL)
    text = shown(message)
    assert "Daily digest — 1 flagged story" in text
    assert "ESMA publishes MiCA technical standards" in text
    assert "AMF grants" not in text  # FR, not EU
    assert "SEC sues" not in text
    assert await DigestTask(store, {"discord": dc.transport}).send_due() == 0  # once a day
