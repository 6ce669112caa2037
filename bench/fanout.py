"""5. Fan-out: one flagged item to N subscribed private chats, through the real Sender and
Telegram transport (python-telegram-bot), to the fake Bot API server of the tests made
strict: it answers 429 to any message beyond 30 in the last second, as Telegram does.
Messages/s sustained (first to last accepted message), against that 30/s limit; and 429s."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from bench.common import Row, bench_settings
from bot.adapters.telegram import TelegramAdapter
from bot.commands import Commands
from bot.delivery import Sender
from bot.models import SubscriptionKind
from bot.store import Store
from tests.support.botapi import TOKEN, ApiError, FakeBotAPI, Fault
from tests.support.builders import seed_item

LIMIT = 30  # messages per second before the server answers 429
FIRST_CHAT = 10_000


class StrictBotAPI(FakeBotAPI):
    """The fake Bot API, with Telegram's global flood limit on sendMessage."""

    def __init__(self) -> None:
        super().__init__()
        self.window: deque[float] = deque()
        self.limited = 0
        self.accepted: list[float] = []
        self._rate_lock = threading.Lock()

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        now = time.monotonic()
        with self._rate_lock:
            while self.window and now - self.window[0] >= 1.0:
                self.window.popleft()
            if len(self.window) >= LIMIT:
                self.limited += 1
                raise ApiError(Fault(429, "Too Many Requests: retry after 1", {"retry_after": 1}))
            self.window.append(now)
        message = super().api_sendMessage(params)
        with self._rate_lock:
            self.accepted.append(now)
        return message


async def _run(api: StrictBotAPI, chats: int, folder: Path) -> tuple[int, float]:
    settings = bench_settings(
        folder / "fanout.db", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url
    )
    async with Store.open(settings.database) as store:
        feed, _ = await store.feeds.add("https://fr.example/feed.xml", "Fr news", "fr")
        assert feed.id is not None
        for n in range(chats):
            chat_id = FIRST_CHAT + n
            api.private_chat(api.user(chat_id))
            chat = await store.chats.ensure("telegram", str(chat_id))
            assert chat.id is not None
            await store.chats.subscribe(chat.id, SubscriptionKind.ALL)
        await asyncio.sleep(1.1)  # published after subscribing (timestamps are in seconds)
        await store.items.add_many([seed_item(feed.id)])
        async with TelegramAdapter(settings, Commands(store, settings), store) as tg:
            sender = Sender(store, {"telegram": tg.transport})
            task = asyncio.create_task(sender.run())
            deadline = time.monotonic() + chats / 10 + 30
            while time.monotonic() < deadline:
                if not await store.outbox.pending_count():
                    break
                await asyncio.sleep(0.2)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    sent = len(api.accepted)
    span = api.accepted[-1] - api.accepted[0] if sent > 1 else 0.0
    return sent, (sent - 1) / span if span else 0.0


def run(*, chats: int) -> list[Row]:
    api = StrictBotAPI()
    api.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            sent, rate = asyncio.run(_run(api, chats, Path(tmp)))
    finally:
        api.stop()
    if sent != chats:
        note = f"only {sent} of {chats} chats reached"
    else:
        note = f"{chats:,} private chats, one flagged item"
    return [
        Row("fan-out: messages/s sustained", rate, "msg/s", float(LIMIT),
            "server limit", "value>=28", note),
        Row("fan-out: 429 answers", float(api.limited), "count", float(LIMIT),
            "server limit", "value<=0", note),
    ]  # fmt: skip
