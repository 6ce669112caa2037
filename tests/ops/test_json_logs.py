"""BOT_LOG_FORMAT=json: each log line is one JSON object, masked like the text lines."""

from __future__ import annotations

import json
import logging

import pytest

from bot.app import configure_logging
from bot.config import load_settings
from bot.errors import ConfigError
from bot.redact import MASK

TOKEN = "333333:AAE-json-Secret-Half-0123456789"


def reject() -> None:
    raise RuntimeError(f"rejected token {TOKEN}\nsecond line")


def test_every_line_is_a_json_object_with_the_token_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # restored after the test
    monkeypatch.setattr(root, "level", root.level)
    configure_logging(
        load_settings(None, BOT_LOG_FORMAT="JSON", BOT_LOG_LEVEL="INFO", TELEGRAM_BOT_TOKEN=TOKEN)
    )
    log = logging.getLogger("bot.tests.json")
    log.info("calling https://api.example/bot%s/getMe", TOKEN)
    try:
        reject()
    except RuntimeError:
        log.exception("it failed: %d times", 2)
    log.debug("not at INFO")

    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO"
    assert first["logger"] == "bot.tests.json"
    assert first["message"] == f"calling https://api.example/bot{MASK}/getMe"
    assert first["time"].endswith("+00:00")
    assert second["level"] == "ERROR"
    assert second["message"] == "it failed: 2 times"
    assert second["exception"].startswith("Traceback")
    assert f"RuntimeError: rejected token {MASK}\nsecond line" in second["exception"]
    assert TOKEN not in err
    assert TOKEN.partition(":")[2] not in err


def test_a_bad_log_format_names_the_key() -> None:
    with pytest.raises(ConfigError, match="BOT_LOG_FORMAT"):
        load_settings(None, BOT_LOG_FORMAT="xml")


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("-100123", ("telegram", "-100123")),
        ("telegram:42", ("telegram", "42")),
        ("discord:987654321", ("discord", "987654321")),
        ("console", ("console", "local")),
    ],
)
def test_admin_chat_forms(value: str, target: tuple[str, str]) -> None:
    assert load_settings(None, BOT_ADMIN_CHAT=value).admin_target == target


@pytest.mark.parametrize("value", ["slack:1", "telegram:", "@channel", "discord:abc"])
def test_a_bad_admin_chat_names_the_key(value: str) -> None:
    with pytest.raises(ConfigError, match="BOT_ADMIN_CHAT: expected a chat id"):
        load_settings(None, BOT_ADMIN_CHAT=value)


def test_a_bad_metrics_port_names_the_key() -> None:
    with pytest.raises(ConfigError, match="BOT_METRICS_PORT"):
        load_settings(None, BOT_METRICS_PORT="70000")
