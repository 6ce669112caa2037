"""Plain data passed between the pipeline stages, the store and the commands.

Nothing here knows about HTTP, SQLite or a chat library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.targets import Targets


class Category(StrEnum):
    BAN = "ban"
    REGULATION = "regulation"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Entities:
    """Who did what, where: filled by the classifier from the item's own words."""

    platforms: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()  # ISO 3166 alpha-2 codes, or "EU"
    regulators: tuple[str, ...] = ()
    action: str | None = None  # "account closure", "app removal", "licence", "fine", ...

    def to_dict(self) -> dict[str, object]:
        return {
            "platforms": list(self.platforms),
            "jurisdictions": list(self.jurisdictions),
            "regulators": list(self.regulators),
            "action": self.action,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Entities:
        def strings(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

        action = data.get("action")
        return cls(
            platforms=strings("platforms"),
            jurisdictions=strings("jurisdictions"),
            regulators=strings("regulators"),
            action=str(action) if action else None,
        )


@dataclass(frozen=True, slots=True)
class Flag:
    """The classifier's verdict on one item, with the phrases that decided it."""

    category: Category
    score: float
    evidence: tuple[str, ...] = ()
    entities: Entities = field(default_factory=Entities)
    lang: str = "und"
    rules: tuple[str, ...] = ()  # the rule-book rules that fired: 'ban.loose ("bears")'

    @property
    def flagged(self) -> bool:
        return self.category is not Category.NONE

    def why(self) -> str:
        """One line for lists and alerts: `ban · WeChat · CN — "comptes … fermés"`, or
        `regulation · SEC · US — "SEC sues"`: who acted comes first (the platform for a ban,
        the regulator for regulation)."""
        parts: list[str] = [self.category.value]
        ent = self.entities
        if self.category is Category.REGULATION:
            parts.extend(ent.regulators[:1] or ent.platforms[:2])
        else:
            parts.extend(ent.platforms[:2] or ent.regulators[:1])
        parts.extend(ent.jurisdictions[:2])
        line = " · ".join(parts)
        if self.evidence:
            line += f' — "{self.evidence[0]}"'
        return line


@dataclass(slots=True)
class Feed:
    url: str
    title: str = ""
    id: int | None = None
    lang: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_checked: datetime | None = None
    failures: int = 0
    disabled: bool = False
    next_poll: datetime | None = None


@dataclass(slots=True)
class Item:
    """One normalised feed entry, ready to classify and store."""

    feed_id: int
    guid: str
    url: str
    title: str
    text: str
    published: datetime  # timezone-aware, UTC
    fetched: datetime  # timezone-aware, UTC
    lang: str | None = None
    author: str | None = None
    id: int | None = None  # set once stored
    flag: Flag | None = None
    source: str = ""  # feed title, for display


@dataclass(frozen=True, slots=True)
class Chat:
    """A conversation the bot talks in, named by its adapter: ("telegram", "-100123")."""

    platform: str
    key: str
    id: int | None = None
    kind: str = "private"  # private | group | channel
    active: bool = True
    lang: str | None = None
    thread: int | None = None  # the forum topic its alerts go to (Telegram), when one is set
    tz: str | None = None  # the IANA zone /digest set, for times shown in alerts


class SubscriptionKind(StrEnum):
    ALL = "all"
    BANS = "bans"
    REGULATION = "regulation"
    KEYWORD = "keyword"


@dataclass(frozen=True, slots=True)
class Subscription:
    chat_id: int
    kind: SubscriptionKind
    value: str = ""  # the keyword, for KEYWORD
    created: datetime | None = None
    id: int | None = None
    targets: Targets = field(default_factory=Targets)  # only these places, platforms…

    def label(self) -> str:
        """As typed after /subscribe: `keyword binance`, `bans on WeChat`."""
        if self.kind is SubscriptionKind.KEYWORD:
            return f"keyword {self.value}"
        return f"{self.kind.value} {self.targets.words()}".rstrip()
