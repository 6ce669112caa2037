"""The CPU stage of ingest: parse → normalise → classify one feed body.

feedparser, the HTML-to-text step and the classifier are pure Python. Run in a thread of the
bot's process they hold the GIL, and every chat command waits for them; so by default they run
in a small pool of worker processes (`BOT_PARSE_WORKERS`, default: the number of CPUs, at most
4), which also puts every core to work on a burst of changed feeds. `workers=0` runs them in a
thread of the bot's process instead (the test suite; machines short of memory).

A worker that dies (killed, out of memory, a crash in a C extension) fails only the feed it
was parsing: the pool is started afresh for the next one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime

from bot.classify import Classifier, Thresholds
from bot.errors import FeedError
from bot.feeds.fetch import FetchResult
from bot.feeds.normalize import clean_title, normalize_entry
from bot.feeds.parse import parse_bytes
from bot.models import Item

log = logging.getLogger(__name__)

ORPHAN_CHECK_S = 1.0  # how often a worker checks that the bot is still alive
CLOSE_GRACE_S = 5.0  # how long a stop waits for a worker to finish its feed


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What the CPU stage needs to know of the feed (plain data: it crosses processes)."""

    id: int
    url: str
    title: str
    lang: str | None


@dataclass(frozen=True, slots=True)
class Prepared:
    title: str
    lang: str | None
    items: list[Item]


def prepare(
    result: FetchResult, feed: FeedInfo, fetched: datetime, classifier: Classifier
) -> Prepared:
    """Parse the body, normalise its entries to items and classify each one."""
    parsed = parse_bytes(result)
    items = []
    for entry in parsed.entries:
        item = normalize_entry(
            entry,
            feed_id=feed.id,
            feed_title=feed.title or parsed.title,
            feed_lang=feed.lang or parsed.lang,
            base_url=parsed.base_url or feed.url,
            fetched=fetched,
        )
        if item is None:
            continue
        item.flag = classifier.classify(item.title, item.text, item.lang)
        items.append(item)
    return Prepared(clean_title(parsed.title), parsed.lang, items)


_worker_classifier: Classifier | None = None


def _start_worker(thresholds: Thresholds) -> None:
    global _worker_classifier  # one classifier per worker process, built once
    _worker_classifier = Classifier(thresholds)
    # Ctrl-C reaches the whole process group: the bot shuts the pool down in order, so the
    # workers need not print a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker holds both ends of the pool's queue, so it would wait forever for work if
    # the bot were killed (SIGKILL, OOM): it leaves on its own once its parent is gone.
    parent = os.getppid()
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(0)


def _prepare_in_worker(result: FetchResult, feed: FeedInfo, fetched: datetime) -> Prepared:
    assert _worker_classifier is not None  # noqa: S101 - set by the pool's initializer
    return prepare(result, feed, fetched, _worker_classifier)


class Preparer:
    """Runs `prepare` in worker processes (or a thread when `workers == 0`)."""

    def __init__(self, classifier: Classifier, workers: int) -> None:
        self.classifier = classifier
        self.workers = workers
        self._pool: Executor | None = None
        self._lock = asyncio.Lock()  # with workers == 0: one feed at a time under the GIL

    async def run(self, result: FetchResult, feed: FeedInfo, fetched: datetime) -> Prepared:
        if self.workers <= 0:
            async with self._lock:
                return await asyncio.to_thread(prepare, result, feed, fetched, self.classifier)
        loop = asyncio.get_running_loop()
        pool = self._executor()
        try:
            return await loop.run_in_executor(pool, _prepare_in_worker, result, feed, fetched)
        except BrokenProcessPool as exc:
            log.warning("a parse worker died while parsing %s; starting a new pool", feed.url)
            self._discard(pool)
            raise FeedError("the parser process died on this feed (retried next poll)") from exc

    def _executor(self) -> Executor:
        if self._pool is None:
            # spawn, not fork: the bot's process has threads (SQLite, the resolver) that a
            # forked child would inherit in whatever state they were.
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.classifier.thresholds,),
            )
        return self._pool

    async def start(self) -> None:
        """Start the workers now rather than on the first changed feed (each one imports the
        parser and builds its word lists, about a second)."""
        if self.workers <= 0:
            return
        loop = asyncio.get_running_loop()
        pool = self._executor()
        try:
            await asyncio.gather(
                *(loop.run_in_executor(pool, os.getpid) for _ in range(self.workers))
            )
        except (BrokenProcessPool, OSError) as exc:  # no processes here (limits, sandbox)
            log.warning(
                "parse workers could not start (%s); parsing in the bot's own process "
                "(set BOT_PARSE_WORKERS=0 to skip trying)",
                exc or type(exc).__name__,
            )
            self._discard(pool)
            self.workers = 0

    def _discard(self, pool: Executor) -> None:
        """Forget a broken pool (the next feed starts a new one)."""
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers (for memory figures and tests)."""
        return sorted(_processes(self._pool))

    def close(self, grace: float = CLOSE_GRACE_S) -> None:
        """Stop the workers: each finishes the feed it is on, for at most `grace` seconds
        (a stop must not wait on a pathological feed); then it is killed."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        workers = list(_processes(pool).values())
        pool.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                log.warning("parse worker %s still busy after %.0f s; killed", worker.pid, grace)
                worker.kill()
                worker.join(1.0)


def _processes(pool: Executor | None) -> dict[int, multiprocessing.process.BaseProcess]:
    """A process pool's workers by pid (ProcessPoolExecutor keeps them in `_processes`)."""
    return dict(getattr(pool, "_processes", None) or {})
