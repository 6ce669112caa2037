"""A fake Discord REST API on 127.0.0.1 for the real discord.py HTTP client.

It answers what the adapter calls without the gateway: log-in (`users/@me`,
`oauth2/applications/@me`), slash command sync (global or per guild) and
`POST /channels/{id}/messages`, which it records per channel. A test scripts faults per
channel: a 429 as Discord sends it (JSON `retry_after`, a `Via` header), 403, 404, 5xx.

    api = discord_api                                # the fixture (see conftest.py)
    api.fail(777, 429, retry_after=0.2)
    [message] = await api.wait_messages(777)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import discord
import pytest
from aiohttp import web

TOKEN = "FAKE.discord.token-for-tests-only"
APP_ID = 424242
BOT_USER = {
    "id": str(APP_ID),
    "username": "Banwatch",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}
Json = dict[str, Any]


@dataclass
class Fault:
    status: int
    retry_after: float = 0.0
    is_global: bool = False


class FakeDiscordAPI:
    def __init__(self) -> None:
        self.url = ""
        self.sent: dict[int, list[Json]] = defaultdict(list)
        self.attempts: dict[int, int] = defaultdict(int)
        self.send_times: dict[int, list[float]] = defaultdict(list)
        self.synced: list[tuple[str, list[Json]]] = []  # (path, commands)
        self.callbacks: list[Json] = []  # interaction responses (autocomplete results…)
        self.faults: dict[int, deque[Fault]] = defaultdict(deque)
        self.gone: set[int] = set()  # channels answering 403 for good
        self._ids = itertools.count(10_000)
        self._changed = asyncio.Event()

    def fail(self, channel: int, status: int, *, retry_after: float = 0.0, times: int = 1) -> None:
        for _ in range(times):
            self.faults[channel].append(Fault(status, retry_after))

    def messages(self, channel: int) -> list[Json]:
        return self.sent[channel]

    async def wait_messages(self, channel: int, n: int = 1, *, within: float = 5.0) -> list[Json]:
        async with asyncio.timeout(within):
            while len(self.sent[channel]) < n:
                self._changed.clear()
                await self._changed.wait()
        return self.sent[channel]

    # -- the server --------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_put("/api/v10/applications/{app}/commands", self._sync)
        app.router.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", self._sync)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._message)
        app.router.add_post("/api/v10/interactions/{id}/{token}/callback", self._callback)
        return app

    async def _me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": str(APP_ID),
                "name": "Banwatch",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": {**BOT_USER, "id": "1", "bot": False, "username": "owner"},
                "verify_key": "00",
                "flags": 0,
            }
        )

    async def _sync(self, request: web.Request) -> web.Response:
        commands: list[Json] = await request.json()
        self.synced.append((request.path, commands))
        answered = [
            {**c, "id": str(next(self._ids)), "application_id": str(APP_ID), "version": "1"}
            for c in commands
        ]
        return _json(answered)

    async def _callback(self, request: web.Request) -> web.Response:
        """An interaction answered (`with_response=1`): recorded, acknowledged as Discord does."""
        payload: Json = await request.json()
        self.callbacks.append(payload)
        interaction = {"id": request.match_info["id"], "type": 4}
        return _json({"interaction": interaction, "resource": {"type": payload.get("type")}})

    async def _message(self, request: web.Request) -> web.Response:
        channel = int(request.match_info["channel"])
        self.attempts[channel] += 1
        payload: Json = await request.json()
        if channel in self.gone:
            return _error(403, 50001, "Missing Access")
        if self.faults[channel]:
            fault = self.faults[channel].popleft()
            if fault.status == 429:
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": fault.retry_after,
                    "global": fault.is_global,
                }
                headers = {"Via": "1.1 google", "Retry-After": str(int(fault.retry_after) + 1)}
                return _json(body, status=429, headers=headers)
            if fault.status == 403:
                return _error(403, 50013, "Missing Permissions")
            if fault.status == 404:
                return _error(404, 10003, "Unknown Channel")
            return _error(fault.status, 0, "Server error")
        message = {
            "id": str(next(self._ids)),
            "channel_id": str(channel),
            "author": BOT_USER,
            "content": payload.get("content") or "",
            "timestamp": "2025-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 0,
        }
        self.sent[channel].append(payload)
        self.send_times[channel].append(asyncio.get_running_loop().time())
        self._changed.set()
        return _json(message)


def _json(
    data: object, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON as Discord sends it: discord.py decodes a body only when the content type is
    exactly `application/json` (no charset)."""
    head = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=head)


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status=status)


@contextlib.asynccontextmanager
async def serving(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordAPI]:
    """The fake API on a free loopback port; discord.py's routes point at it meanwhile."""
    api = FakeDiscordAPI()
    runner = web.AppRunner(api.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    api.url = f"http://127.0.0.1:{port}/api/v10"
    # The one thing that cannot run here is discord.com: every Route is built from BASE.
    monkeypatch.setattr(discord.http.Route, "BASE", api.url)
    try:
        yield api
    finally:
        await runner.cleanup()
