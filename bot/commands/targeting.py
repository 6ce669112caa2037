"""Reading a targeted subscription out of its words, for /subscribe and /unsubscribe:

    bans on WeChat              → bans, platforms (WeChat)
    regulation in eu, france    → regulation, jurisdictions (EU, FR)
    all by SEC in US            → all, regulators (SEC), jurisdictions (US)

After `in`, `on` or `by` come one or more names of that kind, each one or several words
("on Google Play", "by Bank of England"), read by the classifier's own table
(`bot.classify.names`): the longest run of words that names something wins. A name the table
does not know is refused with the closest known ones.
"""

from __future__ import annotations

import re

from bot.classify.names import NameTable, tables
from bot.errors import UsageError
from bot.i18n import Translate
from bot.targets import MARKERS, Targets

KIND_OF_MARKER = dict(MARKERS)
_SPLIT = re.compile(r"[\s,;]+")
HINT_NAMES = 3


def is_marker(word: str) -> bool:
    return word.casefold() in KIND_OF_MARKER


def tokens(text: str) -> list[str]:
    """Words, commas counting as spaces (`in EU, FR`)."""
    return [w for w in _SPLIT.split(text) if w]


def parse_targets(words: list[str], _: Translate) -> Targets:
    """`["in", "EU", "FR", "on", "x"]` → Targets; `words` must start with a marker."""
    found: dict[str, list[str]] = {kind: [] for _m, kind in MARKERS}
    i = 0
    while i < len(words):
        marker = words[i].casefold()
        kind = KIND_OF_MARKER[marker]  # the caller checked words[0]; later ones end a run
        start = i + 1
        end = start + 1 if start < len(words) else start  # the word after a marker is a name
        while end < len(words) and not is_marker(words[end]):
            end += 1
        if start == end:
            raise UsageError(_missing(marker, _))
        found[kind] += _names(tables()[kind], words[start:end], _)
        i = end
    return Targets.of_names(**found)


def _names(table: NameTable, words: list[str], _: Translate) -> list[str]:
    """The names in a run of words, longest match first from the left."""
    names: list[str] = []
    start = 0
    while start < len(words):
        for end in range(len(words), start, -1):
            name = table.find(" ".join(words[start:end]))
            if name is not None:
                names.append(name)
                start = end
                break
        else:
            raise UsageError(unknown(table, " ".join(words[start:]), words[start], _))
    return names


def _kind_word(kind: str, _: Translate) -> str:
    return {
        "jurisdictions": _("jurisdiction"),
        "platforms": _("platform"),
        "regulators": _("regulator"),
    }[kind]


def unknown(table: NameTable, phrase: str, word: str, _: Translate) -> str:
    """The hint for a name the table does not know, with the closest known ones."""
    shown = phrase if len(phrase) <= 40 else word[:40]
    close = table.closest(phrase) if phrase != word else []
    close = list(dict.fromkeys([*close, *table.closest(word)]))[:HINT_NAMES]
    text = _("I don't know the {kind} “{name}”.").format(kind=_kind_word(table.kind, _), name=shown)
    if close:
        return text + " " + _("Did you mean: {names}?").format(names=", ".join(close))
    examples = ", ".join(table.label(n) for n in table.names[:5])
    return text + " " + _("Known names include: {names}.").format(names=examples)


def _missing(marker: str, _: Translate) -> str:
    return {
        "in": _("Which jurisdiction after “in”? e.g. /subscribe regulation in EU"),
        "on": _("Which platform after “on”? e.g. /subscribe bans on WeChat"),
        "by": _("Which regulator after “by”? e.g. /subscribe all by SEC"),
    }[marker]
