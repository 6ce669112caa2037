"""6. Memory: peak RSS (VmHWM; see `peak_rss_kb`) of a fresh process that opens the large store
with all its feeds, polls every feed once (one in ten changed, the rest answered 304) and
answers a few commands; against a fresh process that only imports the bot and opens the
store.

    python -m bench.memory DB ITEMS-PER-FEED HOST… [--floor]   prints peak RSS in MB
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.common import Row
from bench.server import FeedHost

VERSION = 2
CHANGED_EVERY = 10  # one feed in ten has a new body


def _point_all(path: Path, host: FeedHost) -> int:
    """Every feed at the server; nine in ten hold the ETag of what it serves (→ 304)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        ids = [r[0] for r in conn.execute("SELECT id FROM feeds ORDER BY id")]
        conn.executemany(
            "UPDATE feeds SET url = ?, etag = ?, body_hash = NULL WHERE id = ?",
            [
                (host.url(n, VERSION), None if n % CHANGED_EVERY == 0 else f'"{n}-{VERSION}"', i)
                for n, i in enumerate(ids)
            ],
        )
    finally:
        conn.close()
    return len(ids)


async def _workload(path: Path, floor: bool) -> dict[str, int]:
    from bench.common import bench_settings
    from bot.app import make_classifier, make_fetcher
    from bot.commands import Commands, Invocation
    from bot.feeds.poller import Poller
    from bot.store import Store

    settings = bench_settings(path)
    async with Store.open(path) as store, make_fetcher(settings) as fetcher:
        if floor:
            return {"feeds": len(await store.feeds.all()), "new": 0}
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        try:
            reports = await poller.poll_once()
            commands = Commands(store, settings)
            for args in ("bitcoin", "token", "wechat ban", "sec"):
                await commands.run(Invocation("console", "bench", "search", args))
            await commands.run(Invocation("console", "bench", "latest", "20"))
            await commands.run(Invocation("console", "bench", "feeds"))
            await commands.run(Invocation("console", "bench", "stats"))
            workers = len(poller.preparer.worker_pids())
        finally:
            await poller.close()  # joins the workers, so RUSAGE_CHILDREN counts them
        return {
            "feeds": len(reports),
            "new": sum(r.new_items for r in reports),
            "workers": workers,
            "worker_peak_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        }


def _child() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--floor", action="store_true")
    args = parser.parse_args()
    out = asyncio.run(_workload(args.db, args.floor))
    out["peak_rss_kb"] = peak_rss_kb()
    print(json.dumps(out))


def peak_rss_kb() -> int:
    """This process's own peak RSS. getrusage's ru_maxrss would do, but Linux carries the
    parent's high-water mark across fork and exec into it; VmHWM is this program's own."""
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


def _measure(path: Path, floor: bool) -> dict[str, int]:
    argv = [sys.executable, "-m", "bench.memory", str(path)] + (["--floor"] if floor else [])
    done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=600)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(path: Path, host: FeedHost, *, items: int) -> list[Row]:
    feeds = _point_all(path, host)
    floor = _measure(path, floor=True)
    full = _measure(path, floor=False)
    mb = 1024.0
    workers, worker_kb = full["workers"], full["worker_peak_rss_kb"]
    total = full["peak_rss_kb"] + workers * worker_kb  # every worker counted at the largest
    return [
        Row("peak RSS, bot process", full["peak_rss_kb"] / mb, "MB", floor["peak_rss_kb"] / mb,
            "imports + open store", "value<=150",
            f"{feeds:,} feeds ({full['new']:,} new items), {items:,} items stored"),
        Row("peak RSS, bot + parse workers", total / mb, "MB", floor["peak_rss_kb"] / mb,
            "imports + open store", "",
            f"{workers} worker(s) of at most {worker_kb / mb:.0f} MB each"),
    ]  # fmt: skip


if __name__ == "__main__":
    _child()
