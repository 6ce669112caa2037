"""Small text helpers shared by the store and the commands."""

from __future__ import annotations

import re
import unicodedata

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def fold(text: str) -> str:
    """Case- and accent-insensitive form: `Interdits` and `interdîts` fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


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
