"""Small text helpers shared by the store and the commands."""

from __future__ import annotations

import re
import unicodedata

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def _combining_marks() -> re.Pattern[str]:
    """A character class of the Basic Multilingual Plane's combining marks (accents)."""
    marks = [cp for cp in range(0x300, 0x10000) if unicodedata.combining(chr(cp))]
    ranges: list[tuple[int, int]] = []
    for cp in marks:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    parts = (re.escape(chr(a)) + ("" if a == b else "-" + re.escape(chr(b))) for a, b in ranges)
    return re.compile(f"[{''.join(parts)}]+")


_COMBINING = _combining_marks()


def fold(text: str) -> str:
    """Case- and accent-insensitive form: `Interdits` and `interdîts` fold alike."""
    if text.isascii():  # most words: nothing to decompose
        return text.casefold()
    stripped = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    if stripped and max(stripped) > "\uffff":  # marks beyond the BMP (rare): the slow way
        stripped = "".join(c for c in stripped if not unicodedata.combining(c))
    return stripped.casefold()


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


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary at most `limit` characters long, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"
