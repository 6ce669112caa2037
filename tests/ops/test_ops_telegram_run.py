"""The operator's view as `banwatch run` wires it on Telegram: the whole bot (run_telegram)
with BOT_ADMIN_CHAT and BOT_METRICS_PORT, a feed server whose feed breaks and comes back, the
fake Bot API, and /healthz and /metrics asked over real HTTP while it runs. The bot's clock is
fake and jumps whenever the bot waits on it: polls and backoffs cost no wall time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bot.app import run_telegram
from tests.adapters.conftest import ADMIN_ID, eventually, make_settings
from tests.ops.test_metrics_http import samples
from tests.ops.test_metrics_modes import free_port
from tests.support.botapi import FakeBotAPI
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer

POLL = 60  # seconds between polls, on the fake clock


async def test_run_tells_the_admin_chat_and_serves_health_and_metrics(
    bot_api: FakeBotAPI, feed_server: FeedServer, tmp_path: Path, clock: FakeClock
) -> None:
    url = feed_server.add("/flaky.xml", b"oops", status=500)
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(url + "\n")
    port = free_port()
    settings = make_settings(
        bot_api,
        BOT_FEEDS=str(feeds),
        BOT_DATABASE=str(tmp_path / "bw.db"),
        BOT_POLL_INTERVAL=POLL,
        BOT_ALLOW_PRIVATE_FEEDS="true",
        BOT_FETCH_TIMEOUT="3",
        BOT_ADMIN_CHAT=str(ADMIN_ID),
        BOT_METRICS_PORT=str(port),
    )
    bot_api.private_chat(bot_api.user(ADMIN_ID))
    base = f"http://127.0.0.1:{port}"

    def polls() -> int:
        return len(feed_server.requests_for("/flaky.xml"))

    async with clock.autojump(), httpx.AsyncClient(timeout=5) as client:
        bot = asyncio.create_task(run_telegram(settings, clock))
        try:
            [notice] = await bot_api.wait_messages(ADMIN_ID, 1, within=15)
            assert "1 feed failed 3 times in a row" in notice["plain"]
            assert "500" in notice["plain"]  # the last error
            assert polls() >= 3

            metrics = samples((await client.get(f"{base}/metrics")).text)
            assert metrics[("banwatch_feeds", (("health", "failing"),))] == 1
            assert metrics[("banwatch_messages_sent_total", ())] >= 1  # the notice
            health = await client.get(f"{base}/healthz")
            assert (health.status_code, health.text) == (200, "ok\n")

            seen = polls()
            await eventually(lambda: polls() >= seen + 2, within=15)  # still failing
            assert len(bot_api.messages(ADMIN_ID)) == 1  # told once

            feed_server.add_file("/flaky.xml", "crypto_fr.rss")
            recovered = (await bot_api.wait_messages(ADMIN_ID, 2, within=15))[1]
            assert "1 feed answers again" in recovered["plain"]
            seen = polls()
            await eventually(lambda: polls() >= seen + 2, within=15)
            assert len(bot_api.messages(ADMIN_ID)) == 2
            metrics = samples((await client.get(f"{base}/metrics")).text)
            assert metrics[("banwatch_feeds", (("health", "ok"),))] == 1
            assert metrics[("banwatch_feeds", (("health", "failing"),))] == 0
        finally:
            bot.cancel()
            await asyncio.gather(bot, return_exceptions=True)
