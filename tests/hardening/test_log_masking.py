"""Every secret is masked where log text is made, at the formatter: in the message, in the
exception's traceback, in a stack, on the root's handler, on a handler a library added, on
logging's last-resort handler. The bot process itself is tested in test_startup_errors.py;
here the formatter sees exceptions that carry each kind of secret."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest

from bot.config import Settings, load_settings
from bot.redact import MASK, MaskingFormatter, Redactor, mask_handlers, secrets_of

TELEGRAM = "222222:AAE-telegram-Secret-Half-0123456789"
DISCORD = "MTAxMjM0.Discord-Secret.Part-0123456789"
WEBHOOK = "webhook-shared-secret-0123456789"
FEED = "https://reader:feed-Pass-w0rd@news.example/rss?key=1"
DSN = "postgresql://banwatch:db-Pass-w0rd@127.0.0.1:5432/banwatch"
LEAKS = (TELEGRAM, TELEGRAM.partition(":")[2], DISCORD, WEBHOOK, "feed-Pass-w0rd", "db-Pass-w0rd")


@pytest.fixture
def settings() -> Settings:
    return load_settings(
        None,
        TELEGRAM_BOT_TOKEN=TELEGRAM,
        DISCORD_BOT_TOKEN=DISCORD,
        BOT_WEBHOOK_SECRET=WEBHOOK,
    )


@pytest.fixture
def redactor(settings: Settings) -> Redactor:
    return Redactor(secrets_of(settings))


def fail_deep(text: str) -> None:
    """Raise from two frames down, chained, with `text` in both messages."""

    def upstream() -> None:
        raise ConnectionError(f"upstream said: {text}")

    try:
        upstream()
    except ConnectionError as exc:
        raise RuntimeError(f"request to /bot{TELEGRAM}/getMe failed ({text})") from exc


@pytest.fixture
def library_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A library's logger with its own handler and formatter, as some libraries add."""
    logger = logging.getLogger("tests.somelibrary")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_a_library_handler_masks_the_message_and_the_traceback(
    redactor: Redactor, library_logger: tuple[logging.Logger, io.StringIO]
) -> None:
    logger, stream = library_logger
    mask_handlers(redactor)
    leaky = f"{DISCORD} {WEBHOOK} {FEED} {DSN} {TELEGRAM.partition(':')[2]}"
    try:
        fail_deep(leaky)
    except RuntimeError:
        logger.exception("polling failed for %s", FEED)
    logger.error("stack", stack_info=True)
    text = stream.getvalue()
    assert "Traceback (most recent call last)" in text  # the traceback is still there ...
    assert "ConnectionError: upstream said:" in text
    for leak in LEAKS:
        assert leak not in text  # ... without a secret in it
    assert f"https://reader:{MASK}@news.example/rss?key=1" in text  # the user name stays
    assert f"postgresql://banwatch:{MASK}@127.0.0.1:5432/banwatch" in text


def test_the_cached_traceback_is_masked_for_the_next_handler(redactor: Redactor) -> None:
    """Formatter.format caches the traceback on the record; a second handler reuses it."""
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
    try:
        fail_deep(DISCORD)
    except RuntimeError:
        record.exc_info = sys.exc_info()
    masked = MaskingFormatter(logging.Formatter(), redactor).format(record)
    plain = logging.Formatter().format(record)  # an unmasked handler after ours
    for text in (masked, plain):
        assert DISCORD not in text
        assert TELEGRAM not in text


def test_format_exception_and_stack_are_masked_alone(redactor: Redactor) -> None:
    formatter = MaskingFormatter(None, redactor)
    try:
        fail_deep(WEBHOOK)
    except RuntimeError as exc:
        text = formatter.formatException((type(exc), exc, exc.__traceback__))
    assert WEBHOOK not in text
    assert TELEGRAM not in text
    assert formatter.formatStack(f'  File "x.py", line 1\n    call("{DISCORD}")') == (
        f'  File "x.py", line 1\n    call("{MASK}")'
    )


def test_root_and_last_resort_handlers_get_the_masking_formatter(
    redactor: Redactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    monkeypatch.setattr(root, "handlers", [*root.handlers, handler])
    assert logging.lastResort is not None
    monkeypatch.setattr(logging.lastResort, "formatter", None)
    mask_handlers(redactor)
    assert isinstance(handler.formatter, MaskingFormatter)
    assert isinstance(logging.lastResort.formatter, MaskingFormatter)
    assert mask_handlers(redactor) == 0  # a second call wraps nothing twice
    try:
        fail_deep(TELEGRAM)
    except RuntimeError:
        logging.getLogger("bot.test").error("failed", exc_info=True)
    assert "RuntimeError: request to /bot<secret>/getMe failed" in stream.getvalue()
    assert TELEGRAM not in stream.getvalue()


def test_percent_encoded_secrets_and_short_values(redactor: Redactor) -> None:
    assert redactor("token=222222%3AAAE-telegram-Secret-Half-0123456789") == f"token={MASK}"
    assert Redactor(["abc"])("abc is too short to be a secret") == "abc is too short to be a secret"
    assert redactor("http://host:8080/path@x and user@example.com") == (
        "http://host:8080/path@x and user@example.com"  # no password: left alone
    )
