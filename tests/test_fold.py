"""`fold` (accent-, case- and script-insensitive matching in the classifier, search mentions,
stories and summaries) takes fast paths; it must still equal its definition on any text,
accents beyond the BMP too."""

from __future__ import annotations

import unicodedata

import opencc
from hypothesis import given
from hypothesis import strategies as st

from bot.text import fold

LOOK_ALIKES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"}
T2S = opencc.OpenCC("t2s")


def by_definition(text: str) -> str:
    """Per character: look-alikes to ASCII, Han characters traditional to simplified (one
    character for one), otherwise decomposed, accents dropped, case folded."""
    out = []
    for char in text:
        if char in LOOK_ALIKES or char == "\u00a0":
            out.append(LOOK_ALIKES.get(char, " "))
        elif (
            "\u3400" <= char <= "\u4dbf"
            or "\u4e00" <= char <= "\u9fff"
            or "\uf900" <= char <= "\ufaff"
        ):
            simplified = T2S.convert(char)
            out.append(simplified if len(simplified) == 1 else char)
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            out.append("".join(c for c in decomposed if not unicodedata.combining(c)).casefold())
    return "".join(out)


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40))
def test_fold_equals_its_definition(text: str) -> None:
    assert fold(text) == by_definition(text)


def test_fold_examples() -> None:
    assert fold("Interdîts") == fold("INTERDITS") == "interdits"
    assert fold("fermés") == "fermes"
    assert fold("Straße") == "strasse"
    assert fold("İstanbul") == "istanbul"
    assert fold("北京禁止") == "北京禁止"
    assert fold("監管幣安") == fold("监管币安") == "监管币安"  # traditional folds to simplified
    assert fold("l’interdiction") == "l'interdiction"
    assert fold("\u0301") == ""  # a lone accent folds to nothing
