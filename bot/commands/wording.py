"""The words of a flag and the times of items in the chat's own language and zone.

`why_line` is the one-line reason lists and alerts carry, `ban · WeChat · CN · account
closure — "ferme les comptes"`, with the category and the action named in the chat's
language ("interdiction · … · fermeture de comptes"); the evidence stays in the item's own
words. `local_time` shows a moment in the zone /digest set ("2026-12-07 09:30 CET"), UTC
until one is set.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.catalog import N_
from bot.i18n import Translate, translator
from bot.models import Category, Flag

CATEGORY_NAMES = {
    Category.BAN: N_("ban"),
    Category.REGULATION: N_("regulation"),
    Category.NONE: N_("none"),
}
# The classifier's actions (the names of the lexicons' `objects` and `regulation` tables).
ACTION_NAMES = {
    "account closure": N_("account closure"),
    "ad ban": N_("ad ban"),
    "app removal": N_("app removal"),
    "court ruling": N_("court ruling"),
    "delisting": N_("delisting"),
    "fine": N_("fine"),
    "guidance": N_("guidance"),
    "law": N_("law"),
    "lawsuit": N_("lawsuit"),
    "licence": N_("licence"),
    "media ban": N_("media ban"),
    "mining ban": N_("mining ban"),
    "payment ban": N_("payment ban"),
    "sanction": N_("sanction"),
    "site block": N_("site block"),
    "tax": N_("tax"),
    "trading ban": N_("trading ban"),
}


def category_name(category: Category, _: Translate) -> str:
    return _(CATEGORY_NAMES[category])


def action_name(action: str, _: Translate) -> str:
    """An action in the chat's language; one the table does not know is shown as it is."""
    known = ACTION_NAMES.get(action)
    return _(known) if known else action


def why_line(flag: Flag, lang: str | None = None) -> str:
    """The flag's one-line reason: who acted first (the platform for a ban, the regulator
    for regulation), then where, then the action, then the first evidence."""
    _ = translator(lang)
    ent = flag.entities
    parts: list[str] = [category_name(flag.category, _)]
    if flag.category is Category.REGULATION:
        parts.extend(ent.regulators[:1] or ent.platforms[:2])
    else:
        parts.extend(ent.platforms[:2] or ent.regulators[:1])
    parts.extend(ent.jurisdictions[:2])
    if ent.action:
        parts.append(action_name(ent.action, _))
    line = " · ".join(parts)
    if flag.evidence:
        line += f' — "{flag.evidence[0]}"'
    return line


def local_time(moment: datetime, tz: str | None) -> str:
    """`2026-12-07 09:30 CET` in the chat's zone; UTC when it has none (or an unknown one).
    Stored zones are IANA names already (/digest stores the name it recognised)."""
    where: tzinfo = UTC
    if tz:
        try:
            where = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            where = UTC
    local = moment.astimezone(where)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or 'UTC'}"
