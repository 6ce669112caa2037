"""Feedback on alerts: a chat's press of "useful" or "wrong flag" on a flagged item.

One press per (chat, item); pressing the other button replaces it. The item's words, link and
flagged category are copied at the press, so `banwatch feedback export` can still write the
labelled line after retention pruned the item (its `item_id` is then NULL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock
from bot.models import Category, Item
from bot.store.db import from_db, to_db
from bot.store.sql import Database


class Verdict(StrEnum):
    USEFUL = "useful"
    WRONG = "wrong"


@dataclass(frozen=True, slots=True)
class Pressed:
    """Every press on one item, over all chats, with what was stored about the item."""

    item_id: int | None
    title: str
    text: str
    url: str
    lang: str | None
    category: Category  # the flag the presses judged
    useful: int
    wrong: int
    last: Verdict  # the most recent press
    last_pressed: datetime

    @property
    def verdict(self) -> Verdict:
        """The presses' majority; a tie goes to the most recent press."""
        if self.useful != self.wrong:
            return Verdict.USEFUL if self.useful > self.wrong else Verdict.WRONG
        return self.last

    @property
    def label(self) -> Category:
        """The label suggested: "useful" confirms the flag, "wrong flag" says none."""
        return self.category if self.verdict is Verdict.USEFUL else Category.NONE


@dataclass(frozen=True, slots=True)
class Share:
    """Alerts sent since a moment, and how many of them their chat marked."""

    alerts: int
    wrong: int
    useful: int


class FeedbackRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def press(
        self, chat_id: int, item: Item, verdict: Verdict, user_id: str = ""
    ) -> Verdict | None:
        """Record this chat's press on a stored, flagged item; returns the press it replaced
        (None for the first, the same verdict when nothing changed)."""
        assert item.id is not None  # noqa: S101 - only stored items are pressed
        assert item.flag is not None  # noqa: S101 - only flagged items carry the buttons
        async with self.db.transaction() as conn:
            row = await conn.fetchone(
                "SELECT verdict FROM feedback WHERE chat_id = ? AND item_id = ?",
                (chat_id, item.id),
            )
            before = Verdict(row[0]) if row else None
            if before is verdict:
                return before
            await conn.execute(
                "INSERT INTO feedback (chat_id, item_id, verdict, user_id, pressed, title, text,"
                " url, lang, category) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (chat_id, item_id) DO UPDATE SET verdict = excluded.verdict,"
                " user_id = excluded.user_id, pressed = excluded.pressed",
                (
                    chat_id,
                    item.id,
                    verdict.value,
                    user_id,
                    to_db(self.clock.now(), precise=True),
                    item.title,
                    item.text,
                    item.url,
                    item.lang,
                    item.flag.category.value,
                ),
            )
        return before

    async def of(self, chat_id: int, item_id: int) -> Verdict | None:
        row = await self.db.fetchone(
            "SELECT verdict FROM feedback WHERE chat_id = ? AND item_id = ?", (chat_id, item_id)
        )
        return Verdict(row[0]) if row else None

    async def pressed(self) -> list[Pressed]:
        """Every pressed item, the earliest pressed first: one entry per stored item (a
        pruned item's presses stay apart, one entry per chat)."""
        rows = await self.db.fetchall(
            "SELECT id, item_id, verdict, pressed, title, text, url, lang, category"
            " FROM feedback ORDER BY pressed, id"
        )
        grouped: dict[object, list[tuple[str, str]]] = {}
        first: dict[object, tuple[object, ...]] = {}
        for row in rows:
            key: object = row["item_id"] if row["item_id"] is not None else ("row", row["id"])
            grouped.setdefault(key, []).append((row["verdict"], row["pressed"]))
            first.setdefault(key, tuple(row))
        out = []
        for key, presses in grouped.items():
            _, item_id, _, _, title, text, url, lang, category = first[key]
            verdicts = [Verdict(v) for v, _ in presses]
            last_pressed = from_db(presses[-1][1])
            assert last_pressed is not None  # noqa: S101 - NOT NULL column
            out.append(
                Pressed(
                    item_id=item_id if isinstance(item_id, int) else None,
                    title=str(title),
                    text=str(text),
                    url=str(url),
                    lang=str(lang) if lang else None,
                    category=Category(str(category)),
                    useful=verdicts.count(Verdict.USEFUL),
                    wrong=verdicts.count(Verdict.WRONG),
                    last=verdicts[-1],
                    last_pressed=last_pressed,
                )
            )
        return out

    async def share_since(self, since: datetime) -> Share:
        """Alerts sent since `since`, and how many of them their chat marked wrong or
        useful (the chat's press now)."""
        row = await self.db.fetchone(
            "SELECT count(*), coalesce(sum(CASE WHEN f.verdict = 'wrong' THEN 1 ELSE 0 END), 0),"
            " coalesce(sum(CASE WHEN f.verdict = 'useful' THEN 1 ELSE 0 END), 0)"
            " FROM outbox o LEFT JOIN feedback f ON f.chat_id = o.chat_id AND f.item_id = o.item_id"
            " WHERE o.status = 'sent' AND o.sent_at >= ?",
            (to_db(since),),
        )
        assert row is not None  # noqa: S101 - an aggregate always yields a row
        return Share(alerts=int(row[0]), wrong=int(row[1]), useful=int(row[2]))
