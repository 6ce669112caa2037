"""Chats and their subscriptions."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from bot.clock import Clock
from bot.models import Chat, Subscription, SubscriptionKind
from bot.store.db import from_db, to_db
from bot.store.sql import Database, Row, Tx
from bot.targets import Targets

INSTANT = "instant"  # a subscription's alerts arrive one by one, as items are stored
DIGEST = "digest"  # ... or only in the chat's daily digest
MODES = (INSTANT, DIGEST)
DIGEST_AT = "08:00"
DIGEST_TZ = "UTC"


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """A chat's daily digest: local time HH:MM in an IANA zone; the local date last sent."""

    chat_id: int
    enabled: bool = True
    at: str = DIGEST_AT
    tz: str = DIGEST_TZ
    last_date: str | None = None


def _digest(row: Row) -> DigestSettings:
    return DigestSettings(
        chat_id=row["chat_id"],
        enabled=bool(row["enabled"]),
        at=row["at"],
        tz=row["tz"],
        last_date=row["last_date"],
    )


def chat_from_row(row: Row, *, id_column: str = "id", lang_column: str = "lang") -> Chat:
    """A chats row as a Chat (joined queries alias `id` and `lang`, which items have too)."""
    return Chat(
        id=row[id_column],
        platform=row["platform"],
        key=row["key"],
        kind=row["kind"],
        active=bool(row["active"]),
        lang=row[lang_column],
    )


class ChatRepo:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def ensure(self, platform: str, key: str, kind: str = "private") -> Chat:
        """The chat for (platform, key), created or re-activated: a message proves it is alive."""
        async with self.db.transaction() as conn:
            row = await conn.fetchone(
                "INSERT INTO chats (platform, key, kind, created) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (platform, key) DO UPDATE SET active = 1, kind = excluded.kind"
                " RETURNING *",
                (platform, key, kind, to_db(self.clock.now())),
            )
        assert row is not None  # noqa: S101 - RETURNING always yields the row
        return chat_from_row(row)

    async def get(self, chat_id: int) -> Chat | None:
        row = await self.db.fetchone("SELECT * FROM chats WHERE id = ?", (chat_id,))
        return chat_from_row(row) if row else None

    async def find(self, platform: str, key: str) -> Chat | None:
        row = await self.db.fetchone(
            "SELECT * FROM chats WHERE platform = ? AND key = ?", (platform, key)
        )
        return chat_from_row(row) if row else None

    async def set_lang(self, chat_id: int, lang: str | None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE chats SET lang = ? WHERE id = ?", (lang, chat_id))

    async def deactivate(self, chat_id: int, reason: str) -> int:
        """Stop talking to a chat (blocked, kicked, gone); drop its pending alerts."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE chats SET active = 0 WHERE id = ?", (chat_id,))
            return await conn.execute(
                "UPDATE outbox SET status = 'dropped', last_error = ?"
                " WHERE chat_id = ? AND status = 'pending'",
                (reason, chat_id),
            )

    async def move(self, chat_id: int, new_key: str) -> None:
        """Follow a chat to its new key (Telegram group upgraded to a supergroup)."""
        async with self.db.transaction() as conn:
            other = await conn.fetchall(
                "SELECT id FROM chats WHERE key = ? AND platform ="
                " (SELECT platform FROM chats WHERE id = ?)",
                (new_key, chat_id),
            )
            for (other_id,) in other:
                # The new key already has a row (it spoke to us): fold it into this one,
                # less the subscriptions this one has already.
                await conn.execute(
                    "UPDATE subscriptions SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS"
                    " (SELECT 1 FROM subscriptions s WHERE s.chat_id = ?"
                    " AND s.kind = subscriptions.kind AND s.value = subscriptions.value"
                    " AND s.targets = subscriptions.targets)",
                    (chat_id, other_id, chat_id),
                )
                await conn.execute("DELETE FROM chats WHERE id = ?", (other_id,))
            await conn.execute(
                "UPDATE chats SET key = ?, kind = 'group', active = 1 WHERE id = ?",
                (new_key, chat_id),
            )

    async def subscribe(
        self,
        chat_id: int,
        kind: SubscriptionKind,
        value: str = "",
        targets: Targets | None = None,
    ) -> bool:
        async with self.db.transaction() as conn:
            added = await conn.execute(
                "INSERT INTO subscriptions (chat_id, kind, value, created, targets)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, kind, value, targets) DO NOTHING",
                (chat_id, kind.value, value, to_db(self.clock.now()), _targets(targets)),
            )
            return added > 0

    async def subscribe_mode(
        self,
        chat_id: int,
        kind: SubscriptionKind,
        value: str = "",
        mode: str = INSTANT,
        targets: Targets | None = None,
    ) -> str:
        """Subscribe with a delivery mode: "added", "changed" (the mode) or "same". The same
        subscription asked for twice at once (a retried update, two processes) is added
        once: the insert does nothing when the row is there, whoever wrote it."""
        key = (chat_id, kind.value, value, _targets(targets))
        where = "chat_id = ? AND kind = ? AND value = ? AND targets = ?"
        async with self.db.transaction() as conn:
            added = await conn.execute(
                "INSERT INTO subscriptions (chat_id, kind, value, targets, created, mode)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, kind, value, targets) DO NOTHING",
                (*key, to_db(self.clock.now()), mode),
            )
            if added:
                return "added"
            changed = await conn.execute(
                f"UPDATE subscriptions SET mode = ? WHERE {where} AND mode <> ?",
                (mode, *key, mode),
            )
            return "changed" if changed else "same"

    async def subscription_modes(self, chat_id: int) -> dict[int, str]:
        """Subscription id → delivery mode, for this chat."""
        rows = await self.db.fetchall(
            "SELECT id, mode FROM subscriptions WHERE chat_id = ?", (chat_id,)
        )
        return {int(r["id"]): r["mode"] for r in rows}

    async def digest(self, chat_id: int) -> DigestSettings | None:
        row = await self.db.fetchone("SELECT * FROM digests WHERE chat_id = ?", (chat_id,))
        return _digest(row) if row else None

    async def set_digest(
        self, chat_id: int, *, enabled: bool, at: str | None = None, tz: str | None = None
    ) -> DigestSettings:
        """Switch the digest on or off; time and zone stay as they were unless given."""
        async with self.db.transaction() as conn:
            row = await conn.fetchone(
                "INSERT INTO digests (chat_id, enabled, at, tz) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET enabled = excluded.enabled,"
                " at = coalesce(?, digests.at), tz = coalesce(?, digests.tz) RETURNING *",
                (chat_id, int(enabled), at or DIGEST_AT, tz or DIGEST_TZ, at, tz),
            )
        assert row is not None  # noqa: S101 - RETURNING always yields the row
        return _digest(row)

    async def ensure_digest(self, chat_id: int) -> DigestSettings:
        """The chat's digest, switched on (with its earlier time and zone, or the defaults)."""
        return await self.set_digest(chat_id, enabled=True)

    async def digests_on(self) -> list[tuple[Chat, DigestSettings]]:
        """Active chats with their digest switched on."""
        rows = await self.db.fetchall(
            "SELECT c.*, d.chat_id, d.enabled, d.at, d.tz, d.last_date FROM digests d"
            " JOIN chats c ON c.id = d.chat_id WHERE d.enabled = 1 AND c.active = 1"
        )
        return [(chat_from_row(r), _digest(r)) for r in rows]

    async def mark_digest_sent(self, chat_id: int, local_date: str) -> bool:
        """Record the digest of `local_date` as sent. False when it already was (twice never)."""
        async with self.db.transaction() as conn:
            marked = await conn.execute(
                "UPDATE digests SET last_date = ?, sent_at = ? WHERE chat_id = ?"
                " AND (last_date IS NULL OR last_date < ?)",
                (local_date, to_db(self.clock.now()), chat_id, local_date),
            )
            return marked > 0

    async def set_thread(self, chat_id: int, thread: int | None) -> None:
        """Alerts and digests of this chat go to this forum topic from now on (None: the
        chat itself, or a forum's General topic)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO chat_places (chat_id, thread) VALUES (?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET thread = excluded.thread",
                (chat_id, thread),
            )

    async def set_channel(self, chat_id: int, handle: str, admin: str) -> None:
        """Remember a channel's @name and the administrator who subscribed it from a
        private chat."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO chat_places (chat_id, handle, admin) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET handle = excluded.handle,"
                " admin = excluded.admin",
                (chat_id, handle, admin),
            )

    async def place(self, chat_id: int) -> tuple[int | None, str | None]:
        """The chat's forum topic and, for a channel, its @name."""
        row = await self.db.fetchone(
            "SELECT thread, handle FROM chat_places WHERE chat_id = ?", (chat_id,)
        )
        return (row["thread"], row["handle"]) if row else (None, None)

    async def zone(self, chat_id: int) -> str | None:
        """The time zone /digest set for this chat, or None when it never set one."""
        row = await self.db.fetchone("SELECT tz FROM digests WHERE chat_id = ?", (chat_id,))
        return str(row["tz"]) if row else None

    async def for_delivery(self, chat: Chat) -> Chat:
        """The chat with where its messages land (forum topic) and its time zone filled in."""
        if chat.id is None:
            return chat
        row = await self.db.fetchone(
            "SELECT p.thread, d.tz FROM chats c LEFT JOIN chat_places p ON p.chat_id = c.id"
            " LEFT JOIN digests d ON d.chat_id = c.id WHERE c.id = ?",
            (chat.id,),
        )
        if row is None:
            return chat
        return replace(chat, thread=row["thread"], tz=row["tz"])

    async def unsubscribe(
        self,
        chat_id: int,
        kind: SubscriptionKind | None = None,
        value: str = "",
        targets: Targets | None = None,
    ) -> int:
        """Remove one subscription, or all of the chat's when `kind` is None."""
        async with self.db.transaction() as conn:
            if kind is None:
                return await conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
            return await conn.execute(
                "DELETE FROM subscriptions WHERE chat_id = ? AND kind = ? AND value = ?"
                " AND targets = ?",
                (chat_id, kind.value, value, _targets(targets)),
            )

    async def unsubscribe_nth(
        self, chat_id: int, number: int, request: str = ""
    ) -> Subscription | None:
        """Remove the chat's `number`th subscription (as /subscriptions lists them, by id);
        the one removed, or None when there is no such number. With a `request` id (an
        update a platform may deliver again), a second run of the same request removes
        nothing more and returns what the first removed: the numbers moved up meanwhile."""
        async with self.db.transaction() as conn:
            if request:
                row = await conn.fetchone(
                    "SELECT effect FROM request_effects WHERE request = ?", (request,)
                )
                if row is not None:
                    return _subscription_from_effect(chat_id, row[0])
            row = await conn.fetchone(
                "SELECT * FROM subscriptions WHERE chat_id = ? ORDER BY id LIMIT 1 OFFSET ?",
                (chat_id, number - 1),
            )
            if row is None:
                return None
            sub = _subscription(row)
            await conn.execute("DELETE FROM subscriptions WHERE id = ?", (sub.id,))
            if request:
                effect = {"kind": sub.kind.value, "value": sub.value, "targets": row["targets"]}
                await conn.execute(
                    "INSERT INTO request_effects (request, effect, seen) VALUES (?, ?, ?)"
                    " ON CONFLICT (request) DO NOTHING",
                    (request, json.dumps(effect), to_db(self.clock.now(), precise=True)),
                )
            return sub

    async def subscriptions(self, chat_id: int) -> list[Subscription]:
        rows = await self.db.fetchall(
            "SELECT * FROM subscriptions WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        return [_subscription(r) for r in rows]


def _subscription(row: Row) -> Subscription:
    return Subscription(
        id=row["id"],
        chat_id=row["chat_id"],
        kind=SubscriptionKind(row["kind"]),
        value=row["value"],
        created=from_db(row["created"]),
        targets=Targets.from_db(row["targets"]),
    )


def _subscription_from_effect(chat_id: int, effect: str) -> Subscription:
    """The subscription a request removed, as `unsubscribe_nth` noted it."""
    data = json.loads(effect)
    return Subscription(
        chat_id=chat_id,
        kind=SubscriptionKind(data["kind"]),
        value=data["value"],
        targets=Targets.from_db(data["targets"]),
    )


def _targets(targets: Targets | None) -> str:
    return targets.to_db() if targets is not None else ""


async def active_subscriptions(conn: Tx) -> list[Subscription]:
    """Every subscription of an active chat, read inside the caller's transaction."""
    rows = await conn.fetchall(
        "SELECT s.* FROM subscriptions s JOIN chats c ON c.id = s.chat_id WHERE c.active = 1"
    )
    return [_subscription(r) for r in rows]


async def active_subscription_modes(conn: Tx) -> list[tuple[Subscription, str]]:
    """Every subscription of an active chat with its delivery mode (instant | digest)."""
    rows = await conn.fetchall(
        "SELECT s.* FROM subscriptions s JOIN chats c ON c.id = s.chat_id WHERE c.active = 1"
    )
    return [(_subscription(r), r["mode"]) for r in rows]
