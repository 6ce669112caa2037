"""7. Several processes (issue 15): ingest and fan-out by real `banwatch worker` processes,
on SQLite (one process, the baseline) and on one PostgreSQL (1 process, then 3).

Each set of processes, on a fresh store:
- Ingest: N feeds × M items served by bench.server, every feed answered only once every
  process has leased feeds to poll (or every feed is leased), so slow start-ups are not
  timed. Items/s from that first poll to the last item stored, which is read from the
  database (counted every 20 ms).
- Fan-out: then K private chats subscribe and one flagged item is stored; the processes'
  one elected sender sends it to every chat through the strict local Bot API (30 messages/s,
  429 beyond). Messages/s from the first to the last accepted, and the 429 answers.

PostgreSQL: `BENCH_PG=postgresql://user:password@host:port/db` (a role that may create
databases), else a throwaway cluster (initdb and pg_ctl, as the tests start one), else its
rows say "PostgreSQL not found". Every wait is bounded; every process is stopped at the end.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import Row
from bench.fanout import FIRST_CHAT, LIMIT, StrictBotAPI
from bench.server import FeedHost
from bot.clock import SystemClock
from bot.models import SubscriptionKind
from bot.store import Store
from tests.support.builders import seed_item
from tests.support.pg import MISSING, Cluster, Server, find_binaries

READY_WAIT = 60.0  # s for the processes to start (and send), then to lease their feeds
GATE_HOLD = 300  # s a first poll may wait at the gate (BOT_FETCH_TIMEOUT, > GATE_WAIT)
STOP_WAIT = 15.0  # s for a process to stop on SIGTERM before SIGKILL


@dataclass(frozen=True, slots=True)
class ProcessesSize:
    feeds: int
    items: int  # per feed
    chats: int


@dataclass(frozen=True, slots=True)
class Measure:
    items_per_s: float
    items: int
    sent: int
    msg_per_s: float
    limited: int
    polling: int  # processes holding feeds when the clock started


async def _count(store: Store, sql: str) -> int:
    row = await store.db.fetchone(sql)
    return int(row[0]) if row else 0


class _Behind(SystemClock):
    """The system's clock two seconds behind: what the bench subscribes, it subscribed before
    the alert it then stores was published."""

    def now(self) -> datetime:
        return super().now() - timedelta(seconds=2)


def _where(database: str) -> Path | str:
    return database if database.startswith("postgresql") else Path(database)


def _spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
            start_new_session=True,  # its parse workers too are stopped by its group id
        )


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each, wait; SIGKILL the group of any still there (and of its children)."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the group of the process we started
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def _warm(host: FeedHost, feeds: int, version: int) -> None:
    """Have the feed server build every body before the clock starts."""

    def get(n: int) -> None:
        url = host.url(n, version, plain=True)  # http on loopback
        with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310
            answer.read()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(get, range(feeds)))


def _check_alive(procs: list[subprocess.Popen[bytes]], folder: Path) -> None:
    if any(p.poll() is not None for p in procs):
        raise RuntimeError(f"a worker stopped: {_log_tail(folder)}")


def _log_tail(folder: Path) -> str:
    tails = []
    for log in sorted(folder.glob("worker*.log")):
        text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        tails.append(f"{log.name}: {' | '.join(text[-3:])}")
    return "; ".join(tails)


async def _measure(
    database: str, processes: int, size: ProcessesSize, host: FeedHost, version: int, folder: Path
) -> Measure:
    api = StrictBotAPI()
    api.start()
    procs: list[subprocess.Popen[bytes]] = []
    total = size.feeds * size.items
    try:
        async with Store.open(_where(database), _Behind()) as store:
            await store.feeds.add_many(
                (host.url(n, version, gated=True), "", None) for n in range(size.feeds)
            )
            # Fan-out first: K chats subscribe (two seconds ago, by this store's clock: the
            # alert must be published after, to the second), then one flagged item is stored,
            # routed to each in its transaction, before the processes start: their sender
            # finds it at once.
            chats: list[int] = []
            for n in range(size.chats):
                key = FIRST_CHAT + n
                api.private_chat(api.user(key))
                chat = await store.chats.ensure("telegram", str(key))
                assert chat.id is not None
                await store.chats.subscribe(chat.id, SubscriptionKind.ALL)
                chats.append(chat.id)
            _warm(host, size.feeds, version)
            [feed, *_] = await store.feeds.all()
            assert feed.id is not None
            await store.items.add_many([seed_item(feed.id)])

            env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
            env |= {
                "BOT_DATABASE": database,
                "BOT_ALLOW_PRIVATE_FEEDS": "1",
                "BOT_FETCH_TIMEOUT": str(GATE_HOLD),  # the gate holds the first polls
                "BOT_LOG_LEVEL": "WARNING",
                "TELEGRAM_BOT_TOKEN": api.token,
                "TELEGRAM_API_URL": api.url,
            }
            procs += [_spawn(env, folder / f"worker{n}.log") for n in range(processes)]
            deadline = time.monotonic() + READY_WAIT + size.chats / 10
            while len(api.accepted) < size.chats:
                _check_alive(procs, folder)
                if time.monotonic() > deadline:
                    break  # the row says how many were reached
                await asyncio.sleep(0.1)
            await asyncio.sleep(min(1.0, size.chats / LIMIT))  # any late duplicate or 429
            sent, limited = sorted(api.accepted), api.limited
            # The items polled next alert no one: sending is not timed with the ingest.
            for chat_id in chats:
                await store.chats.unsubscribe(chat_id)

            # Ingest: every process has leased feeds (or every feed is leased): go.
            owners = "SELECT count(DISTINCT lease_owner) FROM feeds"
            leased = "SELECT count(*) FROM feeds WHERE lease_owner IS NOT NULL"
            deadline = time.monotonic() + READY_WAIT
            while (
                await _count(store, owners) < processes and await _count(store, leased) < size.feeds
            ):
                _check_alive(procs, folder)
                if time.monotonic() > deadline:
                    raise RuntimeError(f"workers not polling within {READY_WAIT:.0f}s")
                await asyncio.sleep(0.1)
            polling = await _count(store, owners)
            started = time.monotonic()
            host.open_gate(version)
            deadline = started + 60 + total / 100
            stored = 0
            while time.monotonic() < deadline:
                stored = await _count(store, "SELECT count(*) FROM items") - 1  # the alert's
                if stored >= total:
                    break
                await asyncio.sleep(0.02)
            ingest_s = time.monotonic() - started
    finally:
        _stop(procs)
        api.stop()
    span = sent[-1] - sent[0] if len(sent) > 1 else 0.0
    return Measure(
        items_per_s=stored / ingest_s if ingest_s else math.nan,
        items=stored,
        sent=len(sent),
        msg_per_s=(len(sent) - 1) / span if span else math.nan,
        limited=limited,
        polling=polling,
    )


@contextlib.contextmanager
def postgres() -> Iterator[Server | str]:
    """A server where new databases may be made, or why there is none (a string)."""
    given = os.environ.get("BENCH_PG")
    if given:
        server = Server(admin_url=given, role_url=given, owner=urlsplit(given).username or "")
        try:
            server.prepare()
        except Exception as exc:
            yield f"BENCH_PG did not answer: {exc}"
            return
        try:
            yield server
        finally:
            server.drop_all()
        return
    binaries = find_binaries()
    if binaries is None:
        yield MISSING.replace("BANWATCH_TEST_PG", "BENCH_PG")
        return
    cluster = Cluster(binaries)
    try:
        try:
            server = cluster.start()
            server.prepare()
        except Exception as exc:
            yield f"PostgreSQL did not start: {exc}"
            return
        yield server
    finally:
        cluster.stop()


def _rows(
    label: str, processes: int, got: Measure | str, base: Measure | str, size: ProcessesSize
) -> list[Row]:
    """Ingest and fan-out rows of one set of processes, against SQLite's one process."""
    total = size.feeds * size.items
    base_ingest = base.items_per_s if isinstance(base, Measure) else math.nan
    if isinstance(got, str):
        return [
            Row(f"ingest, {label}", math.nan, "items/s", base_ingest, "SQLite, 1 process",
                "", got),
            Row(f"fan-out, {label}: messages/s", math.nan, "msg/s", float(LIMIT),
                "server limit", "", got),
            Row(f"fan-out, {label}: 429 answers", math.nan, "count", 0.0,
                "SQLite, 1 process", "", got),
        ]  # fmt: skip
    ingest_note = f"{size.feeds} feeds × {size.items} items, {processes} × `banwatch worker`"
    if got.polling < processes:
        ingest_note += f"; {got.polling} of {processes} had feeds when the clock started"
    if got.items != total:
        ingest_note += f"; only {got.items} of {total} items stored"
    fanout_note = f"{size.chats:,} private chats, one flagged item, one elected sender"
    if got.sent < size.chats:
        fanout_note += f"; only {got.sent} of {size.chats} chats reached"
    ingest_goal = "" if label.startswith("SQLite") else "ratio>=0.5"
    base_limited = float(base.limited) if isinstance(base, Measure) else math.nan
    return [
        Row(f"ingest, {label}", got.items_per_s, "items/s", base_ingest, "SQLite, 1 process",
            ingest_goal, ingest_note),
        Row(f"fan-out, {label}: messages/s", got.msg_per_s, "msg/s", float(LIMIT),
            "server limit", "value>=28", fanout_note),
        Row(f"fan-out, {label}: 429 answers", float(got.limited), "count", base_limited,
            "SQLite, 1 process", "value<=0", fanout_note),
    ]  # fmt: skip


# What is measured, in this order: (label, processes). The first is every row's baseline.
PLAN = (("SQLite, 1 process", 1), ("PostgreSQL, 1 process", 1), ("PostgreSQL, 3 processes", 3))


def run(size: ProcessesSize, progress: Callable[[str], None] = lambda _: None) -> list[Row]:
    results: dict[str, Measure | str] = {}
    with (
        FeedHost(size.items) as host,
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        postgres() as pg,
    ):
        folder = Path(tmp)
        for version, (label, count) in enumerate(PLAN):
            progress(f"processes: {label}")
            work = folder / str(version)
            work.mkdir()
            if label.startswith("SQLite"):
                database = str(work / "banwatch.db")
            elif isinstance(pg, str):
                results[label] = pg
                continue
            else:
                database = pg.new_database()
            try:
                results[label] = asyncio.run(_measure(database, count, size, host, version, work))
            except Exception as exc:  # the row says so; the other rows are still measured
                results[label] = f"not measured: {exc}"
    base = results[PLAN[0][0]]
    return [row for label, count in PLAN for row in _rows(label, count, results[label], base, size)]
