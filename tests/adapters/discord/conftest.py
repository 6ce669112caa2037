"""Discord fixtures: settings with a Discord token, the adapter against the fake REST API
(no gateway), a Sender, and helpers to call slash commands with a fake interaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.adapters.discordbot import DiscordAdapter
from bot.commands import Commands
from bot.config import Settings, load_settings
from bot.delivery import Sender
from bot.store import Store
from tests.adapters.conftest import FAST, running
from tests.adapters.discord.fakeapi import TOKEN, FakeDiscordAPI, serving
from tests.adapters.discord.fakes import GUILD, FakeInteraction

ADMIN = 9001


def discord_settings(**extra: Any) -> Settings:
    values: dict[str, Any] = {
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_GUILD_ID": str(GUILD),
        "BOT_ADMINS": str(ADMIN),
    }
    values |= extra
    return load_settings(env_file=None, **{k: v for k, v in values.items() if v is not None})


@pytest.fixture
def settings() -> Settings:
    return discord_settings()


@pytest.fixture
def adapter(settings: Settings, store: Store) -> DiscordAdapter:
    """The adapter, not logged in: enough to call its slash commands."""
    return DiscordAdapter(settings, Commands(store, settings), store, gateway=False)


@pytest.fixture
async def discord_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordAPI]:
    async with serving(monkeypatch) as api:
        yield api


@pytest.fixture
async def dc(discord_api: FakeDiscordAPI, adapter: DiscordAdapter) -> AsyncIterator[DiscordAdapter]:
    """The adapter logged in to the fake API, commands synced, no gateway."""
    async with adapter:
        yield adapter


@pytest.fixture
async def sender(dc: DiscordAdapter, store: Store) -> AsyncIterator[Sender]:
    s = Sender(store, {"discord": dc.transport}, {"discord": FAST}, idle=5)
    async with running(s):
        yield s


async def slash(
    adapter: DiscordAdapter, name: str, interaction: FakeInteraction | None = None, **options: Any
) -> FakeInteraction:
    """Call a registered slash command's callback as Discord would, with typed options."""
    interaction = interaction or FakeInteraction()
    command = adapter.tree.get_command(name)
    assert command is not None, name
    await command.callback(interaction, **options)  # type: ignore[arg-type,call-arg]
    return interaction
