"""Entities from the matches: platforms, regulators and jurisdictions, in order of appearance.

Aliases of one kind may overlap (``Google Play`` and ``Google``): the longest wins. An alias
listed in ``entities.toml`` under the name ``-`` wins like any other and is then dropped,
so ``central bank`` keeps ``bank`` from reporting the platform "Banks".
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.classify.lexicon import Span

SHADOW = "-"


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """`values` without repeats, in first-seen order."""
    return tuple(dict.fromkeys(values))


def pick(found: dict[str, list[Span]], kind: str) -> list[Span]:
    """Longest non-overlapping matches of `kind` ("platform", …), named, in text order."""
    prefix = kind + ":"
    spans = [s for group, hits in found.items() if group.startswith(prefix) for s in hits]
    spans.sort(key=lambda s: (s.start - s.end, s.start))
    kept: list[Span] = []
    for span in spans:
        if not any(span.overlaps(k) for k in kept):
            kept.append(span)
    kept.sort(key=lambda s: s.start)
    return [
        Span(s.start, s.end, s.group[len(prefix) :])
        for s in kept
        if s.group[len(prefix) :] != SHADOW
    ]


def jurisdictions(
    countries: list[Span], regulators: list[Span], home: dict[str, str]
) -> tuple[str, ...]:
    """ISO codes in order of appearance, a regulator standing for its home."""
    located = [(s.start, s.group) for s in countries]
    located += [(s.start, home.get(s.group, "")) for s in regulators]
    located.sort()
    return unique(code for _, code in located if code)
