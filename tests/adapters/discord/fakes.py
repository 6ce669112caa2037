"""A stand-in for `discord.Interaction`: the gateway that would deliver one cannot run here.

It has what the adapter reads (channel, guild, user, the member's resolved permissions,
locale, the custom_id of a pressed button) and records what the adapter answers through
`response` and `followup`, so a test sees each message's embeds, view and ephemeral flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import discord

CHANNEL = 777
GUILD = 555
USER = 1001


@dataclass
class Sent:
    """One message the adapter answered with."""

    content: str | None
    embeds: list[discord.Embed]
    ephemeral: bool
    view: discord.ui.View | None
    via: str  # "response" | "followup"

    @property
    def buttons(self) -> list[discord.ui.Button[Any]]:
        if self.view is None:
            return []
        items = [
            b.item if isinstance(b, discord.ui.DynamicItem) else b
            for b in self.view.walk_children()
        ]
        return [b for b in items if isinstance(b, discord.ui.Button)]

    def text(self) -> str:
        """Everything a reader sees, as one string (for `in` checks)."""
        parts = [self.content or ""]
        for e in self.embeds:
            parts += [e.title or "", e.description or "", e.footer.text or ""]
        return "\n".join(parts)


@dataclass
class FakeResponse:
    owner: FakeInteraction
    done: bool = False
    deferred: dict[str, Any] | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)

    def is_done(self) -> bool:
        return self.done

    async def send_message(self, content: str | None = None, **kw: Any) -> None:
        assert not self.done, "an interaction is answered once"
        self.done = True
        self.owner.record(content, "response", **kw)

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        assert not self.done
        self.done = True
        self.deferred = {"ephemeral": ephemeral, "thinking": thinking}

    async def edit_message(self, **kw: Any) -> None:
        assert not self.done
        self.done = True
        self.edits.append(kw)


@dataclass
class FakeFollowup:
    owner: FakeInteraction

    async def send(self, content: str | None = None, **kw: Any) -> None:
        assert self.owner.response.done, "a follow-up needs an answered interaction"
        self.owner.record(content, "followup", **kw)


@dataclass
class FakeUser:
    id: int


class FakeInteraction:
    def __init__(
        self,
        *,
        channel_id: int = CHANNEL,
        guild_id: int | None = GUILD,
        user_id: int = USER,
        manage_channels: bool = False,
        custom_id: str | None = None,
    ) -> None:
        self.channel_id = channel_id
        self.guild_id = guild_id
        self.user = FakeUser(user_id)
        self.permissions = discord.Permissions(manage_channels=manage_channels)
        self.locale = discord.Locale.british_english
        self.data = {"custom_id": custom_id} if custom_id else {}
        self.response = FakeResponse(self)
        self.followup = FakeFollowup(self)
        self.sent: list[Sent] = []

    def record(self, content: str | None, via: str, **kw: Any) -> None:
        embeds = kw.get("embeds") or ([kw["embed"]] if kw.get("embed") else [])
        self.sent.append(
            Sent(
                kw.get("content", content), embeds, kw.get("ephemeral", False), kw.get("view"), via
            )
        )

    @property
    def only(self) -> Sent:
        assert len(self.sent) == 1, self.sent
        return self.sent[0]


def dm(**kw: Any) -> FakeInteraction:
    return FakeInteraction(guild_id=None, channel_id=kw.pop("channel_id", 888), **kw)
