"""Subscription commands: /subscribe, /unsubscribe, /subscriptions."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.reply import Invocation, Reply
from bot.errors import UsageError
from bot.models import SubscriptionKind
from bot.store.search import query_terms

KEYWORD_MAX = 64
_KINDS = {
    "all": SubscriptionKind.ALL,
    "bans": SubscriptionKind.BANS,
    "ban": SubscriptionKind.BANS,
    "regulation": SubscriptionKind.REGULATION,
    "regulations": SubscriptionKind.REGULATION,
}
_HINT = "Use: all, bans, regulation or keyword <word> — e.g. /subscribe bans"


def parse_target(args: str) -> tuple[SubscriptionKind, str]:
    words = args.split()
    if not words:
        return SubscriptionKind.ALL, ""
    head = words[0].casefold()
    if head in ("keyword", "kw", "word"):
        keyword = " ".join(words[1:]).strip()
        if not query_terms(keyword):
            raise UsageError("Which keyword? e.g. /subscribe keyword binance")
        if len(keyword) > KEYWORD_MAX:
            raise UsageError(f"Keep the keyword under {KEYWORD_MAX} characters.")
        return SubscriptionKind.KEYWORD, keyword.casefold()
    if head in _KINDS and len(words) == 1:
        return _KINDS[head], ""
    raise UsageError(f"I don't know {args[:30]!r}. {_HINT}")


def _refuse(inv: Invocation) -> Reply | None:
    if inv.can_manage:
        return None
    return Reply("Only this group's administrators can change its subscriptions.", error=True)


async def subscribe(ctx: Context, inv: Invocation) -> Reply:
    kind, value = parse_target(inv.args)
    if refusal := _refuse(inv):
        return refusal
    chat = await ctx.store.chats.ensure(inv.platform, inv.chat_key, inv.chat_kind)
    assert chat.id is not None  # noqa: S101 - stored chats have ids
    added = await ctx.store.chats.subscribe(chat.id, kind, value)
    label = f"keyword “{value}”" if value else kind.value
    what = {
        SubscriptionKind.ALL: "every flagged item (bans and regulation)",
        SubscriptionKind.BANS: "platform bans",
        SubscriptionKind.REGULATION: "regulation news",
        SubscriptionKind.KEYWORD: f"flagged items that mention “{value}”",
    }[kind]
    if not added:
        return Reply(f"This chat is already subscribed to {label}.")
    return Reply(
        f"Subscribed: you will get an alert here for {what} published from now on. "
        "/latest shows what came before; /unsubscribe stops alerts."
    )


async def unsubscribe(ctx: Context, inv: Invocation) -> Reply:
    target = parse_target(inv.args) if inv.args.strip() else None
    if refusal := _refuse(inv):
        return refusal
    chat = await ctx.store.chats.find(inv.platform, inv.chat_key)
    if chat is None or chat.id is None:
        return Reply("This chat has no subscriptions.")
    if target is None:
        removed = await ctx.store.chats.unsubscribe(chat.id)
        if not removed:
            return Reply("This chat has no subscriptions.")
        return Reply(f"Unsubscribed from everything ({removed}). No more alerts here.")
    kind, value = target
    removed = await ctx.store.chats.unsubscribe(chat.id, kind, value)
    label = f"keyword “{value}”" if value else kind.value
    if not removed:
        return Reply(f"This chat was not subscribed to {label}. /subscriptions lists them.")
    return Reply(f"Unsubscribed from {label}.")


async def subscriptions(ctx: Context, inv: Invocation) -> Reply:
    chat = await ctx.store.chats.find(inv.platform, inv.chat_key)
    subs = await ctx.store.chats.subscriptions(chat.id) if chat and chat.id else []
    if not subs:
        return Reply("No subscriptions here yet. Try /subscribe bans or /subscribe all.")
    lines = [
        f"• {s.label()} (since {s.created:%Y-%m-%d})" if s.created else s.label() for s in subs
    ]
    return Reply("This chat is subscribed to:\n" + "\n".join(lines))
