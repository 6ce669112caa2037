"""The bot as a real process (`python -m bot run`), killed with SIGKILL in the middle of sending
one alert to 200 chats, then started again: every chat gets the alert, at most one twice (the
message in flight when the process died). Also: SIGTERM stops it cleanly, and the bot token
never appears in what it logs, even at DEBUG.

The fake Bot API and the feed server run in this test process, so their logs outlive the bot.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from bot.models import SubscriptionKind
from bot.store import Store
from tests.support.botapi import FakeBotAPI
from tests.support.feedserver import FeedServer

pytestmark = pytest.mark.slow

CHATS = range(1001, 1201)  # 200 subscribed private chats
TITLE = "WeChat ferme les comptes de plateformes d'échange crypto"
TEXT = (
    "WeChat a fermé les comptes de plusieurs plateformes d'échange de cryptomonnaies. "
    "Les comptes ont été interdits sur ordre de l'Administration du cyberespace de Chine."
)
STOP_WITHIN = 15.0  # seconds for a clean exit after SIGTERM


def rss(published: datetime | None) -> str:
    item = (
        f"<item><title>{TITLE}</title><link>https://fr.example/wechat-echanges</link>"
        f"<guid>https://fr.example/wechat-echanges</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate><description>{TEXT}</description></item>"
        if published
        else ""
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Crypto FR</title><link>https://fr.example/</link>{item}</channel></rss>"
    )


class Bot:
    """`python -m bot run` in a subprocess, its stderr kept in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                cwd=self.log.parent,
            )
        return self.proc

    def stop(self, sig: int = signal.SIGTERM, within: float = STOP_WITHIN) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            raise

    def kill_if_running(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def run_bot(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Bot]]:
    bots: list[Bot] = []

    def make(env: dict[str, str]) -> Bot:
        bot = Bot(env, tmp_path / f"bot-{len(bots)}.log")
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.kill_if_running()


def bot_env(api: FakeBotAPI, feeds: Path, database: Path, **extra: str) -> dict[str, str]:
    passed = ("PATH", "HOME", "LANG", "PYTHONPATH", "SYSTEMROOT")
    keep = {k: v for k, v in os.environ.items() if k in passed}
    return {
        **keep,
        "PYTHONUNBUFFERED": "1",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.url,
        "BOT_FEEDS": str(feeds),
        "BOT_DATABASE": str(database),
        "BOT_POLL_INTERVAL": "1",
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        **extra,
    }


async def wait_for(check: Callable[[], bool], within: float, what: str) -> float:
    """Wait (bounded) until `check()`; returns the seconds it took."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"{what}: not within {within}s")
        await asyncio.sleep(0.005)
    return time.monotonic() - started


def pending(database: Path) -> int:
    """Alerts not yet sent, read from the running bot's database."""
    with contextlib.closing(sqlite3.connect(database, timeout=5)) as db:
        return int(db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0])


def alerts_per_chat(api: FakeBotAPI) -> dict[int, int]:
    return {key: sum(1 for m in api.messages(key) if TITLE in m["plain"]) for key in CHATS}


async def test_sigkill_mid_broadcast_then_restart_delivers_each_alert_once(
    bot_api: FakeBotAPI,
    feed_server: FeedServer,
    tmp_path: Path,
    run_bot: Callable[[dict[str, str]], Bot],
) -> None:
    database = tmp_path / "bw.db"
    async with Store.open(database) as store:
        for key in CHATS:
            bot_api.private_chat(bot_api.user(key))
            chat = await store.chats.ensure("telegram", str(key))
            assert chat.id is not None
            await store.chats.subscribe(chat.id, SubscriptionKind.ALL)
    url = feed_server.add("/fr.rss", rss(None))  # what a first poll holds never alerts
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(url + "\n")
    env = bot_env(bot_api, feeds, database)

    first = run_bot(env)
    proc = first.start()
    await wait_for(lambda: bool(feed_server.requests_for("/fr.rss")), 20, "first poll")
    # The flagged item is published after the subscriptions (pubDate has whole seconds).
    feed_server.add("/fr.rss", rss(datetime.now(UTC) + timedelta(seconds=2)))
    await wait_for(lambda: bot_api.total_sent() >= 20, 20, "first alerts")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)
    before_restart = bot_api.total_sent()
    assert 20 <= before_restart <= 150, before_restart

    second = run_bot(env)
    second.start()
    took = await wait_for(lambda: all(alerts_per_chat(bot_api).values()), 60, "all 200 chats")
    # Every alert is marked sent and no message is on its way: nothing more can arrive.
    await wait_for(lambda: pending(database) == 0 and bot_api.held() == 0, 20, "outbox done")
    code = second.stop(signal.SIGTERM)

    counts = collections.Counter(alerts_per_chat(bot_api).values())
    print(f"killed after {before_restart} sent; all 200 after {took:.1f}s more; {counts}")
    assert set(counts) <= {1, 2}
    assert counts[2] <= 1  # at most the message in flight was sent twice
    assert code in (0, -signal.SIGTERM), second.output()[-2000:]
    for bot in (first, second):
        assert bot_api.token not in bot.output()


async def test_sigterm_stops_cleanly_and_debug_logs_hide_the_token(
    bot_api: FakeBotAPI,
    feed_server: FeedServer,
    tmp_path: Path,
    run_bot: Callable[[dict[str, str]], Bot],
) -> None:
    url = feed_server.add("/fr.rss", rss(None))
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(url + "\n")
    env = bot_env(bot_api, feeds, tmp_path / "bw.db", BOT_LOG_LEVEL="DEBUG")
    bot = run_bot(env)
    bot.start()
    ann = bot_api.user(1001)
    chat = bot_api.private_chat(ann)
    bot_api.send(chat, ann, "/start")
    await bot_api.wait_messages(1001, 1, within=20)
    bot_api.send(chat, ann, "/subscribe")
    bot_api.send(chat, ann, "/help")
    await bot_api.wait_messages(1001, 3, within=5)
    bot_api.fail(1001, "retry_after", retry_after=1)  # the alert meets flood control first
    await wait_for(lambda: bool(feed_server.requests_for("/fr.rss")), 20, "first poll")
    feed_server.add("/fr.rss", rss(datetime.now(UTC) + timedelta(seconds=2)))
    await bot_api.wait_messages(1001, 4, within=10)
    bot_api.hang_up()  # and long polling meets a server that drops every connection
    await wait_for(lambda: bot_api.hung_up >= 1, 10, "a long poll hung up on")
    bot_api.hang_up(False)

    code = bot.stop(signal.SIGTERM)  # fails unless it exits within STOP_WITHIN

    logs = bot.output()
    assert code in (0, -signal.SIGTERM), logs[-2000:]
    assert [a.status for a in bot_api.attempt_log].count(429) == 1
    assert "DEBUG" in logs  # the level took effect: there was something to leak
    assert bot_api.token not in logs
    assert bot_api.token.split(":")[1] not in logs  # not even the secret half
