"""Sending a rendered reply to a Telegram chat, and Telegram's errors as the core's."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.adapters.telegram.callbacks import CallbackCodec
from bot.adapters.telegram.render import render
from bot.commands.reply import Button, Reply
from bot.errors import ChatGone, ChatMoved, DeliveryError, RetryLater, TransientDeliveryError
from bot.models import Chat

log = logging.getLogger(__name__)

# BadRequest descriptions that mean the chat cannot be written to any more.
_GONE = (
    "chat not found",
    "user is deactivated",
    "bot was kicked",
    "bot was blocked",
    "not enough rights to send",
    "have no rights to send",
    "chat_write_forbidden",
    "peer_id_invalid",
    "group chat was deactivated",
)


_THREAD_GONE = "message thread not found"  # Telegram's answer for a deleted forum topic


def delivery_error(exc: TelegramError) -> DeliveryError:
    """The core's name for a Telegram error (see bot/errors.py)."""
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns that this int becomes a timedelta
            warnings.simplefilter("ignore")
            wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return RetryLater(max(seconds, 1.0), "Telegram flood control")
    if isinstance(exc, ChatMigrated):
        return ChatMoved(str(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return ChatGone(exc.message)
    if isinstance(exc, BadRequest):
        if any(marker in exc.message.casefold() for marker in _GONE):
            return ChatGone(exc.message)
        return TransientDeliveryError(f"bad request: {exc.message}")
    if isinstance(exc, NetworkError):  # includes TimedOut and 5xx
        return TransientDeliveryError(exc.message)
    return TransientDeliveryError(f"{type(exc).__name__}: {exc.message}")


async def send_reply(
    bot: Bot,
    chat_id: int | str,
    reply: Reply,
    codec: CallbackCodec,
    thread: int | None = None,
) -> list[Message]:
    """Send every chunk of the reply, in order, into forum topic `thread` when given.
    Telegram errors are raised as they are."""

    def button_data(button: Button) -> str:
        return codec.encode(button)

    sent = []
    for chunk in render(reply, button_data):
        sent.append(
            await bot.send_message(
                chat_id=chat_id,
                text=chunk.text,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=chunk.disable_preview),
                reply_markup=chunk.markup,
                message_thread_id=thread,
            )
        )
    return sent


class TelegramTransport:
    """The Sender's way to Telegram: `send` raises only DeliveryError subclasses."""

    platform = "telegram"

    def __init__(self, bot: Bot, codec: CallbackCodec) -> None:
        self.bot = bot
        self.codec = codec

    async def send(self, chat: Chat, reply: Reply) -> None:
        """Into the chat's forum topic when it has one; a topic deleted since falls back to
        the chat itself (its General topic) rather than losing the alert."""
        try:
            try:
                await send_reply(self.bot, int(chat.key), reply, self.codec, chat.thread)
            except BadRequest as exc:
                if chat.thread is None or _THREAD_GONE not in exc.message.casefold():
                    raise
                log.warning(
                    "topic %s of chat %s is gone; sending to the chat", chat.thread, chat.key
                )
                await send_reply(self.bot, int(chat.key), reply, self.codec)
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        except ValueError as exc:  # a key that is not a Telegram chat id
            raise ChatGone(f"not a Telegram chat id: {chat.key!r}") from exc
