"""Wiring only: build the services from the settings, pick the adapter, run. `banwatch worker`
runs the same without an adapter taking chat updates (run_worker).

store (SQLite) ─┬─ poller (fetch → parse → classify → store + outbox) ── wakes ─┐
                ├─ commands ◀── adapters (telegram · discord · console)         │
                ├─ sender (outbox → adapter transports) ◀────────────────────────┘
                └─ digests (once a day per chat, at its time → adapter transports)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from bot.classify import Classifier, Thresholds
from bot.clock import SYSTEM, Clock
from bot.commands import Commands
from bot.config import Settings
from bot.delivery import Pacing, Sender, Transport
from bot.digest import DigestTask
from bot.errors import BanwatchError
from bot.feeds.feedlist import default_feeds_path, read_feed_list
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import Poller, PollReport
from bot.models import Item
from bot.ops.admin import AdminWatch
from bot.ops.logjson import JsonFormatter
from bot.redact import install as mask_secrets
from bot.redact import mask_handlers
from bot.store import Store

if TYPE_CHECKING:
    from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)

DIGEST_EVERY_S = 30.0  # how often the digest task looks for chats whose time has come


@dataclass
class Services:
    settings: Settings
    store: Store
    fetcher: Fetcher
    classifier: Classifier
    commands: Commands
    poller: Poller


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level, handlers=[handler])
    # httpx logs every request URL at INFO, and Telegram URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    mask_secrets(settings)  # tokens, secrets, URL passwords: never in a log line or traceback


def make_classifier(settings: Settings) -> Classifier:
    return Classifier(
        Thresholds(ban=settings.ban_threshold, regulation=settings.regulation_threshold)
    )


def make_fetcher(settings: Settings, clock: Clock = SYSTEM) -> Fetcher:
    return Fetcher.create(
        clock=clock,
        total_timeout=settings.fetch_timeout,
        connect_timeout=min(10.0, settings.fetch_timeout),
        max_bytes=settings.max_feed_bytes,
        allow_private=settings.allow_private_feeds,
        max_concurrency=settings.fetch_concurrency,
    )


async def seed_feeds(store: Store, settings: Settings) -> int:
    """Add the feeds of BOT_FEEDS (every start, new ones only), or the bundled list on a
    store that has no feeds yet (so /removefeed of a default feed sticks). With
    BOT_FEEDS_REPLACE, BOT_FEEDS is the whole list: every other feed is removed."""
    if settings.feeds is None and await store.feeds.all():
        return 0
    path = settings.feeds or default_feeds_path()
    specs = read_feed_list(path)
    if settings.feeds_replace:
        gone = await store.feeds.keep_only([s.url for s in specs])
        if gone:
            log.info(
                "removed %d feeds that are not in %s (BOT_FEEDS_REPLACE), their items too",
                len(gone),
                path,
            )
    added = await store.feeds.add_many((s.url, s.title, s.lang, s.category) for s in specs)
    if added:
        log.info("added %d feeds from %s", added, path)
    return added


@contextlib.asynccontextmanager
async def services(
    settings: Settings, clock: Clock = SYSTEM, *, exclusive: bool = False
) -> AsyncIterator[Services]:
    """The core's services on one clock (the system's in production). `exclusive` for what
    sends or polls (one per database: see bot/store/lock.py), not for read commands."""
    async with (
        Store.open(settings.database, clock, exclusive=exclusive) as store,
        make_fetcher(settings, clock) as fetcher,
    ):
        await seed_feeds(store, settings)
        classifier = make_classifier(settings)
        poller = Poller(store, fetcher, classifier, settings)
        try:
            yield Services(
                settings=settings,
                store=store,
                fetcher=fetcher,
                classifier=classifier,
                commands=Commands(store, settings, poke_poller=poller.poke),
                poller=poller,
            )
        finally:
            await poller.close()


def summary_line(reports: list[PollReport]) -> str:
    new = sum(r.new_items for r in reports)
    flagged = sum(r.flagged for r in reports)
    count = {o: sum(1 for r in reports if r.outcome == o) for o in ("not_modified", "unchanged")}
    failed = sum(1 for r in reports if r.outcome in ("failed", "disabled"))
    parsed = sum(1 for r in reports if r.outcome == "new")
    offline = sum(1 for r in reports if r.outcome == "offline")
    return (
        f"{len(reports)} feeds: {new} new items ({flagged} flagged); "
        f"{count['not_modified']} not modified, {count['unchanged']} unchanged "
        f"({count['not_modified'] + count['unchanged']} bodies not parsed), "
        f"{parsed} parsed, {failed} failed"
    ) + (f"; no network: {offline} not reached, not counted as failures" if offline else "")


async def run_until_stopped(
    *jobs: Coroutine[Any, Any, None], main: asyncio.Task[None] | None = None
) -> None:
    """Run background jobs until SIGINT/SIGTERM, or until `main` finishes; then cancel all.
    When `main` or a job fails, the others are cancelled too and the failure is raised as
    one line (a BanwatchError the CLI prints before exiting non-zero); its traceback is
    logged at DEBUG (BOT_LOG_LEVEL=DEBUG)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(job) for job in jobs]
    waiters = [asyncio.create_task(stop.wait()), *tasks]
    if main is not None:
        waiters.append(main)
    failure: BaseException | None = None
    try:
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and task.exception() is not None and failure is None:
                failure = task.exception()
                what = "the chat" if task is main else "a background job"
                log.debug("%s failed", what, exc_info=failure)
    finally:
        for task in waiters:
            task.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    if failure is not None:
        if isinstance(failure, BanwatchError):
            raise failure
        detail = " ".join(str(failure).split())[:300]
        raise BanwatchError(
            f"stopped by an internal error: {type(failure).__name__}: {detail} "
            "(BOT_LOG_LEVEL=DEBUG logs where)"
        )


def background_jobs(
    svc: Services,
    transports: Mapping[str, Transport],
    pacing: Mapping[str, Pacing] | None = None,
    *,
    poll: bool = True,
) -> list[Coroutine[Any, Any, None]]:
    """What runs beside any adapter: the poller (unless `poll` is off), the alert sender
    (woken by new items), the daily digests (looked at every 30 s, or every poll interval
    when shorter) and one thorough check of the search index."""
    settings = svc.settings
    # On PostgreSQL, one process sends to each platform (its sender lease), whichever of
    # several processes on one database, one message in flight at a time; what a killed one
    # held goes to another within BOT_LEASE_SECONDS. On SQLite the file lock keeps one process,
    # which sends without a lease and keeps several messages in flight.
    sender = Sender(
        svc.store,
        transports,
        pacing,
        notices=settings.admin_target is not None,
        elect=svc.store.db.dialect == "postgresql",
        lease_seconds=settings.lease_seconds,
        claim_seconds=settings.lease_seconds,
    )
    every = min(DIGEST_EVERY_S, settings.poll_interval)
    digests = DigestTask(svc.store, transports, every=every, may_send=sender.holds)
    jobs = [_check_search_index(svc.store), sender.run(), digests.run()]
    metrics, serve = metrics_server(svc, sender, poll=poll)
    jobs += serve

    def new_items(items: Sequence[Item]) -> None:
        sender.wake()
        if metrics is not None:
            metrics.ingested(items)

    svc.poller.on_new_items = new_items
    if settings.admin_target is not None:
        watch = AdminWatch(svc.store, settings, every=every)
        watch.on_queued = sender.wake
        svc.poller.on_report = lambda report: watch.poke() if report.outcome != "new" else None
        if watch.platform not in transports:
            log.warning(
                "BOT_ADMIN_CHAT is a %s chat, and %s is not running: its notices wait",
                watch.platform,
                watch.platform,
            )
        jobs.append(watch.run())
    return [svc.poller.run(), *jobs] if poll else jobs


def metrics_server(
    svc: Services, sender: Sender | None = None, *, poll: bool = True
) -> tuple[Metrics | None, list[Coroutine[Any, Any, None]]]:
    """With BOT_METRICS_PORT: the figures (fed by the poller, the sender and the commands)
    and the job serving /healthz and /metrics; else (None, [])."""
    settings = svc.settings
    if settings.metrics_port is None:
        return None, []
    # aiohttp and prometheus-client (about 10 MB) only when the metrics are served
    from bot.ops.metrics import Metrics, MetricsServer

    metrics = Metrics(svc.store)
    metrics.sender = sender
    metrics.poller = svc.poller if poll else None
    svc.commands.observe = metrics.observe_command
    if sender is None:  # headless: nobody else listens to new items
        svc.poller.on_new_items = metrics.ingested
    return metrics, [MetricsServer(metrics, settings.metrics_host, settings.metrics_port).serve()]


async def _check_search_index(store: Store) -> None:
    """FTS5's thorough check of the search index, once after start (seconds on a large
    store: too slow for every CLI command, which get the quick check); then idle."""
    try:
        await store.search.check_index(thorough=True)
    except Exception:  # a best-effort check must not stop the bot
        log.exception("the search index check failed")
    await asyncio.Event().wait()


# Shows one poll: given the number of feeds, a context whose value takes each feed's report.
ProgressDisplay = Callable[[int], AbstractContextManager[Callable[[PollReport], None]]]


async def run_chat(
    settings: Settings,
    *,
    first_poll: bool = True,
    inp: TextIO | None = None,
    out: TextIO | None = None,
    progress: ProgressDisplay | None = None,
    clock: Clock = SYSTEM,
) -> None:
    """The terminal chat, with the poller and the alert sender running beside it. With
    `first_poll` off (`chat --no-poll`) nothing is polled at all: the chat reads the store
    as it is. `progress` shows the first poll and is closed (the bar gone) before the chat
    says hello: nothing of it stays under what the user types."""
    from bot.adapters.console import ConsoleTransport, chat_loop

    out = out or sys.stdout
    async with services(settings, clock, exclusive=True) as svc:
        if first_poll:
            feeds = await svc.poller.pollable()
            if progress is None:
                reports = await svc.poller.poll_once(feeds)
            else:
                with progress(len(feeds)) as advance:
                    reports = await svc.poller.poll_once(feeds, progress=advance)
            print(summary_line(reports), file=sys.stderr)
        jobs = background_jobs(svc, {"console": ConsoleTransport(out)}, poll=first_poll)
        main = asyncio.create_task(chat_loop(svc.commands, inp, out))
        await run_until_stopped(*jobs, main=main)


async def run_telegram(settings: Settings, clock: Clock = SYSTEM) -> None:
    """Long polling (or a webhook) with the poller and the alert sender in one loop."""
    from bot.adapters.telegram import TelegramAdapter

    async with (
        services(settings, clock, exclusive=True) as svc,
        TelegramAdapter(settings, svc.commands, svc.store) as tg,
    ):
        mask_handlers()  # any handler a library added while starting
        jobs = background_jobs(svc, {"telegram": tg.transport})
        log.info("Banwatch is running on Telegram; Ctrl-C stops it")
        await run_until_stopped(*jobs)


async def run_worker(settings: Settings, clock: Clock = SYSTEM) -> None:
    """`banwatch worker`: polls feeds and sends alerts, digests and notices, and takes no chat
    updates. Any number of workers (and `banwatch run`) share one PostgreSQL database: each
    feed is polled by one process at a time, and one process sends to each platform (see
    bot/store/leases.py). It sends to the platforms whose tokens are set; with none, it polls
    only. On SQLite it is the one Banwatch on the file, as `run` is."""
    async with (
        services(settings, clock, exclusive=True) as svc,
        contextlib.AsyncExitStack() as stack,
    ):
        transports: dict[str, Transport] = {}
        pacing: dict[str, Pacing] = {}
        if settings.telegram_bot_token is not None:
            from bot.adapters.telegram import telegram_sender

            transports["telegram"] = await stack.enter_async_context(telegram_sender(settings))
        if settings.discord_bot_token is not None:
            from bot.adapters.discordbot import DiscordAdapter
            from bot.delivery import DISCORD_PACING

            dc = DiscordAdapter(settings, svc.commands, svc.store, gateway=False)
            transports["discord"] = (await stack.enter_async_context(dc)).transport
            pacing["discord"] = DISCORD_PACING
        mask_handlers()  # any handler a library added while starting
        jobs = background_jobs(svc, transports, pacing)
        log.info(
            "Banwatch worker is running (%s); Ctrl-C stops it",
            "sends to " + " and ".join(transports) if transports else "polls only: no chat token",
        )
        await run_until_stopped(*jobs)


async def run_discord(settings: Settings) -> None:
    """Discord, and Telegram beside it when TELEGRAM_BOT_TOKEN is set: one store, one
    poller and one Sender with both transports, in one loop."""
    from bot.adapters.discordbot import DiscordAdapter
    from bot.delivery import DISCORD_PACING

    async with services(settings, exclusive=True) as svc, contextlib.AsyncExitStack() as adapters:
        transports: dict[str, Transport] = {}
        if settings.telegram_bot_token is not None:
            from bot.adapters.telegram import TelegramAdapter

            tg = TelegramAdapter(settings, svc.commands, svc.store)
            transports["telegram"] = (await adapters.enter_async_context(tg)).transport
        dc = await adapters.enter_async_context(DiscordAdapter(settings, svc.commands, svc.store))
        transports["discord"] = dc.transport
        mask_handlers()  # any handler a library added while starting
        jobs = background_jobs(svc, transports, {"discord": DISCORD_PACING})
        log.info("Banwatch is running on %s; Ctrl-C stops it", " and ".join(transports))
        await run_until_stopped(*jobs, dc.closed())
