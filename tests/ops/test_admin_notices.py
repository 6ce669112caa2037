"""Notices to BOT_ADMIN_CHAT, end to end: a real feed server, the real poller and store on a
fake clock, the real python-telegram-bot Application and Sender against the fake Bot API.

One notice per event: a feed failing 3 times is told once, more failures tell nothing, its
recovery is told once, and a restart (a new watch on the store reopened) tells nothing again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.adapters.telegram import TelegramAdapter
from bot.app import make_classifier, make_fetcher
from bot.commands import Commands
from bot.config import Settings
from bot.delivery import Sender
from bot.feeds.poller import Poller
from bot.models import SubscriptionKind
from bot.ops.admin import AdminWatch
from bot.store import Store
from tests.adapters.conftest import ADMIN_ID, FAST, make_settings, running
from tests.support.botapi import FakeBotAPI
from tests.support.builders import ban_flag, make_item
from tests.support.clock import FakeClock, drive
from tests.support.feedserver import FeedServer


def admin_settings(api: FakeBotAPI, **extra: str) -> Settings:
    return make_settings(
        api,
        BOT_ADMIN_CHAT=str(ADMIN_ID),
        BOT_ALLOW_PRIVATE_FEEDS="1",
        BOT_FETCH_TIMEOUT="3",
        BOT_MAX_FAILURES="10",
        **extra,
    )


@contextlib.asynccontextmanager
async def bot(
    path: Path | str, clock: FakeClock, settings: Settings
) -> AsyncIterator[tuple[Store, AdminWatch, Sender]]:
    """One start of the bot: store, Telegram adapter, sender and the admin watch."""
    async with (
        Store.open(path, clock) as store,
        TelegramAdapter(settings, Commands(store, settings), store, poll_timeout=1) as tg,
    ):
        sender = Sender(store, {"telegram": tg.transport}, {"telegram": FAST}, notices=True)
        yield store, AdminWatch(store, settings), sender


async def poll(store: Store, settings: Settings, clock: FakeClock, feed_id: int) -> str:
    async with make_fetcher(settings, clock) as fetcher, clock.autojump():
        poller = Poller(store, fetcher, make_classifier(settings), settings)
        feed = await store.feeds.get(feed_id)
        assert feed is not None
        report = await poller.poll_feed(feed)
        await poller.close()
    return report.outcome


async def told(watch: AdminWatch, sender: Sender, clock: FakeClock) -> int:
    """Check, then send what was queued; returns how many notices were queued."""
    queued = await watch.check()
    await drive(clock, sender.drain())
    return queued


async def test_a_failing_feed_is_told_once_and_its_recovery_once_across_restarts(
    database: Path | str, clock: FakeClock, bot_api: FakeBotAPI, feed_server: FeedServer
) -> None:
    bot_api.private_chat(bot_api.user(ADMIN_ID))
    settings = admin_settings(bot_api)
    url = feed_server.add("/feed.xml", b"oops", status=500)
    db = database
    async with bot(db, clock, settings) as (store, watch, sender):
        feed, _ = await store.feeds.add(url, "Flaky News")
        assert feed.id is not None
        for _ in range(2):
            assert await poll(store, settings, clock, feed.id) == "failed"
        assert await told(watch, sender, clock) == 0
        assert bot_api.texts(ADMIN_ID) == []

        assert await poll(store, settings, clock, feed.id) == "failed"  # the third
        assert await told(watch, sender, clock) == 1
        [notice] = bot_api.texts(ADMIN_ID)
        assert "1 feed failed 3 times in a row" in notice
        assert "Flaky News" in notice
        assert "500" in notice  # the last error

        for _ in range(3):  # the problem persists: nothing more
            assert await poll(store, settings, clock, feed.id) == "failed"
            assert await told(watch, sender, clock) == 0
        assert len(bot_api.texts(ADMIN_ID)) == 1

    async with bot(db, clock, settings) as (store, watch, sender):  # a restart, still failing
        assert await told(watch, sender, clock) == 0
        feed_server.add_file("/feed.xml", "crypto_fr.rss")
        assert await poll(store, settings, clock, feed.id) == "new"
        assert await told(watch, sender, clock) == 1
        assert len(bot_api.texts(ADMIN_ID)) == 2
        assert "1 feed answers again" in bot_api.texts(ADMIN_ID)[-1]
        assert await told(watch, sender, clock) == 0

    async with bot(db, clock, settings) as (store, watch, sender):  # and again: nothing
        assert await told(watch, sender, clock) == 0
    assert len(bot_api.texts(ADMIN_ID)) == 2


async def test_disabled_feeds_are_told_in_one_notice_counted_in_french(
    database: Path | str, clock: FakeClock, bot_api: FakeBotAPI
) -> None:
    bot_api.private_chat(bot_api.user(ADMIN_ID))
    settings = admin_settings(bot_api)
    async with bot(database, clock, settings) as (store, watch, sender):
        admin = await store.chats.ensure("telegram", str(ADMIN_ID))
        assert admin.id is not None
        await store.chats.set_lang(admin.id, "fr")
        for n in range(2):
            feed, _ = await store.feeds.add(f"https://dead{n}.example/feed", f"Dead {n}")
            await store.feeds.save_health(
                replace(feed, failures=10, disabled=True, last_error="HTTP 404")
            )
        assert await told(watch, sender, clock) == 1
        [notice] = bot_api.texts(ADMIN_ID)
        assert "2 flux désactivés après 10 échecs" in notice
        assert "Dead 0" in notice
        assert "Dead 1" in notice
        assert await told(watch, sender, clock) == 0


async def test_an_outbox_backlog_is_told_once_and_its_end_once(
    database: Path | str, clock: FakeClock, bot_api: FakeBotAPI
) -> None:
    bot_api.private_chat(bot_api.user(ADMIN_ID))
    settings = admin_settings(bot_api, BOT_ADMIN_BACKLOG="3")
    async with bot(database, clock, settings) as (store, watch, _sender):
        # A chat whose platform is not running here: its alerts wait in the outbox
        away = await store.chats.ensure("discord", "777", "group")
        assert away.id is not None
        await store.chats.subscribe(away.id, SubscriptionKind.ALL)
        feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
        assert feed.id is not None
        later = clock.now() + timedelta(seconds=5)
        titles = [
            "WeChat closes crypto media accounts",
            "Apple pulls an exchange app in India",
            "Nigeria's banks block exchange payments",
            "Kazakhstan bans mining in the winter",
        ]
        items = [
            make_item(feed.id, n, title=t, flag=ban_flag(), published=later)
            for n, t in enumerate(titles)
        ]
        await store.items.add_many(items)
        assert await store.outbox.pending_count() == 4

    async with bot(database, clock, settings) as (store, watch, sender):
        assert await told(watch, sender, clock) == 1
        [notice] = bot_api.texts(ADMIN_ID)
        assert "The outbox is backing up: 4 alerts wait to be sent." in notice
        assert await told(watch, sender, clock) == 0
    async with bot(database, clock, settings) as (store, watch, sender):
        assert await told(watch, sender, clock) == 0  # a restart does not tell it again
        async with store.db.transaction() as conn:
            await conn.execute("UPDATE outbox SET status = 'sent'")
        assert await told(watch, sender, clock) == 1
        assert "📬 The outbox is back to normal." in bot_api.texts(ADMIN_ID)[-1]
    assert len(bot_api.texts(ADMIN_ID)) == 2


async def test_a_store_near_its_retention_limit_is_told_once_per_approach(
    tmp_path: Path, clock: FakeClock, bot_api: FakeBotAPI
) -> None:
    bot_api.private_chat(bot_api.user(ADMIN_ID))
    settings = admin_settings(bot_api, BOT_RETENTION_ITEMS="100")
    async with bot(tmp_path / "bw.db", clock, settings) as (store, watch, sender):
        feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
        assert feed.id is not None
        await store.items.add_many([make_item(feed.id, n, title=f"Story {n}") for n in range(89)])
        assert await told(watch, sender, clock) == 0  # 89 of 100: not yet
        await store.items.add_many([make_item(feed.id, 89, title="Story 89")])
        assert await told(watch, sender, clock) == 1
        [notice] = bot_api.texts(ADMIN_ID)
        assert "The store is near its retention limit: 90 items of 100" in notice
        await store.items.add_many(
            [make_item(feed.id, n, title=f"More {n}") for n in range(90, 95)]
        )
        assert await told(watch, sender, clock) == 0  # still near: nothing more

    async with bot(tmp_path / "bw.db", clock, settings) as (store, watch, sender):
        assert await told(watch, sender, clock) == 0  # a restart does not tell it again
        assert await store.items.prune(timedelta(days=3650), 70) == 25  # below 80: over
        assert await told(watch, sender, clock) == 0  # the end of it is not a notice
        more = [make_item(feed.id, n, title=f"Again {n}") for n in range(100, 120)]
        await store.items.add_many(more)  # 90 again: a new approach, told again
        assert await told(watch, sender, clock) == 1
    assert len(bot_api.texts(ADMIN_ID)) == 2


async def test_a_notice_refused_for_a_while_is_sent_once_after_the_waits(
    tmp_path: Path, clock: FakeClock, bot_api: FakeBotAPI
) -> None:
    bot_api.private_chat(bot_api.user(ADMIN_ID))
    settings = admin_settings(bot_api)
    bot_api.now = clock.monotonic  # sends are noted on the bot's clock
    bot_api.fail(ADMIN_ID, "bad_gateway")
    bot_api.fail(ADMIN_ID, "retry_after", retry_after=7)
    async with bot(tmp_path / "bw.db", clock, settings) as (store, watch, sender):
        feed, _ = await store.feeds.add("https://dead.example/feed", "Dead News")
        await store.feeds.save_health(replace(feed, failures=3, last_error="HTTP 404"))
        assert await watch.check() == 1
        async with running(sender):
            [notice] = await bot_api.wait_messages(ADMIN_ID, 1, within=10)
            # The server has the message before the sender records it as sent: let it record
            # it before it is stopped, or the stop would leave the notice pending (seen once).
            async with asyncio.timeout(10):
                while await store.notices.pending_count():
                    await asyncio.sleep(0.01)
        assert await told(watch, sender, clock) == 0  # nothing new to tell, nothing left
        assert "Dead News" in notice["plain"]
        assert bot_api.attempts[ADMIN_ID] == 3  # the 502, the 429, then sent
        assert sender.rate_limited == 1  # counted for /metrics
        [sent_at] = bot_api.send_times[ADMIN_ID]
        assert sent_at >= 7  # Telegram's retry_after was waited out, on the clock
        assert await store.notices.pending_count() == 0
    assert len(bot_api.texts(ADMIN_ID)) == 1
