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
