"""What the `banwatch` command says: chat replies in command-line words, one line for a
file that cannot be written, input files read as UTF-8 with the line that is not.

    cli_syntax("Give a number, e.g. /latest 10")  ->  "Give a number, e.g. banwatch latest 10"
    cli_syntax("e.g. /search wechat page 2")  ->  "e.g. banwatch search wechat --page 2"
    write_problem(IsADirectoryError(...), Path("/tmp"), "feeds.opml")
        ->  "it is a folder; give a file name, e.g. /tmp/feeds.opml"
"""

from __future__ import annotations

import errno
import re
import shlex
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from bot.commands import Reply
from bot.errors import UsageError

# Chat commands that have a `banwatch` equivalent; the others (/item, /subscribe …) are
# left as they are.
CLI_FORMS = {
    "latest": "banwatch latest",
    "search": "banwatch search",
    "feeds": "banwatch feeds list",
    "addfeed": "banwatch feeds add",
    "removefeed": "banwatch feeds remove",
}
# `/name` at the start or after a space or punctuation, never inside a URL or a path.
_CHAT_COMMAND = re.compile(r"(?<![\w/.:%~-])/(" + "|".join(CLI_FORMS) + r")\b")


# A page typed in chat words ("/search wechat page 2"), and the synopsis's "[page N]".
_PAGE_WORDS = re.compile(r"(?<![\w/.:%~-])/(latest|search)((?: [^\s/]+)*?) page (\d+)\b")
_PAGE_USAGE = re.compile(r"\[page N\]")


def cli_syntax(text: str) -> str:
    """The core's chat words (`/latest 10`, `/search wechat page 2`) as command lines
    (`banwatch latest 10`, `banwatch search wechat --page 2`)."""
    text = _PAGE_WORDS.sub(lambda m: f"/{m[1]}{m[2]} --page {m[3]}", text)
    text = _PAGE_USAGE.sub("[--page N]", text)
    return _CHAT_COMMAND.sub(lambda m: CLI_FORMS[m[1]], text)


def for_cli(reply: Reply) -> Reply:
    """A reply with its own words (not the entries: feed text) in command-line syntax and
    its "More" buttons as the command that shows the next page."""
    hints = [
        f"{b.label}: {CLI_FORMS[b.command]} {' '.join(map(shlex.quote, b.args.split()))}"
        f" --page {b.page}"
        for b in reply.buttons
        if b.command in ("search", "latest") and b.page > 1
    ]
    footer = "\n".join(part for part in (cli_syntax(reply.footer), *hints) if part)
    return replace(reply, text=cli_syntax(reply.text), footer=footer, buttons=())


def write_problem(exc: OSError | sqlite3.Error, target: Path, example: str) -> str:
    """Why `target` could not be written and what to do, in a few words (after "cannot
    write TARGET: ")."""
    code = exc.errno if isinstance(exc, OSError) else None
    text = str(exc).lower()
    if isinstance(exc, IsADirectoryError) or target.is_dir():
        return f"it is a folder; give a file name, e.g. {target / example}"
    if code == errno.ENOSPC or "disk is full" in text:
        return "the disk is full; free some space or write somewhere else"
    if isinstance(exc, FileNotFoundError):
        return f"the folder {target.parent} does not exist; create it or write somewhere else"
    if isinstance(exc, NotADirectoryError) or (
        target.parent.exists() and not target.parent.is_dir()
    ):
        return f"{target.parent} is a file, not a folder; write somewhere else"
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return "permission denied; write somewhere you may"
    if code == errno.EROFS or "readonly" in text:
        return "read-only file system; write somewhere else"
    if "not a database" in text:
        return "it exists and is not a SQLite database; remove it or give another name"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return reason.lower()


def utf8_lines(lines: Iterable[bytes], name: str) -> Iterator[str]:
    """Each line decoded as UTF-8 (a byte-order mark at the start is dropped). A line that
    is not UTF-8 raises a UsageError naming the file, the line and the fix."""
    for number, raw in enumerate(lines, start=1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start]
            raise UsageError(
                f"{name} is not UTF-8 text (line {number} has the byte {byte:#04x}): "
                "convert it to UTF-8, e.g. with iconv"
            ) from None
