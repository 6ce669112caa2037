"""The whole bot as `make run` starts it: feeds from a local server, the fake Bot API, and a
user who subscribes and then gets the alert for a newly published ban item. The servers are
real; the bot's clock is fake and jumps whenever the bot waits on it, so "within two polls"
is read on that clock, not on the wall."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from bot.app import run_telegram
from tests.adapters.conftest import eventually, make_settings
from tests.support.botapi import FakeBotAPI
from tests.support.builders import SEED_TEXT, SEED_TITLE
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer

POLL = 60  # seconds between polls (on the fake clock: they cost no wall time)

OLD = (SEED_TITLE, SEED_TEXT, "https://fr.example/wechat-comptes")
NEW = (
    "WeChat ferme les comptes de plateformes d'échange crypto",
    "WeChat a fermé les comptes de plusieurs plateformes d'échange de cryptomonnaies. "
    "Les comptes ont été interdits sur ordre de l'Administration du cyberespace de Chine.",
    "https://fr.example/wechat-echanges",
)


def rss(*entries: tuple[str, str, str, datetime]) -> str:
    items = "".join(
        f"<item><title>{t}</title><link>{u}</link><guid>{u}</guid>"
        f"<pubDate>{format_datetime(p)}</pubDate><description>{d}</description></item>"
        for t, d, u, p in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Crypto FR</title><link>https://fr.example/</link>{items}</channel></rss>"
    )


def stored_at(database: Path, url: str, clock: FakeClock) -> float:
    """When the poll that stored the item at `url` started, on the clock's monotonic scale."""
    with contextlib.closing(sqlite3.connect(database)) as db:
        [fetched] = db.execute("SELECT fetched FROM items WHERE url = ?", (url,)).fetchone()
    start = clock.now() - timedelta(seconds=clock.monotonic())
    return (datetime.fromisoformat(fetched) - start).total_seconds()


def outbox_rows(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return int(db.execute("SELECT count(*) FROM outbox").fetchone()[0])


async def test_run_serves_a_user_and_pushes_the_alert(
    bot_api: FakeBotAPI, feed_server: FeedServer, tmp_path: Path, clock: FakeClock
) -> None:
    yesterday = clock.now() - timedelta(days=1)
    url = feed_server.add("/fr.rss", rss((*OLD, yesterday)), content_type="application/rss+xml")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(url + "\n")
    database = tmp_path / "bw.db"
    settings = make_settings(
        bot_api,
        BOT_FEEDS=str(feeds),
        BOT_DATABASE=str(database),
        BOT_POLL_INTERVAL=POLL,
        BOT_ALLOW_PRIVATE_FEEDS="true",
    )
    bot_api.now = clock.monotonic  # messages and feed requests are noted on the bot's clock
    feed_server.now = clock.monotonic

    def polls() -> int:
        return len(feed_server.requests_for("/fr.rss"))

    ann = bot_api.user(1001)
    chat = bot_api.private_chat(ann)
    async with clock.autojump():
        bot = asyncio.create_task(run_telegram(settings, clock))
        try:
            bot_api.send(chat, ann, "/start")
            await bot_api.wait_messages(1001, 1, within=10)
            bot_api.send(chat, ann, "/subscribe bans")
            await bot_api.wait_messages(1001, 2)
            await eventually(lambda: polls() >= 1)  # the first poll stores the old item
            bot_api.send(chat, ann, "/latest")
            latest = (await bot_api.wait_messages(1001, 3))[-1]
            assert "WeChat" in latest["plain"]
            assert "Why flagged: ban" in latest["plain"]
            bot_api.send(chat, ann, "/search wechat")
            found = (await bot_api.wait_messages(1001, 4))[-1]
            assert found["plain"].startswith("Results for “wechat”")

            published = clock.monotonic()
            feed_server.add(
                "/fr.rss",
                rss((*NEW, clock.now()), (*OLD, yesterday)),
                content_type="application/rss+xml",
            )
            alert = (await bot_api.wait_messages(1001, 5, within=10))[-1]
            assert alert["plain"].startswith("⚠️ Platform ban")
            assert "WeChat ferme les comptes de plateformes" in alert["plain"]
            # Stored by the first or second poll after the change (one already under way when
            # the feed changed still reads the old body). Read as an order of events on the
            # clock, not as a duration: while a real request is out, the jumping clock may
            # move on. Polls of one feed never overlap, so the poll that stored the item
            # started before the second request after the change arrived.
            after = [r.at for r in feed_server.requests_for("/fr.rss") if r.at >= published]
            assert len(after) >= 1
            assert stored_at(database, NEW[2], clock) <= after[1 if len(after) > 1 else 0]
            assert alert["plain"].count("WeChat ferme") == 1
            seen = polls()
            await eventually(lambda: polls() >= seen + 2)  # two more polls: nothing new
            alerts = [m for m in bot_api.messages(1001) if m["plain"].startswith("⚠️")]
            assert len(alerts) == 1  # the old item, published before subscribing, is not alerted
            assert outbox_rows(database) == 1

            # The running bot sends the daily digest once its time has passed (00:00 has).
            bot_api.send(chat, ann, "/digest on 00:00 UTC")
            on, digest = (await bot_api.wait_messages(1001, 7, within=10))[-2:]
            assert on["plain"].startswith("Daily digest on")
            assert digest["plain"].startswith("Daily digest — ")
            assert "WeChat" in digest["plain"]
            looked = clock.monotonic()
            # The digests are looked at every 30 s (DIGEST_EVERY_S): ten more looks.
            await eventually(lambda: clock.monotonic() > looked + 5 * POLL)
            assert len(bot_api.messages(1001)) == 7  # once a day, not once a look
        finally:
            bot.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await bot
