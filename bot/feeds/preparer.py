"""Runs the CPU stage of ingest (`bot.feeds.prepare`) for the poller.

feedparser, the HTML-to-text step and the classifier are pure Python. Run in a thread of the
bot's process they hold the GIL, and every chat command waits for them; so by default they run
in a small pool of worker processes (`BOT_PARSE_WORKERS`, default: the number of CPUs, at most
4; see `bot.feeds.workers`), which also puts every core to work on a burst of changed feeds.
`workers=0` runs them in a thread of the bot's process instead (the test suite; machines
short of memory).

Each feed has `BOT_PARSE_TIMEOUT` seconds (default 30). Past it the feed fails with "parse
took longer than Ns": the parse checks the time itself after feedparser and after each entry;
a worker still busy a little later (stuck in one step) is killed and replaced, and only that
feed fails. In a thread nothing can be killed, so there the limit is only the parse's own
check; what bounds each single step is done before any tree is built (`xmlguard` refuses XML
nested deeper than 1,000 levels, `text.html_to_text` flattens HTML nested deeper than 256).

A worker that dies (killed, out of memory, a crash in a C extension) fails only the feed it
was parsing, and a fresh one takes its place.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bot.classify import Classifier
from bot.errors import FeedError, ParseError
from bot.feeds.fetched import FetchResult
from bot.feeds.prepare import (
    DEFAULT_TIMEOUT_S,
    FeedInfo,
    Prepared,
    _prepare_in_worker,
    _start_worker,
    prepare,
)
from bot.feeds.workers import START_TIMEOUT_S, Worker, WorkerDied, WorkerOverran

log = logging.getLogger(__name__)

KILL_AFTER_S = 5.0  # how long past the limit a busy worker is given before it is killed
CLOSE_GRACE_S = 5.0  # how long a stop waits for a worker to finish its feed

Work = Callable[[FetchResult, FeedInfo, datetime, float], Prepared]


class Preparer:
    """Runs `prepare` in worker processes (or a thread when `workers == 0`), `timeout`
    seconds at most a feed. `work` is what a worker runs (the tests swap in one that hangs)."""

    def __init__(
        self,
        classifier: Classifier,
        workers: int,
        timeout: float = DEFAULT_TIMEOUT_S,
        work: Work = _prepare_in_worker,
    ) -> None:
        self.classifier = classifier
        self.workers = workers
        self.timeout = timeout
        self._work = work
        self._context = multiprocessing.get_context("spawn")
        self._all: list[Worker] = []  # every live worker, busy or idle
        self._idle: list[Worker] = []
        self._slots: asyncio.Semaphore | None = None  # one per worker
        self._threads: ThreadPoolExecutor | None = None  # waits on the workers' pipes
        self._lock = asyncio.Lock()  # with workers == 0: one feed at a time under the GIL

    def _overran(self) -> ParseError:
        return ParseError(f"parse took longer than {self.timeout:g}s")

    async def run(self, result: FetchResult, feed: FeedInfo, fetched: datetime) -> Prepared:
        if self.workers <= 0:
            async with self._lock:
                return await asyncio.to_thread(
                    prepare, result, feed, fetched, self.classifier, self.timeout
                )
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        async with self._slots:
            worker = self._idle.pop() if self._idle else self._spawn()
            # The worker's own check fires at `timeout`; the kill a little later.
            limit = self.timeout + KILL_AFTER_S
            args = (result, feed, fetched, self.timeout)
            loop = asyncio.get_running_loop()
            try:
                prepared: Prepared = await loop.run_in_executor(
                    self._pipes(), worker.call, self._work, args, limit
                )
            except WorkerOverran:
                log.warning("parse of %s took over %g s; its worker was replaced", feed.url, limit)
                self._forget(worker)
                raise self._overran() from None
            except WorkerDied as exc:
                log.warning("a parse worker died while parsing %s; starting a new one", feed.url)
                self._forget(worker)
                raise FeedError("the parser process died on this feed (retried next poll)") from exc
            except asyncio.CancelledError:
                self._forget(worker)  # it may be mid-feed: never hand it another
                raise
            except BaseException:
                self._idle.append(worker)  # the feed's own error; the worker is fine
                raise
            self._idle.append(worker)
            return prepared

    def _spawn(self) -> Worker:
        # On the event loop's thread (see bot.feeds.workers on PR_SET_PDEATHSIG). spawn, not
        # fork: the bot's process has threads (SQLite, the resolver) that a forked child
        # would inherit in whatever state they were.
        worker = Worker(self._context, _start_worker, (self.classifier.thresholds,))
        self._all.append(worker)
        return worker

    def _pipes(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(
                max_workers=max(1, self.workers), thread_name_prefix="parse-worker"
            )
        return self._threads

    def _forget(self, worker: Worker) -> None:
        if worker in self._all:
            self._all.remove(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        worker.kill()

    async def start(self) -> None:
        """Start the workers now rather than on the first changed feed (each one imports the
        parser and builds its word lists, about a second)."""
        if self.workers <= 0:
            return
        loop = asyncio.get_running_loop()
        try:
            new = [self._spawn() for _ in range(self.workers - len(self._all))]
            self._idle.extend(new)
            await asyncio.gather(
                *(loop.run_in_executor(self._pipes(), w.wait_ready, START_TIMEOUT_S) for w in new)
            )
        except (WorkerDied, OSError) as exc:  # no processes here (limits, sandbox)
            log.warning(
                "parse workers could not start (%s); parsing in the bot's own process "
                "(set BOT_PARSE_WORKERS=0 to skip trying)",
                exc or type(exc).__name__,
            )
            for worker in list(self._all):
                self._forget(worker)
            self.workers = 0

    def busy(self) -> int:
        """Workers parsing a feed right now."""
        return len(self._all) - len(self._idle)

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers (for memory figures and tests)."""
        return sorted(w.pid for w in self._all if w.process.is_alive())

    def close(self, grace: float = CLOSE_GRACE_S) -> None:
        """Stop the workers: each finishes the feed it is on, for at most `grace` seconds
        (a stop must not wait on a pathological feed); then it is killed."""
        workers, self._all, self._idle = self._all, [], []
        for worker in workers:
            worker.stop()
        deadline = time.monotonic() + grace
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                log.warning("parse worker %s still busy after %.0f s; killed", worker.pid, grace)
                worker.kill()
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self._threads = None
