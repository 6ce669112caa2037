"""Check a message the way Telegram's HTML parse mode would: length, tags, entities, links.

Telegram accepts only a few tags, balanced and not self-closing, the four named entities
&lt; &gt; &amp; &quot; (and numeric ones), and no bare `<` or `&`. A message breaking any of
these is rejected ("can't parse entities"); a message that injects its own tags or links is
worse. `problems(text)` lists what is wrong ([] for a valid message).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.adapters.telegram.callbacks import CallbackCodec
from bot.adapters.telegram.render import LIMIT, Chunk, render, units
from bot.commands import Button, Reply

ALLOWED_TAGS = frozenset(
    {"b", "i", "u", "s", "a", "code", "pre", "blockquote", "tg-spoiler", "span"}
)
_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_TAG = re.compile(r"</?([a-zA-Z][\w-]*)(?:\s[^<>]*)?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> not allowed")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href)
            if not href.startswith(("http://", "https://")):
                self.problems.append(f"link to {href[:40]!r}")
        elif attrs and tag != "span":
            self.problems.append(f"attributes on <{tag}>")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.problems.append(f"entity &{name};")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declaration")


def problems(text: str) -> list[str]:
    """What Telegram would reject in this HTML message, or what looks injected."""
    found: list[str] = []
    if not text.strip():
        found.append("empty message")
    if units(text) > LIMIT:
        found.append(f"{units(text)} UTF-16 units, over {LIMIT}")
    if _CONTROL.search(text):
        found.append("control character")
    if _BARE_AMP.search(text):
        found.append("bare &")
    # Every `<` must open a real tag: strip the tags, and no `<` may remain.
    if "<" in _TAG.sub("", text):
        found.append("bare <")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    found += checker.problems
    if checker.stack:
        found.append(f"unclosed {checker.stack}")
    return found


def links(text: str) -> list[str]:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return checker.links


def render_telegram(reply: Reply) -> list[Chunk]:
    codec = CallbackCodec()

    def data(button: Button) -> str:
        return codec.encode(button)

    return render(reply, data)
