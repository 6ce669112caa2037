"""Parsing each fixture format, and refusing bodies that are not feeds."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.errors import ParseError
from bot.feeds import parse as parse_module
from bot.feeds.fetched import FetchResult, body_digest
from bot.feeds.parse import ParsedFeed, check_markup, parse_bytes, parse_feed
from tests.hardening import feeds as hostile

DATA = Path(__file__).resolve().parent.parent / "data" / "feeds"


def fetched(body: bytes, content_type: str = "application/xml") -> FetchResult:
    return FetchResult(
        status_code=200,
        not_modified=False,
        body=body,
        etag=None,
        last_modified=None,
        final_url="https://feeds.example/feed",
        content_type=content_type,
    )


async def parse_fixture(name: str) -> ParsedFeed:
    return await parse_feed(fetched((DATA / name).read_bytes()))


@pytest.mark.parametrize(
    ("name", "version", "title", "lang", "count"),
    [
        ("crypto_en.rss", "rss20", "Crypto Ledger News", "en-US", 5),
        ("crypto_en.atom", "atom10", "Chain Policy Watch", "en", 3),
        ("crypto_en.rdf", "rss10", "RegWire (RSS 1.0)", "en", 2),
        ("crypto_fr.rss", "rss20", "Le Journal de la Blockchain", "fr-FR", 3),
        ("misc_html.rss", "rss20", "Markup & Mayhem", None, 6),
        ("nodates.rss", "rss20", "Undated Wire", None, 2),
    ],
)
async def test_fixture_formats(
    name: str, version: str, title: str, lang: str | None, count: int
) -> None:
    feed = await parse_fixture(name)
    assert feed.version == version
    assert feed.title == title
    assert feed.lang == lang
    assert len(feed.entries) == count
    assert feed.bozo is None
    assert feed.base_url == "https://feeds.example/feed"


async def test_seed_item_is_the_first_french_entry() -> None:
    feed = await parse_fixture("crypto_fr.rss")
    seed = feed.entries[0]
    assert seed.title == "WeChat ferme les comptes de médias blockchain chinois"
    assert seed.id == "https://journal-blockchain.example.fr/?p=48213"


async def test_html_page_is_not_a_feed() -> None:
    page = b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Hi</p></body></html>"
    with pytest.raises(ParseError, match=r"^not a feed \(looks like HTML\)$"):
        await parse_feed(fetched(page, "text/html; charset=utf-8"))


async def test_html_page_served_as_xml_is_still_recognised() -> None:
    page = b"\n  <html><body><a href='/rss'>RSS</a></body></html>"
    with pytest.raises(ParseError, match="looks like HTML"):
        await parse_feed(fetched(page, "application/xml"))


async def test_empty_body_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="empty body"):
        await parse_feed(fetched(b"  \n"))


async def test_json_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="content type application/json"):
        await parse_feed(fetched(b'{"items": []}', "application/json"))


async def test_broken_feed_with_entries_is_tolerated() -> None:
    # An unescaped "&" makes the XML malformed; feedparser's loose parser still reads it.
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Bits & Bobs</title>'
        b"<item><title>Exchange banned</title><link>https://x.example/1</link></item>"
        b"</channel></rss>"
    )
    feed = await parse_feed(fetched(body))
    assert feed.bozo
    assert [e.title for e in feed.entries] == ["Exchange banned"]


async def test_charset_from_content_type() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Crédit</title>'
        "<item><title>Société Générale</title></item></channel></rss>"
    ).encode("iso-8859-1")
    feed = await parse_feed(fetched(body, "application/rss+xml; charset=iso-8859-1"))
    assert feed.title == "Crédit"
    assert feed.entries[0].title == "Société Générale"


async def test_not_modified_has_nothing_to_parse() -> None:
    result = FetchResult(304, True, b"", '"v1"', None, "https://feeds.example/feed", "")
    with pytest.raises(ParseError, match="304"):
        await parse_feed(result)


async def test_parsing_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []
    real = parse_module.parse_bytes

    def spy(result: FetchResult) -> ParsedFeed:
        threads.append(threading.current_thread())
        return real(result)

    monkeypatch.setattr(parse_module, "parse_bytes", spy)
    await parse_feed(fetched((DATA / "crypto_en.rss").read_bytes()))
    assert threads
    assert threads[0] is not threading.main_thread()


def test_body_digest_tells_changed_bodies_apart() -> None:
    body = (DATA / "crypto_en.rss").read_bytes()
    assert body_digest(body) == body_digest(bytes(body))
    assert body_digest(body) != body_digest(body + b" ")
    assert len(body_digest(body)) == 64


ENTITY_DOC = (
    '<?xml version="1.0" encoding="{charset}"?>\n<!DOCTYPE rss [\n<!ENTITY big "{value}">\n]>\n'
    '<rss version="2.0"><channel><title>{refs}</title></channel></rss>'
)


@pytest.mark.parametrize(
    ("charset", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"),
     ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-16-be", b""),
     ("utf-32-le", b"\xff\xfe\x00\x00"), ("iso-8859-1", b""), ("shift_jis", b"")],
)  # fmt: skip
def test_entity_declarations_are_refused_in_every_charset(charset: str, bom: bytes) -> None:
    """Small or large, referenced with or without ';': a declared entity is refused, in
    whatever charset the body is read (UTF-16/32 hide `<!ENTITY` from a byte search)."""
    for refs in ("&big;", "&big;" * 200, "&big " * 200):
        doc = ENTITY_DOC.format(charset=charset, value="x" * 10_000, refs=refs)
        with pytest.raises(ParseError, match=r"^refused: the feed declares a DTD or XML entities"):
            check_markup(bom + doc.encode(charset), "application/rss+xml")


HIDING = ["utf-7", "UTF-7", "cp037", "cp500", "cp1026", "cp1140", "cp273", "cp875",
          "unicode_escape", "hz", "iso2022_jp"]  # fmt: skip


@pytest.mark.parametrize("charset", HIDING)
@pytest.mark.parametrize("declared", ["in XML", "in HTTP", "in both"])
def test_charsets_that_can_hide_markup_are_refused_by_name(charset: str, declared: str) -> None:
    """UTF-7 writes '<' as '+ADw-' and EBCDIC moves every byte: a byte search for
    `<!ENTITY` sees nothing. No feed needs these charsets; the error names the one used."""
    doc = hostile.rss([hostile.item(1)], encoding=charset if declared != "in HTTP" else "x")
    if charset.lower() == "utf-7":
        declaration, rest = doc.split("\n", 1)
        body = declaration.encode() + b"\n" + hostile.utf7(rest)
    elif charset == "unicode_escape":
        declaration, rest = doc.split("\n", 1)
        body = declaration.encode() + b"\n" + rest.replace("<", "\\u003c").encode()
    else:
        body = doc.encode(charset)
    if declared == "in HTTP":
        body = body.replace(b'encoding="x"', b"")
    ctype = "application/rss+xml" + (f"; charset={charset}" if declared != "in XML" else "")
    with pytest.raises(ParseError, match=r"^refused: feed encoded in (\S+) \(only ASCII") as err:
        parse_bytes(fetched(body, ctype))
    named = str(err.value).split()[4]  # EBCDIC declarations are read with cp037's quotes
    assert named.lower() in (charset.lower(), "cp037")


def test_a_dtd_internal_subset_is_refused_and_an_external_doctype_kept() -> None:
    """A default attribute in a DTD is copied to every element that lacks it: no DTD at all.
    RSS 0.91's DOCTYPE only names an external DTD (never fetched) and is kept."""
    items = "<item><title>t</title></item>" * 100
    subset = f'<!DOCTYPE rss [<!ATTLIST item x CDATA "{"y" * 10_000}">]>'
    hidden = '<!DOCTYPE rss SYSTEM "<b>">\n<!ENTITY a "xxx">'  # outside a DOCTYPE
    for doctype in (subset, hidden, '<!DOCTYPE rss SYSTEM "x>[" [ ]>'):
        body = f'<?xml version="1.0"?>\n{doctype}\n<rss version="2.0"><channel>{items}'
        with pytest.raises(ParseError, match=r"^refused: the feed declares a DTD or XML"):
            parse_bytes(fetched(body.encode() + b"</channel></rss>"))
    netscape = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS '
        '0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        f'<rss version="0.91"><channel><title>N</title>{items}</channel></rss>'
    )
    assert len(parse_bytes(fetched(netscape.encode())).entries) == 100
