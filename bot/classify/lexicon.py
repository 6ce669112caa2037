"""Word lists read from ``lexicons/*.toml``, compiled once into a token index.

Term syntax (documented for editors in ``lexicons/README.md``):

- ``word``      the whole word, any case, with or without accents (``prohibio`` = ``prohibió``)
- ``stem*``     any word that starts with ``stem`` (``interdi*``: interdit, interdites…)
- ``*end``      any word that ends with ``end`` (``*konten``: Girokonten, Bankkonten…)
- ``*part*``    any word that contains ``part`` (``*verbot*``: Werbeverbot, Verbote…)
- ``two words`` the words in order, separated by spaces, hyphens or apostrophes
- ``lift * ban`` a lone ``*`` stands for any one word
- ``wirft ** aus`` ``**`` stands for up to eight words of the same clause (no punctuation
                between): German separable verbs, "wirft nicht lizenzierte Apps aus"
- ``stellt ** ein.`` with a final period, the last word must end its clause (punctuation
                or the end of the text follows): "stellt den Handel … ein." but not the
                article in "stellt ein neues Produkt vor"
- ``SEC``       a term written in capitals (2+ letters) matches capitals only, so ``SEC``
                is not the French word ``sec``; ``=Visa`` matches exactly that spelling
- Chinese and Japanese terms match anywhere, as text has no spaces between words.

Matching splits the folded text into words once and looks each word up in a dictionary
(cached per word), so hundreds of terms cost about as much as a handful.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, NamedTuple

from bot.text import CJK_CLASS, FoldedText, fold

_CJK_CLASS = CJK_CLASS
_CJK = re.compile(f"[{_CJK_CLASS}]")
# A word of a spaced script: CJK is left out so `SEC` is a word in `美国SEC起诉`.
_WORD = re.compile(rf"[^\W_{_CJK_CLASS}]+")
_GAP_CHARS = frozenset(" \t-'/.")
_MAX_GAP = 3
_MAX_SKIP = 8  # words that ``**`` may stand for
_SKIP_CHARS = frozenset(" \t-'/")  # between skipped words: no sentence or clause punctuation
_CLAUSE_END = re.compile(r"\s*(?:$|[.,;:!?)»\"“”\n])")
_CACHE_LIMIT = 200_000


def _trie_pattern(words: list[str]) -> str:
    """One regex for many literal words, shaped as a trie so that matching at each place
    follows one branch instead of trying every word; longer words win."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class Span(NamedTuple):
    """A match in original-text coordinates, tagged with the name of its term group."""

    start: int
    end: int
    group: str

    def near(self, other: Span, window: int) -> bool:
        return max(other.start - self.end, self.start - other.end) <= window

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


# A word pattern: (kind, text); kind is "=" whole word, "^" prefix, "$" suffix, "~" infix,
# "?" any word, "+" up to _MAX_SKIP words, "|" the end of a clause.
Word = tuple[str, str]


def _word(raw: str) -> Word:
    if raw == "*":
        return ("?", "")
    if raw == "**":
        return ("+", "")
    lead, tail = raw.startswith("*"), raw.endswith("*")
    core = raw.strip("*")
    if not core or "*" in core:
        raise ValueError(f"wildcards go at the start or end of a word, not in {raw!r}")
    kind = "~" if lead and tail else "$" if lead else "^" if tail else "="
    return (kind, core)


def _matches(word: Word, token: str) -> bool:
    kind, text = word
    if kind == "=":
        return token == text
    if kind == "^":
        return token.startswith(text)
    if kind == "$":
        return token.endswith(text)
    if kind == "~":
        return text in token
    return True


@dataclass(slots=True)
class _Side:
    """Terms matched against one form of the words: folded, or original (capitals)."""

    exact: dict[str, list[int]] = field(default_factory=dict)
    prefix: dict[str, list[int]] = field(default_factory=dict)
    suffix: dict[str, list[int]] = field(default_factory=dict)
    infix: list[tuple[str, int]] = field(default_factory=list)
    cache: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def add(self, first: Word, term_id: int) -> None:
        kind, text = first
        if kind == "~":
            self.infix.append((text, term_id))
        else:
            table = {"=": self.exact, "^": self.prefix, "$": self.suffix}[kind]
            table.setdefault(text, []).append(term_id)
        self.cache.clear()

    def candidates(self, token: str) -> tuple[int, ...]:
        hit = self.cache.get(token)
        if hit is not None:
            return hit
        found: list[int] = list(self.exact.get(token, ()))
        for k in range(1, len(token) + 1):
            found.extend(self.prefix.get(token[:k], ()))
            found.extend(self.suffix.get(token[-k:], ()))
        found.extend(term_id for text, term_id in self.infix if text in token)
        if len(self.cache) > _CACHE_LIMIT:
            self.cache.clear()
        self.cache[token] = hit = tuple(found)
        return hit


@dataclass(slots=True)
class TermIndex:
    """Every term of a language, each tagged with the groups it belongs to."""

    words: list[tuple[Word, ...]] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    cased: list[bool] = field(default_factory=list)
    folded_side: _Side = field(default_factory=_Side)
    original_side: _Side = field(default_factory=_Side)
    # a term's second word when it must be one exact word: most terms of two or more words
    # start with a common word ("en", "de", "the"), so the next token rules them out at once
    second: list[str | None] = field(default_factory=list)
    cjk: dict[str, list[str]] = field(default_factory=dict)
    _cjk_regex: re.Pattern[str] | None = None
    _cjk_inner: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    _ids: dict[tuple[bool, tuple[Word, ...]], int] = field(default_factory=dict)

    def add(self, term: str, group: str) -> None:
        term = term.strip()
        cased = term.startswith("=") or (len(term) >= 2 and term.isupper() and term.isascii())
        body = term.lstrip("=") if cased else fold(term)
        if _CJK.search(body):
            self._cjk_regex = None
            self.cjk.setdefault(body, []).append(group)
            return
        parts = [p for p in re.split(r"[\s\-'/.]+", body) if p]
        if not parts or parts[0] == "*":
            raise ValueError(f"term {term!r} must start with a word")
        words = tuple(_word(p) for p in parts)
        if words[-1][0] == "+" or any(a[0] == b[0] == "+" for a, b in pairwise(words)):
            raise ValueError(f"term {term!r}: ** must stand between two words")
        if "**" in parts and body.endswith("."):
            words += (("|", ""),)
        key = (cased, words)
        if key in self._ids:
            self.groups[self._ids[key]].append(group)
            return
        term_id = self._ids[key] = len(self.words)
        self.words.append(words)
        self.groups.append([group])
        self.cased.append(cased)
        self.second.append(words[1][1] if len(words) > 1 and words[1][0] == "=" else None)
        (self.original_side if cased else self.folded_side).add(words[0], term_id)

    def find(self, text: FoldedText) -> dict[str, list[Span]]:
        """All matches, by group, in original-text coordinates."""
        return self._find(text, None, 0)

    def find_with_head(
        self, text: FoldedText, head: int
    ) -> tuple[dict[str, list[Span]], dict[str, list[Span]]]:
        """`find(text)`, and what `find` gives for the text's first `head` folded characters
        alone (a headline and lead, `text` being the whole item), from one pass. The head
        must end where a line of `text` ends: no term matches across a line break."""
        if head < len(text.folded) and text.folded[head] != "\n":
            raise ValueError("the head of a text must end at a line break")
        found_in_head: dict[str, list[Span]] = {}
        return self._find(text, found_in_head, head), found_in_head

    def _find(
        self, text: FoldedText, head: dict[str, list[Span]] | None, cut: int
    ) -> dict[str, list[Span]]:
        """All matches; with `head`, those ending by folded position `cut` are put in it too,
        in the order `find` would put them for that part of the text alone."""
        folded = text.folded
        found: dict[str, list[Span]] = {}
        record = _Hits(found, head, cut)
        bounds: list[tuple[int, int]] = []
        folded_tokens: list[str] = []
        for m in _WORD.finditer(folded):
            bounds.append(m.span())
            folded_tokens.append(m.group())
        candidates, words, groups = self.folded_side.candidates, self.words, self.groups
        known = self.folded_side.cache  # (looked up here first: most words are in it)
        second = self.second
        span, same = text.span, text.offsets is None
        last = len(folded_tokens) - 1
        for i, token in enumerate(folded_tokens):
            hits = known.get(token)
            if hits is None:
                hits = candidates(token)
            if not hits:
                continue
            following = folded_tokens[i + 1] if i < last else None
            for term_id in hits:
                if len(words[term_id]) == 1:
                    start, end = bounds[i] if same else span(*bounds[i])
                    record.add(start, end, bounds[i][1], groups[term_id])
                elif second[term_id] is None or second[term_id] == following:
                    self._extend(record, text, bounds, folded_tokens, i, term_id)
        if self.original_side.exact or self.original_side.prefix:
            self._find_cased(record, text, bounds)
        if self.cjk and _CJK.search(folded):
            self._find_cjk(record, text)
        return found

    def _find_cased(self, record: _Hits, text: FoldedText, bounds: list[tuple[int, int]]) -> None:
        """Terms in capitals, matched on the original words; only capitalised words are tried."""
        original = text.original
        same = text.offsets is None
        tokens: list[str] | None = None
        offsets = text.offsets or ()
        capitalised = [
            i
            for i, (start, _) in enumerate(bounds)
            if original[start if same else offsets[start]].isupper()
        ]
        for i in capitalised:
            start, end = bounds[i]
            token = original[start:end] if same else original[slice(*text.span(start, end))]
            hits = self.original_side.candidates(token)
            if not hits:
                continue
            if tokens is None:
                tokens = [original[slice(*text.span(s, e))] for s, e in bounds]
            for term_id in hits:
                self._extend(record, text, bounds, tokens, i, term_id)

    def _compile_cjk(self) -> re.Pattern[str]:
        bodies = sorted(self.cjk, key=len, reverse=True)
        for body in bodies:
            self._cjk_inner[body] = [
                (at, other)
                for other in bodies
                for at in range(len(body) - len(other) + 1)
                if body.startswith(other, at)
            ]
        self._cjk_regex = re.compile(_trie_pattern(bodies))
        return self._cjk_regex

    def _find_cjk(self, record: _Hits, text: FoldedText) -> None:
        """Chinese and Japanese terms: the longest term at each place, and every term in it."""
        regex = self._cjk_regex or self._compile_cjk()
        for m in regex.finditer(text.folded):
            for offset, body in self._cjk_inner[m.group()]:
                start, end = text.span(m.start() + offset, m.start() + offset + len(body))
                record.add(start, end, m.end(), self.cjk[body])

    def _extend(
        self,
        record: _Hits,
        text: FoldedText,
        bounds: list[tuple[int, int]],
        tokens: list[str],
        i: int,
        term_id: int,
    ) -> None:
        words = self.words[term_id]
        last = i if len(words) == 1 else _last_token(text.folded, bounds, tokens, i, words)
        if last is None:
            return
        start, end = text.span(bounds[i][0], bounds[last][1])
        record.add(start, end, bounds[last][1], self.groups[term_id])


class _Hits:
    """Where one pass of `TermIndex._find` puts what it finds: every match by group, and,
    with a head, the matches ending by folded position `cut` in the head's dict too."""

    __slots__ = ("cut", "found", "head")

    def __init__(
        self, found: dict[str, list[Span]], head: dict[str, list[Span]] | None, cut: int
    ) -> None:
        self.found, self.head, self.cut = found, head, cut

    def add(self, start: int, end: int, folded_end: int, groups: Iterable[str]) -> None:
        """A term at start:end of the original text, ending at `folded_end` of the folded
        one: a span for each of its groups."""
        also = self.head if self.head is not None and folded_end <= self.cut else None
        for group in groups:
            self.found.setdefault(group, []).append(hit := Span(start, end, group))
            if also is not None:
                also.setdefault(group, []).append(hit)


def _joined(
    folded: str, bounds: list[tuple[int, int]], a: int, b: int, chars: frozenset[str]
) -> bool:
    """Whether tokens `a` and `b` are separated only by a short run of `chars`."""
    gap = folded[bounds[a][1] : bounds[b][0]]
    return len(gap) <= _MAX_GAP and set(gap) <= chars


def _last_token(
    folded: str, bounds: list[tuple[int, int]], tokens: list[str], i: int, words: tuple[Word, ...]
) -> int | None:
    """Index of the last token of a match of `words` whose first word is token `i`, or None."""
    at, k = i, 1
    while k < len(words):
        if words[k][0] == "+":  # skip up to _MAX_SKIP words to the next word of the term
            for nxt in range(at + 1, min(at + 2 + _MAX_SKIP, len(tokens))):
                if not _joined(folded, bounds, nxt - 1, nxt, _SKIP_CHARS):
                    return None
                if _matches(words[k + 1], tokens[nxt]):
                    at, k = nxt, k + 2
                    break
            else:
                return None
            continue
        if words[k][0] == "|":  # a separable particle ends its clause
            if not _CLAUSE_END.match(folded, bounds[at][1]):
                return None
            k += 1
            continue
        nxt = at + 1
        if nxt >= len(tokens) or not _joined(folded, bounds, at, nxt, _GAP_CHARS):
            return None
        if not _matches(words[k], tokens[nxt]):
            return None
        at, k = nxt, k + 1
    return at
