"""The "More" button: a core `Button` as a Discord component whose `custom_id` carries the
command, page and arguments, so a press works even after the bot restarted.

`custom_id` holds at most 100 characters. Arguments too long for that are kept in a small
bounded memory and the button carries a short token instead; a forgotten token makes the
button answer "expired" rather than run something else.
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Self

import discord

from bot.commands.reply import Button

MAX_CUSTOM_ID = 100
PREFIX = "bw:"
_KEPT = "~"
TEMPLATE = re.compile(re.escape(PREFIX) + r"(?P<data>.+)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Press:
    command: str
    page: int
    args: str


class ButtonCodec:
    def __init__(self, capacity: int = 2048) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[str, Press] = OrderedDict()

    def encode(self, button: Button) -> str:
        custom_id = f"{PREFIX}{button.command}|{button.page}|{button.args}"
        if len(custom_id) <= MAX_CUSTOM_ID:
            return custom_id
        token = _KEPT + secrets.token_urlsafe(12)
        self._kept[token] = Press(button.command, button.page, button.args)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)
        return PREFIX + token

    def decode(self, custom_id: str) -> Press | None:
        """The press a button stands for, or None when it is malformed or forgotten."""
        data = custom_id.removeprefix(PREFIX)
        if data == custom_id:
            return None
        if data.startswith(_KEPT):
            press = self._kept.get(data)
            if press is not None:
                self._kept.move_to_end(data)
            return press
        command, sep, rest = data.partition("|")
        page, sep2, args = rest.partition("|")
        if not (sep and sep2 and command.isalnum() and page.isdigit() and len(page) < 6):
            return None
        return Press(command, int(page), args)


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
