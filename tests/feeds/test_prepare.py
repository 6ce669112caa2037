"""The parse stage in worker processes (BOT_PARSE_WORKERS ≥ 1, the bot's default): items come
back whole and flagged, a worker that dies fails only its feed, and no worker outlives the bot.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import make_classifier, make_fetcher
from bot.classify import Classifier, Thresholds
from bot.config import Settings, load_settings
from bot.errors import FeedError, ParseError
from bot.feeds import preparer as preparer_module
from bot.feeds.fetched import FetchResult
from bot.feeds.poller import Poller
from bot.feeds.prepare import FeedInfo
from bot.feeds.preparer import Preparer
from bot.models import Category
from bot.store import Store
from tests.feeds import workerjobs
from tests.hardening.feeds import many_items
from tests.support.feedserver import FeedServer


@pytest.fixture
def settings() -> Settings:
    return load_settings(None, BOT_ALLOW_PRIVATE_FEEDS="1", BOT_PARSE_WORKERS="1")


@pytest.fixture
async def poller(store: Store, settings: Settings) -> AsyncIterator[Poller]:
    async with make_fetcher(settings) as fetcher:
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        try:
            yield poller
        finally:
            await poller.close()


def now() -> datetime:
    return datetime.now(UTC)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purpose (its parent has not reaped it yet).
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


async def test_items_parsed_in_a_worker_are_stored_flagged(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    await store.feeds.add(feed_server.add_file("/fr.rss", "crypto_fr.rss"))
    [report] = await poller.poll_once()
    assert report.outcome == "new", report.error
    assert report.new_items == 3
    assert len(poller.preparer.worker_pids()) == 1  # parsed in another process
    assert os.getpid() not in poller.preparer.worker_pids()
    [ban] = await store.items.latest(5, [Category.BAN])
    assert ban.title == "WeChat ferme les comptes de médias blockchain chinois"
    assert ban.flag is not None
    assert "WeChat" in ban.flag.entities.platforms
    assert (await store.search.search("deepchain")).hits
    assert poller.classifier.loaded() == ()  # the bot's process built no word lists


async def test_a_dead_worker_fails_its_feed_and_the_next_poll_recovers(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    await store.feeds.add(feed_server.add_file("/en.rss", "crypto_en.rss"))
    [report] = await poller.poll_once()
    assert report.outcome == "new"
    [pid] = poller.preparer.worker_pids()
    os.kill(pid, signal.SIGKILL)  # the OOM killer, say

    feed, _ = await store.feeds.add(feed_server.add_file("/fr.rss", "crypto_fr.rss"))
    [report] = await poller.poll_once([feed])
    assert report.outcome == "failed"
    assert report.error is not None and "parser process died" in report.error
    [report] = await poller.poll_once([feed])  # a fresh pool
    assert report.outcome == "new", report.error
    assert report.new_items == 3
    assert poller.preparer.worker_pids() != [pid]


CHILD = """
import asyncio, datetime, os, sys
from bot.classify import Classifier, Thresholds
from bot.feeds.fetched import FetchResult
from bot.feeds import preparer as preparer_module
from bot.feeds.prepare import FeedInfo
from bot.feeds.preparer import Preparer

async def main() -> None:
    preparer = Preparer(Classifier(), workers=1)
    body = open(sys.argv[1], "rb").read()
    url = "https://a.example/rss"
    result = FetchResult(200, False, body, None, None, url, "application/rss+xml")
    info = FeedInfo(1, url, "", None)
    prepared = await preparer.run(result, info, datetime.datetime.now(datetime.UTC))
    print(len(prepared.items), *preparer.worker_pids(), flush=True)
    os.kill(os.getpid(), 9)

asyncio.run(main())
"""


def test_workers_leave_when_the_bot_is_killed() -> None:
    """SIGKILL gives the bot no chance to stop its pool: the workers notice and exit."""
    feed = Path(__file__).parents[1] / "data" / "feeds" / "crypto_fr.rss"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(feed)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    count, pid = (int(x) for x in done.stdout.split())
    assert count == 3
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid), "the parse worker outlived the bot"


MAIN_SCRIPT = """
import sys
from pathlib import Path

import bot.cli  # what `banwatch`, the console script, imports

with open(sys.argv[1], "a") as runs:  # every process that runs this file says so
    print("ran", file=runs)

if __name__ == "__main__":
    import asyncio

    from bot.classify import Classifier
    from bot.feeds.preparer import Preparer
    from tests.feeds import workerjobs

    async def main() -> None:
        preparer = Preparer(Classifier(), workers=1)
        await preparer.start()
        [worker] = preparer._all
        print("imported:", *worker.call(workerjobs.imported, ("bot.cli", "httpx", "asyncio"), 60))
        preparer.close()

    asyncio.run(main())
"""


def test_a_worker_does_not_run_the_bots_main_script(tmp_path: Path) -> None:
    """multiprocessing's spawn would run the bot's main script again in each worker (for
    `banwatch run`, the whole CLI: about 30 MB a worker); a worker imports only what its
    jobs need (not even asyncio and httpx, which the pool's side uses: 7 MB)."""
    script, runs = tmp_path / "main_script.py", tmp_path / "runs"
    script.write_text(MAIN_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(runs)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert done.returncode == 0, done.stderr
    # The worker imported neither the CLI nor the bot's event loop and HTTP client.
    assert done.stdout.split() == ["imported:"]
    assert runs.read_text(encoding="utf-8").split() == ["ran"]  # the bot only


async def test_stopping_does_not_wait_on_a_long_feed() -> None:
    """A stop (SIGTERM) gives a busy worker a grace period, then kills it: the bot exits in
    seconds even while a 20,000-item feed is being parsed."""
    preparer = Preparer(Classifier(), workers=1)
    await preparer.start()
    [pid] = preparer.worker_pids()
    url = "https://a.example/rss"
    result = FetchResult(200, False, many_items(20_000), None, None, url, "application/rss+xml")
    busy = asyncio.create_task(preparer.run(result, FeedInfo(1, url, "", None), now()))
    async with asyncio.timeout(10):  # a bounded wait until the worker has the feed
        while not preparer.busy():
            await asyncio.sleep(0.01)
    await asyncio.to_thread(preparer.close, 0.5)  # returns: the busy worker was stopped
    assert not alive(pid)
    with pytest.raises(FeedError, match="parser process died"):
        await busy


def _refuse_to_start() -> Thresholds:
    raise RuntimeError("no worker processes on this machine")


class Unstartable(Thresholds):
    """Thresholds a worker cannot unpickle: its pool breaks as it starts."""

    def __reduce__(self) -> tuple[object, ...]:
        return (_refuse_to_start, ())


async def test_without_worker_processes_the_bot_parses_in_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    preparer = Preparer(Classifier(Unstartable()), workers=1)
    await preparer.start()
    assert preparer.workers == 0
    assert "parse workers could not start" in caplog.text
    url = "https://a.example/rss"
    body = (Path(__file__).parents[1] / "data" / "feeds" / "crypto_fr.rss").read_bytes()
    result = FetchResult(200, False, body, None, None, url, "application/rss+xml")
    prepared = await preparer.run(result, FeedInfo(1, url, "", None), now())
    assert len(prepared.items) == 3
    preparer.close()


EARLY_KILL = """
import asyncio, os, sys
from bot.classify import Classifier
from bot.feeds.preparer import Preparer
from tests.feeds.workerjobs import SlowToStart

async def main() -> None:
    SlowToStart.release = sys.argv[1]
    preparer = Preparer(Classifier(SlowToStart()), workers=3)
    starting = asyncio.create_task(preparer.start())
    for _ in range(1000):  # the processes exist at once; their start waits for the file
        if len(preparer.worker_pids()) == 3:
            break
        await asyncio.sleep(0.01)
    print(*preparer.worker_pids(), flush=True)
    os.kill(os.getpid(), 9)
    await starting

asyncio.run(main())
"""


def test_workers_leave_when_the_bot_is_killed_while_they_start(tmp_path: Path) -> None:
    """The red team's case: a kill -9 about a second into `fetch --once`, while the workers
    were still importing the parser. They read their parent's pid after it had died (1), and
    watched pid 1 forever. Here the kill comes before any worker gets past its start."""
    release, out = tmp_path / "release", tmp_path / "out"
    with out.open("w") as stdout:  # a file: the workers inherit it, a pipe would stay open
        bot = subprocess.Popen(
            [sys.executable, "-c", EARLY_KILL, str(release)],
            stdout=stdout,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).parents[2],
        )
        returncode = bot.wait(timeout=60)
    assert returncode == -signal.SIGKILL, out.read_text()
    pids = [int(x) for x in out.read_text().split()]
    assert len(pids) == 3
    assert all(alive(pid) for pid in pids)  # orphans now, held at their start
    release.touch()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if alive(pid)], "parse workers outlived the bot"


def feed_at(url: str) -> tuple[FetchResult, FeedInfo]:
    body = (Path(__file__).parents[1] / "data" / "feeds" / "crypto_fr.rss").read_bytes()
    return FetchResult(200, False, body, None, None, url, "application/rss+xml"), FeedInfo(
        1, url, "", None
    )


async def test_a_worker_that_hangs_is_replaced_and_only_its_feed_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A parse stuck where no check of the time runs (in C, say): past the limit its worker
    is killed and replaced, that feed fails with the limit in its error, the next one parses.
    (The job never ends, so the short limits cannot make this pass or fail by speed.)"""
    monkeypatch.setattr(preparer_module, "KILL_AFTER_S", 0.2)
    preparer = Preparer(Classifier(), workers=1, timeout=0.5, work=workerjobs.hang_or_prepare)
    try:
        await preparer.start()
        [pid] = preparer.worker_pids()
        with pytest.raises(ParseError, match=r"^parse took longer than 0.5s$"):
            await preparer.run(*feed_at("https://a.example" + workerjobs.HANG), now())
        assert not alive(pid)
        prepared = await preparer.run(*feed_at("https://a.example/rss"), now())
        assert len(prepared.items) == 3
        [fresh] = preparer.worker_pids()
        assert fresh != pid
    finally:
        preparer.close()


@pytest.mark.parametrize("workers", [0, 1])
async def test_a_parse_past_its_time_limit_fails_with_the_limit(workers: int) -> None:
    """The parse checks the time itself (in a thread nothing can be killed): with a limit
    no parse can meet, the feed fails with a clear error, and the worker is kept."""
    preparer = Preparer(Classifier(), workers=workers, timeout=1e-9)
    try:
        await preparer.start()
        before = preparer.worker_pids()
        with pytest.raises(ParseError, match=r"^parse took longer than 1e-09s$"):
            await preparer.run(*feed_at("https://a.example/rss"), now())
        assert preparer.worker_pids() == before
    finally:
        preparer.close()


async def test_the_time_limit_is_a_setting(store: Store) -> None:
    settings = load_settings(None, BOT_PARSE_TIMEOUT="7.5", BOT_PARSE_WORKERS="0")
    async with make_fetcher(settings) as fetcher:
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        assert poller.preparer.timeout == 7.5
        await poller.close()
