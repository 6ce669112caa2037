"""Two senders on one SQLite file: each outbox row is claimed by one of them (an owner and an
expiry, taken in one write transaction), so no alert is sent twice; a claim left by a sender
that died returns to the pool when it expires, and not before.

Two `Store` objects on the same file stand for two processes here (each has its own SQLite
connections, so SQLite's file locking is what keeps them apart); the last test runs a real
second process against the fake Telegram Bot API.
"""

from __future__ import annotations

import asyncio
import collections
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from bot.commands.reply import Reply
from bot.delivery import Pacing, Sender
from bot.models import Chat, SubscriptionKind
from bot.store import Store
from bot.store.outbox import CLAIM_SECONDS
from tests.support.botapi import FakeBotAPI
from tests.support.clock import FakeClock, drive
from tests.test_delivery import add_items

FAST = Pacing(global_per_second=1000, chat_per_second=1000, group_per_minute=100_000)
CHATS = 50
ITEMS = 20  # 50 chats × 20 items = 1,000 alerts


@dataclass
class Recorder:
    """A transport that notes which (chat, item link) each message was, and who sent it."""

    name: str
    log: list[tuple[str, str, str]]
    platform: str = "fake"
    sent: int = field(default=0)

    async def send(self, chat: Chat, reply: Reply) -> None:
        await asyncio.sleep(0)  # let the other sender run between messages
        url = reply.entries[0].url or ""
        self.log.append((self.name, chat.key, url))
        self.sent += 1


@pytest.fixture
async def store(database: Path | str, clock: FakeClock) -> AsyncIterator[Store]:
    async with Store.open(database, clock) as opened:
        yield opened


@pytest.fixture
async def two_stores(database: Path | str, clock: FakeClock) -> AsyncIterator[tuple[Store, Store]]:
    path = database
    async with Store.open(path, clock) as first, Store.open(path, clock) as second:
        yield first, second


async def fill(store: Store, chats: int, items: int, platform: str = "fake") -> None:
    for n in range(chats):
        chat = await store.chats.ensure(platform, str(1001 + n))
        assert chat.id is not None
        await store.chats.subscribe(chat.id, SubscriptionKind.BANS)
    await add_items(store, items)


async def test_two_senders_on_one_file_send_every_alert_exactly_once(
    two_stores: tuple[Store, Store], clock: FakeClock
) -> None:
    first, second = two_stores
    await fill(first, CHATS, ITEMS)
    log: list[tuple[str, str, str]] = []
    a, b = Recorder("a", log), Recorder("b", log)
    # Small batches, so the two senders take turns all along instead of one taking everything.
    senders = [
        Sender(store, {"fake": transport}, {"fake": FAST}, batch=25, fold_after=1000)
        for store, transport in ((first, a), (second, b))
    ]
    await drive(clock, asyncio.gather(*(s.drain(within=60) for s in senders)))

    per_alert = collections.Counter((key, url) for _, key, url in log)
    print(f"{len(log)} messages for {CHATS * ITEMS} alerts; a sent {a.sent}, b sent {b.sent}")
    assert len(per_alert) == CHATS * ITEMS
    assert set(per_alert.values()) == {1}, per_alert.most_common(3)
    assert a.sent > 0 and b.sent > 0  # both really took part
    # A chat's rows are held by one sender at a time: each chat still gets them in order.
    for n in range(CHATS):
        got = [int(url.rsplit("/", 1)[1]) for _, key, url in log if key == str(1001 + n)]
        assert got == sorted(got)
    assert await first.outbox.pending_count() == 0
    assert await second.outbox.pending_count() == 0


async def test_a_dead_senders_claim_is_taken_over_after_it_expires_not_before(
    two_stores: tuple[Store, Store], clock: FakeClock
) -> None:
    first, second = two_stores
    await fill(first, 2, 3)
    # The first sender claims every due row, then dies before sending any of them.
    claimed = await first.outbox.claim("dead-sender", limit=100)
    assert len(claimed) == 6

    log: list[tuple[str, str, str]] = []
    survivor = Recorder("survivor", log)
    sender = Sender(second, {"fake": survivor}, {"fake": FAST}, idle=5)
    task = asyncio.create_task(sender.run())
    try:
        await clock.advance(CLAIM_SECONDS - 1)
        assert log == []  # still the dead sender's: not sent before the claim expires
        await clock.run_until(lambda: len(log) == 6, limit=10)
    finally:
        task.cancel()
    assert clock.monotonic() >= CLAIM_SECONDS
    assert sorted(key for _, key, _ in log) == ["1001"] * 3 + ["1002"] * 3
    assert await second.outbox.pending_count() == 0


async def test_a_sender_whose_claim_was_taken_over_does_not_mark_the_row(
    two_stores: tuple[Store, Store], clock: FakeClock
) -> None:
    first, second = two_stores
    await fill(first, 1, 1)
    [slow] = await first.outbox.claim("slow", limit=10)
    await clock.advance(CLAIM_SECONDS + 1)  # the slow sender's claim ran out ...
    [taken] = await second.outbox.claim("fast", limit=10)  # ... and another sender took it
    assert taken.id == slow.id
    # The slow sender can neither mark it sent nor put it back for a retry: it is not theirs.
    assert not await first.outbox.mark_sent(slow.id, "slow")
    assert await first.outbox.retry(slow.id, 1.0, "502", owner="slow") == "lost"
    row = await first.db.fetchone("SELECT status, attempts FROM outbox WHERE id = ?", (slow.id,))
    assert row is not None
    assert (row["status"], row["attempts"]) == ("pending", 0)
    assert await second.outbox.mark_sent(taken.id, "fast")


async def test_no_send_starts_when_the_claim_is_about_to_run_out(
    store: Store, clock: FakeClock
) -> None:
    """A send is started only with time to spare on the row's claim (so it ends before
    another sender may take the row); a row whose claim ran low goes back and is claimed
    again."""
    await fill(store, 1, 3)
    left: list[float] = []

    class Checking(Recorder):
        async def send(self, chat: Chat, reply: Reply) -> None:
            row = await store.db.fetchone(
                "SELECT o.claimed_until FROM outbox o JOIN items i ON i.id = o.item_id"
                " WHERE i.url = ? AND o.chat_id = ?",
                (reply.entries[0].url, chat.id),
            )
            assert row is not None
            until = datetime.fromisoformat(row["claimed_until"])
            left.append((until - clock.now()).total_seconds())
            await super().send(chat, reply)

    log: list[tuple[str, str, str]] = []
    slow = Pacing(global_per_second=1000, chat_per_second=1 / 50, group_per_minute=1000)
    sender = Sender(
        store, {"fake": Checking("x", log)}, {"fake": slow}, claim_seconds=100, round_seconds=1000
    )
    await drive(clock, sender.drain(within=60))
    assert len(log) == 3  # one every 50 s: the third comes when the first claim has run out
    assert min(left) > sender.claim_margin, left


async def test_unfinished_claims_are_released_at_the_end_of_a_round(
    store: Store, clock: FakeClock
) -> None:
    """A chat's backlog cut short by the round's time limit goes back at once, not after the
    claim's expiry: the next round sends it."""
    await fill(store, 1, 6)
    log: list[tuple[str, str, str]] = []
    pacing = Pacing(global_per_second=1000, chat_per_second=4, group_per_minute=1000)
    sender = Sender(
        store, {"fake": Recorder("x", log)}, {"fake": pacing}, round_seconds=0.3, fold_after=100
    )
    await drive(clock, sender.drain())
    assert len(log) == 6
    assert clock.monotonic() < CLAIM_SECONDS


async def test_migration_keeps_pending_alerts_of_an_old_database(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A database written before claims existed (schema 2) is upgraded in place: its pending
    alerts are still pending, free to claim, and are sent once."""
    path = tmp_path / "old.db"
    async with Store.open(path, clock) as store:
        await fill(store, 2, 2)
        await store.db.writer.executescript(
            "BEGIN; DROP INDEX outbox_claims; ALTER TABLE outbox DROP COLUMN claimed_by;"
            " ALTER TABLE outbox DROP COLUMN claimed_until; PRAGMA user_version=2; COMMIT;"
        )
    async with Store.open(path, clock) as store:
        assert await store.outbox.pending_count() == 4
        log: list[tuple[str, str, str]] = []
        sender = Sender(store, {"fake": Recorder("x", log)}, {"fake": FAST})
        assert await drive(clock, sender.drain()) == 4
        assert collections.Counter(key for _, key, _ in log) == {"1001": 2, "1002": 2}


# --- a real second process --------------------------------------------------------------------

PROCESS_CHATS = 100
PROCESS_ITEMS = 5  # 500 alerts through real HTTP
WAIT_S = 60.0


def sender_process(
    database: Path | str, api: FakeBotAPI, name: str, go: Path
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.outbox_sender",
            str(database),
            api.url,
            api.token,
            str(go),
            name,
        ],
        env={**env, "PYTHONUNBUFFERED": "1"},
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
async def test_two_sender_processes_send_every_alert_exactly_once(
    bot_api: FakeBotAPI, tmp_path: Path, database: Path | str
) -> None:
    async with Store.open(database) as store:
        await fill(store, PROCESS_CHATS, PROCESS_ITEMS, platform="telegram")
    for n in range(PROCESS_CHATS):
        bot_api.private_chat(bot_api.user(1001 + n))
    go = tmp_path / "go"
    procs = [sender_process(database, bot_api, name, go) for name in ("a", "b")]
    try:
        # Both processes are up (they print "ready") before either starts sending.
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready", proc.stderr
        go.touch()
        started = time.monotonic()
        outputs = [proc.communicate(timeout=WAIT_S) for proc in procs]
        took = time.monotonic() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
    counts = [int(out.split()[-1]) for out, _ in outputs]
    # Each chat got each of its alerts (distinct titles) exactly once.
    per_chat = collections.Counter(
        (len(texts), len(set(texts)))
        for texts in (bot_api.texts(1001 + n) for n in range(PROCESS_CHATS))
    )
    total = bot_api.total_sent()
    print(
        f"{total} messages for {PROCESS_CHATS * PROCESS_ITEMS} alerts in {took:.1f}s"
        f" ({total / took:.0f}/s); the processes sent {counts}"
    )
    assert per_chat == {(PROCESS_ITEMS, PROCESS_ITEMS): PROCESS_CHATS}, per_chat
    assert total == PROCESS_CHATS * PROCESS_ITEMS
    assert sum(counts) == total
