"""A minimal webhook receiver on our own event loop (PTB's needs tornado, which we don't ship).

Telegram POSTs each update as JSON to the webhook URL with the secret token we gave it in the
`X-Telegram-Bot-Api-Secret-Token` header; anything else gets 403 or 404 and is not read
further. Put TLS in front (a reverse proxy), as Telegram requires HTTPS.

An update is answered 200 once `on_update` has handled it (or dropped it as handled
elsewhere): a replica that dies mid-update leaves it unanswered, and Telegram or the proxy
delivers it again (see bot/store/updates.py for how replicas share the work).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from telegram import Bot, Update

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000
MAX_HEAD = 16_384
READ_TIMEOUT = 10.0
SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name
_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Not Allowed",
    500: "Internal Server Error",
}


class WebhookServer:
    def __init__(
        self,
        bot: Bot,
        on_update: Callable[[Update], Awaitable[None]],
        url: str,
        secret: str,
        listen: str,
        port: int,
    ) -> None:
        self.bot = bot
        self.on_update = on_update
        self.path = urlsplit(url).path or "/"
        self.secret = secret.encode()
        self.listen = listen
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self.listen, self.port, limit=MAX_HEAD
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("webhook listening on %s:%d%s", self.listen, self.port, self.path)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT):  # reading the request, not handling it
                status, update = await self._read(reader)
            if update is not None:
                await self.on_update(update)
        except (TimeoutError, asyncio.LimitOverrunError, asyncio.IncompleteReadError, ValueError):
            status = 400
        except Exception:
            log.exception("webhook request failed")
            status = 500  # not handled: delivered again
        try:
            writer.write(
                f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass

    async def _read(self, reader: asyncio.StreamReader) -> tuple[int, Update | None]:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().casefold()] = value.strip()
        if urlsplit(target).path != self.path:
            return 404, None
        if method != "POST":
            return 405, None
        given = headers.get(SECRET_HEADER, "").encode("latin-1")
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook request with a wrong or missing secret token")
            return 403, None
        length = int(headers.get("content-length", "-1"))
        if not 0 <= length <= MAX_BODY:
            return 400, None
        data = json.loads(await reader.readexactly(length))
        return 200, Update.de_json(data, self.bot)
