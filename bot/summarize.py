"""Short summaries of an item's text for lists and alerts."""

from __future__ import annotations

import re

from bot.text import shorten

LIST_CHARS = 300
DETAIL_CHARS = 900

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


def summarize(title: str, text: str, limit: int = LIST_CHARS) -> str:
    """The lead of the text, whole sentences where they fit, never cut mid-word.

    A text that only repeats the title gives an empty summary (the title is shown anyway).
    """
    text = " ".join(text.split())
    if not text or text.casefold() == title.casefold():
        return ""
    if text.casefold().startswith(title.casefold()):
        text = text[len(title) :].lstrip(" .:-–—")
    out = ""
    for sentence in _SENTENCE_END.split(text):
        candidate = f"{out} {sentence}".strip()
        if len(candidate) > limit:
            break
        out = candidate
    return out or shorten(text, limit)
