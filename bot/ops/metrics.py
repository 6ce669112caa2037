"""`/healthz` and Prometheus `/metrics` on BOT_METRICS_HOST:BOT_METRICS_PORT, in every mode.

The server is aiohttp's (already installed with discord.py), on the bot's own event loop: a
request reads the store through aiosqlite like a command does, so nothing blocks the loop.

    /healthz   200 "ok" when the store answers and the poller has looked for due feeds
               within STALE_AFTER seconds of the clock (the poller looks at least once a
               minute); 503 with the reason otherwise. Without a poller (`chat --no-poll`)
               only the store is asked.
    /metrics   the text format of prometheus-client, from a registry of this instance:

    banwatch_feeds{health="ok|failing|disabled"}            feeds by health
    banwatch_items_ingested_total{category}                 items stored since start
    banwatch_flags_ingested_total{category}                 flagged items stored since start
    banwatch_poll_lag_seconds                               how late the most overdue feed is
    banwatch_outbox_depth                                   alerts waiting to be sent
    banwatch_messages_sent_total                            alerts and notices sent
    banwatch_rate_limited_total                             429s (waits the platform asked)
    banwatch_command_latency_seconds{command}               histogram of command run times
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from bot.clock import Clock
from bot.commands.dispatch import ALIASES, HANDLERS
from bot.delivery import Sender
from bot.errors import BanwatchError
from bot.feeds.poller import Poller
from bot.models import Item
from bot.store import Store

log = logging.getLogger(__name__)

STALE_AFTER = 300.0  # seconds of the clock without a poller tick before /healthz says 503
STORE_TIMEOUT = 5.0  # seconds the store has to answer /healthz
CATEGORIES = ("ban", "regulation", "none")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass
class _Snapshot:
    """What the store said at the last scrape, read before the registry is collected."""

    feeds: dict[str, int] = field(default_factory=dict)
    lag: float = 0.0
    outbox: int = 0


class _StoreCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        snap = self.metrics.snapshot
        feeds = GaugeMetricFamily("banwatch_feeds", "Feeds by health", labels=["health"])
        for health in ("ok", "failing", "disabled"):
            feeds.add_metric([health], snap.feeds.get(health, 0))
        yield feeds
        yield GaugeMetricFamily(
            "banwatch_poll_lag_seconds",
            "Seconds the most overdue feed is past its next poll",
            value=snap.lag,
        )
        yield GaugeMetricFamily("banwatch_outbox_depth", "Alerts waiting", value=snap.outbox)
        sender = self.metrics.sender
        yield CounterMetricFamily(
            "banwatch_messages_sent",
            "Alerts and notices the platforms accepted",
            value=sender.sent if sender else 0,
        )
        yield CounterMetricFamily(
            "banwatch_rate_limited",
            "Answers asking to wait (HTTP 429)",
            value=sender.rate_limited if sender else 0,
        )


class Metrics:
    """The bot's figures, in a registry of its own (tests run several)."""

    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or store.clock
        self.poller: Poller | None = None
        self.sender: Sender | None = None
        self.started = self.clock.monotonic()
        self.snapshot = _Snapshot()
        self.registry = CollectorRegistry(auto_describe=True)
        self.items = Counter(
            "banwatch_items_ingested",
            "Items stored, by category",
            ["category"],
            registry=self.registry,
        )
        self.flags = Counter(
            "banwatch_flags_ingested",
            "Flagged items stored, by category",
            ["category"],
            registry=self.registry,
        )
        for category in CATEGORIES:
            self.items.labels(category)
            if category != "none":
                self.flags.labels(category)
        self.latency = Histogram(
            "banwatch_command_latency_seconds",
            "Time to answer a chat command",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(self))

    def ingested(self, items: Sequence[Item]) -> None:
        for item in items:
            flag = item.flag
            category = flag.category.value if flag is not None else "none"
            self.items.labels(category).inc()
            if flag is not None and flag.flagged:
                self.flags.labels(category).inc()

    def observe_command(self, command: str, seconds: float) -> None:
        name = ALIASES.get(command.casefold(), command.casefold())
        self.latency.labels(name if name in HANDLERS else "unknown").observe(max(0.0, seconds))

    async def refresh(self) -> None:
        stats = await self.store.items.stats()
        ok = stats.feeds - stats.feeds_failing - stats.feeds_disabled
        self.snapshot.feeds = {
            "ok": ok,
            "failing": stats.feeds_failing,
            "disabled": stats.feeds_disabled,
        }
        exclude = self.poller.in_flight if self.poller is not None else frozenset()
        due = await self.store.feeds.next_due(exclude=exclude)
        lag = (self.clock.now() - due).total_seconds() if due is not None else 0.0
        self.snapshot.lag = max(0.0, lag)
        self.snapshot.outbox = await self.store.outbox.pending_count()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    async def health(self) -> str | None:
        """None when healthy, else why not."""
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                await self.store.db.fetchone("SELECT 1")
        except Exception as exc:
            return f"store: {type(exc).__name__}: {exc}"
        if self.poller is not None:
            last = self.poller.last_tick
            since = self.clock.monotonic() - (self.started if last is None else last)
            if since > STALE_AFTER:
                return f"poller: no tick for {since:.0f}s"
        return None


class MetricsServer:
    """`/healthz` and `/metrics` over HTTP; `port` 0 picks a free one (tests)."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        self.metrics = metrics
        self.host = host
        self.port = port
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise BanwatchError(
                f"BOT_METRICS_PORT: cannot listen on {self.host}:{self.port}: {exc.strerror}"
            ) from None
        address = self._runner.addresses[0]
        self.port = int(address[1])
        log.info("metrics on http://%s:%d/metrics, health on /healthz", self.host, self.port)

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def serve(self) -> None:
        """Start, serve until cancelled, stop (a background job)."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def _healthz(self, request: web.Request) -> web.Response:
        problem = await self.metrics.health()
        if problem is None:
            return web.Response(text="ok\n")
        return web.Response(status=503, text=f"{problem}\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        try:
            await self.metrics.refresh()
        except Exception as exc:
            log.warning("metrics: the store did not answer: %s", exc)
            return web.Response(status=503, text=f"store: {type(exc).__name__}\n")
        body = self.metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
