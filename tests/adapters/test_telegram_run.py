"""The whole bot as `make run` starts it: feeds from a local server, the fake Bot API, and a
user who subscribes and then gets the alert for a newly published ban item."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from bot.app import run_telegram
from tests.adapters.conftest import make_settings
from tests.support.botapi import FakeBotAPI
from tests.support.builders import SEED_TEXT, SEED_TITLE
from tests.support.feedserver import FeedServer

POLL = 1  # seconds between polls

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


async def test_run_serves_a_user_and_pushes_the_alert(
    bot_api: FakeBotAPI, feed_server: FeedServer, tmp_path: Path
) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    url = feed_server.add("/fr.rss", rss((*OLD, yesterday)), content_type="application/rss+xml")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(url + "\n")
    settings = make_settings(
        bot_api,
        BOT_FEEDS=str(feeds),
        BOT_DATABASE=str(tmp_path / "bw.db"),
        BOT_POLL_INTERVAL=POLL,
        BOT_ALLOW_PRIVATE_FEEDS="true",
    )
    ann = bot_api.user(1001)
    chat = bot_api.private_chat(ann)
    bot = asyncio.create_task(run_telegram(settings))
    try:
        bot_api.send(chat, ann, "/start")
        await bot_api.wait_messages(1001, 1, within=10)
        bot_api.send(chat, ann, "/subscribe bans")
        await bot_api.wait_messages(1001, 2)
        for _ in range(100):  # the first poll stores the old item
            bot_api.send(chat, ann, "/latest")
            latest = (await bot_api.wait_messages(1001, len(bot_api.messages(1001)) + 1))[-1]
            if "WeChat" in latest["plain"]:
                break
            await asyncio.sleep(0.2)
        assert "Why flagged: ban" in latest["plain"]
        bot_api.send(chat, ann, "/search wechat")
        found = (await bot_api.wait_messages(1001, len(bot_api.messages(1001)) + 1))[-1]
        assert found["plain"].startswith("Results for “wechat”")
        before = len(bot_api.messages(1001))

        now = datetime.now(UTC)
        feed_server.add(
            "/fr.rss", rss((*NEW, now), (*OLD, yesterday)), content_type="application/rss+xml"
        )
        published = time.monotonic()
        alert = (await bot_api.wait_messages(1001, before + 1, within=2 * POLL + 4))[-1]
        delay = time.monotonic() - published
        assert alert["plain"].startswith("⚠️ Platform ban")
        assert "WeChat ferme les comptes de plateformes" in alert["plain"]
        assert delay < 2 * POLL + 4
        await asyncio.sleep(1.5 * POLL)
        alerts = [m for m in bot_api.messages(1001) if m["plain"].startswith("⚠️")]
        assert len(alerts) == 1  # the old item, published before subscribing, is not alerted

        # The running bot sends the daily digest once its time has passed (00:00 has).
        bot_api.send(chat, ann, "/digest on 00:00 UTC")
        count = len(bot_api.messages(1001))
        on, digest = (await bot_api.wait_messages(1001, count + 2, within=2 * POLL + 4))[-2:]
        assert on["plain"].startswith("Daily digest on")
        assert digest["plain"].startswith("Daily digest — ")
        assert "WeChat" in digest["plain"]
        await asyncio.sleep(1.5 * POLL)
        assert len(bot_api.messages(1001)) == count + 2  # once a day, not once a look
    finally:
        bot.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bot
