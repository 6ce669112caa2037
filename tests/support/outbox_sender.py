"""A bare alert sender in its own process, for tests of two senders on one database.

    python -m tests.support.outbox_sender DB API_URL TOKEN GO_FILE NAME

Opens the store on DB (without the instance lock, as a second worker would), prints "ready",
waits (bounded) until GO_FILE exists, then sends due alerts to the Bot API at API_URL through
the real Telegram transport until none is pending, and prints "NAME sent N" at the end.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from telegram import Bot

from bot.adapters.telegram.callbacks import CallbackCodec
from bot.adapters.telegram.transport import TelegramTransport
from bot.delivery import Pacing, Sender
from bot.store import Store

FAST = Pacing(global_per_second=1000, chat_per_second=1000, group_per_minute=100_000)
GO_WITHIN = 30.0


def wait_for(go: Path) -> None:
    deadline = time.monotonic() + GO_WITHIN
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go file")
        time.sleep(0.01)


async def main(database: str, api_url: str, token: str, go: str, name: str) -> None:
    async with Store.open(database) as store, Bot(token, base_url=f"{api_url}/bot") as bot:
        transport = TelegramTransport(bot, CallbackCodec())
        # Small batches: the two processes take turns all along.
        sender = Sender(store, {"telegram": transport}, {"telegram": FAST}, batch=20)
        print("ready", flush=True)
        await asyncio.to_thread(wait_for, Path(go))
        # Until nothing is pending: the rows the other process holds may come back to us.
        while await store.outbox.pending_count():
            if not await sender.send_due():
                await asyncio.sleep(0.01)
        print(f"{name} sent {sender.sent}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
