"""Reading commands: /latest, /search, /item."""

from __future__ import annotations

from bot.commands.context import Context, entry
from bot.commands.reply import Button, Invocation, Reply
from bot.errors import UsageError
from bot.models import Category
from bot.summarize import DETAIL_CHARS

LATEST_DEFAULT = 5
LATEST_MAX = 20
SEARCH_PAGE = 5
MAX_PAGE = 50
STORY_SHOWN = 8  # other outlets named under /item

_CATEGORY_WORDS: dict[str, tuple[Category, ...]] = {
    "all": (Category.BAN, Category.REGULATION),
    "bans": (Category.BAN,),
    "ban": (Category.BAN,),
    "regulation": (Category.REGULATION,),
    "regulations": (Category.REGULATION,),
    "reg": (Category.REGULATION,),
}


async def latest(ctx: Context, inv: Invocation) -> Reply:
    count = LATEST_DEFAULT
    categories = _CATEGORY_WORDS["all"]
    for word in inv.args.split():
        if word.isdigit():
            count = int(word)
            if not 1 <= count <= LATEST_MAX:
                raise UsageError(f"Give a number from 1 to {LATEST_MAX}, e.g. /latest 10")
        elif word.casefold() in _CATEGORY_WORDS:
            categories = _CATEGORY_WORDS[word.casefold()]
        else:
            raise UsageError(
                f"I don't know {word[:30]!r}. Try /latest, /latest 10, /latest bans "
                "or /latest regulation"
            )
    items = await ctx.store.items.latest(count, categories)
    what = " and ".join("ban" if c is Category.BAN else "regulation" for c in categories)
    if not items:
        return Reply(
            f"No {what} items flagged yet. The feeds are polled every "
            f"{_every(ctx.settings.poll_interval)}; /feeds shows their health."
        )
    return Reply(f"Latest {what} news:", entries=tuple(entry(i) for i in items))


async def search(ctx: Context, inv: Invocation) -> Reply:
    query = inv.args.strip()
    if not query:
        raise UsageError("What should I look for? e.g. /search wechat")
    page = max(1, min(inv.page, MAX_PAGE))
    result = await ctx.store.search.search(
        query, limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE
    )
    if not result.terms:
        raise UsageError("Search needs at least one word or number, e.g. /search wechat")
    shown = " ".join(result.terms)
    if not result.hits:
        if page > 1:
            return Reply(f"No more results for “{shown}”.")
        return Reply(f"Nothing found for “{shown}”. Try fewer or other words.")
    buttons: tuple[Button, ...] = ()
    if result.has_more and page < MAX_PAGE:
        buttons = (Button("More", "search", shown, page + 1),)
    header = f"Results for “{shown}”" + (f" (page {page})" if page > 1 else "") + ":"
    entries = tuple(entry(h.item, snippet=h.snippet) for h in result.hits)
    return Reply(header, entries=entries, buttons=buttons)


async def item(ctx: Context, inv: Invocation) -> Reply:
    arg = inv.args.strip().lstrip("#")
    if not arg.isdigit() or len(arg) > 18:
        raise UsageError("Give the item's number, e.g. /item 42 (numbers are shown in lists)")
    found = await ctx.store.items.get(int(arg))
    if found is None:
        return Reply(f"There is no item {arg}; it may have been pruned.", error=True)
    detail = entry(found, limit=DETAIL_CHARS)
    lines = []
    flag = found.flag
    if flag is not None and flag.flagged:
        ent = flag.entities
        facts = [
            ("Category", flag.category.value),
            ("Score", f"{flag.score:.2f}"),
            ("Action", ent.action or ""),
            ("Platforms", ", ".join(ent.platforms)),
            ("Where", ", ".join(ent.jurisdictions)),
            ("Regulators", ", ".join(ent.regulators)),
            ("Evidence", " · ".join(f"“{e}”" for e in flag.evidence[:4])),
        ]
        lines = [f"{name}: {value}" for name, value in facts if value]
    others = await ctx.store.items.story_of(found.id or 0)
    if others:
        named = ", ".join(f"{o.source or o.url} ({o.url})" for o in others[:STORY_SHOWN])
        lines.append(f"Also reported by: {named}")
    return Reply(entries=(detail,), footer="\n".join(lines), link_preview=True)


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
