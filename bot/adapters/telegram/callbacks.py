"""Inline-button callback data: `command|page|args` in at most 64 bytes, as Telegram allows
(the shared codec: `bot.adapters.presses`)."""

from __future__ import annotations

from bot.adapters.presses import PressCodec

MAX_BYTES = 64


def _utf8_bytes(data: str) -> int:
    return len(data.encode())


class CallbackCodec(PressCodec):
    def __init__(self, capacity: int = 2048) -> None:
        super().__init__(limit=MAX_BYTES, measure=_utf8_bytes, capacity=capacity)
