"""Feed bodies for the hardening tests, built in code so each test shows what it serves."""

from __future__ import annotations

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
