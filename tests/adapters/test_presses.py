"""A button press carries `command|page|args`; anyone can send any callback data (Telegram)
or custom_id (Discord), so a forged one must read as "expired", never raise."""

from __future__ import annotations

import pytest

from bot.adapters.presses import PressCodec


@pytest.mark.parametrize(
    "data",
    ["search|²|wechat", "search|³|x", "search|١|x", "search|５|x", "séarch|2|x"],
)
def test_a_forged_press_with_odd_digits_is_refused_not_raised(data: str) -> None:
    codec = PressCodec(limit=64)
    assert codec.decode(data) is None
