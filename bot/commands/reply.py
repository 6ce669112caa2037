"""What a command returns: plain data that each chat adapter renders in its own way.

Text here is plain (never markup); adapters escape it. Search snippets carry MARK_START /
MARK_END around matched words, which adapters may render as bold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Invocation:
    """One command as an adapter received it, reduced to what the core needs."""

    platform: str  # "telegram", "discord", "console"
    chat_key: str  # the platform's id for the conversation
    command: str  # without the slash, lower case: "search"
    args: str = ""
    user_id: str = ""
    chat_kind: str = "private"  # private | group | channel
    can_manage: bool = True  # may change this chat's subscriptions (group admin, DM owner)
    page: int = 1  # for "More" buttons
    lang: str | None = None  # the user's language, when the platform says
    thread: int | None = None  # the forum topic the command was sent in (Telegram)
    via: str = ""  # a channel's @name, when its administrator acts for it from a private chat
    # The id of the delivery this came in ("telegram:<bot>:<update>"), which a platform
    # repeats when it delivers it again: an effect that must not happen twice is keyed by it.
    request: str = ""


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button that runs `command` with `args` at `page` when pressed."""

    label: str
    command: str
    args: str = ""
    page: int = 1


@dataclass(frozen=True, slots=True)
class Entry:
    """One news item in a list or an alert."""

    item_id: int
    title: str
    url: str
    source: str
    published: datetime
    summary: str = ""
    why: str | None = None  # the flag's one-line reason, for flagged items
    snippet: str | None = None  # for search results, with match markers
    when: str = ""  # `published` as the chat reads it: "2026-12-07 09:30 CET" (UTC by default)
    why_label: str = "Why flagged:"  # the why line's label, in the chat's language
    category: str | None = None  # the flag's category ("ban", "regulation"), for colours


@dataclass(frozen=True, slots=True)
class Reply:
    text: str = ""
    entries: tuple[Entry, ...] = ()
    footer: str = ""
    buttons: tuple[Button, ...] = ()
    error: bool = False  # a usage hint or a refusal: adapters may show it privately
    link_preview: bool = False
    extra: dict[str, str] = field(default_factory=dict)  # adapter hints, e.g. {"kind": "alert"}
