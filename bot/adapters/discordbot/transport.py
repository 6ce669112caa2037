"""Sending a rendered reply to a Discord channel, and Discord's errors as the core's.

discord.py already waits out short rate limits itself (it reads Discord's headers and
retries a 429 after `retry_after`); a wait longer than the client's `max_ratelimit_timeout`
is raised as `discord.RateLimited`, which becomes `RetryLater` so the Sender pauses Discord
and keeps the alert pending.

    discord.RateLimited, HTTP 429     → RetryLater(retry_after)
    discord.Forbidden, discord.NotFound → ChatGone (no access, channel deleted, bot removed)
    DiscordServerError, other HTTP, network → TransientDeliveryError
"""

from __future__ import annotations

from typing import Any

import aiohttp
import discord

from bot.adapters.discordbot.buttons import ButtonCodec, make_view
from bot.adapters.discordbot.render import render
from bot.commands.reply import Reply
from bot.errors import ChatGone, DeliveryError, RetryLater, TransientDeliveryError
from bot.models import Chat

NO_MENTIONS = discord.AllowedMentions.none()
DEFAULT_RETRY_AFTER = 5.0


def retry_after_of(exc: discord.HTTPException) -> float:
    """The wait a 429 that discord.py did not handle asks for (its Retry-After header)."""
    response: Any = getattr(exc, "response", None)
    header = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(float(header), 0.5) if header is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


def delivery_error(exc: Exception) -> DeliveryError:
    """The core's name for a Discord or network error (see bot/errors.py)."""
    if isinstance(exc, discord.RateLimited):
        return RetryLater(max(exc.retry_after, 0.5), "Discord rate limit")
    if isinstance(exc, discord.Forbidden | discord.NotFound):
        return ChatGone(f"{exc.status} {exc.text or type(exc).__name__}")
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            return RetryLater(retry_after_of(exc), "Discord rate limit")
        return TransientDeliveryError(f"HTTP {exc.status}: {exc.text}")
    return TransientDeliveryError(f"{type(exc).__name__}: {exc}")


async def send_reply(
    target: discord.abc.Messageable, reply: Reply, codec: ButtonCodec
) -> list[discord.Message]:
    """Send every page of the reply, in order; the buttons go on the last one. Discord's
    errors are raised as they are."""
    pages = render(reply)
    view = make_view(reply.buttons, codec)
    sent = []
    for i, page in enumerate(pages):
        extra: dict[str, Any] = {}
        if view is not None and i == len(pages) - 1:
            extra["view"] = view
        sent.append(
            await target.send(
                content=page.content,
                embeds=page.embeds,
                allowed_mentions=NO_MENTIONS,
                **extra,
            )
        )
    return sent


class RateLimitCount:
    """Discord's 429 answers, counted as aiohttp sees them (`trace`, given to the client as
    `http_trace`): discord.py waits short ones out itself, so the Sender never hears of them,
    and /metrics' `banwatch_rate_limited_total` would miss them."""

    def __init__(self) -> None:
        self.count = 0
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._ended)

    async def _ended(
        self,
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        if params.response.status == 429:
            self.count += 1


class DiscordTransport:
    """The Sender's way to Discord: `send` raises only DeliveryError subclasses. `chat.key`
    is the channel's id (a DM channel's id for direct messages). `rate_limited` is the number
    of 429 answers Discord gave the client, waited out by discord.py or raised as RetryLater
    (the Sender counts it from here, not from RetryLater, so each is counted once)."""

    platform = "discord"

    def __init__(
        self, client: discord.Client, codec: ButtonCodec, limits: RateLimitCount | None = None
    ) -> None:
        self.client = client
        self.codec = codec
        self.limits = limits or RateLimitCount()

    @property
    def rate_limited(self) -> int:
        return self.limits.count

    async def send(self, chat: Chat, reply: Reply) -> None:
        try:
            channel_id = int(chat.key)
        except ValueError as exc:
            raise ChatGone(f"not a Discord channel id: {chat.key!r}") from exc
        channel = self.client.get_partial_messageable(channel_id)
        try:
            await send_reply(channel, reply, self.codec)
        except (discord.HTTPException, discord.RateLimited) as exc:
            raise delivery_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
