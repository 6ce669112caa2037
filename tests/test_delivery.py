"""The Sender against a fake in-memory transport and a real SQLite store, on a fake clock:
pacing and waits are asserted on the clock's time, never on elapsed wall time."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.commands.alerts import alert_reply
from bot.commands.reply import Reply
from bot.delivery import Pacing, Sender
from bot.errors import ChatGone, ChatMoved, DeliveryError, RetryLater, TransientDeliveryError
from bot.models import Category, Chat, Entities, Flag, Item, SubscriptionKind
from bot.store import Store
from tests.support.clock import FakeClock, drive

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
    clock: FakeClock
    platform: str = "fake"
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    faults: dict[str, list[DeliveryError]] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)

    async def send(self, chat: Chat, reply: Reply) -> None:
        queue = self.faults.get(chat.key)
        if queue:
            raise queue.pop(0)
        self.times.append(self.clock.monotonic())
        self.sent.append((chat.key, reply))

    def chat_keys(self) -> list[str]:
        return [key for key, _ in self.sent]


@pytest.fixture
async def store(database: Path | str, clock: FakeClock) -> AsyncIterator[Store]:
    async with Store.open(database, clock) as s:
        yield s


def make_item(feed_id: int, n: int, now: datetime, *, minutes: int = 1) -> Item:
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


async def subscribe(store: Store, key: str, kind: str = "private") -> int:
    chat = await store.chats.ensure("fake", key, kind)
    assert chat.id is not None
    await store.chats.subscribe(chat.id, SubscriptionKind.BANS)
    return chat.id


async def add_items(store: Store, count: int, start: int = 0) -> None:
    feed, _ = await store.feeds.add("https://example.com/feed")
    assert feed.id is not None
    now = store.clock.now()
    await store.items.add_many([make_item(feed.id, start + n, now) for n in range(count)])


async def test_alert_reply_has_why_and_link(store: Store, clock: FakeClock) -> None:
    await subscribe(store, "1")
    await add_items(store, 1)
    [alert] = await store.outbox.due()
    reply = alert_reply(alert.item)
    [entry] = reply.entries
    assert entry.why is not None
    assert "WeChat" in entry.why
    assert entry.url == "https://example.com/0"
    assert reply.extra["kind"] == "alert"


async def test_sends_each_alert_once(store: Store, clock: FakeClock) -> None:
    await subscribe(store, "1")
    await subscribe(store, "2")
    await add_items(store, 3)
    fake = FakeTransport(store.clock)
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    assert await drive(clock, sender.drain()) == 6
    assert sorted(fake.chat_keys()) == ["1"] * 3 + ["2"] * 3
    assert await drive(clock, sender.drain()) == 0
    assert await store.outbox.pending_count() == 0


async def test_chat_gone_deactivates_and_drops(store: Store, clock: FakeClock) -> None:
    chat_id = await subscribe(store, "1")
    await add_items(store, 2)
    fake = FakeTransport(store.clock, faults={"1": [ChatGone("blocked")]})
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    await drive(clock, sender.drain())
    assert fake.sent == []
    chat = await store.chats.get(chat_id)
    assert chat is not None
    assert not chat.active
    assert await store.outbox.pending_count() == 0


async def test_chat_moved_is_followed(store: Store, clock: FakeClock) -> None:
    chat_id = await subscribe(store, "-1", "group")
    await add_items(store, 2)
    fake = FakeTransport(store.clock, faults={"-1": [ChatMoved("-1001")]})
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    await drive(clock, sender.drain())
    assert fake.chat_keys() == ["-1001", "-1001"]
    chat = await store.chats.get(chat_id)
    assert chat is not None
    assert chat.key == "-1001"


async def test_retry_later_waits_and_pauses(store: Store, clock: FakeClock) -> None:
    await subscribe(store, "1")
    await subscribe(store, "2")
    await add_items(store, 1)
    fake = FakeTransport(clock, faults={"1": [RetryLater(30)]})
    sender = Sender(store, {"fake": fake}, {"fake": FAST}, idle=5)
    task = asyncio.create_task(sender.run())
    try:
        await clock.advance(29)
        # The platform is paused: neither chat got a message before retry_after passed,
        # and the refusal was not counted as a failure.
        assert fake.sent == []
        assert sender.failed == 0
        await clock.run_until(lambda: len(fake.sent) >= 2, limit=60)
        # The send is marked right after the platform's answer: let the running sender
        # record it before stopping it (a run under load stopped it in between).
        for _ in range(200):
            if await store.outbox.pending_count() == 0:
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
    assert min(fake.times) >= 30
    assert sorted(fake.chat_keys()) == ["1", "2"]
    assert await store.outbox.pending_count() == 0


async def test_a_chat_keeps_its_order_after_a_retry_after(store: Store, clock: FakeClock) -> None:
    await subscribe(store, "1")
    await add_items(store, 3)
    fake = FakeTransport(clock, faults={"1": [RetryLater(30)]})
    sender = Sender(store, {"fake": fake}, {"fake": FAST}, idle=5)
    task = asyncio.create_task(sender.run())
    try:
        await clock.run_until(lambda: len(fake.sent) == 3, limit=120)
    finally:
        task.cancel()
    # The refused first alert goes out first once the wait is over; the later ones follow it.
    titles = [reply.entries[0].title for _, reply in fake.sent]
    assert titles == [f"WeChat closes crypto accounts {n}" for n in range(3)]
    assert min(fake.times) >= 30


async def test_transient_error_backs_off_and_counts(store: Store, clock: FakeClock) -> None:
    await subscribe(store, "1")
    await add_items(store, 1)
    fake = FakeTransport(store.clock, faults={"1": [TransientDeliveryError("502")]})
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    await drive(clock, sender.drain())
    assert fake.sent == []
    assert sender.failed == 1
    [row] = await store.db.fetchall("SELECT attempts, status, last_error FROM outbox")
    assert row["attempts"] == 1
    assert row["status"] == "pending"
    assert "502" in row["last_error"]
    nxt = await store.outbox.next_due()
    assert nxt is not None
    assert nxt > clock.now() + timedelta(seconds=1)


async def test_unexpected_error_does_not_stop_the_sender(store: Store, clock: FakeClock) -> None:
    class Boom(FakeTransport):
        async def send(self, chat: Chat, reply: Reply) -> None:
            if chat.key == "1":
                raise ValueError("bug")
            await super().send(chat, reply)

    await subscribe(store, "1")
    await subscribe(store, "2")
    await add_items(store, 1)
    fake = Boom(clock)
    sender = Sender(store, {"fake": fake}, {"fake": FAST})
    await drive(clock, sender.drain())
    assert fake.chat_keys() == ["2"]


async def test_per_chat_pacing(store: Store, clock: FakeClock) -> None:
    await subscribe(store, "1")
    await add_items(store, 4)
    fake = FakeTransport(clock)
    pacing = Pacing(global_per_second=1000, chat_per_second=10, group_per_minute=1000)
    sender = Sender(store, {"fake": fake}, {"fake": pacing})
    assert await drive(clock, sender.drain()) == 4
    gaps = [b - a for a, b in zip(fake.times, fake.times[1:], strict=False)]
    assert min(gaps) >= 0.1 - 1e-9  # 10 per second to one chat, no burst


def most_in_any_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered[i:] if t < start + window) for i, start in enumerate(ordered))


async def test_global_pacing_across_chats(store: Store, clock: FakeClock) -> None:
    for n in range(40):
        await subscribe(store, str(n))
    await add_items(store, 1)
    fake = FakeTransport(clock)
    pacing = Pacing(global_per_second=20, chat_per_second=1000, group_per_minute=100_000)
    sender = Sender(store, {"fake": fake}, {"fake": pacing})
    assert await drive(clock, sender.drain()) == 40
    assert sorted(fake.chat_keys(), key=int) == [str(n) for n in range(40)]
    # The global bucket holds one: one message every 50 ms of the clock, no burst at the start,
    # so never more than 20 in any second, and the 40 take 39 steps of 50 ms.
    assert most_in_any_window(fake.times, 1.0) <= 20
    assert max(fake.times) - min(fake.times) >= 39 * 0.05 - 1e-6


async def test_group_pacing_per_minute(store: Store, clock: FakeClock) -> None:
    await subscribe(store, "-5", "group")
    await add_items(store, 8)
    fake = FakeTransport(clock)
    pacing = Pacing(global_per_second=1000, chat_per_second=1000, group_per_minute=3)
    sender = Sender(store, {"fake": fake}, {"fake": pacing}, fold_after=100)
    assert await drive(clock, sender.drain()) == 8
    # Never more than 3 in any minute of the clock, and no slower than that either.
    assert most_in_any_window(fake.times, 60.0) == 3
    assert max(fake.times) < 3 * 60
    assert fake.chat_keys() == ["-5"] * 8


async def test_wake_sends_at_once(store: Store, clock: FakeClock) -> None:
    await subscribe(store, "1")
    fake = FakeTransport(clock)
    sender = Sender(store, {"fake": fake}, {"fake": FAST}, idle=30)
    task = asyncio.create_task(sender.run())
    try:
        await clock.advance(1)  # the sender looked, found nothing, and waits up to 30 s
        await add_items(store, 1)
        sender.wake()
        await clock.run_until(lambda: bool(fake.sent), limit=0)  # no clock time passes
    finally:
        task.cancel()
    assert fake.times == [1.0]


async def test_restart_sends_pending_rows(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "bw.db"
    async with Store.open(path, clock) as s1:
        await subscribe(s1, "1")
        await add_items(s1, 2)
    async with Store.open(path, clock) as s2:
        assert await s2.outbox.pending_count() == 2
        fake = FakeTransport(clock)
        await drive(clock, Sender(s2, {"fake": fake}, {"fake": FAST}).drain())
        assert fake.chat_keys() == ["1", "1"]
    async with Store.open(path, clock) as s3:
        fake = FakeTransport(clock)
        assert await drive(clock, Sender(s3, {"fake": fake}, {"fake": FAST}).drain()) == 0


async def test_a_chats_backlog_does_not_hold_up_others(store: Store, clock: FakeClock) -> None:
    await subscribe(store, "busy")
    await add_items(store, 6)
    fake = FakeTransport(clock)
    pacing = Pacing(global_per_second=1000, chat_per_second=4, group_per_minute=1000)
    sender = Sender(store, {"fake": fake}, {"fake": pacing}, idle=5, round_seconds=0.3)
    task = asyncio.create_task(sender.run())
    try:
        await clock.run_until(lambda: len(fake.sent) >= 1)
        await subscribe(store, "new")
        await add_items(store, 1, start=100)
        sender.wake()
        await clock.run_until(lambda: "new" in fake.chat_keys(), limit=3)
        # The newcomer's alert went out before the busy chat's backlog (1.5 s at 4/s) ended.
        assert fake.chat_keys().count("busy") < 6
        await clock.run_until(lambda: len(fake.sent) == 7, limit=10)
    finally:
        task.cancel()
    busy = [t for (key, _), t in zip(fake.sent, fake.times, strict=True) if key == "busy"]
    assert min(b - a for a, b in itertools.pairwise(busy)) >= 0.25 - 1e-9
