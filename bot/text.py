"""The one set of text helpers: folding, CJK detection, shortening and mentions.

The classifier, the summaries, stories and search all fold text the same way:

- typographic look-alikes become ASCII ("’" → "'", non-breaking hyphen → "-", NBSP → space);
- accents are dropped and case is folded (``Prohibió`` → ``prohibio``);
- traditional Chinese becomes simplified (``禁止幣安交易`` → ``禁止币安交易``), through
  OpenCC's character table, so one word list serves mainland, Hong Kong and Taiwan sources.

Folding is per character, so ``FoldedText`` can map every folded position back to the
original text (evidence is quoted from the original).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# One CJK range for the whole project: kana, CJK ideographs (with extension A and the
# compatibility block) and Hangul syllables.
CJK_CLASS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK = re.compile(f"[{CJK_CLASS}]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Typographic look-alikes that news feeds use in place of ASCII punctuation.
_PUNCT = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-", "\u00a0": " "}

_table: dict[int, str] = {}


@cache
def _opencc(config: str) -> object:
    import opencc  # imported on first Han character: most feeds never need it

    return opencc.OpenCC(config)


def _simplified(char: str) -> str:
    converted = str(_opencc("t2s").convert(char))  # type: ignore[attr-defined]
    return converted if len(converted) == 1 else char


def fold_char(char: str) -> str:
    """One character folded: look-alikes to ASCII, accents dropped, case folded,
    traditional Chinese to simplified. May be empty (a lone combining mark) or longer
    (``ß`` → ``ss``)."""
    if char in _PUNCT:
        return _PUNCT[char]
    if _HAN.match(char):
        return _simplified(char)
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def _table_for(text: str) -> dict[int, str]:
    for char in set(text):
        code = ord(char)
        if code not in _table:
            _table[code] = fold_char(char)
    return _table


def _positions(text: str, char: str) -> list[int]:
    """Every index of `char` in `text`."""
    found: list[int] = []
    at = text.find(char)
    while at >= 0:
        found.append(at)
        at = text.find(char, at + 1)
    return found


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
        # Most characters fold to one: only around the others (an ellipsis "…" folds to three,
        # a combining accent to none) does the folded text shift against the original.
        odd = [char for char in set(text) if len(table[ord(char)]) != 1]
        offsets: list[int] = []
        start = 0
        for index in sorted(i for char in odd for i in _positions(text, char)):
            offsets.extend(range(start, index))
            offsets.extend([index] * len(table[ord(text[index])]))
            start = index + 1
        offsets.extend(range(start, len(text)))
        return cls(text, folded, tuple(offsets))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) for a folded (start, end)."""
        if self.offsets is None or start >= end:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1


def fold(text: str) -> str:
    """Case-, accent- and script-insensitive form: `Interdits` and `interdîts` fold alike,
    and so do `監管` and `监管`."""
    if text.isascii():  # most words: nothing to decompose
        return text.lower()
    return text.translate(_table_for(text))


def chinese_spellings(term: str) -> list[str]:
    """The ways a Chinese term is written: as typed, simplified, and traditional as Taiwan
    and Hong Kong write it (OpenCC's phrase tables), so `监管` finds `監管` and back."""
    spellings = [term]
    if _HAN.search(term):
        for config in ("t2s", "s2twp", "s2hk"):
            written = str(_opencc(config).convert(term))  # type: ignore[attr-defined]
            if written not in spellings:
                spellings.append(written)
    return spellings


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def mentions(haystack_folded: str, needle: str) -> bool:
    """Whole-word, accent-insensitive mention; substring for Chinese/Japanese/Korean."""
    folded = fold(needle).strip()
    if not folded:
        return False
    if has_cjk(folded):
        return folded in haystack_folded
    return re.search(rf"(?<!\w){re.escape(folded)}(?!\w)", haystack_folded) is not None


def one_line(text: str) -> str:
    """All whitespace runs, line breaks included, as single spaces."""
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis when cut. Line
    breaks are kept: pass `one_line(text)` for a one-line form."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" \n,;:.-–—") + "…"


# Characters that steer a terminal or reorder text rather than show anything: C0 controls but
# tab and line feed, DEL, C1 controls, and the bidirectional embeddings, overrides and
# isolates (U+202A–U+202E, U+2066–U+2069) that can make text read backwards. Feed text loses
# them at normalisation; the terminal output drops them again for rows stored before that.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _control_replacement(found: re.Match[str]) -> str:
    return " " if found.group().isspace() else ""  # \r, \f, \v, NEL and the like: a space


def strip_controls(text: str) -> str:
    """`text` without control characters (tab and line feed kept; the ones that space
    text, such as a carriage return, become a space)."""
    return _CONTROLS.sub(_control_replacement, text)


def without_credentials(url: str, mark: str = "") -> str:
    """`url` without the user name and password of its authority part (`//user:pw@host`),
    which is put as `mark` instead: feed URLs may carry them for the fetcher, but lists
    shown to users must not."""
    start = url.find("//")
    if start < 0:
        return url
    start += 2
    ends = [i for i in (url.find(c, start) for c in "/?#\\") if i >= 0]
    end = min(ends, default=len(url))
    at = url.rfind("@", start, end)
    return url if at < 0 else url[:start] + mark + url[at + 1 :]
