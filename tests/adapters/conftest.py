"""The real Telegram Application against the fake Bot API server, with a real store."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.commands import Commands
from bot.config import Settings, load_settings
from bot.delivery import Pacing, Sender
from bot.store import Store
from tests.support.botapi import FakeBotAPI

ADMIN_ID = 9001
FAST = Pacing(global_per_second=200, chat_per_second=50, group_per_minute=6000)


def make_settings(api: FakeBotAPI, **extra: Any) -> Settings:
    return load_settings(
        env_file=None,
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_API_URL=api.url,
        BOT_ADMINS=str(ADMIN_ID),
        **extra,
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "bw.db") as s:
        yield s


@pytest.fixture
def settings(bot_api: FakeBotAPI) -> Settings:
    return make_settings(bot_api)


@pytest.fixture
async def tg(settings: Settings, store: Store) -> AsyncIterator[TelegramAdapter]:
    async with TelegramAdapter(settings, Commands(store, settings), store, poll_timeout=1) as a:
        yield a


@contextlib.asynccontextmanager
async def running(sender: Sender) -> AsyncIterator[Sender]:
    task = asyncio.create_task(sender.run())
    try:
        yield sender
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def sender(tg: TelegramAdapter, store: Store) -> AsyncIterator[Sender]:
    s = Sender(store, {"telegram": tg.transport}, {"telegram": FAST}, idle=0.1)
    async with running(s):
        yield s
