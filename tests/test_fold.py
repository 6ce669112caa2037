"""`fold` (accent- and case-insensitive matching in search mentions, stories and summaries)
takes fast paths; it must still equal its definition on any text, accents beyond the BMP too."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot.text import fold


def by_definition(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40))
def test_fold_equals_its_definition(text: str) -> None:
    assert fold(text) == by_definition(text)


def test_fold_examples() -> None:
    assert fold("Interdîts") == fold("INTERDITS") == "interdits"
    assert fold("fermés") == "fermes"
    assert fold("Straße") == "strasse"
    assert fold("İstanbul") == "istanbul"
    assert fold("北京禁止") == "北京禁止"
    assert fold("\u0301") == ""  # a lone accent folds to nothing
