"""Every core command from Discord: the registered slash command callbacks called with a fake
interaction, through the real core and a real store, answered as embeds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.adapters.discordbot import DiscordAdapter
from bot.adapters.discordbot import handlers as handlers_module
from bot.adapters.discordbot.buttons import MoreButton
from bot.adapters.discordbot.slash import free_form
from bot.commands import COMMANDS, CommandSpec, Reply
from bot.i18n import LANGUAGES
from bot.store import Store
from tests.adapters.discord.conftest import ADMIN, slash
from tests.adapters.discord.fakes import CHANNEL, FakeInteraction, dm
from tests.support.builders import ban_flag, make_item, regulation_flag


async def seed(store: Store, n_bans: int = 3, n_regulation: int = 2) -> list[int]:
    feed, _ = await store.feeds.add("https://news.example/feed", "Example *News*")
    assert feed.id is not None
    now = datetime.now(UTC)
    items = [
        make_item(
            feed.id,
            i,
            title=f"Exchange banned in country {i}",
            flag=ban_flag(),
            published=now - timedelta(minutes=i),
        )
        for i in range(n_bans)
    ] + [
        make_item(
            feed.id,
            100 + i,
            title=f"SEC sues exchange {i}",
            flag=regulation_flag(),
            published=now - timedelta(minutes=50 + i),
        )
        for i in range(n_regulation)
    ]
    stored = await store.items.add_many(items)
    return [i.id for i in stored if i.id is not None]


def test_every_menu_command_is_a_slash_command(adapter: DiscordAdapter) -> None:
    names = {c.name for c in adapter.tree.get_commands()}
    assert names == {s.name for s in COMMANDS if not s.hidden}
    for name in (
        "latest",
        "search",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "item",
        "feeds",
        "stats",
        "help",
    ):
        assert name in names


def test_options_are_typed_with_choices(adapter: DiscordAdapter) -> None:
    latest = adapter.tree.get_command("latest")
    assert isinstance(latest, discord.app_commands.Command)
    options = {p["name"]: p for p in latest.to_dict(adapter.tree)["options"]}
    assert options["count"]["type"] == discord.AppCommandOptionType.integer.value
    assert (options["count"]["min_value"], options["count"]["max_value"]) == (1, 20)
    assert [c["value"] for c in options["category"]["choices"]] == ["bans", "regulation", "all"]
    subscribe = adapter.tree.get_command("subscribe")
    assert isinstance(subscribe, discord.app_commands.Command)
    data = subscribe.to_dict(adapter.tree)
    targets = [c["value"] for c in data["options"][0]["choices"]]
    assert targets == ["all", "bans", "regulation", "keyword"]
    assert data["default_member_permissions"] == discord.Permissions(manage_channels=True).value
    item = adapter.tree.get_command("item")
    assert isinstance(item, discord.app_commands.Command)
    [id_option] = item.to_dict(adapter.tree)["options"]
    assert id_option["type"] == discord.AppCommandOptionType.integer.value
    assert id_option["required"]


async def test_help_is_private(adapter: DiscordAdapter) -> None:
    sent = (await slash(adapter, "help")).only
    assert sent.ephemeral
    assert "/latest" in sent.text()
    assert "/addfeed" not in sent.text()  # admins only
    admin = (await slash(adapter, "help", FakeInteraction(user_id=ADMIN))).only
    assert "/addfeed" in admin.text()


async def test_latest_is_embeds_with_links_sources_and_reasons(
    adapter: DiscordAdapter, store: Store
) -> None:
    ids = await seed(store)
    sent = (await slash(adapter, "latest")).only
    assert not sent.ephemeral
    assert sent.content == "**Latest ban and regulation news:**"
    assert len(sent.embeds) == 5
    first = sent.embeds[0]
    assert first.title == f"#{ids[0]} Exchange banned in country 0"
    assert first.url == "https://news.example/1/0"
    assert first.footer.text == "Example *News*"  # footers show text as is
    assert first.timestamp is not None
    assert "⚑ **Why flagged:** ban · WeChat · CN" in (first.description or "")
    assert first.colour == discord.Colour(0xE74C3C)


async def test_latest_options_become_the_core_arguments(
    adapter: DiscordAdapter, store: Store
) -> None:
    await seed(store)
    sent = (await slash(adapter, "latest", count=2, category="regulation")).only
    assert sent.content == "**Latest regulation news:**"
    assert [e.title.split(" ", 1)[1] for e in sent.embeds if e.title] == [
        "SEC sues exchange 0",
        "SEC sues exchange 1",
    ]
    bans = (await slash(adapter, "latest", count=1, category="bans")).only
    assert len(bans.embeds) == 1


async def test_latest_with_nothing_yet(adapter: DiscordAdapter) -> None:
    sent = (await slash(adapter, "latest")).only
    assert "No ban and regulation items flagged yet" in sent.text()
    assert not sent.ephemeral


async def test_search_pages_with_a_more_button(adapter: DiscordAdapter, store: Store) -> None:
    await seed(store, n_bans=7, n_regulation=0)
    first = (await slash(adapter, "search", query="story")).only
    assert first.content is not None
    assert first.content.startswith("**Results for “story”")
    assert len(first.embeds) == 5
    assert "**story**" in (first.embeds[0].description or "")  # snippet match in bold
    [button] = first.buttons
    assert button.label == "More"
    assert button.custom_id is not None
    assert len(button.custom_id) <= 100

    press = FakeInteraction(custom_id=button.custom_id)
    await adapter.handlers.press(press, button.custom_id)
    assert press.response.edits == [{"view": None}]  # the pressed button is taken away
    page2 = press.only
    assert page2.via == "followup"
    assert page2.content is not None
    assert "(page 2)" in page2.content
    assert len(page2.embeds) == 2
    assert page2.buttons == []


async def test_more_button_is_found_again_from_its_custom_id(adapter: DiscordAdapter) -> None:
    """After a restart discord.py rebuilds the button from its custom_id alone."""
    custom_id = "bw:search|2|wechat"
    match = MoreButton.__discord_ui_compiled_template__.match(custom_id)
    assert match is not None
    interaction = FakeInteraction(custom_id=custom_id)
    item = await MoreButton.from_custom_id(interaction, None, match)  # type: ignore[arg-type]
    assert item.custom_id == custom_id


async def test_expired_button(adapter: DiscordAdapter) -> None:
    press = FakeInteraction()
    await adapter.handlers.press(press, "bw:~forgotten-token")
    assert press.only.ephemeral
    assert "expired" in (press.only.content or "")


async def test_search_usage_hint_is_ephemeral(adapter: DiscordAdapter) -> None:
    sent = (await slash(adapter, "search", query="!!!")).only
    assert sent.ephemeral
    assert "at least one word" in sent.text()


async def test_item_in_full(adapter: DiscordAdapter, store: Store) -> None:
    [item_id, *_] = await seed(store, 1, 0)
    sent = (await slash(adapter, "item", id=item_id)).only
    [embed] = sent.embeds
    assert embed.title == f"#{item_id} Exchange banned in country 0"
    assert "Category: ban" in (embed.description or "")
    assert "Evidence:" in (embed.description or "")
    missing = (await slash(adapter, "item", id=99999)).only
    assert missing.ephemeral
    assert "There is no item 99999" in missing.text()


async def test_subscribe_needs_manage_channels(adapter: DiscordAdapter, store: Store) -> None:
    refused = (await slash(adapter, "subscribe", target="bans")).only
    assert refused.ephemeral
    assert "administrators" in refused.text()
    assert await store.chats.find("discord", str(CHANNEL)) is None

    ok = await slash(adapter, "subscribe", FakeInteraction(manage_channels=True), target="bans")
    assert ok.only.text().startswith("\nSubscribed") or "Subscribed" in ok.only.text()
    assert not ok.only.ephemeral
    chat = await store.chats.find("discord", str(CHANNEL))
    assert chat is not None
    assert chat.kind == "group"
    assert chat.id is not None
    [sub] = await store.chats.subscriptions(chat.id)
    assert sub.label() == "bans"


async def test_subscribe_in_a_direct_message(adapter: DiscordAdapter, store: Store) -> None:
    sent = (await slash(adapter, "subscribe", dm(), keyword="Binance")).only
    assert "mention “binance”" in sent.text()
    chat = await store.chats.find("discord", "888")
    assert chat is not None
    assert chat.kind == "private"


async def test_unsubscribe_and_subscriptions(adapter: DiscordAdapter) -> None:
    manager = {"manage_channels": True}
    await slash(adapter, "subscribe", FakeInteraction(**manager))
    await slash(adapter, "subscribe", FakeInteraction(**manager), target="keyword", keyword="sec")
    listed = (await slash(adapter, "subscriptions")).only.text()
    assert "1. all" in listed
    assert "2. keyword sec" in listed
    one = (await slash(adapter, "unsubscribe", FakeInteraction(**manager), keyword="sec")).only
    assert "Unsubscribed from keyword “sec”" in one.text()
    refused = (await slash(adapter, "unsubscribe")).only
    assert refused.ephemeral
    rest = (await slash(adapter, "unsubscribe", FakeInteraction(**manager))).only
    assert "Unsubscribed from everything (1)" in rest.text()
    assert "No subscriptions here yet" in (await slash(adapter, "subscriptions")).only.text()


async def test_feeds_and_stats(adapter: DiscordAdapter, store: Store) -> None:
    await seed(store)
    feeds = (await slash(adapter, "feeds")).only.text()
    assert "1 feed," in feeds
    assert "Example \\*News\\*" in feeds  # feed text is escaped in descriptions
    stats = (await slash(adapter, "stats")).only.text()
    assert "flagged: 3 bans, 2 regulation" in stats


async def test_admin_commands(adapter: DiscordAdapter, store: Store) -> None:
    refused = (await slash(adapter, "addfeed", url="https://x.example/rss")).only
    assert refused.ephemeral
    assert "administrators" in refused.text()
    admin = FakeInteraction(user_id=ADMIN)
    added = (await slash(adapter, "addfeed", admin, url="https://x.example/rss")).only
    assert added.ephemeral
    assert "Added feed #" in added.text()
    [feed] = await store.feeds.all()
    removed = await slash(adapter, "removefeed", FakeInteraction(user_id=ADMIN), id=feed.id)
    assert "Removed feed" in removed.only.text()


async def test_slow_command_is_deferred_then_followed_up(
    adapter: DiscordAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    interaction = FakeInteraction()

    async def slow(inv: object) -> Reply:
        # Still working when the deferral is due: it finishes only once deferred (bounded).
        async with asyncio.timeout(10):
            while interaction.response.deferred is None:
                await asyncio.sleep(0.01)
        return Reply("done")

    monkeypatch.setattr(handlers_module, "DEFER_AFTER", 0.01)
    monkeypatch.setattr(adapter.handlers.commands, "run", slow)
    await slash(adapter, "stats", interaction)
    assert interaction.response.deferred == {"ephemeral": False, "thinking": True}
    assert interaction.only.via == "followup"
    assert "done" in interaction.only.text()


async def test_a_fault_gets_a_private_apology(
    adapter: DiscordAdapter, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(inv: object) -> Reply:
        raise RuntimeError("boom")

    monkeypatch.setattr(adapter.handlers.commands, "run", broken)
    sent = (await slash(adapter, "stats")).only
    assert sent.ephemeral
    assert "Sorry" in (sent.content or "")
    assert "handling a Discord interaction failed" in caplog.text


async def test_a_new_catalogue_command_gets_a_free_text_option(adapter: DiscordAdapter) -> None:
    spec = CommandSpec("later", "[on|off]", "Something added to the core later")
    command = free_form(spec, adapter.handlers)
    [option] = command.to_dict(adapter.tree)["options"]
    assert (option["name"], option["description"], option["required"]) == (
        "arguments",
        "[on|off]",
        False,
    )
    interaction = FakeInteraction()
    await command.callback(interaction, arguments="on")  # type: ignore[arg-type,call-arg]
    assert "Unknown command /later" in interaction.only.text()  # the core answered
    assert interaction.only.ephemeral


def test_digest_language_and_mode_are_typed_choices(adapter: DiscordAdapter) -> None:
    def options(name: str) -> dict[str, dict[str, object]]:
        command = adapter.tree.get_command(name)
        assert isinstance(command, discord.app_commands.Command)
        return {p["name"]: p for p in command.to_dict(adapter.tree)["options"]}

    def choices(option: dict[str, object]) -> list[object]:
        return [c["value"] for c in option["choices"]]  # type: ignore[attr-defined]

    assert choices(options("subscribe")["mode"]) == ["instant", "digest"]
    digest = options("digest")
    assert choices(digest["action"]) == ["on", "off", "now"]
    assert {"time", "timezone"} <= digest.keys()
    assert choices(options("language")["language"]) == list(LANGUAGES)


async def test_digest_language_and_digest_subscriptions_from_discord(
    adapter: DiscordAdapter, store: Store
) -> None:
    manager = {"manage_channels": True}
    on = await slash(
        adapter,
        "digest",
        FakeInteraction(**manager),
        action="on",
        time="07:30",
        timezone="Europe/Paris",
    )
    assert "07:30 (Europe/Paris)" in on.only.text()
    sub = await slash(
        adapter, "subscribe", FakeInteraction(**manager), target="regulation", mode="digest"
    )
    assert "daily digest at 07:30 (Europe/Paris)" in sub.only.text()
    chat = await store.chats.find("discord", str(CHANNEL))
    assert chat is not None and chat.id is not None
    assert list((await store.chats.subscription_modes(chat.id)).values()) == ["digest"]
    refused = await slash(adapter, "language", language="fr")  # not a channel manager
    assert refused.only.ephemeral
    french = await slash(adapter, "language", FakeInteraction(**manager), language="fr")
    assert "français" in french.only.text()
    status = await slash(adapter, "digest")
    assert "07:30" in status.only.text()  # anyone may look; answered in French now
    assert (await store.chats.get(chat.id)).lang == "fr"  # type: ignore[union-attr]
