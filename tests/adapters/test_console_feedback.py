"""Feedback and /why in the terminal chat, in-process on a real store: an alert printed by the
console's transport shows its two buttons as the commands to type, `/useful <id>` and
`/wrong <id>` store and change the press, /why explains it."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.console import CHAT_KEY, PLATFORM, ConsoleTransport, chat_loop
from bot.commands import Commands
from bot.commands.alerts import alert_reply
from bot.config import load_settings
from bot.store import Store
from bot.store.feedback import Verdict
from tests.support.builders import seed_item
from tests.support.clock import FakeClock


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "bw.db", clock) as opened:
        yield opened


async def typed(commands: Commands, *lines: str) -> str:
    """Lines typed into the chat through a pipe, as from a keyboard; what it printed."""
    out = io.StringIO()
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "r") as keyboard_in, os.fdopen(write_end, "w") as keyboard:
        keyboard.write("".join(f"{line}\n" for line in lines))
        keyboard.close()
        await chat_loop(commands, keyboard_in, out)
    return out.getvalue()


async def test_console_alert_buttons_are_commands_to_type(store: Store) -> None:
    commands = Commands(store, load_settings(None))
    await typed(commands, "/subscribe bans")
    feed, _ = await store.feeds.add("https://fr.example/rss", title="Journal FR")
    assert feed.id is not None
    [item] = await store.items.add_many(
        [seed_item(feed.id, published=store.clock.now() + timedelta(seconds=5))]
    )
    chat = await store.chats.find(PLATFORM, CHAT_KEY)
    assert chat is not None and chat.id is not None

    printed = io.StringIO()
    await ConsoleTransport(printed).send(chat, alert_reply(item))
    assert f"[👍 Useful: /useful {item.id}]" in printed.getvalue()
    assert f"[👎 Wrong flag: /wrong {item.id}]" in printed.getvalue()

    shown = await typed(commands, f"/useful {item.id}", f"/wrong {item.id}", f"/why {item.id}")
    assert f"Thanks: #{item.id} marked useful" in shown
    assert f"Changed: #{item.id} is now marked a wrong flag here (was useful)." in shown
    assert "Rules that decided it:" in shown
    assert "• ban.word (" in shown
    assert await store.feedback.of(chat.id, item.id or 0) is Verdict.WRONG
