"""One slash command per core command, with typed options and choices, from the catalogue.

Each callback only turns its typed options back into the core's argument string
(`/latest count:10 category:bans` → "10 bans") and hands it to `Handlers.run`. A command the
catalogue gains later gets one free-text option until it is given typed options here.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Literal

import discord
from discord import app_commands

from bot.adapters.discordbot.handlers import Handlers, Interaction
from bot.classify.names import tables
from bot.commands.catalog import BY_NAME, COMMANDS, CommandSpec

Category = Literal["bans", "regulation", "all"]
Target = Literal["all", "bans", "regulation", "keyword"]
Mode = Literal["instant", "digest"]
DigestAction = Literal["on", "off", "now"]
Language = Literal["en", "fr"]  # bot.i18n.LANGUAGES (a test keeps them equal)
QUERY_MAX = 200
KEYWORD_MAX = 64
NAMES_MAX = 100  # an option's text: several names, comma-separated
CHOICES_MAX = 25  # Discord shows at most 25 suggestions
Completer = Callable[[Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def summary(name: str) -> str:
    return BY_NAME[name].summary[:100]


def words(*parts: object) -> str:
    return " ".join(str(p) for p in parts if p is not None and str(p).strip())


def target_args(target: str | None, keyword: str | None) -> str:
    """`target:keyword keyword:binance` → "keyword binance"; a keyword alone implies it."""
    if keyword and target in (None, "keyword"):
        return words("keyword", keyword)
    return words(target, keyword)


def name_choices(kind: str, current: str) -> list[app_commands.Choice[str]]:
    """Suggestions for a names option ("jurisdictions", "platforms", "regulators") as it is
    typed: the last comma-separated part is completed, the names before it are kept."""
    done, comma, typing = current.rpartition(",")
    before = f"{done.strip()}, " if comma else ""
    table = tables()[kind]
    choices = []
    for name in table.complete(typing.strip(), limit=CHOICES_MAX):
        value = before + name
        if len(value) <= NAMES_MAX:
            label = table.label(name)
            choices.append(app_commands.Choice(name=(before + label)[:100], value=value))
    return choices


def completer(kind: str) -> Completer:
    async def complete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return name_choices(kind, current)

    return complete


def targets_args(jurisdiction: str | None, platform: str | None, regulator: str | None) -> str:
    """The names options as the core writes them: `in EU, FR on WeChat by SEC`."""
    parts = [("in", jurisdiction), ("on", platform), ("by", regulator)]
    return words(*(f"{marker} {names}" for marker, names in parts if names and names.strip()))


def register(tree: app_commands.CommandTree[discord.Client], h: Handlers) -> None:
    """Add every command shown in menus (the catalogue's non-hidden ones) to the tree."""

    @tree.command(name="help", description=summary("help"))
    async def help_(interaction: Interaction) -> None:
        await h.run(interaction, "help")

    @tree.command(name="latest", description=summary("latest"))
    @app_commands.describe(count="How many items (1–20, default 5)", category="Which flags")
    async def latest(
        interaction: Interaction,
        count: app_commands.Range[int, 1, 20] | None = None,
        category: Category | None = None,
    ) -> None:
        await h.run(interaction, "latest", words(count, category))

    @tree.command(name="search", description=summary("search"))
    @app_commands.describe(query="Words to look for, e.g. wechat")
    async def search(
        interaction: Interaction, query: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        await h.run(interaction, "search", query)

    @tree.command(name="item", description=summary("item"))
    @app_commands.describe(id="The item's number, shown in lists and alerts")
    async def item(interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        await h.run(interaction, "item", str(id))

    names = {
        "jurisdiction": "Only items about these places, e.g. EU, FR (comma-separated)",
        "platform": "Only items naming these platforms, e.g. WeChat, X/Twitter",
        "regulator": "Only items naming these regulators, e.g. SEC",
    }
    complete_names = app_commands.autocomplete(
        jurisdiction=completer("jurisdictions"),
        platform=completer("platforms"),
        regulator=completer("regulators"),
    )

    @tree.command(name="subscribe", description=summary("subscribe"))
    @app_commands.describe(
        target="What to be alerted about (default: all)",
        keyword="With target keyword: the word to watch for",
        mode="instant: one alert per item (default); digest: in the daily digest only",
        **names,
    )
    @complete_names
    @app_commands.default_permissions(manage_channels=True)
    async def subscribe(
        interaction: Interaction,
        target: Target | None = None,
        keyword: app_commands.Range[str, 1, KEYWORD_MAX] | None = None,
        mode: Mode | None = None,
        jurisdiction: app_commands.Range[str, 1, NAMES_MAX] | None = None,
        platform: app_commands.Range[str, 1, NAMES_MAX] | None = None,
        regulator: app_commands.Range[str, 1, NAMES_MAX] | None = None,
    ) -> None:
        narrowed = targets_args(jurisdiction, platform, regulator)
        await h.run(interaction, "subscribe", words(target_args(target, keyword), narrowed, mode))

    @tree.command(name="unsubscribe", description=summary("unsubscribe"))
    @app_commands.describe(
        target="Which subscription to stop (default: every one)",
        keyword="With target keyword: the word",
        number="Its number in /subscriptions (instead of the other options)",
        **names,
    )
    @complete_names
    @app_commands.default_permissions(manage_channels=True)
    async def unsubscribe(
        interaction: Interaction,
        target: Target | None = None,
        keyword: app_commands.Range[str, 1, KEYWORD_MAX] | None = None,
        number: app_commands.Range[int, 1, 10_000] | None = None,
        jurisdiction: app_commands.Range[str, 1, NAMES_MAX] | None = None,
        platform: app_commands.Range[str, 1, NAMES_MAX] | None = None,
        regulator: app_commands.Range[str, 1, NAMES_MAX] | None = None,
    ) -> None:
        if number is not None:
            await h.run(interaction, "unsubscribe", str(number))
            return
        narrowed = targets_args(jurisdiction, platform, regulator)
        await h.run(interaction, "unsubscribe", words(target_args(target, keyword), narrowed))

    @tree.command(name="digest", description=summary("digest"))
    @app_commands.describe(
        action="on, off, or now (the digest of the last 24 hours, here and now)",
        time="With on: the time of day, HH:MM (default 08:00)",
        timezone="With on: an IANA zone such as Europe/Paris (default UTC)",
    )
    async def digest(
        interaction: Interaction,
        action: DigestAction | None = None,
        time: app_commands.Range[str, 1, 5] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        await h.run(interaction, "digest", words(action, time, timezone))

    @tree.command(name="language", description=summary("language"))
    @app_commands.describe(language="The language I answer in here")
    async def language(interaction: Interaction, language: Language | None = None) -> None:
        await h.run(interaction, "language", language or "")

    @tree.command(name="subscriptions", description=summary("subscriptions"))
    async def subscriptions(interaction: Interaction) -> None:
        await h.run(interaction, "subscriptions")

    @tree.command(name="feeds", description=summary("feeds"))
    async def feeds(interaction: Interaction) -> None:
        await h.run(interaction, "feeds")

    @tree.command(name="stats", description=summary("stats"))
    async def stats(interaction: Interaction) -> None:
        await h.run(interaction, "stats")

    @tree.command(name="addfeed", description=summary("addfeed"))
    @app_commands.describe(url="The feed's full http(s) address")
    async def addfeed(interaction: Interaction, url: str) -> None:
        await h.run(interaction, "addfeed", url)

    @tree.command(name="removefeed", description=summary("removefeed"))
    @app_commands.describe(id="The feed's number from /feeds")
    async def removefeed(interaction: Interaction, id: app_commands.Range[int, 1]) -> None:
        await h.run(interaction, "removefeed", str(id))

    typed = {c.name for c in tree.get_commands()}
    for spec in COMMANDS:  # a catalogue command without typed options above: one text option
        if not spec.hidden and spec.name not in typed:
            tree.add_command(free_form(spec, h))


def free_form(spec: CommandSpec, h: Handlers) -> app_commands.Command[Any, ..., None]:
    """A slash command taking the core's arguments as one optional text option."""

    async def callback(interaction: Interaction, arguments: str | None = None) -> None:
        await h.run(interaction, spec.name, arguments or "")

    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=spec.name, description=spec.summary[:100], callback=callback
    )
    hint = f"{spec.usage}"[:100] if spec.usage else "Arguments, if any"
    return app_commands.describe(arguments=hint)(command)
