"""The term syntax of the word lists, as documented in bot/classify/lexicons/README.md."""

from __future__ import annotations

import pytest

from bot.classify.fold import FoldedText
from bot.classify.lexicon import TermIndex


def matches(term: str, text: str) -> list[str]:
    index = TermIndex()
    index.add(term, "g")
    return [text[s.start : s.end] for s in index.find(FoldedText.of(text)).get("g", [])]


def test_double_star_stands_for_up_to_eight_words_of_one_clause() -> None:
    assert matches("wirft ** aus", "Google wirft nicht lizenzierte Börsen-Apps aus dem Store") == [
        "wirft nicht lizenzierte Börsen-Apps aus"
    ]
    assert matches("wirft ** aus", "wirft eins zwei drei vier fünf sechs sieben acht aus") != []
    assert (
        matches("wirft ** aus", "wirft eins zwei drei vier fünf sechs sieben acht neun aus") == []
    )
    assert matches("wirft ** aus", "Google wirft, wie angekündigt, Apps aus") == []


def test_a_final_period_makes_the_last_word_end_its_clause() -> None:
    text = "Der Broker stellt den Handel mit dem Token zum Monatsende ein, nachdem"
    assert matches("stellt ** ein.", text) == ["stellt den Handel mit dem Token zum Monatsende ein"]
    assert matches("stellt ** ein.", "Binance stellt ein neues Produkt vor") == []
    assert matches("stellt ** ein.", "Die Börse stellt den Handel ein") != []


@pytest.mark.parametrize("term", ["stellt **", "stellt ** ** ein"])
def test_double_star_must_stand_between_two_words(term: str) -> None:
    with pytest.raises(ValueError, match="between two words"):
        TermIndex().add(term, "g")


def test_a_period_without_double_star_is_punctuation() -> None:
    assert matches("tesoro de ee. uu.", "El Tesoro de EE. UU. sancionó") == ["Tesoro de EE. UU"]


@pytest.mark.parametrize(
    ("head", "body", "lang"),
    [
        (
            "Binance stellt den Handel ein.\nDie Börse stellt den Handel mit dem Token ein",
            '\n"Google wirft nicht lizenzierte Apps aus dem Store"; die SEC klagt',
            "de",
        ),
        ("SEC sues exchange\nThe SEC sued the exchange", "\nBanned in China. 禁止交易所", "en"),
        ("中国人民银行：禁止虚拟货币交易\n監管機構表示", "\n禁止挖矿；SEC 起诉 Binance", "zh"),
        ("Prohibió el comercio", "\n\nEl Banco Central prohíbe a los bancos operar cripto", "es"),
    ],
)
def test_the_head_of_a_text_matches_as_if_alone(head: str, body: str, lang: str) -> None:
    from bot.classify.wordlists import load_lexicon

    index = load_lexicon(lang).index
    alone = FoldedText.of(head)
    whole, in_head = index.find_with_head(FoldedText.of(head + body), len(alone.folded))
    assert list(in_head.items()) == list(index.find(alone).items())  # groups in the same order
    assert list(whole.items()) == list(index.find(FoldedText.of(head + body)).items())
    with pytest.raises(ValueError, match="line break"):
        index.find_with_head(FoldedText.of(head + body), len(alone.folded) - 1)


def test_word_lists_are_built_on_first_use() -> None:
    """A bot whose parse workers classify never builds its own word lists (about 12 MB)."""
    from bot.classify import Classifier
    from bot.classify.wordlists import LANGUAGES

    classifier = Classifier()
    assert classifier.loaded() == ()
    flag = classifier.classify("China bans crypto mining", "", "en")
    assert classifier.loaded() == ("en",)
    classifier.load()
    assert sorted(classifier.loaded()) == sorted(LANGUAGES)
    assert classifier.classify("China bans crypto mining", "", "en") == flag
