"""Settings, read once from the environment and `.env`, then passed explicitly.

Every key is listed in `.env.example` and in the README's configuration table. A bad value
stops start-up with one line naming the key and what is wrong (see `load_settings`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError
from bot.redact import MASK, URL_PASSWORD

DEFAULT_API_URL = "https://api.telegram.org"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]
ADMIN_PLATFORMS = ("telegram", "discord", "console")
CONSOLE_CHAT = "local"  # the terminal chat's key (bot/adapters/console.py)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
        env_ignore_empty=True,  # `KEY=` in .env means "use the default"
    )

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field(default=DEFAULT_API_URL, alias="TELEGRAM_API_URL")
    webhook_url: str | None = Field(default=None, alias="BOT_WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="BOT_WEBHOOK_SECRET")
    webhook_listen: str = Field(default="0.0.0.0", alias="BOT_WEBHOOK_LISTEN")  # noqa: S104
    webhook_port: int = Field(default=8443, ge=1, le=65535, alias="BOT_WEBHOOK_PORT")

    discord_bot_token: SecretStr | None = Field(default=None, alias="DISCORD_BOT_TOKEN")
    discord_guild_id: int | None = Field(default=None, ge=1, alias="DISCORD_GUILD_ID")

    # A SQLite file (the embedded default), or a postgresql:// URL (bot/store/pg.py)
    database: Path | str = Field(default=Path("data/banwatch.db"), alias="BOT_DATABASE")
    feeds: Path | None = Field(default=None, alias="BOT_FEEDS")
    # BOT_FEEDS is the whole list: feeds not on it are removed at start (the bundled ones too)
    feeds_replace: bool = Field(default=False, alias="BOT_FEEDS_REPLACE")
    poll_interval: int = Field(default=300, ge=1, le=7 * 24 * 3600, alias="BOT_POLL_INTERVAL")
    admins: Annotated[frozenset[str], NoDecode] = Field(default=frozenset(), alias="BOT_ADMINS")
    log_level: LogLevel = Field(default="INFO", alias="BOT_LOG_LEVEL")
    log_format: LogFormat = Field(default="text", alias="BOT_LOG_FORMAT")

    # The operator's view: notices to one chat, /healthz and /metrics on a local port
    admin_chat: str | None = Field(default=None, alias="BOT_ADMIN_CHAT")
    admin_backlog: int = Field(default=500, ge=1, alias="BOT_ADMIN_BACKLOG")
    metrics_port: int | None = Field(default=None, ge=1, le=65535, alias="BOT_METRICS_PORT")
    metrics_host: str = Field(default="127.0.0.1", min_length=1, alias="BOT_METRICS_HOST")

    fetch_timeout: float = Field(default=20.0, gt=0, le=300, alias="BOT_FETCH_TIMEOUT")
    fetch_concurrency: int = Field(default=16, ge=1, le=256, alias="BOT_FETCH_CONCURRENCY")
    max_feed_bytes: int = Field(default=5_000_000, ge=10_000, alias="BOT_MAX_FEED_BYTES")
    max_failures: int = Field(default=10, ge=1, alias="BOT_MAX_FAILURES")
    allow_private_feeds: bool = Field(default=False, alias="BOT_ALLOW_PRIVATE_FEEDS")
    parse_workers: int = Field(
        default_factory=lambda: min(4, os.cpu_count() or 1), ge=0, le=32, alias="BOT_PARSE_WORKERS"
    )
    parse_timeout: float = Field(default=30.0, gt=0, le=3600, alias="BOT_PARSE_TIMEOUT")

    # Several processes on one PostgreSQL database: how long a process's leases (the feed it
    # polls, the platform it sends to) and alert claims hold without renewal, so what a process
    # killed with SIGKILL holds is taken over by the others within this long.
    lease_seconds: float = Field(default=60.0, ge=5, le=120, alias="BOT_LEASE_SECONDS")

    retention_days: int = Field(default=180, ge=1, alias="BOT_RETENTION_DAYS")
    retention_items: int = Field(default=200_000, ge=100, alias="BOT_RETENTION_ITEMS")

    ban_threshold: float = Field(default=0.6, ge=0, le=1, alias="BOT_BAN_THRESHOLD")
    regulation_threshold: float = Field(default=0.5, ge=0, le=1, alias="BOT_REGULATION_THRESHOLD")

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            ids = [part.strip() for part in value.split(",") if part.strip()]
            bad = [part for part in ids if not part.lstrip("-").isdigit()]
            if bad:
                raise ValueError("expected comma-separated numeric user ids")
            return frozenset(ids)
        return value

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: object) -> object:
        """A URL stays text (a path would fold its `//`); anything else is a file path."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith(("postgresql://", "postgres://")):
            parts = urlsplit(text)
            if not parts.hostname and "host=" not in parts.query:
                raise ValueError("expected postgresql://user:password@host:port/database")
            try:
                parts.port  # noqa: B018 - raises on a port that is no number
            except ValueError:
                raise ValueError("the port in the URL is not a number") from None
            return text
        if "://" in text:
            raise ValueError(
                "expected a file path (SQLite) or postgresql://user:password@host:port/database"
            )
        return Path(value)

    @property
    def database_name(self) -> str:
        """BOT_DATABASE as messages show it: the path, or the URL without its password."""
        if isinstance(self.database, Path):
            return str(self.database)
        return URL_PASSWORD.sub(rf"\1{MASK}@", self.database)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("admin_chat")
    @classmethod
    def _admin_chat(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if value.casefold() == "console":  # the terminal chat's one conversation
            value = f"console:{CONSOLE_CHAT}"
        platform, sep, key = value.partition(":")
        if not sep:
            platform, key = "telegram", value
        if (
            platform not in ADMIN_PLATFORMS
            or not key
            or (platform != "console" and not key.lstrip("-").isdigit())
        ):
            raise ValueError(
                "expected a chat id (Telegram), or telegram:ID, discord:CHANNEL_ID or console"
            )
        return f"{platform}:{key}"

    @property
    def admin_target(self) -> tuple[str, str] | None:
        """(platform, chat key) of BOT_ADMIN_CHAT: `-100123` → ("telegram", "-100123")."""
        if self.admin_chat is None:
            return None
        platform, _, key = self.admin_chat.partition(":")
        return platform, key

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @property
    def telegram_base_url(self) -> str:
        """Base URL as python-telegram-bot wants it: `<server>/bot` (the token is appended)."""
        url = self.telegram_api_url
        return url if url.endswith("/bot") else f"{url}/bot"

    @property
    def telegram_file_url(self) -> str:
        url = self.telegram_api_url.removesuffix("/bot")
        return f"{url}/file/bot"


def load_settings(env_file: str | Path | None = ".env", **overrides: object) -> Settings:
    """Read settings; raise ConfigError with one line naming the key on a bad value."""
    try:
        settings = Settings(_env_file=env_file, **overrides)  # type: ignore[arg-type,call-arg]
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "settings"
        field = Settings.model_fields.get(key)
        name = field.alias if field is not None and field.alias else key
        got = first.get("input")
        if isinstance(got, str):
            got = URL_PASSWORD.sub(rf"\1{MASK}@", got)  # a database URL's password
        shown = "" if isinstance(got, dict) or got is None else f" (got {str(got)[:40]!r})"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}{shown}") from None
    if settings.feeds_replace and settings.feeds is None:
        raise ConfigError(
            "BOT_FEEDS_REPLACE: needs BOT_FEEDS, the feed list that replaces the bundled one"
        )
    return settings
