"""Named things in an item: platforms, regulators and jurisdictions, from ``entities.toml``.

Each alias is one alternative of a single regex per kind, longest first, so ``Google Play``
wins over ``Google`` and ``central bank`` over ``bank``. An alias listed under the name ``-``
is matched and then dropped: it shadows a shorter alias it contains.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.classify.fold import FoldedText
from bot.classify.lexicon import LEXICON_DIR, Span, term_pattern

SHADOW = "-"


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Aliases → names, matched in one pass over folded text and one over original text."""

    folded: re.Pattern[str] | None
    exact: re.Pattern[str] | None
    names: tuple[str, ...]  # group index i (named g{i}) → name

    @classmethod
    def compile(cls, table: dict[str, list[str]]) -> Gazetteer:
        pairs = [(alias, name) for name, aliases in table.items() for alias in aliases]
        pairs.sort(key=lambda pair: len(pair[0].lstrip("=*")), reverse=True)
        folded: list[str] = []
        exact: list[str] = []
        names: list[str] = []
        for index, (alias, name) in enumerate(pairs):
            source, is_exact = term_pattern(alias)
            (exact if is_exact else folded).append(f"(?P<g{index}>{source})")
            names.append(name)
        return cls(
            re.compile("|".join(folded)) if folded else None,
            re.compile("|".join(exact)) if exact else None,
            tuple(names),
        )

    def find(self, text: FoldedText) -> list[Span]:
        """Matches in text order; shadowing aliases are left out."""
        spans: list[Span] = []
        if self.folded is not None:
            for m in self.folded.finditer(text.folded):
                start, end = text.span(m.start(), m.end())
                spans.append(Span(start, end, self.names[int(str(m.lastgroup)[1:])]))
        if self.exact is not None:
            for m in self.exact.finditer(text.original):
                spans.append(Span(m.start(), m.end(), self.names[int(str(m.lastgroup)[1:])]))
        spans.sort(key=lambda s: s.start)
        return [s for s in spans if s.group != SHADOW]


@dataclass(frozen=True, slots=True)
class EntityFinder:
    platforms: Gazetteer
    regulators: Gazetteer
    countries: Gazetteer
    regulator_home: dict[str, str]  # regulator → ISO code or "EU"

    def platform_spans(self, text: FoldedText) -> list[Span]:
        return self.platforms.find(text)

    def regulator_spans(self, text: FoldedText) -> list[Span]:
        return self.regulators.find(text)

    def country_spans(self, text: FoldedText) -> list[Span]:
        return self.countries.find(text)

    def jurisdictions(self, countries: list[Span], regulators: list[Span]) -> tuple[str, ...]:
        """ISO codes in order of appearance, a regulator standing for its home."""
        located = [(s.start, s.group) for s in countries]
        located += [(s.start, self.regulator_home[s.group]) for s in regulators]
        located.sort()
        return unique(code for _, code in located if code)


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """`values` without repeats, in first-seen order."""
    return tuple(dict.fromkeys(values))


def _aliases(table: object, section: str) -> dict[str, list[str]]:
    if not isinstance(table, dict):
        raise TypeError(f"entities.toml: [{section}] must be a table")
    out: dict[str, list[str]] = {}
    for name, aliases in table.items():
        if isinstance(aliases, dict):
            aliases = aliases.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ValueError(f"entities.toml: [{section}] {name} needs a list of aliases")
        out[str(name)] = [str(a) for a in aliases]
    return out


@cache
def load_entities(directory: Path = LEXICON_DIR) -> EntityFinder:
    with (directory / "entities.toml").open("rb") as fh:
        data = tomllib.load(fh)
    regulators = data.get("regulators", {})
    home = {
        str(name): str(entry.get("jurisdiction", ""))
        for name, entry in regulators.items()
        if isinstance(entry, dict)
    }
    return EntityFinder(
        platforms=Gazetteer.compile(_aliases(data.get("platforms", {}), "platforms")),
        regulators=Gazetteer.compile(_aliases(regulators, "regulators")),
        countries=Gazetteer.compile(_aliases(data.get("jurisdictions", {}), "jurisdictions")),
        regulator_home=home,
    )
