"""Three Banwatch processes on one PostgreSQL database share the work, as issue 15 deploys
them: two `banwatch worker` and one `banwatch run` (the Telegram front end), real
subprocesses, 200 feeds on the tests' local feed server and 300 chats on the local Bot API
server, which answers 429 over Telegram's limits as the real one does.

One flagged item alerts the 300 chats; the process sending them is killed with SIGKILL
halfway. Every chat still gets the alert once (at most one duplicate: the message in flight
when it died), nothing draws a 429 (one sender at a time keeps the bot's one pace), and every
feed was polled. Every wait is bounded in time and count; nothing asserts on elapsed time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from telegram import Bot

from bot.adapters.telegram.callbacks import CallbackCodec
from bot.adapters.telegram.transport import TelegramTransport
from bot.delivery import Sender
from bot.models import SubscriptionKind
from bot.store import Store
from tests.support.botapi import FakeBotAPI
from tests.support.feedserver import FeedServer
from tests.test_delivery import add_items

FEEDS = 200
CHATS = 300
FIRST_CHAT = 700_001
LEASE = "5"  # BOT_LEASE_SECONDS: what a killed process holds is taken over this soon
WAIT = 60.0  # seconds any one wait may take at most: a hang fails, a slow machine does not


def rss(name: str, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (guid, title, text) items, dated now."""
    date = format_datetime(datetime.now(UTC))
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><description>{text}</description>"
        f"<link>https://news.example/{name}/{guid}</link><pubDate>{date}</pubDate></item>"
        for guid, title, text in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{name}</title><link>https://news.example/{name}</link>"
        f"<description>{name}</description>{entries}</channel></rss>"
    ).encode()


QUIET = ("g0", "Bitcoin steady as markets wait", "Prices moved little on a calm day.")
BAN = (
    "g1",
    "China bans cryptocurrency exchanges",
    "The People's Bank of China banned all cryptocurrency trading and ordered exchanges "
    "to shut down.",
)


def spawn(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`banwatch COMMAND` as a process of its own, its output in `log`."""
    with log.open("wb") as out:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "bot", command],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
        )


async def wait_until(what: str, check: Callable[[], object], within: float = WAIT) -> None:
    """Poll `check` every 0.2 s until it is true; fail naming `what` after `within` s."""
    deadline = time.monotonic() + within
    while not await _holds(check):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:.0f}s: {what}")
        await asyncio.sleep(0.2)


async def _holds(check: Callable[[], object]) -> bool:
    result = check()
    if asyncio.iscoroutine(result):
        result = await result
    return bool(result)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in started:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_three_processes_share_the_feeds_and_send_each_alert_once_at_one_pace(
    pg_database: str,
    feed_server: FeedServer,
    bot_api: FakeBotAPI,
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    paths = [f"/f{n}.xml" for n in range(FEEDS)]
    for path in paths:
        feed_server.add(path, rss(path, [QUIET]))
    feed_list = tmp_path / "feeds.txt"
    feed_list.write_text("".join(feed_server.url(p) + "\n" for p in paths), encoding="utf-8")
    bot_api.enforce()  # 30 messages/s for the token, 1/s per chat, 20/min per group
    keys = [FIRST_CHAT + n for n in range(CHATS)]
    async with Store.open(pg_database) as store:
        for key in keys:
            bot_api.private_chat(bot_api.user(key))
            chat = await store.chats.ensure("telegram", str(key))
            assert chat.id is not None
            await store.chats.subscribe(chat.id, SubscriptionKind.BANS)

        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
        env |= {
            "BOT_DATABASE": pg_database,
            "BOT_FEEDS": str(feed_list),
            "BOT_ALLOW_PRIVATE_FEEDS": "1",
            "BOT_POLL_INTERVAL": "4",
            "BOT_LEASE_SECONDS": LEASE,
            "BOT_PARSE_WORKERS": "0",
            "TELEGRAM_BOT_TOKEN": bot_api.token,
            "TELEGRAM_API_URL": bot_api.url,
            "BOT_LOG_LEVEL": "INFO",
        }

        def start(command: str, n: int) -> subprocess.Popen[bytes]:
            proc = spawn(command, env, tmp_path / f"{command}{n}.log")
            processes.append(proc)
            return proc

        workers = [start("worker", 1), start("worker", 2)]

        async def sender_pid() -> int | None:
            holder = await store.leases.holder("sender:telegram")
            return int(holder[0].split(":")[1]) if holder else None

        # A worker sends; `run` joins beside them (its chat front end takes the updates).
        await wait_until("a worker holds the sender lease", sender_pid)
        start("run", 3)

        async def polled() -> int:
            row = await store.db.fetchone(
                "SELECT count(*) FROM feeds WHERE last_success IS NOT NULL"
            )
            return int(row[0]) if row else 0

        await wait_until("every feed polled once", lambda: _at_least(polled, FEEDS))
        feed_server.add(paths[17], rss(paths[17], [QUIET, BAN]))  # the news breaks
        await wait_until("sending under way", lambda: bot_api.total_sent() >= 60)

        pid = await sender_pid()
        [victim] = [p for p in processes if p.pid == pid]
        assert victim in workers  # the sender is a worker: `run` joined later
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        at_kill = bot_api.total_sent()
        assert at_kill < CHATS  # killed halfway

        def every_chat_alerted() -> bool:
            return all(bot_api.messages(key) for key in keys)

        await wait_until("every chat alerted", every_chat_alerted)
        await wait_until(
            "the outbox drained",
            lambda: _at_most(store.outbox.pending_count, 0),
        )
        survivors = [p for p in processes if p is not victim]
        assert all(p.poll() is None for p in survivors)  # still running

    counts = [len(bot_api.messages(key)) for key in keys]
    assert min(counts) == 1
    assert sum(counts) - CHATS <= 1  # at most the message in flight at the kill
    assert all("China bans" in bot_api.texts(key)[0] for key in keys)
    assert bot_api.rate_limited() == 0
    assert all(a.status == 200 for a in bot_api.attempt_log)
    assert all(feed_server.requests_for(path) for path in paths)  # every feed polled


async def _at_least(count: Callable[[], object], n: int) -> bool:
    result = count()
    if asyncio.iscoroutine(result):
        result = await result
    return isinstance(result, int) and result >= n


async def _at_most(count: Callable[[], object], n: int) -> bool:
    result = count()
    if asyncio.iscoroutine(result):
        result = await result
    return isinstance(result, int) and result <= n


@pytest.mark.parametrize("shared", [True, False], ids=["one-pace", "each-its-own"])
async def test_three_senders_draw_no_more_429s_than_one_when_they_share_one_pace(
    database: Path | str, bot_api: FakeBotAPI, shared: bool
) -> None:
    """Three processes' senders, each pacing itself at Telegram's 30 messages/s: without the
    sender lease (`elect`), together they go three times as fast and the API answers 429;
    with it, one sends and the bot keeps one pace."""
    bot_api.enforce()
    async with (
        Store.open(database) as first,
        Store.open(database) as second,
        Store.open(database) as third,
    ):
        for n in range(CHATS // 3):
            key = FIRST_CHAT + n
            bot_api.private_chat(bot_api.user(key))
            chat = await first.chats.ensure("telegram", str(key))
            assert chat.id is not None
            await first.chats.subscribe(chat.id, SubscriptionKind.BANS)
        await add_items(first, 1)
        async with (
            Bot(bot_api.token, base_url=f"{bot_api.url}/bot") as b1,
            Bot(bot_api.token, base_url=f"{bot_api.url}/bot") as b2,
            Bot(bot_api.token, base_url=f"{bot_api.url}/bot") as b3,
        ):
            senders = [
                Sender(
                    store,
                    {"telegram": TelegramTransport(bot, CallbackCodec())},
                    batch=CHATS // 9,  # each takes a share: all three send at once
                    elect=shared,
                )
                for store, bot in ((first, b1), (second, b2), (third, b3))
            ]
            async with asyncio.timeout(WAIT):
                while await first.outbox.pending_count():
                    await asyncio.gather(*(s.send_due() for s in senders))
                    await asyncio.sleep(0.05)
    delivered = [len(bot_api.messages(FIRST_CHAT + n)) for n in range(CHATS // 3)]
    assert delivered == [1] * (CHATS // 3)  # each once, either way
    if shared:
        assert bot_api.rate_limited() == 0
        assert sum(1 for s in senders if s.sent) == 1  # one process sent them all
    else:
        assert bot_api.rate_limited() > 0  # what one pace per process draws


@pytest.mark.slow
async def test_a_worker_alone_on_sqlite_polls_and_sends_and_stops_cleanly(
    feed_server: FeedServer, bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    """`banwatch worker` needs no setting `run` does not: the same environment, no chat
    updates taken (no getUpdates), feeds polled, alerts sent; SIGTERM stops it cleanly."""
    feed_server.add("/news.xml", rss("news", [QUIET]))
    feed_list = tmp_path / "feeds.txt"
    feed_list.write_text(feed_server.url("/news.xml") + "\n", encoding="utf-8")
    database = tmp_path / "bw.db"
    key = FIRST_CHAT
    bot_api.private_chat(bot_api.user(key))
    async with Store.open(database) as store:
        chat = await store.chats.ensure("telegram", str(key))
        assert chat.id is not None
        await store.chats.subscribe(chat.id, SubscriptionKind.BANS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env |= {
        "BOT_DATABASE": str(database),
        "BOT_FEEDS": str(feed_list),
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        "BOT_POLL_INTERVAL": "2",
        "BOT_PARSE_WORKERS": "0",
        "TELEGRAM_BOT_TOKEN": bot_api.token,
        "TELEGRAM_API_URL": bot_api.url,
    }
    worker = spawn("worker", env, tmp_path / "worker.log")
    try:
        await wait_until("the feed polled", lambda: feed_server.requests_for("/news.xml"))
        feed_server.add("/news.xml", rss("news", [QUIET, BAN]))
        [alert] = await bot_api.wait_messages(key, within=WAIT)
        assert "China bans" in alert["text"]
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
    assert bot_api.called("getUpdates") == []  # a worker takes no chat updates
    assert len(bot_api.messages(key)) == 1
