"""`banwatch feedback export FILE`: the items pressed "useful" or "wrong flag" as labelled JSON
Lines, the format `banwatch eval` reads (``{"id", "title", "summary", "lang", "label"}``).

The label is a suggestion from the presses, to review before a set joins the labelled ones:
"useful" keeps the flagged category, "wrong flag" says none; when chats disagree the majority
wins, a tie the latest press. Each line also says what was flagged and how many presses of
each kind it had. Nothing pressed: an empty file, which `banwatch eval` accepts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from bot.store.feedback import Pressed


def record(pressed: Pressed) -> dict[str, object]:
    """One labelled line: what `eval` reads first, then where the label came from."""
    return {
        "id": pressed.item_id,
        "title": pressed.title,
        "summary": pressed.text,  # the text the bot classified, so eval reads what it read
        "lang": pressed.lang,
        "label": pressed.label.value,
        "flagged": pressed.category.value,
        "press": pressed.verdict.value,
        "presses": {"useful": pressed.useful, "wrong": pressed.wrong},
        "url": pressed.url,
    }


def export_lines(pressed: Iterable[Pressed]) -> str:
    """The JSON Lines text ("" when nothing was pressed)."""
    return "".join(json.dumps(record(p), ensure_ascii=False) + "\n" for p in pressed)
