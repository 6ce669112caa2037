"""The real Telegram Application against the fake Bot API server, with a real store on a fake
clock: the servers are real, only time is fake (it jumps while the Sender waits on it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.clock import Clock
from bot.commands import Commands
from bot.commands.reply import Reply
from bot.config import Settings, load_settings
from bot.delivery import Pacing, Sender, Transport
from bot.models import Chat
from bot.store import Store
from tests.support.botapi import FakeBotAPI
from tests.support.clock import FakeClock

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
async def store(database: Path | str, clock: FakeClock) -> AsyncIterator[Store]:
    async with Store.open(database, clock) as s:
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
    """The sender's loop in a task; on a fake clock, time jumps whenever it waits."""
    async with contextlib.AsyncExitStack() as stack:
        if isinstance(sender.clock, FakeClock):
            await stack.enter_async_context(sender.clock.autojump())
        task = asyncio.create_task(sender.run())
        try:
            yield sender
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    """A bounded poll for what a real server or thread is still finishing (not for time)."""
    async with asyncio.timeout(within):
        while not condition():
            await asyncio.sleep(0.01)


async def all_sent(store: Store, within: float = 10.0) -> None:
    """Wait (bounded) until no alert is pending: every message arrived and was recorded."""
    async with asyncio.timeout(within):
        while await store.outbox.pending_count():
            await asyncio.sleep(0.01)


@dataclass
class Timed:
    """A transport that notes, on the clock, each send and each refusal, then passes it on."""

    inner: Transport
    clock: Clock
    log: list[tuple[str, float, str]] = field(default_factory=list)  # key, clock time, outcome

    @property
    def platform(self) -> str:
        return self.inner.platform

    async def send(self, chat: Chat, reply: Reply) -> None:
        try:
            await self.inner.send(chat, reply)
        except Exception as exc:
            self.log.append((chat.key, self.clock.monotonic(), type(exc).__name__))
            raise
        self.log.append((chat.key, self.clock.monotonic(), "sent"))

    def times(self, outcome: str = "sent") -> list[float]:
        return [t for _, t, what in self.log if what == outcome]


@pytest.fixture
async def sender(tg: TelegramAdapter, store: Store) -> AsyncIterator[Sender]:
    s = Sender(store, {"telegram": tg.transport}, {"telegram": FAST}, idle=5)
    async with running(s):
        yield s
