"""Parsing each fixture format, and refusing bodies that are not feeds."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.errors import ParseError
from bot.feeds import parse as parse_module
from bot.feeds.fetch import FetchResult
from bot.feeds.parse import (
    MAX_ENTITY_DECLARATIONS,
    ParsedFeed,
    body_digest,
    check_entity_expansion,
    parse_feed,
)

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


def test_entity_declarations_beyond_the_cap_are_refused() -> None:
    decls = "".join(f'<!ENTITY e{i} "x">' for i in range(MAX_ENTITY_DECLARATIONS + 1))
    body = f'<?xml version="1.0"?><!DOCTYPE rss [{decls}]><rss version="2.0"></rss>'.encode()
    with pytest.raises(ParseError, match=rf"^refused: {MAX_ENTITY_DECLARATIONS + 1} XML entity"):
        check_entity_expansion(body)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
def test_entity_bomb_in_utf16_is_refused_too(codec: str) -> None:
    """UTF-16 hides `<!ENTITY` from a byte search: the body is read as text first."""
    value = "x" * 10_000
    doc = (
        f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE rss [<!ENTITY big "{value}">]>'
        f'<rss version="2.0"><channel><title>{"&big;" * 200}</title></channel></rss>'
    )
    with pytest.raises(ParseError, match=r"^refused: XML entities would expand"):
        check_entity_expansion(doc.encode(codec))
    check_entity_expansion(doc.replace("&big;" * 200, "&big;").encode(codec))  # one is fine
