"""The "More" button: a core `Button` as a Discord component whose `custom_id` carries the
command, page and arguments, so a press works even after the bot restarted.

`custom_id` holds at most 100 characters; longer arguments are kept behind a token (the shared
codec: `bot.adapters.presses`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Self

import discord

from bot.adapters.presses import PressCodec
from bot.commands.reply import Button

MAX_CUSTOM_ID = 100
PREFIX = "bw:"
TEMPLATE = re.compile(re.escape(PREFIX) + r"(?P<data>.+)", re.DOTALL)


class ButtonCodec(PressCodec):
    """`custom_id` holds at most 100 characters, behind the `bw:` prefix."""

    def __init__(self, capacity: int = 2048) -> None:
        super().__init__(limit=MAX_CUSTOM_ID, prefix=PREFIX, capacity=capacity)


PressHandler = Callable[[discord.Interaction[Any], str], Awaitable[None]]


class BanwatchClient(discord.Client):
    """A discord.py client that knows where button presses go (set by the adapter)."""

    def __init__(self, *, intents: discord.Intents | None = None, **options: Any) -> None:
        # The default intents: slash commands need no privileged ones (no message content).
        super().__init__(intents=intents or discord.Intents.default(), **options)
        self.on_press: PressHandler | None = None


class MoreButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
    """Every Banwatch button; discord.py finds it again from its `custom_id` on a press."""

    def __init__(self, custom_id: str, label: str = "More") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:80], style=discord.ButtonStyle.primary, custom_id=custom_id
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client = interaction.client
        if isinstance(client, BanwatchClient) and client.on_press is not None:
            await client.on_press(interaction, self.custom_id)


def make_view(buttons: tuple[Button, ...], codec: ButtonCodec) -> discord.ui.View | None:
    """The buttons of a reply as a view (no timeout: presses are dispatched by custom_id)."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons[:5]:
        view.add_item(MoreButton(codec.encode(button), button.label))
    return view
