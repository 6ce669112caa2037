"""Webhook replicas: two real receivers (each its own Application, store connection and port)
on one database, as `banwatch run` behind a proxy would be. Telegram (or the proxy) may hand
the same update to both, or twice to one: the user gets one reply and one effect. A replica
killed mid-update leaves its claim to lapse; the update delivered again is handled by the
other, and what the first did is not done twice.

A webhook answers only once the update is handled (or dropped as handled elsewhere), so when
every POST has been answered, every reply has been sent: the counts below are final.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram.callbacks import CallbackCodec
from bot.adapters.telegram.webhook import SECRET_HEADER
from bot.clock import SYSTEM
from bot.commands import Commands
from bot.commands.reply import Button
from bot.models import SubscriptionKind
from bot.store import Store
from bot.store.updates import CLAIM_FOR
from tests.adapters.conftest import make_settings
from tests.adapters.test_telegram_alerts import publish
from tests.adapters.test_telegram_webhook import free_port, update
from tests.support.botapi import FakeBotAPI, Json
from tests.support.clock import FakeClock
from tests.support.feedserver import FeedServer

SECRET = "one-Secret_for-every-replica"
ANN = 1001


@dataclass
class Replica:
    tg: TelegramAdapter
    store: Store
    url: str


@asynccontextmanager
async def replica(
    api: FakeBotAPI, database: Path | str, clock: FakeClock
) -> AsyncIterator[Replica]:
    """One `banwatch run` in webhook mode: its own store connection, Application and port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    settings = make_settings(
        api,
        BOT_WEBHOOK_URL=url,
        BOT_WEBHOOK_SECRET=SECRET,
        BOT_WEBHOOK_LISTEN="127.0.0.1",
        BOT_WEBHOOK_PORT=port,
    )
    async with (
        Store.open(database, clock) as store,
        TelegramAdapter(settings, Commands(store, settings), store) as tg,
    ):
        yield Replica(tg, store, url)


async def deliver(client: httpx.AsyncClient, url: str, body: Json) -> int:
    """Telegram's POST of one update; the status the replica answered."""
    answer = await client.post(url, json=body, headers={SECRET_HEADER: SECRET})
    return answer.status_code


def said(api: FakeBotAPI) -> list[str]:
    """What the user read, in order."""
    return [m["plain"] for m in api.messages(ANN)]


async def subscriptions(store: Store, key: str = str(ANN)) -> list[str]:
    chat = await store.chats.find("telegram", key)
    assert chat is not None and chat.id is not None
    return [s.label() for s in await store.chats.subscriptions(chat.id)]


async def test_an_update_given_to_two_replicas_and_twice_to_one_is_handled_once(
    bot_api: FakeBotAPI, database: Path | str, clock: FakeClock
) -> None:
    bot_api.private_chat(bot_api.user(ANN))
    async with (
        replica(bot_api, database, clock) as one,
        replica(bot_api, database, clock) as two,
        httpx.AsyncClient(timeout=10) as client,
    ):
        subscribe = update(7, "/subscribe bans")
        statuses = list(
            await asyncio.gather(
                deliver(client, one.url, subscribe), deliver(client, two.url, subscribe)
            )
        )
        statuses.append(await deliver(client, one.url, subscribe))  # a retry after a timeout
        assert statuses == [200, 200, 200]  # every delivery answered: none is sent again
        [reply] = said(bot_api)
        assert reply.startswith("Subscribed")
        assert await subscriptions(one.store) == ["bans"]

        assert await deliver(client, two.url, update(8, "/subscriptions")) == 200
        listed = said(bot_api)[1]
        assert "1. bans" in listed and "2." not in listed
    assert len(said(bot_api)) == 2


async def test_a_button_press_given_to_both_replicas_is_one_press(
    bot_api: FakeBotAPI, database: Path | str, clock: FakeClock
) -> None:
    ann = bot_api.user(ANN)
    chat = bot_api.private_chat(ann)
    async with (
        replica(bot_api, database, clock) as one,
        replica(bot_api, database, clock) as two,
        httpx.AsyncClient(timeout=10) as client,
    ):
        item_id = await publish(one.store)
        alert = {"message_id": 50, "date": 0, "chat": chat, "text": "WeChat closes crypto"}
        data = CallbackCodec().encode(Button("👍 Useful", "useful", str(item_id)))
        press = {
            "update_id": 20,
            "callback_query": {
                "id": "cq20",
                "from": ann,
                "message": alert,
                "chat_instance": "1",
                "data": data,
            },
        }
        statuses = await asyncio.gather(
            deliver(client, one.url, press), deliver(client, two.url, press)
        )
        assert list(statuses) == [200, 200]
        [ack] = bot_api.answers
        assert ack["text"].startswith(f"Thanks: #{item_id} marked useful")
        rows = await one.store.db.fetchall("SELECT verdict FROM feedback")
        assert [tuple(r) for r in rows] == [("useful",)]
    assert said(bot_api) == []  # answered in place, once


async def test_two_replicas_subscribing_at_once_store_one_subscription(
    database: Path | str, clock: FakeClock
) -> None:
    """The same /subscribe handled by two processes at the same moment (no update claim
    between them, as from two platforms' retries): one row, one 'added'."""
    async with Store.open(database, clock) as one, Store.open(database, clock) as two:
        chat = await one.chats.ensure("telegram", str(ANN))
        assert chat.id is not None
        changes = await asyncio.gather(
            one.chats.subscribe_mode(chat.id, SubscriptionKind.BANS),
            two.chats.subscribe_mode(chat.id, SubscriptionKind.BANS),
        )
        assert sorted(changes) == ["added", "same"]
        assert await subscriptions(one) == ["bans"]


# --- a replica killed mid-update ----------------------------------------------------------


def run_env(api: FakeBotAPI, database: Path | str, port: int, feeds: Path) -> dict[str, str]:
    passed = ("PATH", "HOME", "LANG", "PYTHONPATH", "SYSTEMROOT")
    return {
        **{k: v for k, v in os.environ.items() if k in passed},
        "PYTHONUNBUFFERED": "1",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.url,
        "BOT_DATABASE": str(database),
        "BOT_FEEDS": str(feeds),
        "BOT_PARSE_WORKERS": "0",
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        "BOT_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook",
        "BOT_WEBHOOK_SECRET": SECRET,
        "BOT_WEBHOOK_LISTEN": "127.0.0.1",
        "BOT_WEBHOOK_PORT": str(port),
    }


def start_run(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`banwatch run` as a process of its own, its output in `log`."""
    with log.open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            cwd=log.parent,
        )


async def until(condition: Callable[[], object], what: str, within: float = 30.0) -> None:
    """A bounded poll for what another process is still doing."""
    try:
        async with asyncio.timeout(within):
            while not condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {within}s") from None


async def test_an_update_retried_after_its_replica_died_repeats_no_effect(
    bot_api: FakeBotAPI, feed_server: FeedServer, database: Path | str, tmp_path: Path
) -> None:
    """`banwatch run` claims `/unsubscribe 1`, removes subscription 1 and is killed (SIGKILL)
    while its reply is on the way. The update, never answered, comes again to the other
    replica once the claim has lapsed: it removes nothing more (subscription 2, now listed
    first, stays) and says again what was removed."""
    ann = bot_api.user(ANN)
    bot_api.private_chat(ann)
    async with Store.open(database, SYSTEM) as store:
        chat = await store.chats.ensure("telegram", str(ANN))
        assert chat.id is not None
        await store.chats.subscribe_mode(chat.id, SubscriptionKind.BANS)
        await store.chats.subscribe_mode(chat.id, SubscriptionKind.REGULATION)
    feeds = tmp_path / "feeds.txt"
    quiet = '<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feeds.write_text(feed_server.add("/quiet.rss", quiet) + "\n", encoding="utf-8")
    port = free_port()
    log = tmp_path / "run.log"
    proc = start_run(run_env(bot_api, database, port, feeds), log)
    unsubscribe = update(30, "/unsubscribe 1")
    try:
        await until(
            lambda: bot_api.webhook.get("url") or proc.poll() is not None,
            "the first replica set its webhook",
        )
        assert proc.poll() is None, log.read_text()
        bot_api.slow(ANN)  # its reply is held: the replica dies with it on the way
        async with httpx.AsyncClient(timeout=30) as client:
            first = asyncio.create_task(
                deliver(client, f"http://127.0.0.1:{port}/telegram/hook", unsubscribe)
            )
            await until(lambda: bot_api.held() == 1, "the first replica sent its reply")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            try:
                await first
            except httpx.HTTPError:
                pass  # no answer: Telegram delivers the update again
            else:
                raise AssertionError("a killed replica answered the update")
        bot_api.release()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    # The other replica, its clock past the lapsed claim, gets the update again.
    later = FakeClock(SYSTEM.now() + CLAIM_FOR + timedelta(seconds=1))
    async with (
        replica(bot_api, database, later) as other,
        httpx.AsyncClient(timeout=10) as client,
    ):
        assert await subscriptions(other.store) == ["regulation"]  # the first run's effect
        assert await deliver(client, other.url, unsubscribe) == 200
        assert await subscriptions(other.store) == ["regulation"]  # not removed as well
        again = said(bot_api)[-1]
        assert again == "Unsubscribed from bans."
        assert await deliver(client, other.url, unsubscribe) == 200  # and now it is done
    assert said(bot_api).count("Unsubscribed from bans.") == 2, log.read_text()
    assert all("regulation" not in text for text in said(bot_api))
