"""Accent- and case-folding that remembers where each folded character came from.

Matching runs on the folded text (``Prohibió`` → ``prohibio``), evidence is cut from the
original text, so every folded position maps back to an original one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Typographic look-alikes that news feeds use in place of ASCII punctuation.
_PUNCT = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-", "\u00a0": " "}

_cache: dict[int, str] = {}


def fold_char(char: str) -> str:
    """One character folded: compatibility-decomposed, combining marks dropped, casefolded."""
    if char in _PUNCT:
        return _PUNCT[char]
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold() or char


def fold(text: str) -> str:
    """The folded form of `text`, for terms and for text where offsets do not matter."""
    return FoldedText.of(text).folded


def _table_for(text: str) -> dict[int, str]:
    for char in set(text):
        code = ord(char)
        if code not in _cache:
            _cache[code] = fold_char(char)
    return _cache


@dataclass(frozen=True, slots=True)
class FoldedText:
    """`original` and its folded form; `offsets[i]` is the original index of folded[i]."""

    original: str
    folded: str
    offsets: tuple[int, ...] | None  # None when folding kept every position

    @classmethod
    def of(cls, text: str) -> FoldedText:
        if text.isascii():
            return cls(text, text.lower(), None)
        table = _table_for(text)
        folded = text.translate(table)
        if len(folded) == len(text):
            return cls(text, folded, None)
        offsets: list[int] = []
        for index, char in enumerate(text):
            offsets.extend([index] * len(table[ord(char)]))
        return cls(text, folded, tuple(offsets))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) for a folded (start, end)."""
        if self.offsets is None or start >= end:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1
