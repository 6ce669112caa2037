"""A "More" button's press, carried by the button itself: `command|page|args`, so a press
works even after the bot restarted. Each platform caps what a button may carry (Telegram's
callback data: 64 bytes; Discord's custom_id: 100 characters). Arguments too long for that are
kept in a small bounded memory and the button carries a short token instead; a forgotten token
(evicted, or the bot restarted) makes the button answer "expired" rather than run something
else. No chat library here: each adapter configures one codec.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands.reply import Button

KEPT = "~"  # a token, not a command (commands are alphanumeric)


@dataclass(frozen=True, slots=True)
class Press:
    command: str
    page: int
    args: str


class PressCodec:
    def __init__(
        self,
        *,
        limit: int,
        measure: Callable[[str], int] = len,
        prefix: str = "",
        capacity: int = 2048,
    ) -> None:
        self.limit = limit  # the most a button may carry, as `measure` counts it
        self.measure = measure
        self.prefix = prefix
        self.capacity = capacity
        self._kept: OrderedDict[str, Press] = OrderedDict()

    def encode(self, button: Button) -> str:
        data = f"{self.prefix}{button.command}|{button.page}|{button.args}"
        if self.measure(data) <= self.limit and not data.startswith(self.prefix + KEPT):
            return data
        token = KEPT + secrets.token_urlsafe(12)
        self._kept[token] = Press(button.command, button.page, button.args)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)
        return self.prefix + token

    def decode(self, carried: str) -> Press | None:
        """The press a button stands for, or None when it is malformed or forgotten."""
        data = carried.removeprefix(self.prefix)
        if self.prefix and data == carried:
            return None
        if data.startswith(KEPT):
            press = self._kept.get(data)
            if press is not None:
                self._kept.move_to_end(data)
            return press
        command, sep, rest = data.partition("|")
        page, sep2, args = rest.partition("|")
        ok = sep and sep2 and command.isascii() and command.isalnum()
        if not (ok and page.isascii() and page.isdigit() and len(page) < 6):  # "²" is a digit
            return None
        return Press(command, int(page), args)
