"""The alert a subscriber gets when a flagged item is stored: one entry with its reason."""

from __future__ import annotations

from collections.abc import Sequence

from bot.commands.catalog import N_
from bot.commands.context import entry
from bot.commands.feedback import feedback_buttons
from bot.commands.reply import Reply
from bot.i18n import plural_translator, translator
from bot.models import Category, Item
from bot.text import one_line, shorten, without_credentials

HEADERS = {
    Category.BAN: N_("⚠️ Platform ban"),
    Category.REGULATION: N_("⚖️ Regulation"),
}
FOLD_TITLE_CHARS = 90
FOLD_LINES = 40  # titles listed in a folded burst; the rest are counted


def alert_reply(item: Item, lang: str | None = None, tz: str | None = None) -> Reply:
    """Title, source, time, summary, why-line and link; adapters render it like a list entry.
    `/item <id>` shows the full evidence. Its buttons, "useful" and "wrong flag", run
    /useful and /wrong (bot.commands.feedback)."""
    _ = translator(lang)
    flag = item.flag
    header = _(HEADERS.get(flag.category, N_("Flagged")) if flag is not None else N_("Flagged"))
    return Reply(
        text=header,
        entries=(entry(item, lang=lang, tz=tz),),
        footer=_("/item {id} for the evidence · /unsubscribe to stop alerts").format(id=item.id),
        buttons=feedback_buttons(item.id or 0, _),
        link_preview=True,
        extra={"kind": "alert"},
    )


def folded_reply(items: Sequence[Item], lang: str | None = None) -> Reply:
    """Many alerts due at once for one chat, as one message: titles and /item numbers. It
    carries the feedback buttons of its first item, named by number, and says how to mark
    the others (/useful or /wrong with the number)."""
    _ = translator(lang)
    lines = []
    for item in items[:FOLD_LINES]:
        mark = "⚠️" if item.flag is not None and item.flag.category is Category.BAN else "⚖️"
        title = shorten(one_line(item.title or without_credentials(item.url)), FOLD_TITLE_CHARS)
        lines.append(
            f"{mark} /item {item.id} — {title}" + (f" ({item.source})" if item.source else "")
        )
    if len(items) > FOLD_LINES:
        lines.append(_("… and {count} more: /latest 20").format(count=len(items) - FOLD_LINES))
    lead = (items[0].id or 0) if items else 0
    if len(items) > 1:
        example = items[1].id or 0
        lines += ["", _("Feedback on the others: /wrong {id} or /useful {id}").format(id=example)]
    return Reply(
        text=plural_translator(lang)(
            "+{count} more flagged item:", "+{count} more flagged items:", len(items)
        ).format(count=len(items)),
        footer="\n".join(lines),
        buttons=feedback_buttons(lead, _, numbered=True) if lead else (),
        extra={"kind": "alert"},
    )
