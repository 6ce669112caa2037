"""The poller: for each due feed, fetch → parse → normalise → classify → store, and record the
feed's health. A failing feed is a value on the feed, never a crash of the poller.

Parsing, normalising and classifying are CPU work: they run in worker processes (see
`bot.feeds.preparer`), so the event loop keeps answering chat commands while a burst of feeds is
ingested. A body whose digest equals the last one is not parsed at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.classify import Classifier
from bot.clock import Clock, wait_event
from bot.config import Settings
from bot.errors import FeedError, FetchError, StoreError
from bot.feeds.fetch import Fetcher
from bot.feeds.fetched import body_digest
from bot.feeds.health import HealthWriter
from bot.feeds.network import NetworkWatch
from bot.feeds.prepare import FeedInfo
from bot.feeds.preparer import Preparer
from bot.feeds.schedule import DISABLED_RETRY, next_poll, should_disable
from bot.models import Feed, Item
from bot.store import Store
from bot.store.outbox import new_owner

log = logging.getLogger(__name__)

# offline: the machine had no network (see bot.feeds.network); not counted against the feed
Outcome = Literal["new", "unchanged", "not_modified", "failed", "disabled", "offline"]
PRUNE_EVERY = timedelta(hours=1)
MAX_NAP = 60.0  # seconds `run` waits at most before looking for due feeds again
MIN_NAP = 0.2


class _Offline(Exception):
    """A fetch reached no server while the machine had no network (see NetworkWatch)."""


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
        max_polls: int | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or store.clock
        self.fetcher = fetcher
        self.classifier = classifier
        self.settings = settings
        self.on_new_items = on_new_items
        self.interval = timedelta(seconds=settings.poll_interval)
        self._poke = asyncio.Event()
        # Polls `run` has started, by feed id; each is its own task (see `run`).
        self._running: dict[int, asyncio.Task[PollReport]] = {}
        self.max_polls = max_polls or settings.fetch_concurrency
        self.preparer = preparer or Preparer(
            classifier, settings.parse_workers, settings.parse_timeout
        )
        self._last_prune: datetime | None = None
        self.network = NetworkWatch(self.clock, self.interval.total_seconds())
        self._health = HealthWriter(store)
        self.last_tick: float | None = None  # clock.monotonic() of `run`'s last look (/healthz)
        self.on_report: Callable[[PollReport], None] | None = None  # each poll's end
        # The name on the leases of the feeds `run` polls: one process polls a feed at a time.
        self.owner = new_owner()
        self.lease_seconds = settings.lease_seconds

    async def close(self) -> None:
        """Stop the parse workers (after the feed they are on)."""
        await asyncio.to_thread(self.preparer.close)

    def poke(self) -> None:
        """Look for due feeds now (a feed was just added or enabled)."""
        self._poke.set()

    async def pollable(self) -> list[Feed]:
        """Every enabled feed, and the disabled ones whose daily retry is due."""
        now = self.clock.now()
        return [
            f
            for f in await self.store.feeds.all()
            if not f.disabled or (f.next_poll is not None and f.next_poll <= now)
        ]

    async def poll_once(
        self,
        feeds: Sequence[Feed] | None = None,
        progress: Callable[[PollReport], None] | None = None,
    ) -> list[PollReport]:
        """Poll the given feeds (default: `pollable`) once, `max_polls` at a time, as `run`
        does: a fetched body waits for a parse worker and then for the store, so the polls
        under way bound memory (with one task per feed, 5,000 bodies waited at once). With
        `progress`, the caller shows each report, failures included: they are not logged as
        well (each one is told once)."""
        if feeds is None:
            feeds = await self.pollable()
        reports: list[PollReport | None] = [None] * len(feeds)
        queue = iter(enumerate(feeds))

        async def runner() -> None:
            for index, feed in queue:  # shared: each feed is taken by one runner
                report = await self.poll_feed(feed, quiet=progress is not None)
                reports[index] = report
                if progress is not None:
                    progress(report)

        await asyncio.gather(*(runner() for _ in range(min(self.max_polls, len(feeds)))))
        return [r for r in reports if r is not None]

    async def poll_feed(self, feed: Feed, *, quiet: bool = False) -> PollReport:
        """Poll one feed and save its health. `quiet`: the caller tells the user about a
        failure or a feed disabled, so neither is logged here."""
        now = self.clock.now()
        feed.last_checked = now
        was_disabled = feed.disabled
        try:
            report = await self._poll(feed, now)
        except _Offline as exc:  # the machine's network, not the feed: nothing counted
            feed.next_poll = next_poll(now, self.interval, 0)
            report = PollReport(feed, "offline", error=str(exc))
        except FeedError as exc:
            report = self._failed(feed, now, str(exc), getattr(exc, "retry_after", None), quiet)
        except StoreError as exc:  # disk full: the store's fault, not counted against the feed
            log.warning("feed %s: items not stored: %s", feed.url, exc)
            feed.last_error = str(exc)[:300]
            feed.next_poll = next_poll(now, self.interval, 1)
            report = PollReport(feed, "failed", error=feed.last_error)
        except Exception as exc:  # a bug must not stop the other feeds
            if feed.failures == 0:  # the traceback once, not at every poll of this feed
                log.exception("unexpected error polling %s", feed.url)
            error = f"internal error: {type(exc).__name__}"
            report = self._failed(feed, now, error, None, quiet)
        try:
            await self._health.save(feed)  # with the other polls ending now
        except StoreError as exc:  # the report stands; health is saved again next time
            log.warning("feed %s: health not saved: %s", feed.url, exc)
        if report.outcome == "disabled" and not was_disabled and not quiet:
            log.warning(
                "feed #%s %s disabled after %d consecutive failures (last: %s); it is tried "
                "again once a day, and /enablefeeds enables every disabled feed at once",
                feed.id,
                feed.url,
                feed.failures,
                feed.last_error,
            )
        elif was_disabled and not feed.disabled:
            log.info("feed #%s %s answers again: enabled", feed.id, feed.url)
        if self.on_report is not None:
            self.on_report(report)
        return report

    async def _poll(self, feed: Feed, now: datetime) -> PollReport:
        with self.network.fetching():
            try:
                result = await self.fetcher.fetch(
                    feed.url, etag=feed.etag, last_modified=feed.last_modified
                )
            except FetchError as exc:
                if exc.status is not None:  # a server answered, if only with an error
                    self.network.reached()
                elif exc.unreachable and await self.network.is_offline(str(exc)):
                    raise _Offline(str(exc)) from None
                raise
            self.network.reached()
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
        # A changed feed mostly repeats what it had: its stored entries are not normalised
        # and classified again (a feed never parsed has none to skip).
        guids, urls = (
            await self.store.items.known_keys(feed.id) if feed.body_hash else (set(), set())
        )
        info = FeedInfo(feed.id, feed.url, feed.title, feed.lang, frozenset(guids), frozenset(urls))
        parsed = await self.preparer.run(result, info, now)
        # What a feed holds when first read is its past, dated or not (undated items get the
        # fetch time): stored and searchable, never alerted.
        first = feed.last_success is None
        new = await self.store.items.add_many(parsed.items, alerting=not first)
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
        feed.disabled = False  # a disabled feed's daily retry worked
        feed.last_success = now
        feed.last_error = None
        feed.failures = 0
        feed.next_poll = next_poll(now, self.interval, 0)

    def _failed(
        self, feed: Feed, now: datetime, error: str, retry_after: float | None, quiet: bool
    ) -> PollReport:
        feed.failures += 1
        feed.last_error = error[:300]
        if feed.disabled or should_disable(feed.failures, self.settings.max_failures):
            feed.disabled = True
            feed.next_poll = now + DISABLED_RETRY
            return PollReport(feed, "disabled", error=feed.last_error)
        feed.next_poll = next_poll(now, self.interval, feed.failures, retry_after)
        level = logging.INFO if feed.failures == 1 and not quiet else logging.DEBUG
        log.log(level, "feed %s failed (%d in a row): %s", feed.url, feed.failures, error)
        return PollReport(feed, "failed", error=feed.last_error)

    @property
    def in_flight(self) -> frozenset[int]:
        """Ids of the feeds being polled by `run` right now."""
        return frozenset(self._running)

    async def run(self) -> None:
        """Poll each feed when it is due, until cancelled.

        There is no round: every poll is its own task (at most `max_polls` at once), and the
        loop looks for due feeds again as soon as a poll ends, a feed is added (`poke`) or
        the next feed falls due. A feed that hangs holds its own task and nothing else."""
        await self.preparer.start()
        try:
            while True:
                self._poke.clear()  # before looking: a poke while we look is not lost
                self.last_tick = self.clock.monotonic()
                await self._start_due()
                await self._maybe_prune()
                await wait_event(self.clock, self._poke, await self._nap())
        finally:
            tasks = list(self._running.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):  # a clean stop frees its feeds at once
                await self.store.feeds.give_back(self.owner)

    async def _start_due(self) -> None:
        free = self.max_polls - len(self._running)
        if free <= 0:
            return
        # Leased, not just read: another process on the database polls none of these (and
        # those it polls are not among them). A feed of ours still in flight holds its lease.
        leased = await self.store.feeds.lease_due(
            self.owner, self.clock.now(), limit=free, seconds=self.lease_seconds
        )
        for feed in leased:
            if feed.id is None or feed.id in self._running:
                continue
            task = asyncio.create_task(self.poll_feed(feed), name=f"poll feed #{feed.id}")
            self._running[feed.id] = task
            task.add_done_callback(functools.partial(self._ended, feed.id))

    def _ended(self, feed_id: int, task: asyncio.Task[PollReport]) -> None:
        if self._running.get(feed_id) is task:
            del self._running[feed_id]
        self._poke.set()  # a slot is free and this feed has its next due time
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("polling feed #%s failed", feed_id, exc_info=exc)

    async def _nap(self) -> float:
        """Seconds to wait before looking again: until the next feed not in flight falls
        due, and at most a minute (a feed added by another process, e.g. `banwatch feeds
        add`, is then polled within the minute /addfeed promises). When every slot is taken,
        the end of a poll wakes the loop."""
        delay = MAX_NAP
        if len(self._running) < self.max_polls:
            next_due = await self.store.feeds.next_due(exclude=self._running.keys())
            if next_due is not None:
                delay = min(delay, (next_due - self.clock.now()).total_seconds())
        return max(delay, MIN_NAP)

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
