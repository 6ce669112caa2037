"""/digest: one message a day with the flagged items of the last 24 hours, grouped by
category and jurisdiction, at the chat's local time. `bot.digest` sends it when due.

    /digest                       this chat's digest settings
    /digest on [HH:MM] [zone]     switch on (default 08:00, UTC or the zone given before)
    /digest off                   switch off
    /digest now                   the digest as it would be now
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.commands.alerts import HEADERS
from bot.commands.context import Context
from bot.commands.reply import Invocation, Reply
from bot.errors import UsageError
from bot.i18n import plural_translator, translator
from bot.models import Category, Item
from bot.store import Store
from bot.store.routing import wants
from bot.text import fold, one_line, shorten, without_credentials

WINDOW = timedelta(hours=24)
MAX_LINES = 50  # items listed; the rest are counted
TITLE_CHARS = 100
_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:hH.]([0-5][0-9])")  # ASCII digits: stored as typed
# Names people type for UTC that are not zone names, or not in every spelling.
_UTC_ALIASES = frozenset({"utc", "gmt", "z", "zulu", "utc+0", "utc-0", "utc0", "etc/utc"})
_NOT_ZONES = frozenset({"localtime", "factory"})  # this machine's zone; a placeholder


def parse_time(text: str) -> str | None:
    """ "8:30", "08h30", "20.00" → "08:30"; None when it is not a time of day."""
    found = _TIME.fullmatch(text.strip())
    return f"{int(found.group(1)):02d}:{found.group(2)}" if found else None


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name this machine (or the tzdata package) knows, by its casefold."""
    return {n.casefold(): n for n in available_timezones() if n.casefold() not in _NOT_ZONES}


def zone_name(text: str) -> str | None:
    """The IANA name for what the user typed, any case ("europe/paris" → "Europe/Paris",
    "utc", "GMT" and "Z" → "UTC"); None when it names no zone (a region such as "Europe" is
    a folder of zones, not a zone)."""
    key = text.strip().casefold()
    if key in _UTC_ALIASES:
        return "UTC"
    return _zone_names().get(key)


def zone(name: str) -> ZoneInfo | None:
    """The IANA time zone of that name (any case), or None."""
    found = zone_name(name)
    if found is None:
        return None
    try:
        return ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a damaged or missing zone file
        return None


async def build_digest(store: Store, chat_id: int, lang: str | None, now: datetime) -> Reply:
    """The chat's digest: flagged items of the last 24 hours its subscriptions want (all
    flagged items when it has none), one line per story, by category then jurisdiction."""
    _ = translator(lang)
    subs = await store.chats.subscriptions(chat_id)
    seen_stories: dict[int, list[Item]] = {}
    head_of: dict[int, int] = {}  # item id of a story's first item → story key
    picked: list[Item] = []
    for item, story in await store.items.flagged_since_with_story(now - WINDOW):
        folded = fold(f"{item.title}\n{item.text}")
        if subs and not any(wants(s, item, folded) for s in subs):
            continue
        key = story if story is not None else -(item.id or 0)
        if key in seen_stories:
            seen_stories[key].append(item)
            continue
        seen_stories[key] = [item]
        head_of[item.id or 0] = key
        picked.append(item)
    if not picked:
        return Reply(_("Daily digest: nothing flagged in the last 24 hours."))
    groups: dict[Category, dict[str, list[Item]]] = {}
    for item in picked:
        assert item.flag is not None  # noqa: S101 - flagged items only
        where = item.flag.entities.jurisdictions[0] if item.flag.entities.jurisdictions else ""
        groups.setdefault(item.flag.category, {}).setdefault(where, []).append(item)
    n_ = plural_translator(lang)
    count = len(picked)
    lines = [
        n_(
            "Daily digest — {count} flagged story, last 24 hours",
            "Daily digest — {count} flagged stories, last 24 hours",
            count,
        ).format(count=count)
    ]
    shown = 0
    for category in (Category.BAN, Category.REGULATION):
        places = groups.get(category)
        if not places:
            continue
        lines += ["", _(HEADERS[category])]
        for where in sorted(places, key=lambda w: (w == "", w)):
            lines.append(f"{where or _('Elsewhere')}:")
            for item in places[where]:
                if shown >= MAX_LINES:
                    break
                shown += 1
                also = len(seen_stories[head_of[item.id or 0]]) - 1
                title = one_line(item.title or without_credentials(item.url))
                line = f"• /item {item.id} {shorten(title, TITLE_CHARS)}"
                if item.source:
                    line += f" — {item.source}"
                if also:
                    line += " " + n_(
                        "(+{count} more outlet)", "(+{count} more outlets)", also
                    ).format(count=also)
                lines.append(line)
    if len(picked) > shown:
        lines.append(_("… and {count} more: /latest 20").format(count=len(picked) - shown))
    return Reply("\n".join(lines), extra={"kind": "digest"})


async def digest(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    words = inv.args.split()
    head = words[0].casefold() if words else ""
    chat = await ctx.chat_for_alerts(inv)
    assert chat.id is not None  # noqa: S101 - stored chats have ids
    if head == "now":
        return await build_digest(ctx.store, chat.id, inv.lang, ctx.clock.now())
    if not head:
        current = await ctx.store.chats.digest(chat.id)
        if current is None or not current.enabled:
            return Reply(
                _("The daily digest is off here. /digest on 08:00 Europe/Paris switches it on.")
            )
        return Reply(
            _("The daily digest comes here at {at} ({tz}). /digest off stops it.").format(
                at=current.at, tz=current.tz
            )
        )
    if head not in ("on", "off"):
        words = ["on", *words]  # "/digest 08:00 Europe/Paris"
        head = "on"
    if not inv.can_manage:
        return Reply(_("Only this group's administrators can change its digest."), error=True)
    if head == "off":
        if len(words) > 1:
            raise UsageError(_("/digest off takes nothing after it."))
        await ctx.store.chats.set_digest(chat.id, enabled=False)
        return Reply(_("Daily digest off."))
    at: str | None = None
    tz: str | None = None
    for word in words[1:]:
        if (parsed := parse_time(word)) is not None and at is None:
            at = parsed
        elif tz is None and (name := zone_name(word)) is not None and zone(name) is not None:
            tz = name
        elif parse_time(word) is None and ("/" in word or any(c.isalpha() for c in word)):
            raise UsageError(
                _(
                    "I don't know the time zone {zone}. Use an IANA name such as "
                    "Europe/Paris, America/New_York or UTC."
                ).format(zone=repr(word[:40]))
            )
        else:
            raise UsageError(_("Give the time as HH:MM (24 h), e.g. /digest on 08:00 Europe/Paris"))
    saved = await ctx.store.chats.set_digest(chat.id, enabled=True, at=at, tz=tz)
    return Reply(
        _(
            "Daily digest on: every day at {at} ({tz}), the flagged items of the last 24 "
            "hours. /subscribe regulation digest sends regulation only there."
        ).format(at=saved.at, tz=saved.tz)
    )
