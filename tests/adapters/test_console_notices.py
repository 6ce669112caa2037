"""Admin notices in the terminal chat (`BOT_ADMIN_CHAT=console`): the real chat in this
process, with its watch and sender, prints the notice among its alerts, in the chat's
language, while the user is typing."""

from __future__ import annotations

import asyncio
import io
import os
from dataclasses import replace
from pathlib import Path

from bot.adapters.console import CHAT_KEY, PLATFORM
from bot.app import run_chat
from bot.config import load_settings
from bot.store import Store
from tests.support.clock import FakeClock

TIMEOUT = 20.0


async def test_the_terminal_chat_prints_the_notice_of_a_failing_feed(tmp_path: Path) -> None:
    db = tmp_path / "bw.db"
    clock = FakeClock()
    async with Store.open(db, clock) as store:
        feed, _ = await store.feeds.add("https://flaky.example/feed", "Flaky News")
        await store.feeds.save_health(replace(feed, failures=3, last_error="HTTP 500"))
        chat = await store.chats.ensure(PLATFORM, CHAT_KEY)
        assert chat.id is not None
        await store.chats.set_lang(chat.id, "fr")
    settings = load_settings(None, BOT_DATABASE=str(db), BOT_ADMIN_CHAT="console")
    read_end, write_end = os.pipe()
    out = io.StringIO()
    with os.fdopen(read_end, "r") as typed, os.fdopen(write_end, "w") as keyboard:
        chat_task = asyncio.create_task(
            run_chat(settings, first_poll=False, inp=typed, out=out, clock=clock)
        )
        async with asyncio.timeout(TIMEOUT):  # a bounded wait for the watch and the sender
            while "🔔" not in out.getvalue():
                await asyncio.sleep(0.05)
        keyboard.write("/feeds\n")
        keyboard.close()
        await asyncio.wait_for(chat_task, TIMEOUT)
    printed = out.getvalue()
    assert "🔔 ⚠️ 1 flux a échoué 3 fois de suite :" in printed, printed
    assert "#1 Flaky News — HTTP 500" in printed
    assert printed.count("🔔") == 1
