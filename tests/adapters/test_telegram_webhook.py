"""Webhook mode: setWebhook with a secret, and only requests carrying that secret are read."""

from __future__ import annotations

import socket
import time

import httpx

from bot.adapters.telegram import TelegramAdapter
from bot.commands import Commands
from bot.store import Store
from tests.adapters.conftest import make_settings
from tests.support.botapi import FakeBotAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def update(update_id: int, text: str) -> dict[str, object]:
    user = {"id": 1001, "is_bot": False, "first_name": "Ann"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": 1001, "type": "private", "first_name": "Ann"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def test_webhook_with_secret(bot_api: FakeBotAPI, store: Store) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    settings = make_settings(
        bot_api,
        BOT_WEBHOOK_URL=url,
        BOT_WEBHOOK_SECRET="s3cret-Token_1",
        BOT_WEBHOOK_LISTEN="127.0.0.1",
        BOT_WEBHOOK_PORT=port,
    )
    bot_api.private_chat(bot_api.user(1001))
    async with TelegramAdapter(settings, Commands(store, settings), store):
        assert bot_api.webhook["url"] == url
        assert bot_api.webhook["secret_token"] == "s3cret-Token_1"
        assert not bot_api.called("getUpdates")
        async with httpx.AsyncClient(timeout=5) as client:
            wrong = await client.post(
                url,
                json=update(1, "/help"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
            )
            missing = await client.post(url, json=update(2, "/help"))
            elsewhere = await client.post(
                url + "x",
                json=update(3, "/help"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"},
            )
            right = await client.post(
                url,
                json=update(4, "/start"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"},
            )
        assert (wrong.status_code, missing.status_code) == (403, 403)
        assert elsewhere.status_code == 404
        assert right.status_code == 200
        [reply] = await bot_api.wait_messages(1001)
        assert "Banwatch" in reply["plain"]
    assert len(bot_api.messages(1001)) == 1
