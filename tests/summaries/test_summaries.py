"""Extractive, language-aware summaries without page furniture."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.feeds.text import html_to_text, plain_text
from bot.summarize import DETAIL_CHARS, LIST_CHARS, split_sentences, summarize

DATA = Path(__file__).parent / "data"
SEED_TITLE = "WeChat ferme les comptes de médias blockchain chinois"
FURNITURE = (
    "Suite Ci-Dessous",
    "Ne manquez pas",
    "Abonnez-vous",
    "Shutterstock",
    "Partager",
    "Facebook",
    "journaliste",
    "Claire Dubois",
    "appeared first on",
    "Unsplash",
    "Read more",
    "About the author",
    "Subscribe",
    "senior reporter",
)


def article(name: str) -> str:
    return html_to_text((DATA / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("limit", [LIST_CHARS, DETAIL_CHARS])
def test_seed_summary_names_platform_and_media_without_furniture(limit: int) -> None:
    summary = summarize(SEED_TITLE, article("seed_fr.html"), limit, "fr")
    assert len(summary) <= limit
    for name in ("WeChat", "Jinse", "Deepchain", "Huobi News"):
        assert name in summary
    for junk in FURNITURE:
        assert junk not in summary


def test_furniture_left_in_stored_text_is_dropped_by_the_summarizer() -> None:
    raw = (DATA / "seed_fr.html").read_text(encoding="utf-8")
    text = html_to_text(raw, drop_furniture=False)
    assert "La Suite Ci-Dessous" in text
    summary = summarize(SEED_TITLE, text, DETAIL_CHARS, "fr")
    for junk in ("Suite Ci-Dessous", "Ne manquez pas", "Shutterstock", "Partager"):
        assert junk not in summary
    assert "WeChat" in summary


def test_english_article_keeps_the_story_only() -> None:
    text = article("story_en.html")
    for junk in FURNITURE:
        assert junk not in text
    summary = summarize("Apple pulls Binance from India's App Store", text, LIST_CHARS, "en")
    assert summary.startswith("Apple has removed")
    assert "Binance" in summary


def test_detail_is_longer_and_in_reading_order() -> None:
    text = article("seed_fr.html")
    short = summarize(SEED_TITLE, text, LIST_CHARS, "fr")
    long = summarize(SEED_TITLE, text, DETAIL_CHARS, "fr")
    assert len(long) > len(short)
    assert long.startswith(short.split(". ")[0])
    assert long.index("WeChat") < long.index("Administration du cyberespace")


def test_informative_sentence_beats_a_vague_one() -> None:
    text = (
        "Regulators acted on Monday against three exchanges. "
        "Things are moving and people are talking about it a lot these days, it seems. "
        "The SEC, the CFTC and FinCEN fined Binance, Kraken and OKX $4.3 billion in total."
    )
    summary = summarize("Regulators act", text, 170, "en")
    assert "Binance" in summary
    assert "people are talking" not in summary


def test_never_cut_mid_word() -> None:
    text = "Supercalifragilistic " * 40
    summary = summarize("Title", text, LIST_CHARS, "en")
    assert len(summary) <= LIST_CHARS
    assert summary.endswith("…")
    assert summary[:-1].split()[-1] == "Supercalifragilistic"


def test_title_only_text_gives_nothing() -> None:
    assert summarize("Same words here", "Same words here.") == ""
    assert summarize("Title", "Title\n\nLa suite ci-dessous") == ""


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Mr. Smith met Dr. Jones in the U.S. today. They agreed.", 2),
        ("fr", "M. Dupont a rencontré Mme Durand. L'AMF a réagi.", 2),
        ("es", "Los EE.UU. y el Sr. Pérez lo prohíben. La CNMV calla.", 2),
        ("de", "Die BaFin prüft z.B. Börsen in Bonn. Das ist neu.", 2),
        ("pt", "O Sr. Silva falou. A CVM respondeu com 3.5 milhões.", 2),
        ("zh", "微信关闭了多个区块链媒体账户。监管机构表示！这是真的吗？", 3),
        ("en", "J. P. Morgan said so. Fine.", 2),
    ],
)
def test_sentences_split_per_language(lang: str, text: str, expected: int) -> None:
    assert len(split_sentences(text, lang)) == expected


def test_paragraph_breaks_end_sentences() -> None:
    assert split_sentences(plain_text("First line without stop\n\nSecond one.")) == [
        "First line without stop",
        "Second one.",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Ne manquez pas une autre histoire. Abonnez-vous à nos alertes.",
        "Don't miss another story. Subscribe to our briefing.",
        "Featured image via Shutterstock",
        "Image de une : Bitcoin / Shutterstock",
        "Partager : Facebook Twitter LinkedIn",
        "Share this article",
        "Facebook Twitter Telegram Email",
        "Compartir",
    ],
)
def test_new_furniture_lines_are_dropped(line: str) -> None:
    assert html_to_text(f"<p>Story.</p><p>{line}</p>") == "Story."


@pytest.mark.parametrize(
    "bio",
    [
        "Claire Dubois est journaliste spécialisée en cryptomonnaies depuis 2015.",
        "John Smith is a senior reporter at Coin Example.",
        "About the author: John Smith",
    ],
)
def test_closing_author_bio_is_dropped(bio: str) -> None:
    assert html_to_text(f"<p>Story.</p><p>{bio}</p>") == "Story."


@pytest.mark.parametrize(
    "text",
    [
        "Twitter a fermé le compte de la plateforme.",
        "Partager le gâteau est une bonne idée pour tous.",
        "The photo agency Getty Images sued the exchange.",
    ],
)
def test_story_lines_that_look_alike_are_kept(text: str) -> None:
    assert html_to_text(f"<p>Story.</p><p>{text}</p>") == f"Story.\n\n{text}"


def test_a_bio_opening_the_article_is_kept() -> None:
    text = "John Smith is a reporter who was arrested in Hong Kong on Monday."
    assert html_to_text(f"<p>{text}</p><p>Story.</p>") == f"{text}\n\nStory."
