"""What every bench shares: the result row, percentiles, settings and a store with feeds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings


@dataclass(frozen=True, slots=True)
class Row:
    """One figure of the table. `goal` is read by `passed`: "ratio>=0.9", "value<=10"."""

    name: str
    value: float
    unit: str
    baseline: float
    baseline_name: str
    goal: str
    note: str = ""

    @property
    def ratio(self) -> float:
        if not self.baseline:  # 0 against 0 (429 answers) is the same as its baseline
            return 1.0 if self.value == 0 else math.inf if self.value == self.value else math.nan
        return self.value / self.baseline

    @property
    def passed(self) -> bool | None:
        if not self.goal:
            return None
        key, op, limit = _split_goal(self.goal)
        got = self.ratio if key == "ratio" else self.value
        return got >= limit if op == ">=" else got <= limit

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "passed": self.passed}


def _split_goal(goal: str) -> tuple[str, str, float]:
    for op in (">=", "<="):
        if op in goal:
            key, limit = goal.split(op)
            return key.strip(), op, float(limit)
    raise ValueError(f"bad goal {goal!r}")


def goal_text(goal: str, unit: str) -> str:
    if not goal:
        return "—"
    key, op, limit = _split_goal(goal)
    sign = "≥" if op == ">=" else "≤"
    if key == "ratio":
        return f"{sign} {limit:.0%}" if limit < 0.5 else f"{sign} {limit:g}×"
    return f"{sign} {limit:g} {unit}"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation."""
    if not values:
        return math.nan
    ordered = sorted(values)
    at = (len(ordered) - 1) * q / 100
    low, high = math.floor(at), math.ceil(at)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def bench_settings(database: Path, **extra: Any) -> Settings:
    """Settings as the bot runs with them, on a bench database, loopback feeds allowed, and
    never a developer's .env."""
    values: dict[str, Any] = {
        "BOT_DATABASE": database,
        "BOT_ALLOW_PRIVATE_FEEDS": True,
        "BOT_LOG_LEVEL": "WARNING",
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
