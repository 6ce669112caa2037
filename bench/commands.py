"""3. Commands over a large store, in process through the core (`Commands.run`): `/search`
over common and rare words, and `/latest`, p50 and p95, against a bare FTS5 query
(`SELECT rowid … MATCH ? LIMIT 5`) on the same database through the same connection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.bigdb import pick_words
from bench.common import Row, bench_settings, percentile
from bot.commands import Commands, Invocation
from bot.store import Store
from bot.summarize import summarize

BARE_FTS = "SELECT rowid FROM items_fts WHERE items_fts MATCH ? LIMIT 5"


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    """Milliseconds one call takes."""
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def sample(
    calls: list[Callable[[], Awaitable[object]]], *, pause: float = 0.0
) -> list[float]:
    out = []
    for call in calls:
        out.append(await timed(call))
        if pause:
            await asyncio.sleep(pause)
    return out


def search_calls(
    commands: Commands, words: list[str], n: int
) -> list[Callable[[], Awaitable[object]]]:
    def one(word: str) -> Callable[[], Awaitable[object]]:
        return lambda: commands.run(Invocation("console", "bench", "search", word))

    return [one(words[k % len(words)]) for k in range(n)]


def bare_calls(store: Store, words: list[str], n: int) -> list[Callable[[], Awaitable[object]]]:
    def one(word: str) -> Callable[[], Awaitable[object]]:
        return lambda: store.db.fetchall(BARE_FTS, (f'"{word}"',))

    return [one(words[k % len(words)]) for k in range(n)]


async def _run(path: Path, samples: int, items: int) -> list[Row]:
    common, rare = pick_words(path)
    words = [w for pair in zip(common, rare, strict=False) for w in pair]
    settings = bench_settings(path)
    async with Store.open(path) as store:
        commands = Commands(store, settings)
        latest = [lambda: commands.run(Invocation("console", "bench", "latest"))] * samples
        await sample(search_calls(commands, words, len(words)) + latest[:5])  # warm caches
        bare = await sample(bare_calls(store, words, samples))
        search = await sample(search_calls(commands, words, samples))
        common_only = await sample(search_calls(commands, common, samples // 2))
        late = await sample(latest)
        # The same, with the summary cache emptied before every call: a page of items no
        # one has looked at yet (the warm figures above are what repeated pages cost).
        cold_search = await sample([_cold(c) for c in search_calls(commands, words, samples)])
        cold_latest = await sample([_cold(c) for c in latest])
    base50, base95 = percentile(bare, 50), percentile(bare, 95)
    scale = f"{items:,} items; words: {', '.join(words)}"
    return [
        Row("/search p50", percentile(search, 50), "ms", base50, "bare FTS5 p50",
            "value<=10", scale),
        Row("/search p95", percentile(search, 95), "ms", base95, "bare FTS5 p95",
            "value<=10", scale),
        Row("/search p95, common words only", percentile(common_only, 95), "ms", base95,
            "bare FTS5 p95", "value<=10", ", ".join(common)),
        Row("/latest p50", percentile(late, 50), "ms", base50, "bare FTS5 p50",
            "value<=5", f"{items:,} items"),
        Row("/latest p95", percentile(late, 95), "ms", base95, "bare FTS5 p95",
            "value<=5", f"{items:,} items"),
        Row("/search p95, summaries not cached", percentile(cold_search, 95), "ms", base95,
            "bare FTS5 p95", "value<=10", "summary cache emptied before each call"),
        Row("/latest p95, summaries not cached", percentile(cold_latest, 95), "ms", base95,
            "bare FTS5 p95", "value<=5", "summary cache emptied before each call"),
    ]  # fmt: skip


def _cold(call: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[object]]:
    async def run() -> object:
        summarize.cache_clear()
        return await call()

    return run


def run(path: Path, *, samples: int, items: int) -> list[Row]:
    return asyncio.run(_run(path, samples, items))
