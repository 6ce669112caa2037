"""The bot's own languages: gettext catalogues under bot/locales/<lang>/LC_MESSAGES/.

English is the source language (the msgids); other languages have a `banwatch.po`, compiled
to the `banwatch.mo` committed beside it so a fresh clone runs without a build step.
`python -m bot.i18n` recompiles every catalogue after editing a .po; a test checks that
each .mo matches its .po and that every string marked with `_("…")` in the commands has a
translation.

    _ = translator(pick_language(chat.lang, inv.lang))
    reply = _("Unsubscribed from {label}.").format(label=label)
"""

from __future__ import annotations

import ast
import functools
import gettext
import struct
from collections.abc import Callable
from pathlib import Path

DOMAIN = "banwatch"
LOCALES = Path(__file__).parent / "locales"
DEFAULT = "en"
LANGUAGES = ("en", "fr")  # what /language offers
NAMES = {"en": "English", "fr": "Français"}

Translate = Callable[[str], str]
Plural = Callable[[str, str, int], str]  # ngettext: singular, plural, count


def pick_language(*choices: str | None) -> str:
    """The first supported language among the choices ("fr-CA" → "fr"), else English."""
    for choice in choices:
        if not choice:
            continue
        base = choice.replace("_", "-").split("-")[0].casefold()
        if base in LANGUAGES:
            return base
    return DEFAULT


@functools.cache
def translator(lang: str | None) -> Translate:
    """`_` for this language; English (the msgids themselves) when there is no catalogue."""
    code = pick_language(lang)
    catalogue = gettext.translation(DOMAIN, LOCALES, languages=[code], fallback=True)
    return catalogue.gettext


@functools.cache
def plural_translator(lang: str | None) -> Plural:
    """`n_` for this language: `n_("{count} flagged story", "{count} flagged stories", n)`
    picks the form the language's Plural-Forms rule gives for n (French: 0 and 1 singular)."""
    code = pick_language(lang)
    catalogue = gettext.translation(DOMAIN, LOCALES, languages=[code], fallback=True)
    return catalogue.ngettext


def parse_po(text: str) -> dict[str, str]:
    """msgid → msgstr of a .po file (no contexts: the bot uses none). A plural message is
    keyed as the .mo file keys it: singular NUL plural → its forms joined by NUL."""
    messages: dict[str, str] = {}
    key: str | None = None
    parts: dict[str, list[str]] = {}
    current = "msgid"

    def flush() -> None:
        ids = ["".join(parts.get(k, [])) for k in ("msgid", "msgid_plural") if k in parts]
        forms = sorted(k for k in parts if k.startswith("msgstr"))
        strs = ["".join(parts[k]) for k in forms]
        if key is not None and all(strs) and strs:
            messages["\0".join(ids)] = "\0".join(strs)

    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        head, _, rest = line.partition(" ")
        if head == "msgid":
            flush()
            key, current = "", "msgid"
            parts = {"msgid": []}
            line = rest
        elif head == "msgid_plural" or head.startswith("msgstr"):
            current = head
            parts[current] = []
            line = rest
        elif not line.startswith('"'):
            continue
        parts[current].append(ast.literal_eval(line))
    flush()
    return messages


def compile_mo(messages: dict[str, str]) -> bytes:
    """GNU .mo bytes for these messages (the format stdlib gettext reads)."""
    keys = sorted(messages)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(messages[k].encode() + b"\0" for k in keys)
    header = 7 * 4
    table = header + 16 * len(keys)
    offsets: list[int] = []
    position = 0
    for k in keys:
        offsets += [len(k.encode()), table + position]
        position += len(k.encode()) + 1
    position = 0
    for k in keys:
        offsets += [len(messages[k].encode()), table + len(ids) + position]
        position += len(messages[k].encode()) + 1
    head = struct.pack("<7I", 0x950412DE, 0, len(keys), header, header + 8 * len(keys), 0, 0)
    return head + struct.pack(f"<{len(offsets)}I", *offsets) + ids + strs


def catalogues() -> list[Path]:
    return sorted(LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def main() -> None:
    for po in catalogues():
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_mo(parse_po(po.read_text(encoding="utf-8"))))
        print(f"compiled {mo}")


if __name__ == "__main__":
    main()
