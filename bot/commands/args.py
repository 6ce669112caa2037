"""Reading numbers out of command arguments, one way for every command.

A number is ASCII digits only. `str.isdigit` also says yes to "²", "⁵" or "①", which `int`
then refuses, and `int` takes "٣" or "５": neither belongs in an item or feed number. Anything
that looks like a number but is not one gets the command's own hint, never an exception.
"""

from __future__ import annotations

import re

from bot.errors import UsageError

ID_MAX = 10**18 - 1  # SQLite rowids fit; longer digit runs are refused before int()
_DIGITS = re.compile(r"[0-9]{1,18}")


def looks_numeric(word: str) -> bool:
    """A word meant as a number: digits of any script, superscripts, fractions."""
    return bool(word) and word.isnumeric()


def whole_number(text: str, hint: str, *, low: int = 1, high: int = ID_MAX) -> int:
    """`text` (spaces and a leading "#" allowed) as an int in [low, high]; otherwise
    UsageError(hint), where `hint` tells the user what to type."""
    digits = text.strip().lstrip("#")
    if not _DIGITS.fullmatch(digits):
        raise UsageError(hint)
    number = int(digits)
    if not low <= number <= high:
        raise UsageError(hint)
    return number


def page_words(args: str, hint: str, *, high: int) -> tuple[str, int | None]:
    """`args` without a closing "page N", and N (None when there is none): "crypto page 2"
    → ("crypto", 2). A page out of [1, high] raises UsageError(hint)."""
    words = args.split()
    if len(words) >= 2 and words[-2].casefold() == "page" and looks_numeric(words[-1]):
        return " ".join(words[:-2]), whole_number(words[-1], hint, high=high)
    return args, None
