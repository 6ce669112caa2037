"""`python -m bench [--quick] [--json PATH] [--only NAMES]`: every bench, one table.

Each row: the figure, its baseline measured in the same run, the ratio and the goal.
`--quick` is the tiny smoke size `make test` runs, so the harness does not rot.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import (
    bigdb,
    classify_bench,
    commands,
    fanout,
    feeds_scale,
    ingest,
    memory,
    processes,
    responsive,
    store_scale,
)
from bench.common import Row, goal_text
from bench.server import FeedHost

BENCHES = (
    "ingest",
    "feeds",
    "classify",
    "commands",
    "responsive",
    "fanout",
    "memory",
    "store",
    "processes",
)


@dataclass(frozen=True, slots=True)
class Size:
    ingest: ingest.IngestSize
    classify_items: int
    items: int  # in the large store
    feeds: int  # in the large store
    samples: int  # per command timing
    burst_feeds: int
    chats: int
    processes: processes.ProcessesSize


FULL = Size(
    ingest.IngestSize(200, 50, 2), 5_000, 100_000, 1_000, 300, 200, 2_000,
    processes.ProcessesSize(feeds=200, items=50, chats=600),
)  # fmt: skip
QUICK = Size(
    ingest.IngestSize(3, 5, 1), 200, 2_000, 20, 20, 3, 15,
    processes.ProcessesSize(feeds=4, items=5, chats=4),
)  # fmt: skip


def machine() -> dict[str, Any]:
    cpu = ""
    mem_kb = 0
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
    }


def _classify(size: Size) -> list[Row]:
    result = classify_bench.run(size.classify_items)
    given, detected = result["items_per_s_lang_given"], result["items_per_s_detected"]
    scale = f"{size.classify_items:,} items of ~300 chars, one core (bench/classify_bench.py)"
    return [
        Row("classify, language from the feed", given, "items/s", detected,
            "language detected", "value>=1000", scale),
        Row("classify, language detected", detected, "items/s", given,
            "language given", "value>=1000", scale),
    ]  # fmt: skip


def run_all(size: Size, only: set[str], progress: Callable[[str], None]) -> list[Row]:
    rows: list[Row] = []
    if "ingest" in only:
        progress("ingest and unchanged polls")
        rows += ingest.run(size.ingest)
    if "feeds" in only:  # BENCH_FEEDS=100,1000,10000 for more feeds (bench/feeds_scale.py)
        rows += feeds_scale.run(quick=size == QUICK, progress=progress)
    if "classify" in only:
        progress("classifier")
        rows += _classify(size)
    if "store" in only:
        progress("store scale (BENCH_STORE_ITEMS) and flagged ingest")
        rows += store_scale.run(quick=size is QUICK)
    if "processes" in only:  # BENCH_PG=postgresql://… or a throwaway cluster
        rows += processes.run(size.processes, progress)
    big = only & {"commands", "responsive", "memory"}
    if not big and "fanout" not in only:
        return rows
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        path = Path(tmp) / "big.db"
        if big:
            progress(f"building a store of {size.items:,} items")
            bigdb.build(path, items=size.items, feeds=size.feeds)
        if "commands" in only:
            progress("commands")
            rows += commands.run(path, samples=size.samples, items=size.items)
        if only & {"responsive", "memory"}:
            with FeedHost(size.ingest.items) as host:
                if "responsive" in only:
                    progress("responsiveness during an ingest burst")
                    rows += responsive.run(path, host, feeds=size.burst_feeds, samples=size.samples)
                if "memory" in only:
                    progress("memory")
                    rows += memory.run(path, host, items=size.items)
    if "fanout" in only:
        progress(f"fan-out to {size.chats:,} chats")
        rows += fanout.run(chats=size.chats)
    return rows


def _fmt(value: float) -> str:
    if value != value:  # NaN
        return "nan"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(rows: list[Row], info: dict[str, Any]) -> Table:
    title = (
        f"Banwatch bench — {info['date']} — {info['cpus']} × {info['cpu']}, "
        f"{info['ram_gb']} GB RAM, Python {info['python']}"
    )
    out = Table(title=title, title_justify="left")
    for name in ("figure", "value", "baseline", "ratio", "goal", "ok"):
        out.add_column(name, justify="left" if name in ("figure", "goal") else "right")
    for row in rows:
        ok = {True: "[green]pass[/]", False: "[red]MISS[/]", None: "—"}[row.passed]
        out.add_row(
            row.name,
            f"{_fmt(row.value)} {row.unit}",
            f"{_fmt(row.baseline)} ({row.baseline_name})",
            f"{row.ratio:.3f}",
            goal_text(row.goal, row.unit),
            ok,
        )
    return out


def markdown(rows: list[Row]) -> str:
    lines = ["| figure | value | baseline | ratio | goal | |", "|---|--:|--:|--:|---|---|"]
    for row in rows:
        ok = {True: "pass", False: "**miss**", None: "—"}[row.passed]
        lines.append(
            f"| {row.name} | {_fmt(row.value)} {row.unit} | {_fmt(row.baseline)} "
            f"({row.baseline_name}) | {row.ratio:.3f} | {goal_text(row.goal, row.unit)} "
            f"| {ok} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--json", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated benches")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(BENCHES)
    if unknown:
        parser.error(f"unknown bench {', '.join(sorted(unknown))}; choose from {BENCHES}")
    logging.basicConfig(level=logging.ERROR)  # 429 warnings are counted, not printed
    console = Console(stderr=True)
    started = time.monotonic()
    info = machine()

    def progress(what: str) -> None:
        console.log(f"[{time.monotonic() - started:5.0f}s] {what}")

    rows = run_all(QUICK if args.quick else FULL, only, progress)
    info["seconds"] = round(time.monotonic() - started, 1)
    Console().print(table(rows, info))
    for note in dict.fromkeys(r.note for r in rows if r.value != r.value and r.note):
        Console().print(f"[yellow]not measured:[/] {note}", highlight=False)
    if args.markdown:
        print(markdown(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"machine": info, "quick": args.quick, "rows": [r.as_dict() for r in rows]},
                   indent=2, ensure_ascii=False) + "\n", encoding="utf-8")  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
