"""What every command handler gets: the store, the settings and the clock, passed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.clock import Clock
from bot.commands.reply import Entry, Invocation
from bot.commands.wording import local_time, why_line
from bot.config import Settings
from bot.i18n import DEFAULT, translator
from bot.models import Chat, Item
from bot.store import Store
from bot.summarize import LIST_CHARS, summarize
from bot.text import without_credentials


@dataclass(frozen=True, slots=True)
class Context:
    store: Store
    settings: Settings
    clock: Clock  # "now" for /digest now, /stats, /feeds (the store's clock by default)
    # Wakes the poller of this process when a feed was added or enabled (none in the CLI).
    poke_poller: Callable[[], None] = lambda: None

    async def chat_for_alerts(self, inv: Invocation) -> Chat:
        """The chat, stored, about to receive alerts or digests. They are written in the
        chat's language: in a private chat the user's own (from the platform) until
        /language picks another; a group only takes /language."""
        chat = await self.store.chats.ensure(inv.platform, inv.chat_key, inv.chat_kind)
        own = inv.chat_kind == "private" or bool(inv.via)  # a channel takes its admin's
        if chat.lang is None and inv.lang != DEFAULT and own:
            assert chat.id is not None  # noqa: S101 - stored chats have ids
            await self.store.chats.set_lang(chat.id, inv.lang)
            chat = replace(chat, lang=inv.lang)
        return chat

    async def zone(self, inv: Invocation) -> str | None:
        """The time zone /digest set for this chat (times are shown in it), or None."""
        chat = await self.store.chats.find(inv.platform, inv.chat_key)
        return await self.store.chats.zone(chat.id) if chat and chat.id else None

    def is_admin(self, inv: Invocation) -> bool:
        """Bot administrators: BOT_ADMINS on chat platforms; the person at the terminal."""
        if inv.platform == "console":
            return True
        return bool(inv.user_id) and inv.user_id in self.settings.admins


def entry(
    item: Item,
    *,
    limit: int = LIST_CHARS,
    snippet: str | None = None,
    lang: str | None = None,
    tz: str | None = None,
) -> Entry:
    """An item as a list entry, with its flag's reason when it is flagged, in the chat's
    language `lang`, its time in the chat's zone `tz`."""
    assert item.id is not None  # noqa: S101 - only stored items are shown
    _ = translator(lang)
    flag = item.flag
    flagged = flag is not None and flag.flagged
    return Entry(
        item_id=item.id,
        title=item.title or without_credentials(item.url),
        url=without_credentials(item.url),  # links stored before they were dropped at intake
        source=item.source,
        published=item.published,
        # Adapters show a search hit's snippet instead of its summary: none is made for it.
        summary="" if snippet else summarize(item.title, item.text, limit, item.lang),
        why=why_line(flag, lang) if flag is not None and flagged else None,
        snippet=snippet,
        when=local_time(item.published, tz),
        why_label=_("Why flagged:"),
        category=flag.category.value if flag is not None and flagged else None,
    )
