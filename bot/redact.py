"""Secrets never reach a log line, a traceback or an error line.

The bot token, the Discord token and the webhook secret are replaced by `<secret>`, and so is
the password of any URL (`scheme://user:password@host`: a feed URL, a database DSN). The
masking is done where text is made, at the formatter: `MaskingFormatter` wraps a handler's
own formatter and masks what it returns, the exception traceback and the stack included,
so a library's exception whose message or traceback echoes a token (a 502 page quoting the
request path, python-telegram-bot's "The token `…` was rejected") is masked too.

    install(settings)   # at start: every handler (root, libraries', the last resort) masks
    mask_handlers()     # again once adapters are up, for handlers added meanwhile
    REDACTOR(text)      # for text printed without logging (the CLI's error line)
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from bot.config import Settings

MASK = "<secret>"
MIN_SECRET = 6  # shorter values would mask ordinary words
# The password of a URL: scheme://user:PASSWORD@host. The user name is kept.
URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@")


class Redactor:
    """Replaces every known secret (and its %-encoded form) and URL passwords in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: tuple[str, ...] = ()
        self.update(secrets)

    def update(self, secrets: Iterable[str]) -> None:
        """Mask these too (kept: a run with Telegram and Discord registers both)."""
        found = set(self._secrets)
        for secret in secrets:
            if len(secret) >= MIN_SECRET:
                found |= {secret, quote(secret, safe="")}
        self._secrets = tuple(sorted(found, key=len, reverse=True))  # longest first

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        if "@" in text:
            text = URL_PASSWORD.sub(rf"\1{MASK}@", text)
        return text


REDACTOR = Redactor()


def secrets_of(settings: Settings) -> list[str]:
    """The settings' secrets: each token whole and the Telegram token's secret half (after
    the bot id), so that half is masked wherever it appears alone."""
    found: list[str] = []
    for value in (settings.telegram_bot_token, settings.discord_bot_token, settings.webhook_secret):
        if value is not None:
            found.append(value.get_secret_value())
    if settings.telegram_bot_token is not None:
        _, _, half = settings.telegram_bot_token.get_secret_value().partition(":")
        found.append(half)
    return found


class MaskingFormatter(logging.Formatter):
    """A handler's formatter whose every output is masked: the formatted record, the
    exception text (also the copy cached on the record for other handlers) and the stack."""

    def __init__(
        self, inner: logging.Formatter | None = None, redactor: Redactor = REDACTOR
    ) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        return self.redactor(text)

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        return self.redactor(self.inner.formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return self.redactor(self.inner.formatStack(stack_info))


def _all_handlers() -> list[logging.Handler]:
    handlers = list(logging.getLogger().handlers)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            handlers += logger.handlers
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    return handlers


def mask_handlers(redactor: Redactor = REDACTOR) -> int:
    """Give every handler there is now (the root's, every library logger's, the last-resort
    one) a masking formatter; returns how many got one. Safe to call again."""
    count = 0
    for handler in _all_handlers():
        if not isinstance(handler.formatter, MaskingFormatter):
            handler.setFormatter(MaskingFormatter(handler.formatter, redactor))
            count += 1
    return count


def _print_masked(
    kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
) -> None:
    text = "".join(traceback.format_exception(kind, value, tb)) if kind else ""
    sys.stderr.write(REDACTOR(text))


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n")
    _print_masked(args.exc_type, args.exc_value, args.exc_traceback)


def install(settings: Settings) -> None:
    """Mask the settings' secrets in every log handler and in uncaught tracebacks."""
    REDACTOR.update(secrets_of(settings))
    mask_handlers()
    sys.excepthook = _print_masked
    threading.excepthook = _thread_hook
