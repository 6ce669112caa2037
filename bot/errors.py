"""Banwatch's errors, all under one root.

    BanwatchError
    ├── ConfigError            a setting is missing or malformed; start-up stops with one line
    ├── StartupError           a chat platform refused or could not be reached at start-up
    ├── FeedError              a feed could not be fetched or read; recorded on the feed
    │   ├── FetchError         network, HTTP status, size or redirect limits
    │   └── ParseError         the body is not a feed feedparser can read
    ├── StoreError             the database cannot be opened, migrated or written
    ├── UsageError             a chat command's arguments are wrong; the message is the hint
    └── DeliveryError          a chat adapter could not deliver a message
        ├── RetryLater         the platform asked us to wait (`retry_after` seconds)
        ├── TransientDeliveryError   network or 5xx: retry with backoff
        ├── ChatGone           blocked, kicked, chat not found: deactivate the chat
        └── ChatMoved          the chat has a new key (Telegram group → supergroup)

SQLite's own errors are not wrapped: aiosqlite re-exports sqlite3's exceptions.
"""

from __future__ import annotations


class BanwatchError(Exception):
    """Root of every error Banwatch raises on purpose."""


class ConfigError(BanwatchError):
    pass


class StartupError(BanwatchError):
    """The bot could not start on a platform (token rejected, API unreachable); the
    message names the cause and the setting to check, in one line."""


class FeedError(BanwatchError):
    pass


class FetchError(FeedError):
    """`unreachable`: no server was reached (DNS, no route, connect timeout), which may be
    the machine's own network rather than the feed's fault."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        unreachable: bool = False,
    ):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.unreachable = unreachable


class ParseError(FeedError):
    pass


class StoreError(BanwatchError):
    pass


class UsageError(BanwatchError):
    """Bad command arguments. `str(err)` is shown to the user as the hint."""


class DeliveryError(BanwatchError):
    pass


class RetryLater(DeliveryError):
    def __init__(self, retry_after: float, message: str = "rate limited"):
        super().__init__(f"{message}; retry after {retry_after:g}s")
        self.retry_after = retry_after


class TransientDeliveryError(DeliveryError):
    pass


class ChatGone(DeliveryError):
    pass


class ChatMoved(DeliveryError):
    def __init__(self, new_key: str):
        super().__init__(f"chat moved to {new_key}")
        self.new_key = new_key
