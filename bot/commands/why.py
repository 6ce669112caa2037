"""/why <id>: why an item was flagged, or why not, with the rules of the rule book that decided
it (`bot.classify.rules`), each with its purpose and effect.

The store keeps each item's verdict (category, score, evidence, entities) but not the rules
that fired, so the item's stored title and text are read again, now, by the same classifier
with the same thresholds; the reply says so, and says when today's verdict differs from the
stored one (the rule book changed since).
"""

from __future__ import annotations

from bot.classify.rules import RULES, Rule
from bot.commands.context import Context
from bot.commands.news import explainer, stored_item
from bot.commands.reply import Invocation, Reply
from bot.i18n import translator
from bot.models import Category
from bot.text import one_line, shorten, without_credentials

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
RULES_SHOWN = 12
TITLE_CHARS = 120


def rule_line(fired: str) -> str:
    """`ban.loose ("banned", "Bears")` with its purpose and effect from the rule book."""
    rule = BY_ID.get(fired.split(" ", 1)[0])
    if rule is None:
        return f"• {fired}"
    return f"• {fired} — {rule.purpose} → {rule.effect}"


async def why(ctx: Context, inv: Invocation) -> Reply:
    _ = translator(inv.lang)
    found = await stored_item(
        ctx, inv, _("Give the item's number, e.g. /why 42 (numbers are shown in lists)")
    )
    if isinstance(found, Reply):
        return found
    settings = ctx.settings
    verdict = explainer(settings.ban_threshold, settings.regulation_threshold).classify(
        found.title, found.text, found.lang
    )
    title = shorten(one_line(found.title or without_credentials(found.url)), TITLE_CHARS)
    lines = [f"#{found.id} {title}"]
    stored = found.flag
    if stored is not None and stored.flagged:
        lines.append(
            _("Flagged {category} when stored (score {score:.2f}).").format(
                category=stored.category.value, score=stored.score
            )
        )
    elif stored is not None:
        lines.append(_("Not flagged when stored (score {score:.2f}).").format(score=stored.score))
    lines.append(
        _(
            "The store keeps verdicts, not their rules: I read the stored title and text "
            "again now with the same classifier."
        )
    )
    if stored is None or verdict.category is not stored.category:
        lines.append(
            _("Read again now: {category} (score {score:.2f}).").format(
                category=verdict.category.value, score=verdict.score
            )
        )
    lines.append(
        _("Thresholds: ban {ban:.2f}, regulation {regulation:.2f}.").format(
            ban=settings.ban_threshold, regulation=settings.regulation_threshold
        )
    )
    if verdict.evidence:
        lines.append(
            _("Evidence: {evidence}").format(
                evidence=" · ".join(f"“{e}”" for e in verdict.evidence[:4])
            )
        )
    if verdict.rules:
        lines.append(_("Rules that decided it:"))
        lines += [rule_line(r) for r in verdict.rules[:RULES_SHOWN]]
    elif verdict.category is Category.NONE:
        lines.append(
            _(
                "No rule fired: no ban or regulation words in the headline and lead, "
                "so it is not flagged."
            )
        )
    else:
        lines.append(_("No rule of the rule book fired: the word lists' scores decided it."))
    lines.append(_("The whole rule book: banwatch rules."))
    return Reply("\n".join(lines))
