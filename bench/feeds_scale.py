"""Feeds at scale: the real Poller over N local feeds of 20 items (bench.server), in three
cycles, each beside a baseline measured in the same process right after:

    cold      every feed new to a fresh store    vs bare httpx GETs + bare feedparser.parse
    304       every feed answers 304             vs bare httpx conditional GETs
    5 %       one feed in 20 has 2 new items     vs bare httpx conditional GETs + feedparser.parse
              (the others answer 304)               of the changed bodies

For each: CPU per feed (the bot's process and its parse workers), wall time, peak RSS (bot +
workers, summed, sampled every 20 ms) and peak PSS (the same sum of each process's
proportional set size from /proc/PID/smaps_rollup, sampled every 100 ms). RSS counts a page
shared by several processes (a shared library, a copy-on-write page) once in each of them;
PSS divides it among them, so the PSS sum is the physical memory the bot and its workers
take together. Both are reported. Each feed count runs in a fresh process, so one count's
memory does not carry into the next. bare feedparser.parse runs on at most 200 bodies and is
scaled per feed (10,000 parses would take four minutes on their own).

Feed counts: 100 and 1,000 by default; BENCH_FEEDS=100,1000,10000 (or `--feeds`) for more
(10,000 feeds take about N minutes).

    python -m bench.feeds_scale N DB HOST…   one count, prints its figures as JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bench import data
from bench.common import Row, bench_settings
from bench.server import FeedHost
from bot.app import make_classifier, make_fetcher
from bot.feeds.poller import Poller, PollReport
from bot.store import Store

ITEMS = 20
STEP = 2  # new items in a changed feed
CHANGED_EVERY = 20  # 5 %
DEFAULT_FEEDS = (100, 1_000)
QUICK_FEEDS = (5,)
PARSE_SAMPLE = 200
CONCURRENCY = 16  # the bot's default BOT_FETCH_CONCURRENCY, for the bare client too
_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _proc_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        return 0


def proc_pss(pid: int) -> int:
    """The process's proportional set size in bytes (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


PSS_EVERY = 5  # samples: smaps_rollup walks the page tables (about 1 ms a process)


class Meter:
    """CPU seconds, peak RSS and peak PSS of this process and the given workers, phase by
    phase. The sampling thread's own CPU is left out of `cpu`."""

    def __init__(self) -> None:
        self.pids: list[int] = []
        self.peak = 0
        self.peak_pss = 0
        self._sampler_cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def procs(self) -> list[int]:
        return [os.getpid(), *self.pids]

    def rss(self) -> int:
        return sum(_proc_rss(p) for p in self.procs())

    def pss(self) -> int:
        return sum(proc_pss(p) for p in self.procs())

    def cpu(self) -> float:
        own = time.process_time() - self._sampler_cpu
        return own + sum(_proc_cpu(p) for p in self.pids)

    def _sample(self) -> None:
        tick = 0
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.rss())
            tick += 1
            if tick % PSS_EVERY == 0:
                self.peak_pss = max(self.peak_pss, self.pss())
            self._sampler_cpu = time.thread_time()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    async def phase(self, work: Callable[[], Awaitable[Any]]) -> tuple[dict[str, float], Any]:
        self.peak, self.peak_pss = self.rss(), self.pss()
        cpu, wall = self.cpu(), time.perf_counter()
        result = await work()
        figures = {
            "cpu": self.cpu() - cpu,
            "wall": time.perf_counter() - wall,
            "peak_mb": max(self.peak, self.rss()) / 1e6,
            "peak_pss_mb": max(self.peak_pss, self.pss()) / 1e6,
        }
        return figures, result


def _each(meter: Meter) -> list[dict[str, float]]:
    """RSS and PSS of each process now, in MB (the bot first), for the JSON output."""
    return [
        {"pid": pid, "rss_mb": _proc_rss(pid) / 1e6, "pss_mb": proc_pss(pid) / 1e6}
        for pid in meter.procs()
    ]


def _check(reports: list[PollReport], expected: dict[str, int]) -> None:
    got: dict[str, int] = {}
    for report in reports:
        got[report.outcome] = got.get(report.outcome, 0) + 1
    if got != expected:
        first = next((r for r in reports if r.error), None)
        raise RuntimeError(f"outcomes {got}, expected {expected}; {first}")


async def _bare(urls: Sequence[str], etags: Sequence[str | None]) -> int:
    """Bare httpx: GET every URL (with If-None-Match when given), CONCURRENCY at a time."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    sem = asyncio.Semaphore(CONCURRENCY)
    done = 0
    async with httpx.AsyncClient(limits=limits) as client:

        async def one(url: str, etag: str | None) -> None:
            nonlocal done
            async with sem:
                headers = {"If-None-Match": etag} if etag else {}
                response = await client.get(url, headers=headers)
                if response.status_code in (200, 304):
                    done += 1

        await asyncio.gather(*(one(u, e) for u, e in zip(urls, etags, strict=True)))
    return done


def _parse_cpu(bodies: Sequence[bytes]) -> float:
    # Imported for the baseline only, after the bot's cycles: the bot's own process (this
    # one) no longer imports a feed parser, its workers do, and the peaks are the bot's.
    import feedparser

    started = time.process_time()
    for body in bodies:
        feedparser.parse(body)
    return (time.process_time() - started) / len(bodies)


async def measure(feeds: int, hosts: list[str], database: Path) -> dict[str, Any]:
    host = FeedHost(ITEMS)
    host.hosts = hosts
    meter = Meter()
    changed = list(range(0, feeds, CHANGED_EVERY))
    out: dict[str, Any] = {"feeds": feeds}
    settings = bench_settings(database)
    try:
        async with Store.open(settings.database) as store, make_fetcher(settings) as fetcher:
            await store.feeds.add_many((host.url(n, step=STEP), "", None) for n in range(feeds))
            poller = Poller(store, fetcher, make_classifier(settings), settings)
            await poller.preparer.start()
            meter.pids = poller.preparer.worker_pids()
            out["start_mb"] = meter.rss() / 1e6
            out["start_pss_mb"] = meter.pss() / 1e6
            out["start_each"] = _each(meter)
            out["cold"], reports = await meter.phase(poller.poll_once)
            _check(reports, {"new": feeds})
            out["304"], reports = await meter.phase(poller.poll_once)
            _check(reports, {"not_modified": feeds})
            stored = sorted(await store.feeds.all(), key=lambda f: f.id or 0)
            mixed = [
                replace(f, url=host.url(n, 1, step=STEP)) if n in changed else f
                for n, f in enumerate(stored)
            ]
            out["changed"], reports = await meter.phase(lambda: poller.poll_once(mixed))
            expected = {"new": len(changed), "not_modified": feeds - len(changed)}
            _check(reports, {k: v for k, v in expected.items() if v})
            out["end_each"] = _each(meter)
            await poller.close()
        meter.pids = []
        urls = [host.url(n, step=STEP) for n in range(feeds)]
        etags = [f'"{n}-0-{STEP}"' for n in range(feeds)]
        out["bare_cold"], _ = await meter.phase(lambda: _bare(urls, [None] * feeds))
        out["bare_304"], _ = await meter.phase(lambda: _bare(urls, etags))
        mixed_urls = [host.url(n, 1, step=STEP) if n in changed else u for n, u in enumerate(urls)]
        out["bare_changed"], _ = await meter.phase(lambda: _bare(mixed_urls, etags))
        sample = range(min(feeds, PARSE_SAMPLE))
        out["parse_cpu"] = _parse_cpu([data.rss(n, ITEMS, step=STEP) for n in sample])
        out["changed_parse_cpu"] = _parse_cpu(
            [data.rss(n, ITEMS, version=1, step=STEP) for n in changed[:PARSE_SAMPLE]]
        )
    finally:
        meter.close()
    return out


def _one_count(feeds: int, host: FeedHost, folder: Path) -> dict[str, Any]:
    """`measure` in a fresh process."""
    database = folder / f"feeds-{feeds}.db"
    done = subprocess.run(
        [sys.executable, "-m", "bench.feeds_scale", str(feeds), str(database), *host.hosts],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def feed_counts(quick: bool) -> tuple[int, ...]:
    if quick:
        return QUICK_FEEDS
    raw = os.environ.get("BENCH_FEEDS", "")
    counts = tuple(int(n.replace("_", "")) for n in raw.split(",") if n.strip())
    return counts or DEFAULT_FEEDS


def rows_for(m: dict[str, Any]) -> list[Row]:
    n = m["feeds"]
    ms = 1000.0 / n
    changed_share = len(range(0, n, CHANGED_EVERY)) / n
    scale = f"{n:,} feeds × {ITEMS} items, 127.0.0.1"
    cold_base = m["bare_cold"]["cpu"] * ms + m["parse_cpu"] * 1000
    changed_base = m["bare_changed"]["cpu"] * ms + m["changed_parse_cpu"] * 1000 * changed_share
    wall_goal = "value<=300" if n >= 10_000 else ""
    return [
        Row(f"{n:,} feeds, cold: CPU per feed", m["cold"]["cpu"] * ms, "ms",
            cold_base, "bare httpx GET + feedparser.parse", "", scale),
        Row(f"{n:,} feeds, cold: wall", m["cold"]["wall"], "s",
            m["bare_cold"]["wall"], "bare httpx GETs", wall_goal, scale),
        Row(f"{n:,} feeds, cold: peak RSS", m["cold"]["peak_mb"], "MB",
            m["start_mb"], "bot + workers at start", "value<=300", scale),
        Row(f"{n:,} feeds, cold: peak PSS", m["cold"]["peak_pss_mb"], "MB",
            m["start_pss_mb"], "bot + workers at start", "value<=300", scale),
        Row(f"{n:,} feeds, all 304: CPU per feed", m["304"]["cpu"] * ms, "ms",
            m["bare_304"]["cpu"] * ms, "bare httpx conditional GET", "ratio<=1.2", scale),
        Row(f"{n:,} feeds, all 304: wall", m["304"]["wall"], "s",
            m["bare_304"]["wall"], "bare httpx conditional GETs", "", scale),
        Row(f"{n:,} feeds, all 304: peak RSS", m["304"]["peak_mb"], "MB",
            m["start_mb"], "bot + workers at start", "value<=300", scale),
        Row(f"{n:,} feeds, all 304: peak PSS", m["304"]["peak_pss_mb"], "MB",
            m["start_pss_mb"], "bot + workers at start", "value<=300", scale),
        Row(f"{n:,} feeds, 5 % changed: CPU per feed", m["changed"]["cpu"] * ms, "ms",
            changed_base, "bare httpx + feedparser of the changed", "", scale),
        Row(f"{n:,} feeds, 5 % changed: wall", m["changed"]["wall"], "s",
            m["bare_changed"]["wall"], "bare httpx conditional GETs", "", scale),
        Row(f"{n:,} feeds, 5 % changed: peak RSS", m["changed"]["peak_mb"], "MB",
            m["start_mb"], "bot + workers at start", "value<=300", scale),
        Row(f"{n:,} feeds, 5 % changed: peak PSS", m["changed"]["peak_pss_mb"], "MB",
            m["start_pss_mb"], "bot + workers at start", "value<=300", scale),
    ]  # fmt: skip


def run(quick: bool = False, progress: Callable[[str], None] | None = None) -> list[Row]:
    counts = feed_counts(quick)
    found: list[dict[str, Any]] = []
    with FeedHost(ITEMS) as host, tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for feeds in counts:
            if progress is not None:
                progress(f"{feeds:,} feeds: cold, 304 and 5 % changed cycles")
            found.append(_one_count(feeds, host, Path(tmp)))
    rows = [row for m in found for row in rows_for(m)]
    if len(found) > 1:
        low, high = found[0], found[-1]
        rows.append(
            Row(f"cold CPU per feed, {high['feeds']:,} vs {low['feeds']:,} feeds",
                high["cold"]["cpu"] / high["feeds"] * 1000, "ms",
                low["cold"]["cpu"] / low["feeds"] * 1000, f"{low['feeds']:,} feeds",
                "ratio<=1.2", "flat: cost grows with the feeds, not faster")
        )  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("feeds", type=int)
    parser.add_argument("database", type=Path)
    parser.add_argument("hosts", nargs="+")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.feeds, args.hosts, args.database))))


if __name__ == "__main__":
    main()
