"""Checks on a feed body before feedparser builds anything from it: its charset, its XML
entities and how deep its elements nest. Each failure is a ParseError starting "refused:".

Every check reads the body exactly as feedparser will: decoded by feedparser's own
`convert_to_utf8` (BOM, the `<?xm` sniff that finds UTF-16/32 and EBCDIC, the HTTP charset,
the XML declaration, RFC 3023's rules between them), so no encoding can hide a declaration
from the checks that feedparser would then read.

Charsets: a body is read only in an ASCII-compatible charset (every printable ASCII byte is
itself, and no run of ASCII bytes decodes to something else) or in UTF-16/UTF-32. UTF-7
(`+ADw-` is `<`), the EBCDIC code pages (cp037, cp500, cp1026, cp1140, cp273, ...), the
ISO-2022 and HZ shift encodings, and Python's escape codecs (`unicode_escape`, `punycode`,
`idna`) can spell markup that no byte search sees, and no feed needs them: they are refused
by name.

DTDs: no feed needs one, and a DTD is where entities are declared. feedparser keeps simple
internal entities and its fallback parser expands them without expat's amplification limit
(also where a reference lacks its ';'); expat itself may expand up to 100 times its input;
a default attribute value is copied to every element. So a body with a DTD internal subset
(`<!DOCTYPE rss [ ... ]>`) or any `<!ENTITY` declaration before its first element (where
feedparser's fallback parser looks for them, even outside a DOCTYPE) is refused. A DOCTYPE
that only names an external DTD (RSS 0.91's `<!DOCTYPE rss PUBLIC ... "...dtd">`) is kept: it
is never fetched, by expat or feedparser.

Depth: feedparser keeps a stack per open element, and a body of nothing but nested start
tags costs it about 12 s a megabyte. A body whose elements nest deeper than MAX_XML_DEPTH
(CDATA sections and comments aside) is refused before it is parsed.
"""

from __future__ import annotations

import codecs
import re
from functools import cache
from typing import Any

from feedparser.encodings import convert_to_utf8

from bot.errors import ParseError

MAX_XML_DEPTH = 1_000  # nested elements; real feeds nest fewer than 20
REFUSED_DTD = (
    "refused: the feed declares a DTD or XML entities (<!DOCTYPE … [ … ]>, <!ENTITY …>), "
    "which no feed needs"
)

_UNICODE = frozenset({"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"})
# Codecs whose decoding of plain ASCII is not plain ASCII whatever the probe below shows.
_NEVER = frozenset({"idna", "punycode"})
# Every printable ASCII byte but the two that Japanese charsets read as ¥ and ‾, and the
# escapes of the encodings that can spell '<' without the byte 0x3C.
_PROBE = (
    bytes(b for b in range(0x20, 0x7F) if b not in b"\\~")
    + b"\t\r\n +ADw- +AD4- ~{ ~} \x1b$B \x1b(B \x0e\x0f \\x3c \\u003c"
)
_FIRST_ELEMENT = re.compile(rb"<\w")
# A DOCTYPE's name and external id (quoted literals may hold '<', '>' or '['), then the '['
# of an internal subset or the '>' that ends it.
_DOCTYPE = re.compile(rb"""<!DOCTYPE(?:\s+(?:"[^"]*"|'[^']*'|[^\s"'\[>]+))*\s*([\[>])""")
# A start tag, an end tag, a CDATA section, a comment or a processing instruction.
_MARKUP = re.compile(rb"<(/?)[A-Za-z_:]|<!\[CDATA\[|<!--|<\?")
_TAG_END = re.compile(rb"[^<>]*>")


def decoded(body: bytes, content_type: str) -> tuple[bytes, str]:
    """The body as UTF-8, decoded as feedparser decodes it, and the charset it used."""
    data, charset, _ = decoded_with_doubts(body, content_type)
    return data, charset


def decoded_with_doubts(body: bytes, content_type: str) -> tuple[bytes, str, bool]:
    """As `decoded`, and whether feedparser doubted the charset (declared one wrong, guessed)."""
    headers = {"content-type": content_type} if content_type else {}
    scratch: dict[str, Any] = {}
    data = convert_to_utf8(headers, body, scratch)
    return bytes(data), str(scratch.get("encoding") or ""), bool(scratch.get("bozo"))


@cache
def hides_markup(charset: str) -> bool:
    """True for a charset in which ASCII bytes can decode to other characters (see above)."""
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return False  # unknown to Python: feedparser cannot use it either
    if name in _UNICODE:
        return False
    if name in _NEVER:
        return True
    try:
        return _PROBE.decode(name) != _PROBE.decode("ascii")
    except (UnicodeError, LookupError, TypeError, ValueError):
        return True


def check_charset(charset: str) -> None:
    if charset and hides_markup(charset):
        raise ParseError(
            f"refused: feed encoded in {charset} (only ASCII-compatible charsets and "
            "UTF-16/UTF-32 are read; this one can hide markup)"
        )


def check_dtd(data: bytes) -> None:
    """Refuse decoded UTF-8 `data` that declares entities or has a DTD internal subset."""
    first = _FIRST_ELEMENT.search(data)
    doctype = data.find(b"<!DOCTYPE", 0, first.start() if first else len(data))
    found = _DOCTYPE.match(data, doctype) if doctype >= 0 else None
    if found:  # the prolog goes on after the DOCTYPE, whatever its literals hold
        first = _FIRST_ELEMENT.search(data, found.end())
    subset = found is not None and found.group(1) == b"["
    if subset or b"<!ENTITY" in data[: first.start() if first else len(data)]:
        raise ParseError(REFUSED_DTD)


def xml_depth(data: bytes, stop: int = MAX_XML_DEPTH) -> int:
    """How deep the elements of `data` nest (CDATA sections, comments and processing
    instructions skipped), counting no further than `stop`. Linear in len(data)."""
    depth = deepest = 0
    pos = 0
    while True:
        found = _MARKUP.search(data, pos)
        if found is None:
            return deepest
        token = found.group(0)
        if token.startswith((b"<![CDATA[", b"<!--", b"<?")):
            end = {b"<![CDATA[": b"]]>", b"<!--": b"-->", b"<?": b"?>"}[token]
            close = data.find(end, found.end())
            if close < 0:
                return deepest
            pos = close + len(end)
            continue
        if found.group(1):
            depth = max(0, depth - 1)
            pos = found.end()
            continue
        tag = _TAG_END.match(data, found.end())
        pos = tag.end() if tag else found.end()
        if tag is None or not tag.group(0).endswith(b"/>"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest >= stop:
                    return deepest


def check_depth(data: bytes, limit: int = MAX_XML_DEPTH) -> None:
    if data.count(b"<") > limit and xml_depth(data, limit + 1) > limit:
        raise ParseError(f"refused: XML elements nested deeper than {limit:,} levels")


def check_body(body: bytes, content_type: str) -> None:
    """Every check above, on the body as feedparser will read it."""
    data, charset = decoded(body, content_type)
    check_charset(charset)
    check_dtd(data)
    check_depth(data)
