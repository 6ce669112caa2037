"""The one entry point adapters call: `await commands.run(invocation) -> Reply`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.clock import Clock
from bot.commands import admin, digest, feedback, language, news, subscriptions, why
from bot.commands.catalog import ABOUT, BY_NAME, help_text
from bot.commands.channels import for_channel
from bot.commands.context import Context
from bot.commands.notices import apology
from bot.commands.reply import Invocation, Reply
from bot.config import Settings
from bot.errors import UsageError
from bot.i18n import pick_language, translator
from bot.store import Store

log = logging.getLogger(__name__)

Handler = Callable[[Context, Invocation], Awaitable[Reply]]
MAX_ARGS = 10_000


async def _start(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    return Reply(
        _(ABOUT)
        + "\n\n"
        + _(
            "Start with /subscribe bans (or /subscribe all) to get alerts here, "
            "/latest to see recent flags, /search wechat to look things up, /help for the rest."
        )
    )


async def _help(ctx: Context, inv: Invocation) -> Reply:
    return Reply(help_text(admin=ctx.is_admin(inv), lang=inv.lang))


HANDLERS: dict[str, Handler] = {
    "start": _start,
    "help": _help,
    "latest": news.latest,
    "search": news.search,
    "item": news.item,
    "why": why.why,
    "useful": feedback.useful,
    "wrong": feedback.wrong,
    "subscribe": subscriptions.subscribe,
    "unsubscribe": subscriptions.unsubscribe,
    "subscriptions": subscriptions.subscriptions,
    "digest": digest.digest,
    "language": language.language,
    "feeds": admin.feeds,
    "stats": admin.stats,
    "addfeed": admin.addfeed,
    "removefeed": admin.removefeed,
    "enablefeeds": admin.enablefeeds,
}
ALIASES = {
    "s": "search",
    "sub": "subscribe",
    "unsub": "unsubscribe",
    "l": "latest",
    "lang": "language",
    "langue": "language",
}


class Commands:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock | None = None,
        *,
        poke_poller: Callable[[], None] | None = None,
    ) -> None:
        """`poke_poller` wakes the poller when /addfeed adds a feed (`Poller.poke`)."""
        self.ctx = Context(store, settings, clock or store.clock)
        # Told each command's name and run time on the clock (bot/ops/metrics.py)
        self.observe: Callable[[str, float], None] | None = None
        if poke_poller is not None:
            self.ctx = replace(self.ctx, poke_poller=poke_poller)

    async def run(self, inv: Invocation) -> Reply:
        """Run one command. Every command answers: bad arguments give a one-line hint, and
        a fault inside (a full disk, a damaged index, a bug) is logged with its traceback
        and answered with a short apology in the user's language; nothing raises to the
        adapter (only cancellation goes through)."""
        lang = inv.lang
        started = self.ctx.clock.monotonic()
        try:
            lang = await self.language(inv)
            reply = await self._run(replace(inv, lang=lang))
        except Exception:
            log.exception("command %r failed on %s", inv.command[:32], inv.platform)
            return Reply(apology(lang), error=True)
        finally:
            if self.observe is not None:
                self.observe(inv.command, self.ctx.clock.monotonic() - started)
        if inv.via and inv.via not in reply.text:  # say which channel it was about
            reply = for_channel(reply, inv.via, lang)
        return reply

    async def _run(self, inv: Invocation) -> Reply:
        _ = translator(inv.lang)
        name = ALIASES.get(inv.command.casefold(), inv.command.casefold())
        handler = HANDLERS.get(name)
        if handler is None:
            return Reply(
                _("Unknown command /{command}. /help lists them.").format(command=inv.command[:32]),
                error=True,
            )
        if len(inv.args) > MAX_ARGS:
            inv = replace(inv, args=inv.args[:MAX_ARGS])
        try:
            return await handler(self.ctx, inv)
        except UsageError as exc:
            spec = BY_NAME[name]
            hint = " " + _("Usage:") + f" /{spec.name} {spec.usage}" if spec.usage else ""
            return Reply(f"{exc}{hint}".rstrip(), error=True)

    async def language(self, inv: Invocation) -> str:
        """The chat's chosen language (/language), else the user's, else English."""
        chat = await self.ctx.store.chats.find(inv.platform, inv.chat_key)
        return pick_language(chat.lang if chat else None, inv.lang)


def parse_command_line(line: str) -> tuple[str, str] | None:
    """`/search wechat now` → ("search", "wechat now"); `/cmd@Bot args` keeps "cmd@Bot".
    Returns None for a line that is not a command."""
    line = line.strip()
    if not line.startswith("/") or len(line) < 2:
        return None
    head, _, args = line[1:].partition(" ")
    return head, args.strip()
