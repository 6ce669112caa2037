"""The fast parser (fastfeedparser) reads ordinary feeds; feedparser reads what it refuses or
would read differently; either way `normalize` makes the same items of them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.feeds import parse as parse_module
from bot.feeds.fetched import FetchResult
from bot.feeds.normalize import normalize_entry
from bot.feeds.parse import ParsedFeed, parse_bytes

DATA = Path(__file__).parents[1] / "data" / "feeds"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def fetched(body: bytes, content_type: str = "application/rss+xml") -> FetchResult:
    return FetchResult(200, False, body, None, None, "https://feeds.example/feed", content_type)


def items(parsed: ParsedFeed) -> list[tuple[object, ...]]:
    found = []
    for entry in parsed.entries:
        item = normalize_entry(
            entry,
            feed_id=1,
            feed_title=parsed.title,
            feed_lang=parsed.lang,
            base_url=parsed.base_url,
            fetched=NOW,
        )
        if item is None:  # neither title, link nor text
            found.append(())
        else:
            found.append((item.guid, item.url, item.title, item.text, item.published, item.lang))
    return found


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir() if p.suffix != ".md"))
def test_both_parsers_give_the_same_items(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (DATA / name).read_bytes()
    fast = parse_bytes(fetched(body))
    # crypto_en.atom declares languages on its entries: only feedparser keeps them
    assert fast.parser == ("feedparser" if name == "crypto_en.atom" else "fastfeedparser")
    monkeypatch.setattr(parse_module, "fast_parse", lambda data: None)
    slow = parse_bytes(fetched(body))
    assert slow.parser == "feedparser"
    assert (fast.title, fast.lang, fast.version) == (slow.title, slow.lang, slow.version)
    assert items(fast) == items(slow)


def _rss(items_xml: str, version: str = "2.0") -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="{version}"><channel><title>T</title>'
        f"<description>d</description>{items_xml}</channel></rss>"
    ).encode()


def test_malformed_xml_goes_to_feedparser() -> None:
    body = _rss("<item><title>Bits & Bobs</title><link>https://x.example/1</link></item>")
    parsed = parse_bytes(fetched(body))
    assert parsed.parser == "feedparser"
    assert parsed.bozo
    assert [e.title for e in parsed.entries] == ["Bits & Bobs"]


def test_an_older_rss_version_goes_to_feedparser() -> None:
    body = _rss("<item><title>Old</title><link>https://x.example/1</link></item>", "0.91")
    assert parse_bytes(fetched(body)).parser == "feedparser"


def test_a_guidless_item_with_a_tracking_link_keeps_the_feedparser_guid() -> None:
    # fastfeedparser would copy the raw link into the id; feedparser leaves it empty and
    # normalize uses the canonical link: the stored guid must not depend on the parser.
    body = _rss("<item><title>A</title><link>https://x.example/a?utm_source=rss</link></item>")
    parsed = parse_bytes(fetched(body))
    assert parsed.parser == "feedparser"
    assert items(parsed)[0][0] == "https://x.example/a"


def test_an_entry_language_goes_to_feedparser() -> None:
    body = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
        b'<title>T</title><entry xml:lang="fr"><id>urn:1</id><title>Bonjour</title>'
        b'<link href="https://x.example/1"/></entry></feed>'
    )
    parsed = parse_bytes(fetched(body, "application/atom+xml"))
    assert parsed.parser == "feedparser"
    assert items(parsed)[0][5] == "fr"


def test_what_fastfeedparser_raises_on_goes_to_feedparser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ValueError("not a valid feed")

    monkeypatch.setattr("bot.feeds.fastparse.fastfeedparser.parse", refuse)
    parsed = parse_bytes(fetched((DATA / "crypto_en.rss").read_bytes()))
    assert parsed.parser == "feedparser"
    assert len(parsed.entries) == 5


def test_made_up_summaries_are_not_read_as_the_feeds_own() -> None:
    # No description: fastfeedparser makes one of the content with the script's text in it.
    body = _rss(
        "<item><guid>g1</guid><title>A</title>"
        '<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "safe&lt;script&gt;steal()&lt;/script&gt; text</content:encoded></item>"
    )
    parsed = parse_bytes(fetched(body))
    assert parsed.parser == "fastfeedparser"
    assert "steal" not in items(parsed)[0][3]
