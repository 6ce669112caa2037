"""The Telegram adapter: python-telegram-bot's Application run on our own event loop.

    async with TelegramAdapter(settings, commands, store) as tg:
        sender = Sender(store, {"telegram": tg.transport})
        ...  # the poller, the sender: everything shares the loop

Long polling by default; a webhook when BOT_WEBHOOK_URL is set (with a secret token checked
on every request). TELEGRAM_API_URL points at another Bot API server (self-hosted, tests).

In webhook mode any number of replicas may run behind one proxy on one database: each claims
an update's id in the store before handling it (bot/store/updates.py), so an update delivered
to two of them, or twice to one, is handled once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Self

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from bot.adapters.reach import network_reason
from bot.adapters.telegram.callbacks import CallbackCodec
from bot.adapters.telegram.handlers import Handlers
from bot.adapters.telegram.transport import TelegramTransport
from bot.adapters.telegram.webhook import WebhookServer
from bot.commands import COMMANDS, Commands
from bot.config import Settings
from bot.errors import ConfigError, StartupError
from bot.redact import REDACTOR
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


@contextlib.contextmanager
def _quiet_unless_debugging(name: str) -> Iterator[None]:
    """Silence a library's logs (its traceback of a failed first request) for a moment,
    unless the bot logs at DEBUG."""
    logger = logging.getLogger(name)
    if logging.getLogger().isEnabledFor(logging.DEBUG):
        yield
        return
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def startup_error(exc: TelegramError, api_url: str) -> StartupError:
    """One line for a failed start, naming the cause and the setting to check. Never the
    library's message as is: python-telegram-bot's own names the token."""
    where = f"the Telegram Bot API at {api_url}"
    if isinstance(exc, InvalidToken):
        return StartupError("Telegram rejected the token: check TELEGRAM_BOT_TOKEN")
    reason = network_reason(exc)
    if reason is not None:
        return StartupError(
            f"cannot reach {where} ({reason}): check your network or TELEGRAM_API_URL"
        )
    if isinstance(exc, BadRequest):  # a webhook URL Telegram refuses, say
        return StartupError(f"{where} refused the start-up: {REDACTOR(exc.message)[:160]}")
    if isinstance(exc, NetworkError):  # an HTTP error status whose body is not the API's
        status = exc.message.split(". Parsing the server response")[0]
        return StartupError(
            f"{where} answered {REDACTOR(status)[:80]}, not as the Bot API does: "
            "check TELEGRAM_API_URL or try again later"
        )
    if exc.message == "Invalid server response":  # not JSON: a web page, a proxy
        return StartupError(
            f"{where} did not answer as the Bot API does (not JSON; a web page?): "
            "check TELEGRAM_API_URL"
        )
    return StartupError(
        f"{where} did not answer as the Bot API does ({REDACTOR(exc.message)[:80]}): "
        "check TELEGRAM_API_URL"
    )


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
        self.store = store
        self.webhook: WebhookServer | None = None
        # This replica's name on the updates it claims (one per adapter, even in one process).
        self.replica = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
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
        try:
            with _quiet_unless_debugging("telegram"):  # the one line below says it all
                await self.application.initialize()
        except TelegramError as exc:
            raise startup_error(exc, self.settings.telegram_api_url) from None
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
        except BaseException as exc:
            await self._close()
            if isinstance(exc, TelegramError):
                raise startup_error(exc, self.settings.telegram_api_url) from None
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

    @property
    def update_source(self) -> str:
        """Whose update ids these are: Telegram numbers updates per bot."""
        return f"telegram:{self.application.bot.id}"

    async def receive(self, update: Update) -> None:
        """One update from the webhook: handled here if this replica claims it first, else
        dropped (another replica has it, or had it). Returns once it is handled, so the
        webhook answers only then; a crash before that leaves the claim to lapse and the
        update to be delivered again."""
        source = self.update_source
        if not await self.store.updates.claim(source, update.update_id, self.replica):
            log.info("update %d was handled elsewhere: dropped", update.update_id)
            return
        app = self.application
        await app.update_processor.process_update(update, app.process_update(update))
        await self.store.updates.done(source, update.update_id, self.replica)

    async def _start_webhook(self, url: str) -> None:
        secret = self.settings.webhook_secret
        token = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
        if secret is None and self.store.db.dialect == "postgresql":
            log.warning(
                "BOT_WEBHOOK_SECRET is not set: this replica made its own secret, and "
                "Telegram keeps only the last replica's; give every replica the same one"
            )
        self.webhook = WebhookServer(
            self.application.bot,
            self.receive,
            url,
            token,
            self.settings.webhook_listen,
            self.settings.webhook_port,
        )
        try:
            await self.webhook.start()
        except OSError as exc:  # the port is taken, the address is not this machine's
            listen, port = self.settings.webhook_listen, self.settings.webhook_port
            raise StartupError(
                f"cannot listen for the webhook on {listen}:{port} "
                f"({(os.strerror(exc.errno) if exc.errno else str(exc)).lower()}): "
                "check BOT_WEBHOOK_LISTEN and BOT_WEBHOOK_PORT"
            ) from None
        await self.application.bot.set_webhook(
            url=url, secret_token=token, allowed_updates=ALLOWED_UPDATES
        )


@contextlib.asynccontextmanager
async def telegram_sender(settings: Settings) -> AsyncIterator[TelegramTransport]:
    """Telegram's transport alone, for `banwatch worker`: a Bot that sends and takes no
    updates (no long polling, no webhook, no menu set)."""
    if settings.telegram_bot_token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN: not set (get one from @BotFather)")
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_file_url,
    )
    try:
        with _quiet_unless_debugging("telegram"):
            await bot.initialize()
    except TelegramError as exc:
        raise startup_error(exc, settings.telegram_api_url) from None
    try:
        yield TelegramTransport(bot, CallbackCodec())
    finally:
        with contextlib.suppress(TelegramError, OSError):
            await bot.shutdown()
