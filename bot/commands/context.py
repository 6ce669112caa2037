"""What every command handler gets: the store and the settings, passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.reply import Entry, Invocation
from bot.config import Settings
from bot.models import Item
from bot.store import Store
from bot.summarize import LIST_CHARS, summarize


@dataclass(frozen=True, slots=True)
class Context:
    store: Store
    settings: Settings

    def is_admin(self, inv: Invocation) -> bool:
        """Bot administrators: BOT_ADMINS on chat platforms; the person at the terminal."""
        if inv.platform == "console":
            return True
        return bool(inv.user_id) and inv.user_id in self.settings.admins


def entry(item: Item, *, limit: int = LIST_CHARS, snippet: str | None = None) -> Entry:
    """An item as a list entry, with its flag's reason when it is flagged."""
    assert item.id is not None  # noqa: S101 - only stored items are shown
    flag = item.flag
    return Entry(
        item_id=item.id,
        title=item.title or item.url,
        url=item.url,
        source=item.source,
        published=item.published,
        summary=summarize(item.title, item.text, limit, item.lang),
        why=flag.why() if flag is not None and flag.flagged else None,
        snippet=snippet,
    )
