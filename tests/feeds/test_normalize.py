"""Normalising entries into Items: guids, canonical URLs, plain text, dates, language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.feeds.normalize import (
    MAX_TEXT,
    canonical_url,
    detect_lang,
    lang_code,
    normalize_entry,
)
from bot.models import Item

DATA = Path(__file__).resolve().parent.parent / "data" / "feeds"
FETCHED = datetime(2018, 10, 5, 12, 0, tzinfo=UTC)
BASE = "https://feeds.example/path/feed.xml"


def items(name: str, *, feed_lang: str | None = "unset") -> list[Item | None]:
    parsed = feedparser.parse((DATA / name).read_bytes())
    lang = parsed.feed.get("language") if feed_lang == "unset" else feed_lang
    return [
        normalize_entry(
            entry,
            feed_id=7,
            feed_title=parsed.feed.get("title", ""),
            feed_lang=lang,
            base_url=BASE,
            fetched=FETCHED,
        )
        for entry in parsed.entries
    ]


def one(entry: dict[str, Any], **kwargs: Any) -> Item | None:
    options: dict[str, Any] = {
        "feed_id": 1,
        "feed_title": "T",
        "feed_lang": "en",
        "base_url": BASE,
        "fetched": FETCHED,
    }
    return normalize_entry(feedparser.FeedParserDict(entry), **(options | kwargs))


def test_seed_item() -> None:
    seed = items("crypto_fr.rss")[0]
    assert seed is not None
    assert seed.title == "WeChat ferme les comptes de médias blockchain chinois"
    assert seed.guid == "https://journal-blockchain.example.fr/?p=48213"
    assert seed.url == (
        "https://journal-blockchain.example.fr/2018/08/22/"
        "wechat-ferme-comptes-medias-blockchain-chinois/"
    )
    assert seed.published == datetime(2018, 8, 22, 7, 40, tzinfo=UTC)
    assert seed.fetched == FETCHED
    assert seed.lang == "fr"
    assert seed.author == "Claire Dubois"
    assert seed.source == "Le Journal de la Blockchain"
    assert seed.feed_id == 7
    # The full article (content:encoded) was preferred over the one-line summary.
    for name in ("Jinse", "Deepchain", "Huobi News", "Administration du cyberespace de Chine"):
        assert name in seed.text
    assert "« dispositions provisoires" in seed.text  # &laquo;&nbsp; decoded
    # Page furniture and markup are gone.
    for junk in ("Suite Ci-Dessous", "newsletter", "Shutterstock", "<", "&eacute;", "&nbsp;"):
        assert junk not in seed.text
    assert "\n\n" in seed.text  # paragraphs stay apart


def test_guid_falls_back_to_link_then_hash() -> None:
    by_title = {i.title: i for i in items("misc_html.rss") if i is not None}
    assert by_title['Exchange "Halts" Withdrawals & Deposits — Regulator’s Order'].guid == (
        "mayhem-0001"
    )
    no_title = by_title["This entry has no title, only a link and a body of text."]
    assert no_title.guid == "https://mayhem.example.com/posts/no-title"
    nothing = by_title["No title, no link and no guid: only this text identifies the entry."]
    assert nothing.guid.startswith("sha256:")
    assert len(nothing.guid) == len("sha256:") + 64
    assert nothing.url == ""


def test_hash_guid_is_stable_across_fetches() -> None:
    entry = {"summary": "<p>Only text here, nothing else at all.</p>"}
    first = one(entry)
    later = one(entry, fetched=FETCHED + timedelta(hours=3))
    assert first is not None
    assert later is not None
    assert first.guid == later.guid


def test_entry_with_nothing_is_dropped() -> None:
    assert items("misc_html.rss")[-1] is None
    assert one({}) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "https://NEWS.example.com:443/a/b?ref=homepage&id=42&gclid=xyz",
            "https://news.example.com/a/b?id=42",
        ),
        (
            "http://x.example:80/p?utm_source=rss&utm_medium=rss&b=2&a=1#frag",
            "http://x.example/p?b=2&a=1",
        ),
        ("HTTP://x.example:8080", "http://x.example:8080/"),
        ("/posts/1?fbclid=abc&q=a%20b", "https://feeds.example/posts/1?q=a%20b"),
        ("item?id=3", "https://feeds.example/path/item?id=3"),
        (
            "https://x.example/?mc_cid=1&mc_eid=2&igshid=3&_ga=4&yclid=5&spm=6&cmpid=7",
            ("https://x.example/"),
        ),
        ("https://x.example/?UTM_Source=x&keep=1", "https://x.example/?keep=1"),
        ("javascript:alert(1)", ""),
        ("mailto:a@example.com", ""),
        ("", ""),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw, BASE) == expected


@given(st.text(alphabet="abcXYZ019/?&=#:%._-", max_size=40))
def test_canonical_url_is_idempotent(tail: str) -> None:
    once = canonical_url("https://Example.COM:443/" + tail)
    assert canonical_url(once) == once


def test_tracking_params_removed_from_fixture_links() -> None:
    urls = [i.url for i in items("crypto_en.rss") if i is not None]
    assert "https://news.example.com/2018/04/05/india-central-bank-bars-banks-crypto/" in urls
    assert "https://news.example.com/2018/01/23/south-korea-bans-anonymous-accounts/?page=2" in urls
    assert "https://news.example.com/2018/03/20/app-store-removal?id=42" in urls
    assert all("utm_" not in u and "#" not in u for u in urls)


def test_html_to_text_entities_and_no_tags() -> None:
    first = items("misc_html.rss")[0]
    assert first is not None
    assert first.title == 'Exchange "Halts" Withdrawals & Deposits — Regulator’s Order'
    assert first.text == (
        "An exchange halted withdrawals & deposits after a regulator’s order.\n\n"
        "First point\n\nSecond point\n\nPrice < $1 €"
    )
    assert first.url == "https://feeds.example/posts/halts-withdrawals?id=7"


def test_plain_text_title_keeps_angle_brackets() -> None:
    cdata = items("misc_html.rss")[1]
    assert cdata is not None
    assert cdata.title == 'AT&T <Rules> & "Quotes" in CDATA'


def test_content_preferred_over_summary_when_longer() -> None:
    india = items("crypto_en.rss")[0]
    assert india is not None
    assert "three months to exit" in india.text  # only in content:encoded
    assert "appeared first on" not in india.text  # WordPress furniture dropped


def test_text_is_capped() -> None:
    item = one({"title": "Long", "summary": "<p>" + "word " * 10_000 + "</p>"})
    assert item is not None
    assert len(item.text) <= MAX_TEXT
    assert item.text.endswith("…")


def test_dates_are_aware_utc() -> None:
    for name in ("crypto_en.rss", "crypto_en.atom", "crypto_en.rdf", "crypto_fr.rss"):
        for item in items(name):
            assert item is not None
            assert item.published.tzinfo is UTC
            assert item.published < FETCHED
    korea = items("crypto_en.rss")[1]
    assert korea is not None
    assert korea.published == datetime(2018, 1, 23, 0, 0, tzinfo=UTC)  # +0900 → UTC


def test_updated_used_when_no_published() -> None:
    esma = items("crypto_en.atom")[1]
    assert esma is not None
    assert esma.published == datetime(2018, 2, 12, 9, 0, tzinfo=UTC)


def test_missing_date_falls_back_to_fetch_time() -> None:
    assert {i.published for i in items("nodates.rss") if i is not None} == {FETCHED}


def test_future_date_is_clamped_to_fetch_time() -> None:
    future = items("misc_html.rss")[2]
    assert future is not None
    assert future.published == FETCHED


def test_slightly_future_date_is_kept() -> None:
    soon = FETCHED + timedelta(hours=6)
    item = one({"title": "Timezone slop", "published_parsed": soon.timetuple()})
    assert item is not None
    assert item.published == soon


@pytest.mark.parametrize(
    ("tag", "code"),
    [("fr-FR", "fr"), ("en_US", "en"), ("DE", "de"), ("fre", "fr"), ("pt-BR", "pt"),
     ("", None), ("x", None), (None, None), ("klingon-1", None)],
)  # fmt: skip
def test_lang_code(tag: str | None, code: str | None) -> None:
    assert lang_code(tag) == code


def test_language_from_feed_and_entry() -> None:
    assert {i.lang for i in items("crypto_fr.rss") if i is not None} == {"fr"}
    atom = items("crypto_en.atom")
    assert [i.lang for i in atom if i is not None] == ["en", "en", "de"]  # xml:lang="de" wins


def test_language_detected_when_undeclared() -> None:
    assert {i.lang for i in items("nodates.rss") if i is not None} == {"en"}
    french = items("crypto_fr.rss", feed_lang=None)[0]
    assert french is not None
    assert french.lang == "fr"


def test_detect_lang_needs_some_letters() -> None:
    assert detect_lang("42 !!") is None
    assert detect_lang("Die Finanzaufsicht erläutert, wann Token als Wertpapiere gelten") == "de"
