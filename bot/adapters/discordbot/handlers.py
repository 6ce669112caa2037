"""Discord interactions → core `Invocation`s, and the core's `Reply` back; nothing else.

Discord's own rules live here: a channel's subscriptions belong to members who may Manage
Channels there (anyone in a direct message); refusals, usage hints and private commands are
answered ephemerally (only the caller sees them); an interaction must be answered within
three seconds, so a slow command is deferred first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord

from bot.adapters.discordbot.buttons import ButtonCodec, make_view
from bot.adapters.discordbot.render import render
from bot.adapters.discordbot.transport import NO_MENTIONS
from bot.commands import Commands, Invocation, Reply
from bot.commands.notices import apology, button_expired

log = logging.getLogger(__name__)

PLATFORM = "discord"
PRIVATE = frozenset({"help", "addfeed", "removefeed", "enablefeeds"})  # answered to the caller only
DEFER_AFTER = 2.0  # seconds: a command still running then is deferred ("thinking…")

Interaction = discord.Interaction[Any]


def invocation(interaction: Interaction, command: str, args: str = "", page: int = 1) -> Invocation:
    """The core's view of a slash command or a button press."""
    in_dm = interaction.guild_id is None
    return Invocation(
        platform=PLATFORM,
        chat_key=str(interaction.channel_id),
        command=command,
        args=args,
        user_id=str(interaction.user.id),
        chat_kind="private" if in_dm else "group",
        can_manage=in_dm or interaction.permissions.manage_channels,
        page=page,
        lang=locale(interaction),
    )


def locale(interaction: Interaction) -> str | None:
    """The user's Discord language ("fr", "en-US"), when Discord says."""
    return str(interaction.locale) if interaction.locale else None


class Handlers:
    def __init__(self, commands: Commands, codec: ButtonCodec) -> None:
        self.commands = commands
        self.codec = codec

    async def run(self, interaction: Interaction, command: str, args: str = "") -> None:
        """A slash command: run it in the core and answer the interaction."""
        private = command in PRIVATE
        try:
            reply = await self._run_in_time(interaction, invocation(interaction, command, args))
            ack = reply.extra.get("kind") == "ack"  # feedback: for the caller's eyes
            await self.answer(interaction, reply, ephemeral=private or reply.error or ack)
        except Exception as exc:  # the one error handler: log it, apologise privately
            await self.error(interaction, exc)

    async def press(self, interaction: Interaction, custom_id: str) -> None:
        """A button. "More": take the button away, then post the next page. Feedback
        ("useful", "wrong flag"): an acknowledgement only the presser sees, the alert and
        its buttons left as they are (the other button changes the press)."""
        try:
            pressed = self.codec.decode(custom_id)
            if pressed is None:
                await interaction.response.send_message(
                    button_expired(locale(interaction)), ephemeral=True
                )
                return
            inv = invocation(interaction, pressed.command, pressed.args, pressed.page)
            reply = await self._run_in_time(interaction, inv)
            if reply.extra.get("kind") == "ack":
                await self._say(interaction, reply.text)
                return
            if not interaction.response.is_done():
                await interaction.response.edit_message(view=None)
            await self.answer(interaction, reply, ephemeral=reply.error)
        except Exception as exc:
            await self.error(interaction, exc)

    async def _say(self, interaction: Interaction, text: str) -> None:
        """One short line only the caller sees."""
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )

    async def _run_in_time(self, interaction: Interaction, inv: Invocation) -> Reply:
        task = asyncio.ensure_future(self.commands.run(inv))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            await interaction.response.defer(ephemeral=inv.command in PRIVATE, thinking=True)
        return await task

    async def answer(self, interaction: Interaction, reply: Reply, *, ephemeral: bool) -> None:
        """Send the reply's pages: the first as the interaction's response (or its first
        follow-up when the response is used), the rest as follow-ups; buttons on the last."""
        pages = render(reply)
        view = make_view(reply.buttons, self.codec)
        for i, page in enumerate(pages):
            kwargs: dict[str, Any] = {
                "embeds": page.embeds,
                "ephemeral": ephemeral,
                "allowed_mentions": NO_MENTIONS,
            }
            if page.content:
                kwargs["content"] = page.content
            if view is not None and i == len(pages) - 1:
                kwargs["view"] = view
            if interaction.response.is_done():
                await interaction.followup.send(**kwargs)
            else:
                await interaction.response.send_message(**kwargs)

    async def error(self, interaction: Interaction, exc: BaseException) -> None:
        log.error("handling a Discord interaction failed", exc_info=exc)
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(apology(locale(interaction)), ephemeral=True)
            else:
                await interaction.response.send_message(
                    apology(locale(interaction)), ephemeral=True
                )
