"""The poller: for each due feed, fetch → parse → normalise → classify → store, and record the
feed's health. A failing feed is a value on the feed, never a crash of the poller.

Parsing, normalising and classifying are CPU work: they run in worker processes (see
`bot.feeds.prepare`), so the event loop keeps answering chat commands while a burst of feeds is
ingested. A body whose digest equals the last one is not parsed at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.classify import Classifier
from bot.clock import Clock, wait_event
from bot.config import Settings
from bot.errors import FeedError, StoreError
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import body_digest
from bot.feeds.prepare import FeedInfo, Preparer
from bot.feeds.schedule import next_poll, should_disable
from bot.models import Feed, Item
from bot.store import Store

log = logging.getLogger(__name__)

Outcome = Literal["new", "unchanged", "not_modified", "failed", "disabled"]
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class PollReport:
    feed: Feed
    outcome: Outcome
    new_items: int = 0
    flagged: int = 0
    error: str | None = None


class Poller:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        classifier: Classifier,
        settings: Settings,
        on_new_items: Callable[[Sequence[Item]], None] | None = None,
        preparer: Preparer | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or store.clock
        self.fetcher = fetcher
        self.classifier = classifier
        self.settings = settings
        self.on_new_items = on_new_items
        self.interval = timedelta(seconds=settings.poll_interval)
        self._poke = asyncio.Event()
        self.preparer = preparer or Preparer(
            classifier, settings.parse_workers, settings.parse_timeout
        )
        self._last_prune: datetime | None = None

    async def close(self) -> None:
        """Stop the parse workers (after the feed they are on)."""
        await asyncio.to_thread(self.preparer.close)

    def poke(self) -> None:
        """Look for due feeds now (a feed was just added)."""
        self._poke.set()

    async def poll_once(
        self,
        feeds: Sequence[Feed] | None = None,
        progress: Callable[[PollReport], None] | None = None,
    ) -> list[PollReport]:
        """Poll the given feeds (default: every enabled feed) once, concurrently within the
        fetcher's limits."""
        if feeds is None:
            feeds = [f for f in await self.store.feeds.all() if not f.disabled]

        async def one(feed: Feed) -> PollReport:
            report = await self.poll_feed(feed)
            if progress is not None:
                progress(report)
            return report

        return list(await asyncio.gather(*(one(f) for f in feeds)))

    async def poll_feed(self, feed: Feed) -> PollReport:
        now = self.clock.now()
        feed.last_checked = now
        try:
            report = await self._poll(feed, now)
        except FeedError as exc:
            report = self._failed(feed, now, str(exc), getattr(exc, "retry_after", None))
        except StoreError as exc:  # disk full: the store's fault, not counted against the feed
            log.warning("feed %s: items not stored: %s", feed.url, exc)
            feed.last_error = str(exc)[:300]
            feed.next_poll = next_poll(now, self.interval, 1)
            report = PollReport(feed, "failed", error=feed.last_error)
        except Exception as exc:  # a bug must not stop the other feeds
            log.exception("unexpected error polling %s", feed.url)
            report = self._failed(feed, now, f"internal error: {type(exc).__name__}", None)
        try:
            await self.store.feeds.save_health(feed)
        except StoreError as exc:  # the report stands; health is saved again next time
            log.warning("feed %s: health not saved: %s", feed.url, exc)
        if report.outcome == "disabled":
            log.warning(
                "feed #%s %s disabled after %d consecutive failures (last: %s); "
                "re-enable it with /addfeed %s",
                feed.id,
                feed.url,
                feed.failures,
                feed.last_error,
                feed.url,
            )
        return report

    async def _poll(self, feed: Feed, now: datetime) -> PollReport:
        result = await self.fetcher.fetch(
            feed.url, etag=feed.etag, last_modified=feed.last_modified
        )
        if result.not_modified:
            self._succeeded(feed, now)
            return PollReport(feed, "not_modified")
        digest = body_digest(result.body)
        if digest == feed.body_hash:
            feed.etag = result.etag or feed.etag
            feed.last_modified = result.last_modified or feed.last_modified
            self._succeeded(feed, now)
            return PollReport(feed, "unchanged")
        assert feed.id is not None  # noqa: S101 - feeds come from the store
        info = FeedInfo(feed.id, feed.url, feed.title, feed.lang)
        parsed = await self.preparer.run(result, info, now)
        new = await self.store.items.add_many(parsed.items)
        # Validators and digest are saved only once the items are stored: a crash before this
        # point means the body is fetched and parsed again, never that items are skipped.
        feed.etag = result.etag
        feed.last_modified = result.last_modified
        feed.body_hash = digest
        feed.title = feed.title or parsed.title
        feed.lang = feed.lang or parsed.lang
        self._succeeded(feed, now)
        if new and self.on_new_items is not None:
            self.on_new_items(new)
        flagged = sum(1 for i in new if i.flag is not None and i.flag.flagged)
        return PollReport(feed, "new", new_items=len(new), flagged=flagged)

    def _succeeded(self, feed: Feed, now: datetime) -> None:
        feed.last_success = now
        feed.last_error = None
        feed.failures = 0
        feed.next_poll = next_poll(now, self.interval, 0)

    def _failed(
        self, feed: Feed, now: datetime, error: str, retry_after: float | None
    ) -> PollReport:
        feed.failures += 1
        feed.last_error = error[:300]
        feed.next_poll = next_poll(now, self.interval, feed.failures, retry_after)
        if should_disable(feed.failures, self.settings.max_failures):
            feed.disabled = True
            return PollReport(feed, "disabled", error=feed.last_error)
        level = logging.INFO if feed.failures == 1 else logging.DEBUG
        log.log(level, "feed %s failed (%d in a row): %s", feed.url, feed.failures, error)
        return PollReport(feed, "failed", error=feed.last_error)

    async def run(self) -> None:
        """Poll due feeds until cancelled."""
        await self.preparer.start()
        while True:
            due = await self.store.feeds.due(self.clock.now())
            if due:
                await self.poll_once(due)
            await self._maybe_prune()
            await self._sleep_until_due()

    async def _sleep_until_due(self) -> None:
        next_due = await self.store.feeds.next_due()
        delay = self.interval.total_seconds()
        if next_due is not None:
            delay = min(delay, (next_due - self.clock.now()).total_seconds())
        self._poke.clear()
        await wait_event(self.clock, self._poke, max(delay, 0.2))

    async def _maybe_prune(self) -> None:
        now = self.clock.now()
        if self._last_prune is not None and now - self._last_prune < PRUNE_EVERY:
            return
        self._last_prune = now
        removed = await self.store.items.prune(
            timedelta(days=self.settings.retention_days), self.settings.retention_items
        )
        if removed:
            log.info("retention: pruned %d old items", removed)


def fetch_error_line(report: PollReport) -> str:
    """One line for a failed feed, for the CLI."""
    return f"✗ {report.feed.title or report.feed.url}: {report.error}"
