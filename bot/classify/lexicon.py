"""Word lists read from ``lexicons/*.toml`` and compiled once into regular expressions.

Term syntax (documented for editors in ``lexicons/README.md``):

- ``word``      the whole word, any case, with or without accents (``prohibio`` = ``prohibió``)
- ``stem*``     any word that starts with ``stem`` (``interdi*``: interdit, interdites…)
- ``*part*``    any word that contains ``part`` (``*verbot*``: Werbeverbot, Verbote…)
- ``two words`` the words in order, separated by spaces, hyphens or apostrophes, or joined
- ``SEC``       a term written in capitals (2+ letters) matches capitals only, so ``SEC``
                is not the French word ``sec``; ``=Visa`` matches exactly that spelling
- Chinese and Japanese terms match anywhere, as text has no spaces between words.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.classify.fold import FoldedText, fold

LEXICON_DIR = Path(__file__).parent / "lexicons"
LANGUAGES = ("en", "fr", "es", "de", "pt", "zh")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_SEPARATOR = r"[\s\-'/.]*"
# A letter or digit of a spaced script: CJK is left out so `SEC` matches in `美国SEC起诉`.
LETTER = r"[^\W_\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]"


@dataclass(frozen=True, slots=True)
class Span:
    """A match in original-text coordinates, tagged with the name of its term group."""

    start: int
    end: int
    group: str

    def near(self, other: Span, window: int) -> bool:
        gap = max(other.start - self.end, self.start - other.end)
        return gap <= window

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def _word_pattern(word: str) -> str:
    return re.escape(word).replace(r"\*", LETTER + "*")


def term_pattern(term: str) -> tuple[str, bool]:
    """The regex source for one term, and whether it is matched case-sensitively."""
    term = term.strip()
    exact = term.startswith("=") or (len(term) >= 2 and term.isupper() and term.isascii())
    body = term.lstrip("=") if exact else fold(term)
    if _CJK.search(body):
        return re.escape(body), False
    lead = LETTER + "*" if body.startswith("*") else f"(?<!{LETTER})"
    tail = LETTER + "*" if body.endswith("*") else f"(?!{LETTER})"
    words = [w for w in re.split(r"[\s\-']+", body.strip("*")) if w]
    if not words:
        raise ValueError(f"empty term {term!r}")
    return lead + _SEPARATOR.join(_word_pattern(w) for w in words) + tail, exact


@dataclass(frozen=True, slots=True)
class TermGroup:
    """A named list of terms: one regex for folded text, one for capitals-only terms."""

    name: str
    folded: re.Pattern[str] | None
    exact: re.Pattern[str] | None

    @classmethod
    def compile(cls, name: str, terms: Iterable[str]) -> TermGroup:
        folded: list[str] = []
        exact: list[str] = []
        for term in sorted(set(terms), key=len, reverse=True):
            source, is_exact = term_pattern(term)
            (exact if is_exact else folded).append(source)
        return cls(
            name,
            re.compile("|".join(folded)) if folded else None,
            re.compile("|".join(exact)) if exact else None,
        )

    def find(self, text: FoldedText) -> list[Span]:
        spans: list[Span] = []
        if self.folded is not None:
            for m in self.folded.finditer(text.folded):
                start, end = text.span(m.start(), m.end())
                spans.append(Span(start, end, self.name))
        if self.exact is not None:
            spans.extend(
                Span(m.start(), m.end(), self.name) for m in self.exact.finditer(text.original)
            )
        return spans


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The compiled word lists for one language (its own file merged with ``common.toml``)."""

    lang: str
    strong: TermGroup  # ban words that suffice in crypto context
    weak: TermGroup  # actions that are a ban only next to a banned object
    lifted: TermGroup  # a ban lifted or struck down: regulation news, not a ban
    objects: tuple[TermGroup, ...]  # key = action label ("account closure", …)
    regulation: tuple[TermGroup, ...]  # key = action label ("law", "fine", …)
    crypto: TermGroup
    authorities: TermGroup
    loose: TermGroup  # loose usage: ban words inside or next to these do not count
    no_ban: TermGroup  # context that makes a closure ordinary (hack, maintenance…)


def _read(path: Path) -> dict[str, object]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _terms(data: Mapping[str, object], section: str, key: str) -> list[str]:
    table = data.get(section)
    if not isinstance(table, dict):
        return []
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"[{section}] {key} must be a list of strings")
    return list(value)


def _labelled(sources: list[dict[str, object]], section: str) -> tuple[TermGroup, ...]:
    labels: dict[str, list[str]] = {}
    for data in sources:
        table = data.get(section)
        if isinstance(table, dict):
            for label in table:
                labels.setdefault(label, []).extend(_terms(data, section, label))
    return tuple(TermGroup.compile(label, terms) for label, terms in labels.items())


def _group(sources: list[dict[str, object]], section: str, key: str) -> TermGroup:
    terms = [t for data in sources for t in _terms(data, section, key)]
    return TermGroup.compile(f"{section}.{key}", terms)


@cache
def load_lexicon(lang: str, directory: Path = LEXICON_DIR) -> Lexicon:
    """The lexicon for `lang`; languages without a file use English."""
    path = directory / f"{lang}.toml"
    if not path.exists():
        lang, path = "en", directory / "en.toml"
    sources = [_read(directory / "common.toml"), _read(path)]
    return Lexicon(
        lang=lang,
        strong=_group(sources, "ban", "strong"),
        weak=_group(sources, "ban", "weak"),
        lifted=_group(sources, "ban", "lifted"),
        objects=_labelled(sources, "objects"),
        regulation=_labelled(sources, "regulation"),
        crypto=_group(sources, "context", "crypto"),
        authorities=_group(sources, "context", "authorities"),
        loose=_group(sources, "guards", "loose"),
        no_ban=_group(sources, "guards", "no_ban"),
    )
