"""The bench harness at its tiny `--quick` size: every row is there with numbers. Timings are
not asserted (this machine is shared); `make bench` is where the goals are judged."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The rows of the first half: ingest, feeds at scale, the classifier, the store at scale.
FIRST = {
    "ingest: fetch→parse→classify→store",
    "unchanged: poll answered 304",
    "unchanged: 200, same body",
    "classify, language from the feed",
    "classify, language detected",
    "store: add_many per item, large store (a poll's batches)",
    "store: add_many per item, large store (a new feed's archive, 180 days)",
    "store: start-up, large store",
    "store: start-up after a crash or copy, large store",
    "/search p95 in the large store, latin words",
    "/search p95 in the large store, common words",
    "/search p95 in the large store, rare words",
    "/search p95 in the large store, chinese words",
    "/search p95 in the large store, chinese and latin words",
    "ingest, every item flagged",
    *(
        f"5 feeds, {cycle}: {figure}"
        for cycle in ("cold", "all 304", "5 % changed")
        for figure in ("CPU per feed", "wall", "peak RSS", "peak PSS")
    ),
}
# The rows of the second half: the benches run on a store of many items.
SECOND = {
    "/search p50",
    "/search p95",
    "/search p95, common words only",
    "/latest p50",
    "/latest p95",
    "/search p95, summaries not cached",
    "/latest p95, summaries not cached",
    "/search p95 during ingest burst",
    "peak RSS, bot process",
    "peak RSS, bot + parse workers",
    "fan-out: messages/s sustained",
    "fan-out: 429 answers",
    # real `banwatch worker` processes, SQLite beside PostgreSQL (bench/processes.py)
    *(
        name
        for who in ("SQLite, 1 process", "PostgreSQL, 1 process", "PostgreSQL, 3 processes")
        for name in (
            f"ingest, {who}",
            f"fan-out, {who}: messages/s",
            f"fan-out, {who}: 429 answers",
        )
    ),
}


# Two halves, each its own process, so neither test runs long on a loaded machine.
HALVES = ("ingest,feeds,classify,store", "commands,responsive,memory,fanout,processes")


def _quick_rows(only: str, out: Path) -> tuple[dict[str, dict[str, object]], str]:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", only, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["machine"]["cpus"] >= 1
    for row in result["rows"]:
        for key in ("value", "baseline", "ratio"):
            assert isinstance(row[key], int | float), (row["name"], key)
        if _no_postgres(row):
            continue  # that backend's rows only, and said so; CI requires PostgreSQL
        assert math.isfinite(row["value"]), row["name"]
        assert row["passed"] in (True, False, None)
    return {row["name"]: row for row in result["rows"]}, done.stdout


def _no_postgres(row: dict[str, object]) -> bool:
    """A PostgreSQL row of a machine without PostgreSQL (unless BANWATCH_REQUIRE_PG=1)."""
    return (
        os.environ.get("BANWATCH_REQUIRE_PG") != "1"
        and "PostgreSQL" in str(row["name"])
        and "PostgreSQL not found" in str(row["note"])
    )


@pytest.mark.slow
@pytest.mark.parametrize("half", HALVES)
def test_quick_bench_prints_every_row(tmp_path: Path, half: str) -> None:
    rows, printed = _quick_rows(half, tmp_path / "results.json")
    expected = SECOND if half == HALVES[1] else FIRST
    assert set(rows) == expected
    assert "figure" in printed and "baseline" in printed  # the table is printed


def test_the_two_halves_run_every_bench() -> None:
    from bench.__main__ import BENCHES

    assert sorted(",".join(HALVES).split(",")) == sorted(BENCHES)
