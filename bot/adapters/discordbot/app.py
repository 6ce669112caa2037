"""The Discord adapter: a discord.py client run on our own event loop.

    async with DiscordAdapter(settings, commands, store) as dc:
        sender = Sender(store, {"discord": dc.transport}, {"discord": DISCORD_PACING})
        ...  # the poller, the sender, maybe Telegram: everything shares the loop

`__aenter__` logs in over HTTP, syncs the slash commands (to DISCORD_GUILD_ID when set,
instantly; globally otherwise) and starts the gateway connection as a task; `closed()`
waits on that task so a dead gateway stops the process instead of going unnoticed.
Only the default intents are asked for: slash commands need no message content.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType
from typing import Any, Self

import aiohttp
import discord
from discord import app_commands

from bot.adapters.discordbot.buttons import BanwatchClient, ButtonCodec, MoreButton
from bot.adapters.discordbot.handlers import Handlers
from bot.adapters.discordbot.slash import register
from bot.adapters.discordbot.transport import DiscordTransport, RateLimitCount
from bot.adapters.reach import network_reason
from bot.commands import Commands
from bot.config import Settings
from bot.errors import ConfigError, StartupError
from bot.store import Store

log = logging.getLogger(__name__)

MAX_RATELIMIT_TIMEOUT = 30.0  # longer waits are raised (RetryLater) instead of slept through


# Banwatch has no voice: discord.py's warnings that voice libraries are missing are noise.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


def startup_error(exc: BaseException) -> StartupError:
    """One line for a failed log-in, naming the cause and what to check."""
    where = f"Discord at {discord.http.Route.BASE}"
    if isinstance(exc, discord.LoginFailure):
        return StartupError("Discord rejected the token: check DISCORD_BOT_TOKEN")
    reason = network_reason(exc)
    if reason is not None:
        return StartupError(f"cannot reach {where} ({reason}): check your network")
    if isinstance(exc, discord.HTTPException):
        return StartupError(
            f"{where} answered {exc.status} {exc.response.reason} at log-in: try again later"
        )
    # A body that is not the API's JSON (a captive portal's page): discord.py fails on it.
    return StartupError(f"{where} did not answer as its API does: check your network")


class DiscordAdapter:
    def __init__(
        self, settings: Settings, commands: Commands, store: Store, *, gateway: bool = True
    ) -> None:
        if settings.discord_bot_token is None:
            raise ConfigError("DISCORD_BOT_TOKEN: not set (see docs/discord.md)")
        self.settings = settings
        self.store = store
        self.gateway = gateway  # False in tests: HTTP only, no websocket
        limits = RateLimitCount()  # 429s, those discord.py waits out itself too (/metrics)
        self.client = BanwatchClient(
            max_ratelimit_timeout=MAX_RATELIMIT_TIMEOUT, http_trace=limits.trace
        )
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self.client)
        self.codec = ButtonCodec()
        self.handlers = Handlers(commands, self.codec)
        self.transport = DiscordTransport(self.client, self.codec, limits)
        self.client.on_press = self.handlers.press
        self.client.add_dynamic_items(MoreButton)
        self.tree.on_error = self._tree_error  # type: ignore[method-assign]
        register(self.tree, self.handlers)
        self._connection: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        assert self.settings.discord_bot_token is not None  # noqa: S101 - checked in __init__
        try:
            try:
                await self.client.login(self.settings.discord_bot_token.get_secret_value())
            except (discord.DiscordException, aiohttp.ClientError, OSError, TypeError) as exc:
                raise startup_error(exc) from None
            await self.sync()
            if self.gateway:
                self._connection = asyncio.create_task(self.client.connect())
        except BaseException:
            await self._close()
            raise
        user = self.client.user
        log.info("Discord bot %s logged in", user.name if user else "?")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def closed(self) -> None:
        """Wait until the gateway connection ends (for run_until_stopped)."""
        if self._connection is None:
            await asyncio.Event().wait()  # no gateway: wait to be cancelled
        else:
            await asyncio.shield(self._connection)

    async def sync(self) -> list[app_commands.AppCommand]:
        """Register the slash commands with Discord: one guild (instant) or globally."""
        guild_id = self.settings.discord_guild_id
        guild = discord.Object(id=guild_id) if guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        try:
            synced = await self.tree.sync(guild=guild)
        except discord.Forbidden as exc:  # invited without the applications.commands scope
            log.warning("slash commands not synced (%s); re-invite the bot, see docs", exc.text)
            return []
        log.info(
            "synced %d slash commands %s",
            len(synced),
            f"to guild {guild_id}" if guild_id else "globally (may take a while to appear)",
        )
        return synced

    async def _close(self) -> None:
        await self.client.close()
        if self._connection is not None:
            self._connection.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connection
            self._connection = None

    async def _tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        await self.handlers.error(interaction, error)
