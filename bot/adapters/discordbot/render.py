"""A core `Reply` as Discord messages with embeds, inside Discord's limits.

One embed per news entry: its title (linked to the article), the summary or search snippet,
the "why flagged" line, the source in the footer and the publication time as the embed's
timestamp. A reply's heading goes in the message content; plain-text replies become one
embed (several when long). Every piece of feed text is escaped for Discord's markdown.

Limits: a title holds 256 characters, a description 4,096, a footer 2,048; a message holds
10 embeds and 6,000 characters of embed text in all, and 2,000 of content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import discord
from discord.utils import escape_markdown

from bot.commands.reply import Entry, Reply
from bot.store import MARK_END, MARK_START

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
SOURCE_MAX = 256  # the footer may hold 2,048; a feed title needs far less
CONTENT_MAX = 2000
EMBEDS_PER_MESSAGE = 10
MESSAGE_EMBED_CHARS = 6000

COLOURS = {
    "ban": discord.Colour(0xE74C3C),
    "regulation": discord.Colour(0xF1C40F),
}
PLAIN = discord.Colour(0x5865F2)
ERROR = discord.Colour(0xED4245)

_MARKED = re.compile(f"{MARK_START}([^{MARK_START}{MARK_END}]*){MARK_END}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(slots=True)
class Page:
    """One Discord message: optional content and up to ten embeds."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)


def esc(text: str) -> str:
    """Plain text → Discord text: control characters removed, markdown escaped."""
    return escape_markdown(_CONTROL.sub("", text))


def marked(text: str) -> str:
    """A search snippet: escaped, with its match markers turned into bold."""
    escaped = escape_markdown(text.replace("\x00", ""))
    bolded = _MARKED.sub(r"**\1**", escaped)
    return _CONTROL.sub("", bolded.replace(MARK_START, "").replace(MARK_END, ""))


def clip(text: str, limit: int) -> str:
    """Cut to `limit` characters with an ellipsis, never leaving a dangling escape."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip("\\").rstrip() + "…"


def _link(url: str) -> str | None:
    return url if url.startswith(("http://", "https://")) and len(url) <= 2048 else None


def category_of(entry: Entry) -> str | None:
    """The flag's category ("ban", "regulation"), as the core named it."""
    return entry.category if entry.why else None


def entry_embed(entry: Entry, extra: str = "") -> discord.Embed:
    title = clip(f"#{entry.item_id} {esc(entry.title.strip() or entry.url)}", TITLE_MAX)
    parts = []
    if entry.snippet:
        parts.append(marked(entry.snippet))
    elif entry.summary:
        parts.append(esc(entry.summary))
    if entry.why:
        parts.append(f"⚑ **{esc(entry.why_label)}** {esc(entry.why)}")
    if extra:
        parts.append(esc(extra))
    embed = discord.Embed(
        title=title,
        url=_link(entry.url),
        description=clip("\n\n".join(parts), DESCRIPTION_MAX) or None,
        colour=COLOURS.get(category_of(entry) or "", PLAIN),
        timestamp=entry.published,
    )
    if entry.source:
        embed.set_footer(text=clip(_CONTROL.sub("", entry.source), SOURCE_MAX))
    return embed


def text_embeds(text: str, colour: discord.Colour) -> list[discord.Embed]:
    """Plain text as one or more description-only embeds, split between lines."""
    return [
        discord.Embed(description=chunk, colour=colour)
        for chunk in split_lines(esc(text), DESCRIPTION_MAX)
    ]


def split_lines(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut between lines (inside a line if it must)."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines():
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = limit if line[limit - 1] != "\\" else limit - 1
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current.strip():
        pieces.append(current)
    return pieces


def heading(text: str) -> str:
    lines = text.splitlines()
    head = [f"**{esc(line)}**" for line in lines[:1]] + [esc(line) for line in lines[1:]]
    return clip("\n".join(head), CONTENT_MAX)


def render(reply: Reply) -> list[Page]:
    """The reply as one or more messages within Discord's limits."""
    colour = ERROR if reply.error else PLAIN
    content: str | None = None
    embeds: list[discord.Embed] = []
    if reply.entries:
        if reply.text:
            content = heading(reply.text)
        single = len(reply.entries) == 1
        embeds = [entry_embed(e, reply.footer if single else "") for e in reply.entries]
        if reply.footer and not single:
            embeds.extend(text_embeds(reply.footer, colour))
    else:
        text = "\n\n".join(part for part in (reply.text, reply.footer) if part)
        embeds = text_embeds(text or "(empty)", colour)
    pages = pack(embeds)
    pages[0].content = content
    return pages


def pack(embeds: list[discord.Embed]) -> list[Page]:
    """Embeds into messages of at most 10 embeds and 6,000 characters of embed text."""
    pages = [Page()]
    size = 0
    for embed in embeds:
        length = len(embed)
        current = pages[-1]
        if current.embeds and (
            len(current.embeds) >= EMBEDS_PER_MESSAGE or size + length > MESSAGE_EMBED_CHARS
        ):
            pages.append(Page())
            size = 0
        pages[-1].embeds.append(embed)
        size += length
    return pages
