"""The daily digest task: each chat's digest (`bot.commands.digest.build_digest`) at the
chat's local time (`/digest on 08:00 Europe/Paris`).

`DigestTask.run` looks every `every` seconds for chats whose digest time has passed today
(in their zone) and whose digest for that local date is not recorded yet, sends it through
the platform's `Transport` and records the date only once the platform accepted it: a crash
repeats at most the message in flight, and a failed send is tried again at the next look.
With several processes on one database, only the one sending to a platform (its sender
lease) sends that platform's digests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.commands.digest import build_digest, zone
from bot.delivery import Transport
from bot.errors import ChatGone, DeliveryError
from bot.store import Store
from bot.store.chats import DigestSettings

log = logging.getLogger(__name__)


def due_date(settings: DigestSettings, now: datetime) -> str | None:
    """The local date whose digest is due now, or None (not yet time, or already sent)."""
    tz = zone(settings.tz) or ZoneInfo("UTC")
    local = now.astimezone(tz)
    if local.strftime("%H:%M") < settings.at:
        return None
    day = local.date().isoformat()
    return None if settings.last_date is not None and settings.last_date >= day else day


class DigestTask:
    """Sends each chat's daily digest when its time has passed. One per chat and local day."""

    def __init__(
        self,
        store: Store,
        transports: Mapping[str, Transport],
        *,
        every: float = 30.0,
        clock: Clock | None = None,
        may_send: Callable[[str], bool] | None = None,
    ) -> None:
        """`may_send(platform)`: whether this process sends to the platform now (with several
        processes on one database, the one holding its sender lease: `Sender.holds`), so
        each digest goes out once a day across them all."""
        self.store = store
        self.may_send = may_send
        self.transports = transports
        self.every = every
        self.clock = clock or store.clock
        self.sent = 0

    async def run(self) -> None:
        while True:
            try:
                await self.send_due()
            except Exception:
                log.exception("digest round failed; trying again shortly")
            await self.clock.sleep(self.every)

    async def send_due(self) -> int:
        """One look: send every digest that is due. Returns how many were sent."""
        now = self.clock.now()
        sent = 0
        for chat, settings in await self.store.chats.digests_on():
            transport = self.transports.get(chat.platform)
            day = due_date(settings, now)
            if transport is None or day is None or chat.id is None:
                continue
            if self.may_send is not None:
                if not self.may_send(chat.platform):
                    continue  # another process sends to this platform
                # Read again: the process that sent before this one took over may have
                # recorded it since the list above was read.
                fresh = await self.store.chats.digest(chat.id)
                if fresh is None or due_date(fresh, now) != day:
                    continue
            chat = await self.store.chats.for_delivery(chat)  # its forum topic, if any
            assert chat.id is not None  # noqa: S101 - checked above
            reply = await build_digest(self.store, chat.id, chat.lang, now)
            try:
                await transport.send(chat, reply)
            except ChatGone as exc:
                await self.store.chats.deactivate(chat.id, str(exc))
                continue
            except (DeliveryError, OSError) as exc:
                log.warning("digest to chat %s not sent (%s); next look retries", chat.key, exc)
                continue
            await self.store.chats.mark_digest_sent(chat.id, day)
            sent += 1
        self.sent += sent
        return sent
