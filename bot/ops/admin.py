"""Notices to the operator's chat (BOT_ADMIN_CHAT): what goes wrong, told once.

Every `every` seconds of the clock (and when the poller or the sender pokes it) a check
reads the problems there are now from the store and compares them with the problems already
told (bot/store/notices.py):

    feed:<id>:failing    a feed failed FAILING_AFTER times in a row (kept while disabled)
    feed:<id>:disabled   a feed was disabled after BOT_MAX_FAILURES failures
    outbox:backlog       BOT_ADMIN_BACKLOG alerts or more wait; over below half of it
    store:retention      items reach RETENTION_NEAR of BOT_RETENTION_ITEMS; over below
                         RETENTION_CLEAR of it (retention prunes down to the limit itself)

A new problem queues one notice; a feed whose problems are over queues one "answers again"
notice; the rest of the time nothing is queued, and a restart reads the problems back, so it
does not tell them again. Notices of one kind found in one check are one message, counted
with ngettext in the admin chat's /language. The Sender sends them (paced, retried).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.clock import Clock, wait_event
from bot.config import Settings
from bot.i18n import plural_translator, translator
from bot.models import Chat, Feed
from bot.store import Store

log = logging.getLogger(__name__)

FAILING_AFTER = 3  # consecutive failures that make a feed worth a notice
RETENTION_NEAR = 0.9
RETENTION_CLEAR = 0.8
MAX_LINES = 20  # feeds named in one notice; the count says how many there are


def _has_problem(feed: Feed) -> bool:
    return feed.disabled or feed.failures >= FAILING_AFTER


def _feed_line(feed: Feed) -> str:
    line = f"#{feed.id} {feed.title or feed.url}"
    return f"{line} — {feed.last_error}" if feed.last_error else line


class AdminWatch:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        every: float = 30.0,
        clock: Clock | None = None,
    ) -> None:
        target = settings.admin_target
        if target is None:
            raise ValueError("AdminWatch needs BOT_ADMIN_CHAT")
        self.store = store
        self.settings = settings
        self.platform, self.key = target
        self.every = every
        self.clock = clock or store.clock
        self.on_queued: Callable[[], None] | None = None  # wakes the Sender
        self._poke = asyncio.Event()

    def poke(self) -> None:
        self._poke.set()

    async def run(self) -> None:
        while True:
            self._poke.clear()
            try:
                await self.check()
            except Exception:  # the operator's view must not stop the bot
                log.exception("the admin notices check failed; trying again later")
            await wait_event(self.clock, self._poke, self.every)

    async def check(self) -> int:
        """Compare the problems now with those told; queue the notices. Returns how many."""
        told = await self.store.notices.problems()
        now: set[str] = set()
        feeds = {f.id: f for f in await self.store.feeds.all() if f.id is not None}
        for feed in feeds.values():
            if feed.disabled:
                now |= {f"feed:{feed.id}:disabled", f"feed:{feed.id}:failing"}
            elif _has_problem(feed):
                now.add(f"feed:{feed.id}:failing")
        pending = await self.store.outbox.pending_count()
        backlog = self.settings.admin_backlog
        if pending >= backlog or ("outbox:backlog" in told and pending * 2 >= backlog):
            now.add("outbox:backlog")
        items = (await self.store.items.stats()).items
        limit = self.settings.retention_items
        if items >= RETENTION_NEAR * limit or (
            "store:retention" in told and items >= RETENTION_CLEAR * limit
        ):
            now.add("store:retention")

        opened, closed = now - told, told - now
        if not opened and not closed:
            return 0
        chat = await self._chat()
        texts = self._texts(chat, opened, closed, feeds, pending, items)
        await self.store.notices.record(opened=opened, closed=closed, chat_id=chat.id, texts=texts)
        if texts:
            log.info("queued %d notices for the admin chat %s", len(texts), self.key)
            if self.on_queued is not None:
                self.on_queued()
        return len(texts)

    async def _chat(self) -> Chat:
        found = await self.store.chats.find(self.platform, self.key)
        if found is not None:
            return found
        kind = "group" if self.key.startswith("-") or self.platform == "discord" else "private"
        return await self.store.chats.ensure(self.platform, self.key, kind)

    def _texts(
        self,
        chat: Chat,
        opened: set[str],
        closed: set[str],
        feeds: dict[int, Feed],
        pending: int,
        items: int,
    ) -> list[str]:
        _ = translator(chat.lang)
        n_ = plural_translator(chat.lang)
        texts: list[str] = []

        def feeds_with(keys: set[str], kind: str) -> list[Feed]:
            ids = sorted({int(k.split(":")[1]) for k in keys if k.endswith(f":{kind}")})
            return [feeds[i] for i in ids if i in feeds]

        def listed(head: str, found: list[Feed]) -> str:
            lines = [_feed_line(f) for f in found[:MAX_LINES]]
            more = len(found) - MAX_LINES
            if more > 0:
                and_more = n_("… and {count} more", "… and {count} more", more)
                lines.append(and_more.format(count=more))
            return "\n".join([head, *lines])

        disabled = feeds_with(opened, "disabled")
        failing = [f for f in feeds_with(opened, "failing") if f not in disabled]
        if failing:
            head = n_(
                "⚠️ {count} feed failed {times} times in a row:",
                "⚠️ {count} feeds failed {times} times in a row:",
                len(failing),
            ).format(count=len(failing), times=FAILING_AFTER)
            texts.append(listed(head, failing))
        if disabled:
            head = n_(
                "⛔ {count} feed disabled after {times} failures (retried once a day; "
                "/enablefeeds enables it now):",
                "⛔ {count} feeds disabled after {times} failures (retried once a day; "
                "/enablefeeds enables them now):",
                len(disabled),
            ).format(count=len(disabled), times=self.settings.max_failures)
            texts.append(listed(head, disabled))
        # A feed whose problems are all over (a removed feed is not told about)
        over = {int(k.split(":")[1]) for k in closed if k.startswith("feed:")}
        recovered = [feeds[i] for i in sorted(over) if i in feeds and not _has_problem(feeds[i])]
        if recovered:
            head = n_(
                "✅ {count} feed answers again:", "✅ {count} feeds answer again:", len(recovered)
            ).format(count=len(recovered))
            texts.append(listed(head, recovered))
        if "outbox:backlog" in opened:
            texts.append(
                n_(
                    "📬 The outbox is backing up: {count} alert waits to be sent.",
                    "📬 The outbox is backing up: {count} alerts wait to be sent.",
                    pending,
                ).format(count=pending)
            )
        if "outbox:backlog" in closed:
            texts.append(_("📬 The outbox is back to normal."))
        if "store:retention" in opened:
            texts.append(
                n_(
                    "🗄 The store is near its retention limit: {count} item of {limit} "
                    "(BOT_RETENTION_ITEMS); the oldest are pruned past it.",
                    "🗄 The store is near its retention limit: {count} items of {limit} "
                    "(BOT_RETENTION_ITEMS); the oldest are pruned past it.",
                    items,
                ).format(count=items, limit=self.settings.retention_items)
            )
        return texts
