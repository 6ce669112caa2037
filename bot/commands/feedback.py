"""Feedback on alerts: /useful <id> and /wrong <id>, which the alert's two buttons run.

A press is stored per item and chat and can be changed (the other button replaces it). The
reply is an acknowledgement (`extra["kind"] == "ack"`): for a button press, adapters show it
as the press's answer (Telegram's answerCallbackQuery, Discord's ephemeral reply) and leave
the alert and its buttons as they are. `banwatch feedback export` turns the presses into
labelled lines for `banwatch eval`; /stats counts the share of alerts marked wrong.
"""

from __future__ import annotations

from datetime import timedelta

from bot.commands.args import whole_number
from bot.commands.context import Context
from bot.commands.reply import Button, Invocation, Reply
from bot.i18n import Translate, translator
from bot.store.feedback import Verdict

ACK = {"kind": "ack"}
STATS_WINDOW = timedelta(days=30)


def feedback_buttons(item_id: int, tr: Translate, *, numbered: bool = False) -> tuple[Button, ...]:
    """The two buttons every alert carries. `numbered`: the labels name the item, for a
    message that lists several (a folded burst, whose buttons are its first item's)."""
    _ = tr
    if numbered:
        return (
            Button(_("👍 Useful #{id}").format(id=item_id), "useful", str(item_id)),
            Button(_("👎 Wrong flag #{id}").format(id=item_id), "wrong", str(item_id)),
        )
    return (
        Button(_("👍 Useful"), "useful", str(item_id)),
        Button(_("👎 Wrong flag"), "wrong", str(item_id)),
    )


def _name(verdict: Verdict, _: Translate) -> str:
    return _("useful") if verdict is Verdict.USEFUL else _("a wrong flag")


async def _press(ctx: Context, inv: Invocation, verdict: Verdict) -> Reply:
    _ = translator(inv.lang)
    number = whole_number(
        inv.args, _("Give the item's number, e.g. /{command} 42").format(command=verdict.value)
    )
    found = await ctx.store.items.get(number)
    if found is None:
        return Reply(
            _("There is no item {id}; it may have been pruned.").format(id=number), error=True
        )
    if found.flag is None or not found.flag.flagged:
        return Reply(
            _(
                "Item {id} was not flagged: feedback is for flagged items. "
                "/why {id} says why it was not."
            ).format(id=number),
            error=True,
        )
    chat = await ctx.store.chats.ensure(inv.platform, inv.chat_key, inv.chat_kind)
    assert chat.id is not None  # noqa: S101 - stored chats have ids
    before = await ctx.store.feedback.press(chat.id, found, verdict, inv.user_id)
    name = _name(verdict, _)
    if before is verdict:
        text = _("#{id} is already marked {verdict} here.").format(id=number, verdict=name)
    elif before is not None:
        text = _("Changed: #{id} is now marked {verdict} here (was {before}).").format(
            id=number, verdict=name, before=_name(before, _)
        )
    else:
        text = _("Thanks: #{id} marked {verdict}. Press the other button to change it.").format(
            id=number, verdict=name
        )
    return Reply(text, extra=dict(ACK))


async def useful(ctx: Context, inv: Invocation) -> Reply:
    return await _press(ctx, inv, Verdict.USEFUL)


async def wrong(ctx: Context, inv: Invocation) -> Reply:
    return await _press(ctx, inv, Verdict.WRONG)


async def stats_line(ctx: Context, tr: Translate) -> str:
    """/stats: the share of alerts sent in the last 30 days (the clock's) marked wrong."""
    _ = tr
    share = await ctx.store.feedback.share_since(ctx.clock.now() - STATS_WINDOW)
    if not share.alerts:
        return _("Feedback, last 30 days: no alerts sent")
    return _(
        "Feedback, last 30 days: {wrong} of {alerts} alerts marked wrong ({percent}%), "
        "{useful} useful"
    ).format(
        wrong=share.wrong,
        alerts=share.alerts,
        percent=f"{100 * share.wrong / share.alerts:.0f}",
        useful=share.useful,
    )
