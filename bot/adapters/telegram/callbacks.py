"""Inline-button callback data: `command|page|args` in at most 64 bytes, as Telegram allows.

Arguments too long for that are kept in a small bounded memory in the adapter and the button
carries a short token instead; a token forgotten (evicted, or the bot restarted) makes the
button answer "expired" rather than run something else.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass

MAX_BYTES = 64
_KEPT_PREFIX = "~"


@dataclass(frozen=True, slots=True)
class Press:
    command: str
    page: int
    args: str


class CallbackCodec:
    def __init__(self, capacity: int = 2048) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[str, Press] = OrderedDict()

    def encode(self, command: str, page: int, args: str) -> str:
        data = f"{command}|{page}|{args}"
        if len(data.encode()) <= MAX_BYTES and not data.startswith(_KEPT_PREFIX):
            return data
        token = _KEPT_PREFIX + secrets.token_urlsafe(12)
        self._kept[token] = Press(command, page, args)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)
        return token

    def decode(self, data: str) -> Press | None:
        """The press a button stands for, or None when it is malformed or forgotten."""
        if data.startswith(_KEPT_PREFIX):
            press = self._kept.get(data)
            if press is not None:
                self._kept.move_to_end(data)
            return press
        command, sep, rest = data.partition("|")
        page, sep2, args = rest.partition("|")
        if not (sep and sep2 and command.isalnum() and page.isdigit() and len(page) < 6):
            return None
        return Press(command, int(page), args)
