"""Reading commands: /latest, /search, /item."""

from __future__ import annotations

import functools

from bot.classify import Classifier, Thresholds
from bot.commands.args import looks_numeric, page_words, whole_number
from bot.commands.context import Context, entry
from bot.commands.reply import Button, Invocation, Reply
from bot.commands.wording import action_name, category_name
from bot.errors import UsageError
from bot.i18n import translator
from bot.models import Category, Item
from bot.summarize import DETAIL_CHARS
from bot.text import without_credentials

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
    _ = translator(inv.lang)
    count = LATEST_DEFAULT
    categories = _CATEGORY_WORDS["all"]
    words, typed_page = page_words(
        inv.args,
        _("Give a page from 1 to {max}, e.g. /latest 20 page 2").format(max=MAX_PAGE),
        high=MAX_PAGE,
    )
    for word in words.split():
        if looks_numeric(word):
            hint = _("Give a number from 1 to {max}, e.g. /latest 10").format(max=LATEST_MAX)
            count = whole_number(word, hint, high=LATEST_MAX)
        elif word.casefold() in _CATEGORY_WORDS:
            categories = _CATEGORY_WORDS[word.casefold()]
        else:
            raise UsageError(
                _(
                    "I don't know {word}. Try /latest, /latest 10, /latest bans "
                    "or /latest regulation"
                ).format(word=repr(word[:30]))
            )
    page = typed_page or max(1, min(inv.page, MAX_PAGE))
    # One more than shown: whether there is a next page.
    items = await ctx.store.items.latest(count + 1, categories, offset=(page - 1) * count)
    what = _(" and ").join(_("ban") if c is Category.BAN else _("regulation") for c in categories)
    if not items:
        if page > 1:
            return Reply(_("No more {what} items.").format(what=what))
        return Reply(
            _(
                "No {what} items flagged yet. The feeds are polled every {every}; "
                "/feeds shows their health."
            ).format(what=what, every=_every(ctx.settings.poll_interval))
        )
    buttons: tuple[Button, ...] = ()
    if len(items) > count and page < MAX_PAGE:
        word = next(w for w, c in _CATEGORY_WORDS.items() if c == categories)
        buttons = (Button(_("More"), "latest", f"{count} {word}", page + 1),)
    if page > 1:
        header = _("Latest {what} news (page {page}):").format(what=what, page=page)
    else:
        header = _("Latest {what} news:").format(what=what)
    tz = await ctx.zone(inv)
    entries = tuple(entry(i, lang=inv.lang, tz=tz) for i in items[:count])
    return Reply(header, entries=entries, buttons=buttons)


async def search(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    query, typed_page = page_words(
        inv.args.strip(),
        _("Give a page from 1 to {max}, e.g. /search wechat page 2").format(max=MAX_PAGE),
        high=MAX_PAGE,
    )
    if not query:
        raise UsageError(_("What should I look for? e.g. /search wechat"))
    page = typed_page or max(1, min(inv.page, MAX_PAGE))
    result = await ctx.store.search.search(
        query, limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE
    )
    if not result.terms:
        raise UsageError(_("Search needs at least one word or number, e.g. /search wechat"))
    shown = " ".join(result.terms)
    if not result.hits:
        if page > 1:
            return Reply(_("No more results for “{query}”.").format(query=shown))
        return Reply(
            _("Nothing found for “{query}”. Try fewer or other words.").format(query=shown)
        )
    buttons: tuple[Button, ...] = ()
    if result.has_more and page < MAX_PAGE:
        buttons = (Button(_("More"), "search", shown, page + 1),)
    if page > 1:
        header = _("Results for “{query}” (page {page}):").format(query=shown, page=page)
    else:
        header = _("Results for “{query}”:").format(query=shown)
    tz = await ctx.zone(inv)
    entries = tuple(entry(h.item, snippet=h.snippet, lang=inv.lang, tz=tz) for h in result.hits)
    return Reply(header, entries=entries, buttons=buttons)


@functools.cache
def explainer(ban: float, regulation: float) -> Classifier:
    """The classifier that explains items in /item, built once per pair of thresholds."""
    return Classifier(Thresholds(ban=ban, regulation=regulation))


async def stored_item(ctx: Context, inv: Invocation, usage: str) -> Item | Reply:
    """The stored item whose number the command was given, or the reply that says why not
    (`usage`: how to give the number, in the chat's language)."""
    _ = translator(inv.lang)
    number = whole_number(inv.args, usage)
    found = await ctx.store.items.get(number)
    if found is None:
        return Reply(
            _("There is no item {id}; it may have been pruned.").format(id=number), error=True
        )
    return found


async def item(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    found = await stored_item(
        ctx, inv, _("Give the item's number, e.g. /item 42 (numbers are shown in lists)")
    )
    if isinstance(found, Reply):
        return found
    detail = entry(found, limit=DETAIL_CHARS, lang=inv.lang, tz=await ctx.zone(inv))
    lines = []
    flag = found.flag
    if flag is not None and flag.flagged:
        ent = flag.entities
        facts = [
            (_("Category"), category_name(flag.category, _)),
            (_("Score"), f"{flag.score:.2f}"),
            (_("Action"), action_name(ent.action, _) if ent.action else ""),
            (_("Platforms"), ", ".join(ent.platforms)),
            (_("Where"), ", ".join(ent.jurisdictions)),
            (_("Regulators"), ", ".join(ent.regulators)),
            (_("Evidence"), " · ".join(f"“{e}”" for e in flag.evidence[:4])),
        ]
        lines = [f"{name}: {value}" for name, value in facts if value]
    # Why (or why not): the rules that decide this item now, flagged or not.
    verdict = explainer(ctx.settings.ban_threshold, ctx.settings.regulation_threshold).classify(
        found.title, found.text, found.lang
    )
    if flag is None or not flag.flagged:
        lines.append(
            _("Category: {category} (score {score:.2f})").format(
                category=verdict.category.value, score=verdict.score
            )
        )
    if verdict.rules:
        lines.append(_("Rules: {rules}").format(rules="; ".join(verdict.rules[:6])))
    others = await ctx.store.items.story_of(found.id or 0)
    if others:
        shown = [(o.source, without_credentials(o.url)) for o in others[:STORY_SHOWN]]
        named = ", ".join(f"{source or url} ({url})" for source, url in shown)
        lines.append(_("Also reported by: {sources}").format(sources=named))
    return Reply(entries=(detail,), footer="\n".join(lines), link_preview=True)


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
