"""HTML to plain text: what a reader and the classifier see."""

from __future__ import annotations

import re
import sys

import pytest

from bot.feeds import text
from bot.feeds.text import html_to_text, shorten


def test_blocks_become_paragraphs_and_inline_stays_inline() -> None:
    html = "<h2>Title</h2><p>One <b>bold</b> <a href='#'>link</a>.</p><p>Two<br>lines</p>"
    assert html_to_text(html) == "Title\n\nOne bold link.\n\nTwo\nlines"


def test_non_content_is_dropped() -> None:
    html = (
        "<p>Kept</p><script>var x = '<p>no</p>';</script><style>p{}</style>"
        "<noscript>no</noscript><iframe src='x'></iframe><form><button>Go</button></form>"
    )
    assert html_to_text(html) == "Kept"


def test_captions_are_optional() -> None:
    html = (
        "<figure><img src='a.jpg'><figcaption>Bitcoin mining farm</figcaption></figure><p>Body</p>"
    )
    assert html_to_text(html) == "Body"
    assert html_to_text(html, keep_captions=True) == "Bitcoin mining farm\n\nBody"


@pytest.mark.parametrize(
    "line",
    [
        "La Suite Ci-Dessous",
        "Continue reading →",
        "The post Banned Again appeared first on Some Site.",
        "L’article Un titre est apparu en premier sur Le Site.",
        "Der Beitrag BaFin verbietet den Handel erschien zuerst auf Eine Seite.",
        "La entrada España prohíbe los anuncios se publicó primero en Un Sitio.",
        "O post Banco bloqueia exchanges apareceu primeiro em Um Site.",
        "Abonnez-vous à notre newsletter pour ne rien manquer",
        "Image : Shutterstock",
        "Crédit photo : Unsplash",
        "Image by Pixabay",
    ],
)
def test_page_furniture_lines_are_dropped(line: str) -> None:
    assert html_to_text(f"<p>Story.</p><p>{line}</p>") == "Story."


def test_a_sentence_mentioning_a_newsletter_is_kept() -> None:
    text = "The regulator said its newsletter would list unlicensed firms."
    assert html_to_text(f"<p>{text}</p>") == text


def test_furniture_can_be_kept() -> None:
    assert html_to_text("<p>La suite ci-dessous</p>", drop_furniture=False) == "La suite ci-dessous"


def test_deep_nesting_does_not_recurse() -> None:
    html = "<div>" * 5000 + "deep" + "</div>" * 5000
    assert html_to_text(html) == "deep"


def test_plain_text_passes_through_tidied() -> None:
    assert html_to_text("  no   markup\there ") == "no markup here"


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("alpha beta gamma delta", 14) == "alpha beta…"
    assert shorten("short", 14) == "short"


def test_the_newsletter_and_agency_prefilter_folds_case_as_the_rules_do() -> None:
    """Every character that re.IGNORECASE matches to an ASCII letter lowers to that letter,
    but for those the prefilter sends to the rules whatever they say: the prefilter never
    spares a line a rule would match."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    odd = set()
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or not letter.fullmatch(char):
            continue
        lowered = char.lower()
        if not (len(lowered) == 1 and lowered.isascii() and re.fullmatch(lowered, char, re.I)):
            odd.add(char)
    assert odd == set(text._ODD_CASE)


@pytest.mark.parametrize(
    "line",
    [
        "Logo Wechatimagevia Shutterstock",
        "Photo by a reader via ſhutterstock.",
        "Ein Bild von İstock",
        "Recevez chaque matin notre NEWSLETTER gratuite",
        "Suscríbete a nuestro boletín diario",
        "A story about a newsletter business and Getty's results",
    ],
)
def test_lines_naming_a_newsletter_or_agency_meet_every_rule(line: str) -> None:
    flat = " ".join(line.split())
    assert text._names_newsletter_or_agency(flat)
    expected = any(
        re.match(rf"^(?:{rule})$", flat, re.IGNORECASE | re.VERBOSE)
        for rule in (*text._AT_START, *text._ANYWHERE)
    )
    assert text.is_furniture(line) is (expected or text.is_bio(line))


def test_lines_remembered_inside_a_block_only() -> None:
    lines = ["Image : Shutterstock", "The regulator fined the exchange.", "Image : Shutterstock"]
    outside = [text.is_furniture(line) for line in lines]
    with text.remembering():
        assert [text.is_furniture(line) for line in lines] == outside == [True, False, True]
        assert text._remembered == {"Image : Shutterstock": True, lines[1]: False}
        with text.remembering():  # a block inside another shares its memo
            assert text.is_furniture(lines[1]) is False
        assert text._remembered is not None
    assert text._remembered is None
