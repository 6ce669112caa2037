"""The Sender against a fake in-memory transport and a real SQLite store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.commands.alerts import alert_reply
from bot.commands.reply import Reply
from bot.delivery import Pacing, Sender
from bot.errors import ChatGone, ChatMoved, DeliveryError, RetryLater, TransientDeliveryError
from bot.models import Category, Chat, Entities, Flag, Item, SubscriptionKind
from bot.store import Store

FLAG = Flag(
    Category.BAN,
    0.9,
    ("comptes … fermés",),
    Entities(platforms=("WeChat",), jurisdictions=("CN",), regulators=("CAC",), action="closure"),
    "fr",
)
FAST = Pacing(global_per_second=1000, chat_per_second=1000, group_per_minute=100_000)


@dataclass
class FakeTransport:
    platform: str = "fake"
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    faults: dict[str, list[DeliveryError]] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)

    async def send(self, chat: Chat, reply: Reply) -> None:
        queue = self.faults.get(chat.key)
        if queue:
            raise queue.pop(0)
        self.times.append(time.monotonic())
        self.sent.append((chat.key, reply))

    def chat_keys(self) -> list[str]:
        return [key for key, _ in self.sent]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "bw.db") as s:
        yield s


def make_item(feed_id: int, n: int, *, minutes: int = 1) -> Item:
    now = datetime.now(UTC)
    return Item(
        feed_id=feed_id,
        guid=f"g{n}",
        url=f"https://example.com/{n}",
        title=f"WeChat closes crypto accounts {n}",
        text="Les comptes sont fermés.",
        published=now + timedelta(minutes=minutes),
        fetched=now,
        flag=FLAG,
    )


async def until(condition: Callable[[], bool], seconds: float = 5) -> None:
    async with asyncio.timeout(seconds):
        while True:
            if condition():
                return
            await asyncio.sleep(0.01)


async def subscribe(store: Store, key: str, kind: str = "private") -> int:
    chat = await store.chats.ensure("fake", key, kind)
    assert chat.id is not None
    await store.chats.subscribe(chat.id, SubscriptionKind.BANS)
    return chat.id


async def add_items(store: Store, count: int, start: int = 0) -> None:
    feed, _ = await store.feeds.add("https://example.com/feed")
    assert feed.id is not None
    await store.items.add_many([make_item(feed.id, start + n) for n in range(count)])


async def test_alert_reply_has_why_and_link(store: Store) -> None:
    await subscribe(store, "1")
    await add_items(store, 1)
    [alert] = await store.outbox.due()
    reply = alert_reply(alert.item)
    [entry] = reply.entries
    assert entry.why is not None
    assert "WeChat" in entry.why
    assert entry.url == "https://example.com/0"
    assert reply.extra["kind"] == "alert"


async def test_sends_each_alert_once(store: Store) -> None:
    await subscribe(store, "1")
    await subscribe(store, "2")
    await add_items(store, 3)
    fake = FakeTransport()
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    assert await sender.drain() == 6
    assert sorted(fake.chat_keys()) == ["1"] * 3 + ["2"] * 3
    assert await sender.drain() == 0
    assert await store.outbox.pending_count() == 0


async def test_chat_gone_deactivates_and_drops(store: Store) -> None:
    chat_id = await subscribe(store, "1")
    await add_items(store, 2)
    fake = FakeTransport(faults={"1": [ChatGone("blocked")]})
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    await sender.drain()
    assert fake.sent == []
    chat = await store.chats.get(chat_id)
    assert chat is not None
    assert not chat.active
    assert await store.outbox.pending_count() == 0


async def test_chat_moved_is_followed(store: Store) -> None:
    chat_id = await subscribe(store, "-1", "group")
    await add_items(store, 2)
    fake = FakeTransport(faults={"-1": [ChatMoved("-1001")]})
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    await sender.drain()
    assert fake.chat_keys() == ["-1001", "-1001"]
    chat = await store.chats.get(chat_id)
    assert chat is not None
    assert chat.key == "-1001"


async def test_retry_later_waits_and_pauses(store: Store) -> None:
    await subscribe(store, "1")
    await subscribe(store, "2")
    await add_items(store, 1)
    fake = FakeTransport(faults={"1": [RetryLater(0.5)]})
    sender = Sender(store, {"fake": fake}, {"fake": FAST}, idle=0.05)
    start = time.monotonic()
    task = asyncio.create_task(sender.run())
    try:
        await until(lambda: len(fake.sent) >= 2)
    finally:
        task.cancel()
    # The platform was paused: neither chat got a message before retry_after passed.
    assert min(fake.times) - start >= 0.45
    assert sorted(fake.chat_keys()) == ["1", "2"]
    assert await store.outbox.pending_count() == 0


async def test_transient_error_backs_off_and_counts(store: Store) -> None:
    await subscribe(store, "1")
    await add_items(store, 1)
    fake = FakeTransport(faults={"1": [TransientDeliveryError("502")]})
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    await sender.drain()
    assert fake.sent == []
    assert sender.failed == 1
    [row] = await store.db.fetchall("SELECT attempts, status, last_error FROM outbox")
    assert row["attempts"] == 1
    assert row["status"] == "pending"
    assert "502" in row["last_error"]
    nxt = await store.outbox.next_due()
    assert nxt is not None
    assert nxt > datetime.now(UTC) + timedelta(seconds=1)


async def test_unexpected_error_does_not_stop_the_sender(store: Store) -> None:
    class Boom(FakeTransport):
        async def send(self, chat: Chat, reply: Reply) -> None:
            if chat.key == "1":
                raise ValueError("bug")
            await super().send(chat, reply)

    await subscribe(store, "1")
    await subscribe(store, "2")
    await add_items(store, 1)
    fake = Boom()
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    await sender.drain()
    assert fake.chat_keys() == ["2"]


async def test_per_chat_pacing(store: Store) -> None:
    await subscribe(store, "1")
    await add_items(store, 4)
    fake = FakeTransport()
    pacing = Pacing(global_per_second=1000, chat_per_second=10, group_per_minute=1000)
    sender = Sender(store, {"fake": fake}, {"fake": pacing})
    await sender.drain()
    assert len(fake.times) == 4
    gaps = [b - a for a, b in zip(fake.times, fake.times[1:], strict=False)]
    assert min(gaps) >= 0.08  # 10 per second to one chat


async def test_global_pacing_across_chats(store: Store) -> None:
    for n in range(40):
        await subscribe(store, str(n))
    await add_items(store, 1)
    fake = FakeTransport()
    pacing = Pacing(global_per_second=20, chat_per_second=1000, group_per_minute=100_000)
    sender = Sender(store, {"fake": fake}, {"fake": pacing})
    start = time.monotonic()
    await sender.drain()
    elapsed = time.monotonic() - start
    assert len(fake.sent) == 40
    # A bucket of 20/s lets 20 through at once, then one every 50 ms: 20 more take ~1 s.
    assert 0.8 <= elapsed < 3.0
    tail = sorted(fake.times)[20:]
    rate = (len(tail) - 1) / (tail[-1] - tail[0])
    assert rate <= 22


async def test_wake_sends_at_once(store: Store) -> None:
    await subscribe(store, "1")
    fake = FakeTransport()
    sender = Sender(store, {"fake": fake}, {"fake": FAST}, idle=30)
    task = asyncio.create_task(sender.run())
    try:
        await asyncio.sleep(0.05)
        await add_items(store, 1)
        sender.wake()
        await until(lambda: bool(fake.sent), seconds=2)
    finally:
        task.cancel()


async def test_restart_sends_pending_rows(tmp_path: Path) -> None:
    path = tmp_path / "bw.db"
    async with Store.open(path) as s1:
        await subscribe(s1, "1")
        await add_items(s1, 2)
    async with Store.open(path) as s2:
        assert await s2.outbox.pending_count() == 2
        fake = FakeTransport()
        await Sender(s2, {"fake": fake}, {"fake": FAST}).drain()
        assert fake.chat_keys() == ["1", "1"]
    async with Store.open(path) as s3:
        fake = FakeTransport()
        assert await Sender(s3, {"fake": fake}, {"fake": FAST}).drain() == 0


async def test_a_chats_backlog_does_not_hold_up_others(store: Store) -> None:
    await subscribe(store, "busy")
    await add_items(store, 6)
    fake = FakeTransport()
    pacing = Pacing(global_per_second=1000, chat_per_second=4, group_per_minute=1000)
    sender = Sender(store, {"fake": fake}, {"fake": pacing}, idle=0.05, round_seconds=0.3)
    task = asyncio.create_task(sender.run())
    try:
        await until(lambda: len(fake.sent) >= 1)
        await subscribe(store, "new")
        await add_items(store, 1, start=100)
        sender.wake()
        await until(lambda: "new" in fake.chat_keys(), seconds=3)
        # The newcomer's alert went out before the busy chat's backlog (1.5 s at 4/s) ended.
        assert fake.chat_keys().count("busy") < 6
        await until(lambda: len(fake.sent) == 7, seconds=5)
    finally:
        task.cancel()
