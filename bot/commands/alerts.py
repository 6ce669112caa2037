"""The alert a subscriber gets when a flagged item is stored: one entry with its reason."""

from __future__ import annotations

from bot.commands.context import entry
from bot.commands.reply import Reply
from bot.models import Category, Item

_HEADERS = {
    Category.BAN: "⚠️ Platform ban",
    Category.REGULATION: "⚖️ Regulation",
}


def alert_reply(item: Item) -> Reply:
    """Title, source, time, summary, why-line and link; adapters render it like a list entry.
    `/item <id>` shows the full evidence."""
    flag = item.flag
    header = _HEADERS.get(flag.category, "Flagged") if flag is not None else "Flagged"
    return Reply(
        text=header,
        entries=(entry(item),),
        footer=f"/item {item.id} for the evidence · /unsubscribe to stop alerts",
        link_preview=True,
        extra={"kind": "alert"},
    )
