"""Feed bodies for the hardening tests, built in code so each test shows what it serves."""

from __future__ import annotations

import base64
from html import escape

RSS_HEAD = '<?xml version="1.0" encoding="{encoding}"?>\n{doctype}<rss version="2.0"><channel>'
RSS_TAIL = "</channel></rss>"


def item(
    n: int,
    *,
    title: str | None = None,
    description: str | None = None,
    pub_date: str | None = "Mon, 03 Apr 2023 01:02:03 GMT",
    raw: bool = False,
) -> str:
    """One <item>; `raw` keeps title/description unescaped (entity references, CDATA)."""
    t = title if title is not None else f"Exchange update {n}"
    d = description if description is not None else f"Story {n} about markets and regulators."
    if not raw:
        t, d = escape(t, quote=False), escape(d, quote=False)
    date = f"<pubDate>{pub_date}</pubDate>" if pub_date else ""
    return (
        f"<item><title>{t}</title><link>https://news.example/{n}</link>"
        f"<guid>https://news.example/{n}</guid><description>{d}</description>{date}</item>"
    )


def rss(
    items: list[str] | str, *, title: str = "Hostile", encoding: str = "utf-8", doctype: str = ""
) -> str:
    body = items if isinstance(items, str) else "".join(items)
    head = RSS_HEAD.format(encoding=encoding, doctype=doctype)
    return f"{head}<title>{title}</title><language>en</language>{body}{RSS_TAIL}"


def many_items(count: int) -> bytes:
    return rss([item(i) for i in range(count)], title="Ten thousand").encode()


BILLION_LAUGHS_DOCTYPE = (
    "<!DOCTYPE rss [\n"
    '<!ENTITY lol "lollollollollollollollollollollol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
)


def billion_laughs() -> bytes:
    """Nine levels of ten: three billion characters if a parser expanded nested entities."""
    return rss(
        [item(1, title="Laughs &lol9;", description="&lol9;", raw=True)],
        doctype=BILLION_LAUGHS_DOCTYPE,
    ).encode()


def quadratic_blowup(value_size: int = 200_000, refs: int = 20_000) -> bytes:
    """One flat 200 KB entity referenced 20,000 times: 4 GB if expanded (no nesting to spot)."""
    doctype = f'<!DOCTYPE rss [\n<!ENTITY a "{"x" * value_size}">\n]>\n'
    return rss([item(1, description="&a;" * refs, raw=True)], doctype=doctype).encode()


def utf7(text: str) -> bytes:
    """UTF-7 with every '<', '!' and '&' spelt in base64 ('+ADw-' is '<'): no markup byte."""
    out = []
    for ch in text:
        if ch in "<!&":
            out.append("+" + base64.b64encode(ch.encode("utf-16-be")).decode().rstrip("=") + "-")
        else:
            out.append("+-" if ch == "+" else ch)
    return "".join(out).encode("ascii")


def entity_bomb_in(charset: str, value_size: int = 100_000, refs: int = 200) -> bytes:
    """A flat entity bomb (20 MB if expanded) in `charset`: "utf-7" writes the markup as
    '+ADw-!ENTITY' after a plain XML declaration that names the charset; other charsets
    (EBCDIC) encode the whole document, declaration included."""
    doctype = f'<!DOCTYPE rss [\n<!ENTITY a "{"x" * value_size}">\n]>\n'
    doc = rss([item(1, description="&a;" * refs, raw=True)], doctype=doctype, encoding=charset)
    if charset == "utf-7":
        declaration, rest = doc.split("\n", 1)
        return declaration.encode() + b"\n" + utf7(rest)
    return doc.encode(charset)


def unterminated_references(value_size: int = 100_000, refs: int = 200) -> bytes:
    """A flat entity bomb whose references lack their ';' ('&a '): feedparser's fallback
    parser expands them all the same."""
    doctype = f'<!DOCTYPE rss [\n<!ENTITY a "{"x" * value_size}">\n]>\n'
    return rss([item(1, description="&a " * refs, raw=True)], doctype=doctype).encode()


def nested_divs(depth: int = 200_000) -> bytes:
    """One description of `depth` nested <div> (escaped HTML, as feeds carry it): an HTML
    parser's work grows with the square of the depth."""
    html = "<div>" * depth + "Deep text" + "</div>" * depth
    return rss([item(1, title="Deep", description=html), item(2)]).encode()


def nested_elements(depth: int = 200_000) -> bytes:
    """`depth` nested unknown XML elements in one item: feedparser keeps a stack per level."""
    return rss([item(1, description="<x>" * depth + "</x>" * depth, raw=True)]).encode()


def external_entity(target: str) -> bytes:
    """An XXE attempt: a general and a parameter entity pointing at a local file."""
    doctype = (
        f'<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file://{target}">\n'
        f'<!ENTITY % pe SYSTEM "file://{target}">\n%pe;\n]>\n'
    )
    return rss(
        [item(1, title="Leak &xxe;", description="&xxe;", raw=True)],
        doctype=doctype,
    ).encode()


HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Blocked</title></head>"
    "<body><h1>Please enable JavaScript</h1><p>Cloudflare</p></body></html>"
)
