"""Delivering queued alerts: the outbox, paced, to whichever chat platform each chat lives on.

The core writes one outbox row per (chat, item) when a flagged item is stored. `Sender.run`
claims the due rows (bot/store/outbox.py: no other sender on the database can hold them),
paces them inside each platform's limits and hands each one to that platform's `Transport`.
A row is marked sent only after the platform accepted the message, so a crash repeats at
most the message in flight. A sender starts no send in the last CLAIM_MARGIN seconds of its
claim (a fifth of it, for shorter claims), and marks or retries only rows it still holds;
what it did not finish in a round it gives back at the round's end.

    RetryLater             → wait what the platform asked (not counted as a failure), and
                             pause the whole platform for that long: none of its rows are
                             taken meanwhile, so each chat's alerts keep their order
    TransientDeliveryError → retry with exponential backoff (the outbox gives up after a while)
    ChatGone               → deactivate the chat; its pending alerts are dropped
    ChatMoved              → follow the chat to its new key and send again at once

This module knows no chat library: adapters implement `Transport`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.clock import Bucket, Clock, Window, wait_event
from bot.commands.alerts import alert_reply, folded_reply
from bot.commands.reply import Reply
from bot.errors import ChatGone, ChatMoved, DeliveryError, RetryLater, TransientDeliveryError
from bot.models import Chat
from bot.store import Alert, Store
from bot.store.leases import LEASE_SECONDS
from bot.store.outbox import CLAIM_SECONDS, new_owner

log = logging.getLogger(__name__)

BACKOFF_BASE = 2.0  # seconds; doubled per failed attempt
BACKOFF_MAX = 600.0
MAX_LIMITERS = 10_000  # per-chat limiters kept (least recently used are forgotten)
FOLD_AFTER = 10  # more alerts than this due at once for one chat fold ...
FOLD_KEEP = 3  # ... into this many single alerts and one summary of the rest
# No send starts this close to the end of the row's claim: a send (with its timeouts) must end
# before another sender may take the row. What is left goes back and is claimed again.
CLAIM_MARGIN = 60.0


class Transport(Protocol):
    """One chat platform's way to send a reply to a chat, raising DeliveryError subclasses."""

    platform: str

    async def send(self, chat: Chat, reply: Reply) -> None: ...


@dataclass(frozen=True, slots=True)
class Pacing:
    """Proactive limits, kept a little under the platform's own (Telegram's by default)."""

    global_per_second: float = 29.0
    chat_per_second: float = 1.0
    group_per_minute: float = 19.0


# Discord allows about 50 requests a second per bot and 5 messages per 5 s per channel;
# every server channel is a "group", so the per-minute window keeps a channel under 60.
DISCORD_PACING = Pacing(global_per_second=40.0, chat_per_second=1.0, group_per_minute=50.0)


def _own_count(transport: Transport) -> int | None:
    """The 429 answers a transport counts itself (`rate_limited`), or None if it does not."""
    count = getattr(transport, "rate_limited", None)
    return count if isinstance(count, int) else None


class _Limits:
    """The limiters of one platform: one global bucket, one per chat, one per group."""

    def __init__(self, pacing: Pacing, clock: Clock) -> None:
        self.pacing = pacing
        self.clock = clock
        # A bucket of one here too: a bucket of N would let a burst of N through on top of the
        # steady rate, and the platform counts that burst against its per-second limit.
        self.overall = Bucket(1, 1.0 / pacing.global_per_second, clock)
        self.chats: OrderedDict[int, list[Bucket | Window]] = OrderedDict()
        self.paused_until = 0.0  # clock.monotonic() time

    def for_chat(self, chat: Chat) -> list[Bucket | Window]:
        key = chat.id or 0
        limiters: list[Bucket | Window] | None = self.chats.get(key)
        if limiters is None:
            # A bucket of one: at most chat_per_second, with no burst.
            limiters = [Bucket(1, 1.0 / self.pacing.chat_per_second, self.clock)]
            if chat.kind != "private":
                # A window, not a bucket: a bucket of N per minute lets N through at once and
                # N more as it drains, 2N in one minute.
                limiters.append(Window(int(self.pacing.group_per_minute), 60.0, self.clock))
            self.chats[key] = limiters
            while len(self.chats) > MAX_LIMITERS:
                self.chats.popitem(last=False)
        self.chats.move_to_end(key)
        return limiters


class Sender:
    """Sends due outbox rows until cancelled. `wake()` makes it look at the outbox at once."""

    def __init__(
        self,
        store: Store,
        transports: Mapping[str, Transport],
        pacing: Mapping[str, Pacing] | None = None,
        *,
        batch: int = 1000,
        idle: float = 10.0,
        concurrency: int = 64,
        round_seconds: float = 2.0,
        fold_after: int = FOLD_AFTER,
        fold_keep: int = FOLD_KEEP,
        clock: Clock | None = None,
        owner: str | None = None,
        claim_seconds: float = CLAIM_SECONDS,
        notices: bool = False,
        elect: bool = False,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        """`notices`: also send the operator's notices (BOT_ADMIN_CHAT, bot/ops/admin.py).
        `elect`: send to a platform only while this process holds its sender lease (see
        `Sender.holds`): with several processes on one database, one sends to each platform,
        so the bot keeps one pace across them all; and one message at a time is in flight
        per platform, sent and marked (`_turn`), so a killed sender repeats at most one."""
        self.store = store
        self.elect = elect
        self.lease_seconds = lease_seconds
        self.lease_margin = min(CLAIM_MARGIN, lease_seconds / 5)
        self._leases: dict[str, datetime] = {}  # platform → until when this process sends
        self.one_in_flight = elect
        self._turns: dict[str, asyncio.Lock] = {}
        self._renewing = asyncio.Lock()
        self.notices = notices
        self.owner = owner or new_owner()  # the name this sender's claims carry
        self.claim_seconds = claim_seconds
        self.claim_margin = min(CLAIM_MARGIN, claim_seconds / 5)
        self.transports = transports
        self.clock = clock or store.clock
        pacing = pacing or {}
        self._limits = {
            name: _Limits(pacing.get(name, Pacing()), self.clock) for name in transports
        }
        self.batch = batch
        self.idle = idle
        self.round_seconds = round_seconds  # a busy chat yields to the next round after this
        self.fold_after = fold_after
        self.fold_keep = fold_keep
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self.sent = 0  # counters, for /stats-like logs, /metrics and tests
        self.failed = 0
        self._asked_to_wait = 0  # RetryLater from transports that do not count their 429s

    @property
    def rate_limited(self) -> int:
        """Answers asking to wait (HTTP 429): the RetryLater this sender met, and the 429s a
        transport counts itself (Discord's client waits short ones out, unseen here)."""
        return self._asked_to_wait + sum(
            count for t in self.transports.values() if (count := _own_count(t)) is not None
        )

    def _waited(self, platform: str) -> None:
        """A RetryLater from `platform`: counted, unless its transport counts its own 429s."""
        if _own_count(self.transports[platform]) is None:
            self._asked_to_wait += 1

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        try:
            while True:
                self._wake.clear()
                try:
                    attempted = await self.send_due()
                    delay = await self._until_next_due()
                    if not attempted and delay <= 0:
                        delay = self.idle  # nothing could be taken after all: never spin
                except Exception:
                    log.exception("sender round failed; trying again shortly")
                    delay = min(self.idle, 5.0)
                if self.elect:  # renew our leases in time, or look for one set free
                    delay = min(delay, self.lease_seconds / 3)
                if delay > 0:
                    await wait_event(self.clock, self._wake, delay)
        finally:
            await self._give_back_leases()

    def _lease_name(self, platform: str) -> str:
        return f"sender:{platform}"

    def holds(self, platform: str) -> bool:
        """May this process send to `platform` now: it holds the platform's sender lease with
        time to spare (always, without `elect`). Digests ask it too."""
        if not self.elect:
            return True
        until = self._leases.get(platform)
        return until is not None and (until - self.clock.now()).total_seconds() > self.lease_margin

    async def _elected(self, platforms: list[str]) -> list[str]:
        """The platforms of `platforms` this process sends to: it takes or renews their
        leases (renewed once half of one has passed)."""
        if not self.elect:
            return platforms
        return [p for p in platforms if await self._may_send(p)]

    async def _may_send(self, platform: str) -> bool:
        if not self.elect:
            return True
        if self._fresh(platform):
            return True
        async with self._renewing:
            if self._fresh(platform):
                return True
            try:
                await self._renew(platform)
            except Exception as exc:  # the database is away: our lease holds until it ends
                log.warning("sender lease of %s not renewed: %s", platform, exc)
        return self.holds(platform)

    def _fresh(self, platform: str) -> bool:
        until = self._leases.get(platform)
        left = (until - self.clock.now()).total_seconds() if until is not None else 0.0
        return left > self.lease_seconds / 2

    async def _renew(self, platform: str) -> None:
        name = self._lease_name(platform)
        had = platform in self._leases
        until = await self.store.leases.take(name, self.owner, self.lease_seconds)
        if until is None:
            if had:
                log.warning("another process sends to %s now (this one's lease ran out)", platform)
            self._leases.pop(platform, None)
            return
        self._leases[platform] = until
        if not had:
            # The previous sender's lease ran out: it starts no send any more, so what it
            # held is ours at once rather than when each claim expires.
            freed = await self.store.outbox.release_others(platform, self.owner)
            log.info(
                "this process sends to %s now%s",
                platform,
                f" ({freed} alerts the previous sender held taken over)" if freed else "",
            )

    async def _give_back_leases(self) -> None:
        """At a clean stop: another process becomes the sender at once."""
        for platform in list(self._leases):
            self._leases.pop(platform, None)
            with contextlib.suppress(Exception):
                await self.store.leases.give_back(self._lease_name(platform), self.owner)

    async def drain(self, *, within: float = 10.0) -> int:
        """Send until nothing is due (for tests and the CLI). Returns the messages sent."""
        before = self.sent
        async with asyncio.timeout(within):
            while await self.send_due():
                pass
        return self.sent - before

    def _open_platforms(self) -> list[str]:
        """The platforms not paused by a rate limit right now."""
        now = self.clock.monotonic()
        return [name for name, limits in self._limits.items() if limits.paused_until <= now]

    async def send_due(self) -> int:
        """One round: claim the due rows of the platforms not paused, send them (chats in
        parallel, each chat's rows in order), give back what is left. Returns how many rows
        were claimed."""
        platforms = await self._elected(self._open_platforms())
        if not platforms:
            return 0
        # few, and before a claim starts to run
        told = await self._send_notices(platforms) if self.notices else 0
        known = await self.store.outbox.claim(
            self.owner,
            limit=self._claim_limit(platforms),
            platforms=platforms,
            seconds=self.claim_seconds,
        )
        by_chat: dict[int, list[Alert]] = {}
        for alert in known:
            by_chat.setdefault(alert.chat.id or 0, []).append(alert)
        if by_chat:
            keeper = asyncio.create_task(self._keep_leases(platforms)) if self.elect else None
            try:
                await asyncio.gather(*(self._send_chat(rows) for rows in by_chat.values()))
            finally:
                if keeper is not None:
                    keeper.cancel()
                    await asyncio.gather(keeper, return_exceptions=True)
                await self.store.outbox.release(self.owner)
        return len(known) + told

    def _claim_limit(self, platforms: list[str]) -> int:
        """The batch, and with one message in flight no more than the slowest of these
        platforms' paces can send before the claim runs low (the rest would only go back)."""
        if not self.one_in_flight:
            return self.batch
        rate = min(self._limits[p].pacing.global_per_second for p in platforms)
        return max(1, min(self.batch, int(rate * (self.claim_seconds - self.claim_margin))))

    async def _keep_leases(self, platforms: list[str]) -> None:
        """Renew the sender leases while a round lasts, even when its chats all wait out
        their own limits (no send, so no renewal on the way)."""
        while True:
            await self.clock.sleep(self.lease_seconds / 4)
            for platform in platforms:
                await self._may_send(platform)

    async def _send_notices(self, platforms: list[str]) -> int:
        """The operator's notices (bot/store/notices.py), paced and retried like alerts.
        Returns how many were attempted."""
        notices = await self.store.notices.due(platforms)
        for notice in notices:
            limits = self._limits[notice.chat.platform]
            chat = await self.store.chats.for_delivery(notice.chat)
            await self._pace(limits, chat)
            try:
                await self.transports[chat.platform].send(chat, Reply(notice.text))
            except RetryLater as exc:
                self._waited(chat.platform)
                limits.paused_until = max(
                    limits.paused_until, self.clock.monotonic() + exc.retry_after
                )
                await self.store.notices.retry(notice.id, exc.retry_after, str(exc), count=False)
                break
            except ChatGone as exc:
                log.warning("the admin chat %s is gone (%s): notice dropped", chat.key, exc)
                await self.store.notices.drop(notice.id, str(exc))
            except Exception as exc:  # a transient fault, or a bug: retried with backoff
                self.failed += 1
                delay = min(BACKOFF_MAX, BACKOFF_BASE * 2**notice.attempts)
                outcome = await self.store.notices.retry(
                    notice.id, delay, f"{type(exc).__name__}: {exc}"
                )
                log.warning("notice %d to the admin chat: %s (%s)", notice.id, exc, outcome)
            else:
                await self.store.notices.mark_sent(notice.id)
                self.sent += 1
        return len(notices)

    async def _until_next_due(self) -> float:
        """Seconds until a row of an open platform is due, or a paused platform reopens."""
        now = self.clock.monotonic()
        delay = min(
            [self.idle]
            + [
                limits.paused_until - now
                for limits in self._limits.values()
                if limits.paused_until > now
            ]
        )
        platforms = self._open_platforms()
        nxt = await self.store.outbox.next_due(platforms) if platforms else None
        if nxt is not None:
            delay = min(delay, (nxt - self.clock.now()).total_seconds())
        told = await self.store.notices.next_due(platforms) if self.notices else None
        if told is not None:
            delay = min(delay, (told - self.clock.now()).total_seconds())
        return max(0.0, delay)

    async def _send_chat(self, alerts: list[Alert]) -> None:
        deadline = self.clock.monotonic() + self.round_seconds
        folded: list[Alert] = []
        if len(alerts) > self.fold_after:  # a burst: a few alerts, then one summary message
            alerts, folded = alerts[: self.fold_keep], alerts[self.fold_keep :]
        async with self._slots:
            chat = await self.store.chats.for_delivery(alerts[0].chat)  # topic, zone
            for alert in alerts:
                moved = await self._send_one(replace(alert, chat=chat))
                if moved is None:
                    return  # this chat failed or is gone: the rest wait for a later round
                chat = moved
                if self.clock.monotonic() > deadline and not folded:
                    return  # a backlog paced at 1/s must not hold up other chats' alerts
            if folded:
                first = replace(folded[0], chat=chat)
                reply = folded_reply([a.item for a in folded], chat.lang)
                await self._send_one(first, reply, also=[a.id for a in folded[1:]])

    async def _send_one(
        self, alert: Alert, reply: Reply | None = None, also: list[int] | None = None
    ) -> Chat | None:
        """Deliver one alert (or `reply` standing for it and the `also` rows, all marked sent
        together). Returns the chat (possibly moved) to go on with, or None."""
        chat = alert.chat
        transport = self.transports[chat.platform]
        limits = self._limits[chat.platform]
        chat_id = chat.id
        assert chat_id is not None  # noqa: S101 - outbox rows name stored chats
        reply = reply or alert_reply(alert.item, chat.lang, chat.tz)
        for _ in range(3):  # a chat can move, and move back, but not forever
            if not self._still_ours(alert):
                return None  # no pace spent on a row that goes back
            await self._pace(limits, chat, overall=not self.one_in_flight)
            async with self._turn(chat.platform):
                if self.one_in_flight:  # the bot's pace, taken in turn
                    await self._pace_overall(limits)
                if not self._still_ours(alert) or not await self._may_send(chat.platform):
                    return None
                try:
                    await transport.send(chat, reply)
                except ChatMoved as exc:
                    log.info("chat %s moved to %s; following it", chat.key, exc.new_key)
                    await self.store.chats.move(chat_id, exc.new_key)
                    chat = replace(chat, key=exc.new_key, kind="group")
                    continue
                except RetryLater as exc:
                    self._waited(chat.platform)
                    log.warning(
                        "%s asked to wait %.0fs (chat %s)", chat.platform, exc.retry_after, chat.key
                    )
                    until = self.clock.monotonic() + exc.retry_after
                    limits.paused_until = max(limits.paused_until, until)
                    # Due again at once, but the paused platform's rows are not taken until the
                    # pause ends: then this chat's alerts go out in their order.
                    await self.store.outbox.retry(
                        alert.id, 0, str(exc), owner=self.owner, count=False
                    )
                    return None
                except ChatGone as exc:
                    dropped = await self.store.chats.deactivate(chat_id, str(exc))
                    log.info("chat %s is gone (%s); dropped %d alerts", chat.key, exc, dropped)
                    return None
                except TransientDeliveryError as exc:
                    await self._backoff(alert, exc)
                    return None
                except DeliveryError as exc:  # an adapter's own subclass: treat as transient
                    await self._backoff(alert, exc)
                    return None
                except Exception as exc:
                    log.exception(
                        "sending alert %d to chat %s failed unexpectedly", alert.id, chat.key
                    )
                    await self._backoff(alert, exc)
                    return None
                else:
                    ids = [alert.id, *(also or [])]
                    marked = await self.store.outbox.mark_sent_many(ids, self.owner)
                    if marked < len(ids):  # only when a send outlived CLAIM_MARGIN
                        log.warning(
                            "alert %d to chat %s was sent after its claim ran out; another sender "
                            "may send it again",
                            alert.id,
                            chat.key,
                        )
                    self.sent += 1
                    return chat
        await self._backoff(alert, DeliveryError("chat keeps moving"))
        return None

    async def _backoff(self, alert: Alert, exc: BaseException) -> None:
        self.failed += 1
        delay = min(BACKOFF_MAX, BACKOFF_BASE * 2**alert.attempts) * random.uniform(0.8, 1.2)
        outcome = await self.store.outbox.retry(
            alert.id, delay, f"{type(exc).__name__}: {exc}", owner=self.owner
        )
        if outcome == "pending":
            log.info(
                "alert %d to chat %s: %s; retry in %.0fs", alert.id, alert.chat.key, exc, delay
            )
        elif outcome == "dead":
            log.warning("alert %d to chat %s gave up: %s", alert.id, alert.chat.key, exc)

    def _still_ours(self, alert: Alert) -> bool:
        """Whether there is time left on the row's claim to start a send."""
        if alert.claimed_until is None:
            return True
        left = (alert.claimed_until - self.clock.now()).total_seconds()
        if left > self.claim_margin:
            return True
        log.info("alert %d: its claim is running out; it goes back to the outbox", alert.id)
        return False

    async def _pace(self, limits: _Limits, chat: Chat, *, overall: bool = True) -> None:
        await self._wait_pause(limits)
        for limiter in limits.for_chat(chat):
            await limiter.acquire()
        if overall:
            await limits.overall.acquire()

    async def _pace_overall(self, limits: _Limits) -> None:
        await self._wait_pause(limits)
        await limits.overall.acquire()

    async def _wait_pause(self, limits: _Limits) -> None:
        for _ in range(1000):  # a pause can be extended while we wait for it
            wait = limits.paused_until - self.clock.monotonic()
            if wait <= 0:
                break
            await self.clock.sleep(wait)

    def _turn(self, platform: str) -> contextlib.AbstractAsyncContextManager[object]:
        """With `one_in_flight`, one message at a time per platform: its send and its mark
        (so a process killed with SIGKILL leaves at most one message sent and not marked,
        the one duplicate another sender may repeat); chats still wait out their own
        limits side by side."""
        if not self.one_in_flight:
            return contextlib.nullcontext()
        return self._turns.setdefault(platform, asyncio.Lock())
