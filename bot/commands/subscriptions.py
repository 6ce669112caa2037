"""Subscription commands: /subscribe, /unsubscribe, /subscriptions.

`/subscribe <what> [in <jurisdiction>…] [on <platform>…] [by <regulator>…] [instant|digest]`:
instant alerts (the default) arrive one by one; digest subscriptions only feed the chat's daily
digest (/digest), which they switch on. The names narrow alerts to items whose flag names them
(`bot.commands.targeting` reads them). `/unsubscribe` takes one back by its words or by its
number in /subscriptions, or all of them.
"""

from __future__ import annotations

from bot.commands.args import whole_number
from bot.commands.context import Context
from bot.commands.reply import Invocation, Reply
from bot.commands.targeting import is_marker, parse_targets, tokens
from bot.errors import UsageError
from bot.i18n import Translate, translator
from bot.models import SubscriptionKind
from bot.store.chats import DIGEST, INSTANT, MODES
from bot.store.search import query_terms
from bot.targets import Targets

KEYWORD_MAX = 64
_KINDS = {
    "all": SubscriptionKind.ALL,
    "bans": SubscriptionKind.BANS,
    "ban": SubscriptionKind.BANS,
    "regulation": SubscriptionKind.REGULATION,
    "regulations": SubscriptionKind.REGULATION,
}
Target = tuple[SubscriptionKind, str, Targets]


def parse_subscription(args: str, tr: Translate | None = None) -> Target:
    """`bans on WeChat` → (BANS, "", Targets(platforms=("WeChat",))); `keyword sec` →
    (KEYWORD, "sec", Targets())."""
    _ = tr or translator(None)
    words = tokens(args)
    if not words:
        return SubscriptionKind.ALL, "", Targets()
    head = words[0].casefold()
    if head in ("keyword", "kw", "word"):
        keyword = " ".join(args.split()[1:]).strip()
        if not query_terms(keyword):
            raise UsageError(_("Which keyword? e.g. /subscribe keyword binance"))
        if len(keyword) > KEYWORD_MAX:
            raise UsageError(_("Keep the keyword under {max} characters.").format(max=KEYWORD_MAX))
        return SubscriptionKind.KEYWORD, keyword.casefold(), Targets()
    kind = _KINDS.get(head)
    rest = words[1:] if kind is not None else words
    if rest and is_marker(rest[0]):
        return kind or SubscriptionKind.ALL, "", parse_targets(rest, _)
    if kind is not None and not rest:
        return kind, "", Targets()
    raise UsageError(
        _("I don't know {what}.").format(what=repr(args[:30]))
        + " "
        + _("Use: all, bans, regulation or keyword <word> — e.g. /subscribe bans")
        + " "
        + _("Narrow it with in <jurisdiction>, on <platform>, by <regulator>.")
    )


def split_mode(args: str) -> tuple[str, str]:
    """`regulation digest` → ("regulation", "digest"); the mode defaults to instant."""
    words = args.split()
    if words and words[-1].casefold() in MODES:
        return " ".join(words[:-1]), words[-1].casefold()
    return args, INSTANT


def _refuse(inv: Invocation) -> Reply | None:
    if inv.can_manage:
        return None
    _ = translator(inv.lang)
    return Reply(_("Only this group's administrators can change its subscriptions."), error=True)


def _label(kind: SubscriptionKind, value: str, _: Translate, targets: Targets | None = None) -> str:
    if value:
        return _("keyword “{word}”").format(word=value)
    return f"{kind.value} {targets.words()}".rstrip() if targets else kind.value


async def subscribe(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    target, mode = split_mode(inv.args)
    kind, value, targets = parse_subscription(target, _)
    if refusal := _refuse(inv):
        return refusal
    chat = await ctx.chat_for_alerts(inv)
    assert chat.id is not None  # noqa: S101 - stored chats have ids
    change = await ctx.store.chats.subscribe_mode(chat.id, kind, value, mode, targets)
    await _place(ctx, inv, chat.id)
    label = _label(kind, value, _, targets)
    what = {
        SubscriptionKind.ALL: _("every flagged item (bans and regulation)"),
        SubscriptionKind.BANS: _("platform bans"),
        SubscriptionKind.REGULATION: _("regulation news"),
        SubscriptionKind.KEYWORD: _("flagged items that mention “{word}”").format(word=value),
    }[kind]
    if targets:
        what = _("{what} matching “{filters}”").format(what=what, filters=targets.words())
    if mode == DIGEST:
        settings = await ctx.store.chats.ensure_digest(chat.id)
        if change == "same":
            return Reply(
                _("This chat already gets {label} in its daily digest.").format(label=label)
            )
        return Reply(
            _(
                "Subscribed: {what} will come in the daily digest at {at} ({tz}), not as "
                "alerts. /digest changes the time."
            ).format(what=what, at=settings.at, tz=settings.tz)
        )
    if change == "same":
        return Reply(_("This chat is already subscribed to {label}.").format(label=label))
    if inv.via:
        return Reply(
            _(
                "Subscribed {channel}: an alert will be posted there for {what} published "
                "from now on. /unsubscribe {channel} stops them."
            ).format(channel=inv.via, what=what)
        )
    text = _(
        "Subscribed: you will get an alert here for {what} published from now on. "
        "/latest shows what came before; /unsubscribe stops alerts."
    ).format(what=what)
    if inv.thread is not None:
        text += " " + _("Alerts and the digest come to this topic.")
    return Reply(text)


async def _place(ctx: Context, inv: Invocation, chat_id: int) -> None:
    """Where the chat's alerts land: in a forum, the topic /subscribe was sent in (the
    latest /subscribe decides); for a channel, remember its @name and who subscribed it."""
    if inv.via:
        await ctx.store.chats.set_channel(chat_id, inv.via, inv.user_id)
    elif inv.chat_kind == "group":
        await ctx.store.chats.set_thread(chat_id, inv.thread)


async def unsubscribe(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    args = inv.args.strip()
    number = _number(args, _) if args[:1].isdigit() or args.startswith("#") else None
    target = parse_subscription(args, _) if args and number is None else None
    if refusal := _refuse(inv):
        return refusal
    chat = await ctx.store.chats.find(inv.platform, inv.chat_key)
    if chat is None or chat.id is None:
        return Reply(_("This chat has no subscriptions."))
    if number is not None:
        # By its number, once per request: a retried update must not remove the next one.
        sub = await ctx.store.chats.unsubscribe_nth(chat.id, number, inv.request)
        if sub is None:
            return Reply(
                _(
                    "This chat has no subscription number {number}. /subscriptions lists them."
                ).format(number=number),
                error=True,
            )
        return Reply(
            _("Unsubscribed from {label}.").format(
                label=_label(sub.kind, sub.value, _, sub.targets)
            )
        )
    if target is None:
        removed = await ctx.store.chats.unsubscribe(chat.id)
        if not removed:
            return Reply(_("This chat has no subscriptions."))
        return Reply(
            _("Unsubscribed from everything ({count}). No more alerts here.").format(count=removed)
        )
    kind, value, targets = target
    removed = await ctx.store.chats.unsubscribe(chat.id, kind, value, targets)
    label = _label(kind, value, _, targets)
    if not removed:
        return Reply(
            _("This chat was not subscribed to {label}. /subscriptions lists them.").format(
                label=label
            )
        )
    return Reply(_("Unsubscribed from {label}.").format(label=label))


def _number(args: str, _: Translate) -> int:
    """`/unsubscribe 2`: the second subscription /subscriptions lists."""
    return whole_number(
        args, _("Which one? The number /subscriptions shows, e.g. /unsubscribe 2"), high=10_000
    )


async def subscriptions(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    chat = await ctx.store.chats.find(inv.platform, inv.chat_key)
    subs = await ctx.store.chats.subscriptions(chat.id) if chat and chat.id else []
    if not subs:
        return Reply(_("No subscriptions here yet. Try /subscribe bans or /subscribe all."))
    assert chat is not None  # noqa: S101 - it has subscriptions
    modes = await ctx.store.chats.subscription_modes(chat.id or 0)
    lines = []
    for number, s in enumerate(subs, start=1):
        line = f"{number}. {s.label()}"
        if s.created:
            line += " " + _("(since {date})").format(date=f"{s.created:%Y-%m-%d}")
        if modes.get(s.id or 0) == DIGEST:
            line += " — " + _("daily digest")
        lines.append(line)
    footer = _("/unsubscribe <number> stops one, /unsubscribe all of them.")
    return Reply(_("This chat is subscribed to:") + "\n" + "\n".join(lines) + "\n\n" + footer)
