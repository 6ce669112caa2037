"""Evidence phrases: short quotes in the item's own words around the deciding matches."""

from __future__ import annotations

from bot.classify.lexicon import Span

MAX_CHARS = 60
ELLIPSIS = " … "


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" ,.;:-–—\"'«»“”()")


def phrase(original: str, first: Span, second: Span | None) -> str:
    """The words from `first` to `second` (either order), or both ends joined by an ellipsis
    when the stretch between them is longer than MAX_CHARS."""
    if second is None or second.overlaps(first):
        start = min(first.start, second.start) if second else first.start
        end = max(first.end, second.end) if second else first.end
        return _clean(original[start:end])[:MAX_CHARS]
    a, b = sorted((first, second), key=lambda s: s.start)
    joined = _clean(original[a.start : b.end])
    if len(joined) <= MAX_CHARS and "\n" not in original[a.start : b.end]:
        return joined
    left = _clean(original[a.start : a.end])
    right = _clean(original[b.start : b.end])
    return (left + ELLIPSIS + right)[:MAX_CHARS]
