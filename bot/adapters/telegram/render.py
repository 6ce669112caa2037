"""A core `Reply` as Telegram messages: HTML parse mode, every piece of feed text escaped,
split under Telegram's 4,096-character limit, buttons on the last message."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.commands.reply import Button, Entry, Reply
from bot.store import MARK_END, MARK_START

LIMIT = 4096  # Telegram's limit, counted here in UTF-16 units of the HTML (a safe overcount)
_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Chunk:
    """One Telegram message: HTML text, an optional keyboard, and whether to hide previews."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    disable_preview: bool = True


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """Plain text → HTML text, with control characters (which Telegram rejects) removed."""
    return html.escape(_CONTROL.sub("", text), quote=False)


def marked(text: str) -> str:
    """A search snippet: escaped, with its match markers turned into bold."""
    escaped = html.escape(text.replace("\x00", ""), quote=False)
    bolded = _MARKED.sub(r"<b>\1</b>", escaped)
    return _CONTROL.sub("", bolded.replace(MARK_START, "").replace(MARK_END, ""))


def link(url: str, label: str) -> str:
    """`<a href>` for http(s) addresses only; anything else is shown as plain text."""
    if url.startswith(("http://", "https://")) and len(url) < 2048:
        return f'<a href="{html.escape(url, quote=True)}">{esc(label)}</a>'
    return esc(label)


def entry_lines(entry: Entry) -> list[str]:
    """One entry: number and linked title; source and time; summary or snippet; why flagged."""
    when = entry.when or entry.published.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"<b>#{entry.item_id}</b> {link(entry.url, entry.title.strip() or entry.url)}"]
    source = f"{esc(entry.source)} · " if entry.source else ""
    lines.append(f"<i>{source}{when}</i>")
    if entry.snippet:
        lines.append(marked(entry.snippet))
    elif entry.summary:
        lines.append(esc(entry.summary))
    if entry.why:
        lines.append(f"⚑ {esc(entry.why_label)} {esc(entry.why)}")
    return lines


def render(reply: Reply, button_data: Callable[[Button], str]) -> list[Chunk]:
    """The reply as one or more messages, each under LIMIT. `button_data` encodes a button
    as callback data (at most 64 bytes)."""
    blocks: list[list[str]] = []
    if reply.text:
        head = [f"<b>{esc(line)}</b>" for line in reply.text.splitlines()[:1]]
        blocks.append(head + [esc(line) for line in reply.text.splitlines()[1:]])
    blocks.extend(entry_lines(e) for e in reply.entries)
    if reply.footer:
        blocks.append([esc(line) for line in reply.footer.splitlines()])
    if not blocks:
        blocks = [["(empty)"]]
    markup = None
    if reply.buttons:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=button_data(b)) for b in reply.buttons]]
        )
    texts = pack(blocks)
    preview_off = not reply.link_preview or len(reply.entries) != 1
    return [
        Chunk(text, markup if i == len(texts) - 1 else None, preview_off)
        for i, text in enumerate(texts)
    ]


def pack(blocks: list[list[str]], limit: int = LIMIT) -> list[str]:
    """Join blocks (separated by a blank line) into messages under `limit`, keeping a block
    whole when it fits and splitting it by lines (or, for a huge line, by words) otherwise."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        whole = "\n".join(block)
        candidate = f"{current}\n\n{whole}" if current else whole
        if units(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
            current = ""
        if units(whole) <= limit:
            current = whole
            continue
        for line in block:
            for piece in _split_line(line, limit):
                candidate = f"{current}\n{piece}" if current else piece
                if units(candidate) <= limit:
                    current = candidate
                else:
                    messages.append(current)
                    current = piece
    if current:
        messages.append(current)
    return messages


def _split_line(line: str, limit: int) -> list[str]:
    """A line too long for one message, cut between words (between characters if it must).
    Cuts never fall inside a tag or an entity: tags are dropped from a line this long."""
    if units(line) <= limit:
        return [line]
    text = html.unescape(re.sub(r"<[^>]+>", "", line))
    pieces: list[str] = []
    current = ""
    for word in re.findall(r"\S+\s*", text):
        while units(esc(current + word)) > limit:
            if current:
                pieces.append(esc(current).rstrip())
                current = ""
            else:  # one word longer than a message
                cut = limit // 6  # even if every character became `&amp;`
                pieces.append(esc(word[:cut]))
                word = word[cut:]
        current += word
    if current.strip():
        pieces.append(esc(current).rstrip())
    return pieces
