"""The terminal chat: type `/latest`, `/search wechat`, `/subscribe` and see replies and alerts.

Reads commands from stdin (so `printf '/help\\n' | banwatch chat` works and exits on EOF) and
prints plain-text replies to stdout. Alerts for the console's own chat are printed too.
"""

from __future__ import annotations

import asyncio
import codecs
import sys
from collections.abc import AsyncIterator
from typing import TextIO

from bot.commands import Button, Commands, Invocation, Reply, parse_command_line
from bot.models import Chat
from bot.store import MARK_END, MARK_START
from bot.text import strip_controls

PLATFORM = "console"
CHAT_KEY = "local"
PROMPT = "banwatch> "


def render_plain(reply: Reply) -> str:
    """A reply as terminal text: entries numbered by item id, matches in «guillemets».
    Control characters are dropped: feed text stored before normalisation removed them
    could otherwise move the cursor, recolour or clear the terminal, or ring its bell."""
    blocks: list[str] = []
    if reply.text:
        blocks.append(reply.text)
    for e in reply.entries:
        lines = [f"#{e.item_id} {e.title}"]
        when = e.when or e.published.strftime("%Y-%m-%d %H:%M UTC")
        meta = " · ".join(p for p in (e.source, when) if p)
        lines.append(f"   {meta}")
        if e.why:
            lines.append(f"   why: {e.why}")
        body = e.snippet or e.summary
        if body:
            lines.append("   " + body.replace(MARK_START, "«").replace(MARK_END, "»"))
        if e.url:
            lines.append(f"   {e.url}")
        blocks.append("\n".join(lines))
    if reply.footer:
        blocks.append(reply.footer)
    for b in reply.buttons:  # a button is the command it runs, to type
        if b.page > 1:  # the next page: /more, or the command with its page
            blocks.append(f"[{b.label}: /more, or /{b.command} {b.args} page {b.page}]")
        else:
            blocks.append(f"[{b.label}: /{b.command} {b.args}]")
    return strip_controls("\n\n".join(blocks))


class ConsoleTransport:
    """Delivers alerts for the console chat by printing them."""

    platform = PLATFORM

    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def send(self, chat: Chat, reply: Reply) -> None:
        self.out.write("\n🔔 " + render_plain(reply) + "\n")
        self.out.flush()


LINE_MAX = 1 << 20  # characters of one line; a longer one is read, dropped and answered
_CHUNK = 1 << 16


async def _chunks(stream: TextIO) -> AsyncIterator[str]:
    """What arrives on `stream`, as soon as it arrives (a line at a time from a terminal)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stream)
    except (ValueError, OSError):  # not a pipe or tty (e.g. a regular file): read in a thread
        while chunk := await asyncio.to_thread(stream.read, _CHUNK):
            yield chunk
        return
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while data := await reader.read(_CHUNK):
        yield decoder.decode(data)
    yield decoder.decode(b"", final=True)


async def _stdin_lines(stream: TextIO) -> AsyncIterator[str | None]:
    """The lines typed on `stream`; None for a line longer than LINE_MAX, which is read to
    its end and dropped (never held whole in memory)."""
    pending = ""
    dropping = False
    async for chunk in _chunks(stream):
        pending += chunk
        while (end := pending.find("\n")) >= 0:
            line, pending = pending[: end + 1], pending[end + 1 :]
            yield None if dropping or len(line) > LINE_MAX else line
            dropping = False
        if len(pending) > LINE_MAX:
            dropping, pending = True, ""
    if dropping or pending:
        yield None if dropping else pending


PAGED = ("search", "s", "latest", "l", "more")  # what /more pages through (short forms too)
NOTHING_MORE = "Nothing more to show: /more shows the next page after /search or /latest."


async def _answer(commands: Commands, name: str, args: str, pages: list[Button]) -> Reply:
    """Run a typed command. `/more` is the terminal's "More" button: the next page of the
    last list shown (`pages`), as pressing the button does in the other chats."""
    if name != "more":
        return await commands.run(Invocation(PLATFORM, CHAT_KEY, name, args, user_id="console"))
    if not pages:
        return Reply(NOTHING_MORE)
    more = pages[0]
    return await commands.run(
        Invocation(PLATFORM, CHAT_KEY, more.command, more.args, user_id="console", page=more.page)
    )


async def chat_loop(
    commands: Commands, inp: TextIO | None = None, out: TextIO | None = None
) -> None:
    """Answer commands typed on `inp` until EOF."""
    inp = inp or sys.stdin
    out = out or sys.stdout
    interactive = inp.isatty()
    out.write(
        "Banwatch terminal chat. Type /help for commands, /more for the next page of a list,"
        " Ctrl-D to quit.\n"
    )
    pages: list[Button] = []  # the last reply's "More" button: what /more runs
    if interactive:
        out.write(PROMPT)
    out.flush()
    async for line in _stdin_lines(inp):
        text = line.strip() if line is not None else ""
        if line is None:
            out.write(f"That line is longer than {LINE_MAX:,} characters: skipped.\n\n")
        elif text:
            parsed = parse_command_line(text)
            if parsed is None:
                reply = Reply("Commands start with a slash, e.g. /latest or /search wechat.")
            else:
                name, args = parsed
                reply = await _answer(commands, name.split("@")[0].casefold(), args, pages)
                if not reply.error and name.split("@")[0].casefold() in PAGED:
                    pages[:] = [b for b in reply.buttons if b.page > 1][:1]
            out.write(render_plain(reply) + "\n\n")
        if interactive:
            out.write(PROMPT)
        out.flush()
