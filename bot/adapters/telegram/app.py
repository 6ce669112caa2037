"""The Telegram adapter: python-telegram-bot's Application run on our own event loop.

    async with TelegramAdapter(settings, commands, store) as tg:
        sender = Sender(store, {"telegram": tg.transport})
        ...  # the poller, the sender: everything shares the loop

Long polling by default; a webhook when BOT_WEBHOOK_URL is set (with a secret token checked
on every request). TELEGRAM_API_URL points at another Bot API server (self-hosted, tests).
"""

from __future__ import annotations

import logging
import secrets
from types import TracebackType
from typing import Self

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from bot.adapters.telegram.callbacks import CallbackCodec
from bot.adapters.telegram.handlers import Handlers
from bot.adapters.telegram.transport import TelegramTransport
from bot.adapters.telegram.webhook import WebhookServer
from bot.commands import COMMANDS, Commands
from bot.config import Settings
from bot.errors import ConfigError
from bot.store import Store

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


class TokenFilter(logging.Filter):
    """Hides the bot token in any log line (URLs of Bot API requests contain it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = None
        return True


def menu(*, admin: bool = False) -> list[BotCommand]:
    """The command menu, from the core's catalogue."""
    return [
        BotCommand(spec.name, spec.summary)
        for spec in COMMANDS
        if not spec.hidden and (admin or not spec.admin)
    ]


class TelegramAdapter:
    def __init__(
        self, settings: Settings, commands: Commands, store: Store, *, poll_timeout: int = 10
    ) -> None:
        if settings.telegram_bot_token is None:
            raise ConfigError("TELEGRAM_BOT_TOKEN: not set (get one from @BotFather)")
        self.settings = settings
        self.poll_timeout = poll_timeout
        token = settings.telegram_bot_token.get_secret_value()
        self._token_filter = TokenFilter(token)
        # PTB logs its URLs (with the token) at DEBUG as soon as the bot is built.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        for handler in logging.getLogger().handlers:
            handler.addFilter(self._token_filter)
        builder = (
            Application.builder()
            .token(token)
            .base_url(settings.telegram_base_url)
            .base_file_url(settings.telegram_file_url)
            .get_updates_read_timeout(poll_timeout + 10)
        )
        if settings.webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        self.codec = CallbackCodec()
        self.handlers = Handlers(commands, store, self.codec)
        self.transport = TelegramTransport(self.application.bot, self.codec)
        self.webhook: WebhookServer | None = None
        self._add_handlers()

    def _add_handlers(self) -> None:
        app, h = self.application, self.handlers
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, h.migrate))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, h.command))
        app.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.TEXT, h.text
            )
        )
        app.add_handler(CallbackQueryHandler(h.button))
        app.add_handler(ChatMemberHandler(h.membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(h.error)

    async def __aenter__(self) -> Self:
        await self.application.initialize()
        try:
            await self._set_menu()
            await self.application.start()
            if self.settings.webhook_url:
                await self._start_webhook(self.settings.webhook_url)
            else:
                assert self.application.updater is not None  # noqa: S101 - built with one
                await self.application.updater.start_polling(
                    timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
        except BaseException:
            await self._close()
            raise
        log.info(
            "Telegram bot @%s running (%s)",
            self.application.bot.username,
            "webhook" if self.webhook else "long polling",
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        try:
            if self.webhook is not None:
                await self.webhook.stop()
            updater = self.application.updater
            if updater is not None and updater.running:
                await updater.stop()
            if self.application.running:
                await self.application.stop()
            await self.application.shutdown()
        finally:
            for handler in logging.getLogger().handlers:
                handler.removeFilter(self._token_filter)

    async def _set_menu(self) -> None:
        bot = self.application.bot
        await bot.set_my_commands(menu())
        for admin in sorted(self.settings.admins):
            try:  # admins see the admin commands in their private chat's menu
                await bot.set_my_commands(menu(admin=True), scope=BotCommandScopeChat(int(admin)))
            except TelegramError as exc:  # the admin has not talked to the bot yet
                log.info("admin menu for %s not set: %s", admin, exc)

    async def _start_webhook(self, url: str) -> None:
        secret = self.settings.webhook_secret
        token = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
        self.webhook = WebhookServer(
            self.application.bot,
            self.application.update_queue,
            url,
            token,
            self.settings.webhook_listen,
            self.settings.webhook_port,
        )
        await self.webhook.start()
        await self.application.bot.set_webhook(
            url=url, secret_token=token, allowed_updates=ALLOWED_UPDATES
        )
