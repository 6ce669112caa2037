"""Several processes on one database share the work: each feed is polled by one of them at a
time, one of them sends to each platform, and what a process killed with SIGKILL held is taken
over once its leases expire. Several `Store` objects on one database stand for processes here
(each has its own connections); tests/test_workers.py runs real processes.

On both backends: on SQLite the file lock keeps one Banwatch per file in production, and the
same code path must keep working there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.commands.reply import Reply
from bot.delivery import Pacing, Sender
from bot.digest import DigestTask
from bot.models import Chat, SubscriptionKind
from bot.store import Store
from bot.store.migrations import MIGRATIONS
from tests.support.clock import FakeClock, drive
from tests.test_delivery import add_items

FAST = Pacing(global_per_second=1000, chat_per_second=1000, group_per_minute=100_000)
LEASE = 30.0


class Recorder:
    platform = "fake"

    def __init__(self, name: str, log: list[tuple[str, str]]) -> None:
        self.name = name
        self.log = log

    async def send(self, chat: Chat, reply: Reply) -> None:
        self.log.append((self.name, chat.key))


@pytest.fixture
async def three(
    database: Path | str, clock: FakeClock
) -> AsyncIterator[tuple[Store, Store, Store]]:
    async with (
        Store.open(database, clock) as a,
        Store.open(database, clock) as b,
        Store.open(database, clock) as c,
    ):
        yield a, b, c


async def add_feeds(store: Store, count: int) -> None:
    await store.feeds.add_many((f"https://f{n}.example/rss", "", None) for n in range(count))


async def test_one_owner_holds_a_lease_until_it_expires_or_is_given_back(
    three: tuple[Store, Store, Store], clock: FakeClock
) -> None:
    a, b, _ = three
    assert await a.leases.take("sender:telegram", "A", LEASE) is not None
    assert await b.leases.take("sender:telegram", "B", LEASE) is None  # held by A
    await clock.advance(LEASE / 2)
    assert await a.leases.take("sender:telegram", "A", LEASE) is not None  # renewed
    await clock.advance(LEASE / 2 + 1)
    assert await b.leases.take("sender:telegram", "B", LEASE) is None  # the renewal holds
    await clock.advance(LEASE)  # A stopped renewing (killed): expired
    assert await b.leases.take("sender:telegram", "B", LEASE) is not None
    holder = await a.leases.holder("sender:telegram")
    assert holder is not None and holder[0] == "B"
    assert not await a.leases.give_back("sender:telegram", "A")  # not A's any more
    assert await b.leases.give_back("sender:telegram", "B")
    assert await a.leases.take("sender:telegram", "A", LEASE) is not None  # free at once


async def test_processes_that_look_at_once_poll_different_feeds(
    three: tuple[Store, Store, Store], clock: FakeClock
) -> None:
    a, b, c = three
    await add_feeds(a, 30)
    now = clock.now()
    taken = await asyncio.gather(
        *(
            s.feeds.lease_due(name, now, limit=12, seconds=LEASE)
            for s, name in zip(three, "ABC", strict=True)
        )
    )
    ids = [f.id for feeds in taken for f in feeds]
    assert len(ids) == len(set(ids)) == 30  # every feed once, none twice
    # Nothing left to take while the leases hold.
    assert await c.feeds.lease_due("C", now, limit=30, seconds=LEASE) == []
    # A feed polled and saved is free again, and due at its next poll.
    polled = taken[0][0]
    polled.next_poll = now + timedelta(seconds=300)
    await a.feeds.save_health(polled)
    assert await c.feeds.lease_due("C", now, limit=30, seconds=LEASE) == []
    await clock.advance(LEASE + 1)  # A, B and C were killed: their feeds are due again
    again = await b.feeds.lease_due("B", clock.now(), limit=100, seconds=LEASE)
    assert {f.id for f in again} == set(ids) - {polled.id}
    # The next look waits for the leases, not for a feed that is leased already.
    due = await a.feeds.next_due()
    assert due is not None and due > clock.now()


async def test_one_process_sends_and_another_takes_over_when_it_is_killed(
    three: tuple[Store, Store, Store], clock: FakeClock
) -> None:
    a, b, _ = three
    for n in range(6):
        chat = await a.chats.ensure("fake", str(1001 + n))
        assert chat.id is not None
        await a.chats.subscribe(chat.id, SubscriptionKind.BANS)
    log: list[tuple[str, str]] = []

    def sender(store: Store, name: str) -> Sender:
        return Sender(
            store,
            {"fake": Recorder(name, log)},
            {"fake": FAST},
            elect=True,
            lease_seconds=LEASE,
            claim_seconds=LEASE,
            owner=name,
        )

    first, second = sender(a, "A"), sender(b, "B")
    await add_items(a, 1)
    assert await drive(clock, first.send_due()) == 6
    await add_items(a, 1, start=1)
    assert await drive(clock, second.send_due()) == 0  # A sends to this platform: B only polls
    # A claims the second item's alerts, then is killed before sending them.
    killed = await a.outbox.claim("A", limit=100, seconds=LEASE)
    assert len(killed) == 6
    assert await drive(clock, second.send_due()) == 0
    await clock.advance(LEASE + 1)  # A's lease and claims expire
    assert await drive(clock, second.send_due()) == 6
    assert sorted(log) == sorted([("A", str(1001 + n)) for n in range(6)]) + sorted(
        [("B", str(1001 + n)) for n in range(6)]
    )
    assert await a.outbox.pending_count() == 0


async def test_each_digest_goes_out_once_across_processes(
    three: tuple[Store, Store, Store], clock: FakeClock
) -> None:
    a, _, _ = three
    for n in range(4):
        chat = await a.chats.ensure("fake", str(2001 + n))
        assert chat.id is not None
        await a.chats.set_digest(chat.id, enabled=True, at="00:00", tz="UTC")
    log: list[tuple[str, str]] = []
    tasks = []
    for store, name in zip(three, "ABC", strict=True):
        transports = {"fake": Recorder(name, log)}
        sender = Sender(
            store, transports, {"fake": FAST}, elect=True, lease_seconds=LEASE, owner=name
        )
        await drive(clock, sender.send_due())  # takes the platform's lease, or finds it held
        tasks.append(DigestTask(store, transports, clock=clock, may_send=sender.holds))
    sent = [await drive(clock, task.send_due()) for task in tasks]
    assert sorted(sent) == [0, 0, 4]
    assert sorted(key for _, key in log) == [str(2001 + n) for n in range(4)]
    assert len({name for name, _ in log}) == 1


@pytest.mark.sqlite_only
async def test_migration_11_keeps_feeds_and_runs_again_on_a_store_set_back(
    database: Path | str, clock: FakeClock
) -> None:
    """A store of ten migrations gets the lease columns with its feeds kept; one whose
    version was set back by hand runs step 11 again without harm."""
    async with Store.open(database, clock) as store:
        await add_feeds(store, 3)
        async with store.db.transaction() as tx:
            await tx.execute("PRAGMA user_version = 10")
    async with Store.open(database, clock) as store:
        taken = await store.feeds.lease_due("A", clock.now(), limit=10)
        assert len(taken) == 3
        version = await store.db.fetchone("PRAGMA user_version")
        assert version is not None and version[0] == len(MIGRATIONS)
