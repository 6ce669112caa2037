"""Extractive summaries of an item's text for lists (about 300 characters) and `/item` (900).

The lead sentence always comes first; the remaining room goes to the most informative
sentences (names, numbers, words shared with the title), shown in their original order.
Sentences are split per language: abbreviations such as "M.", "Dr.", "z.B.", "EE.UU." and
initials do not end a sentence; Chinese and Japanese end on 。！？ without a space.
Furniture sentences (newsletter pitches, "read more", image credits) are dropped with the
rules of `bot.feeds.text`, so text stored before those rules grew is cleaned too.
Nothing is ever cut mid-word.
"""

from __future__ import annotations

import functools
import math
import re

from bot.feeds.text import is_bio, is_furniture
from bot.text import fold, shorten

LIST_CHARS = 300
DETAIL_CHARS = 900
MIN_SENTENCE = 25  # shorter fragments are rarely worth their room


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_COMMON_ABBREVIATIONS = _words("dr st vs no nr n° p pp ca")
ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": _words(
        "mr mrs ms prof sr jr inc ltd co corp e.g i.e u.s u.k u.n jan feb mar apr jun jul aug"
        " sep sept oct nov dec gov sen rep approx est dept fig"
    ),
    "fr": _words(
        "m mm mme mmes mlle pr ste cf av env p.ex art janv févr avr juill sept oct nov déc"
        " md mds mrd"
    ),
    "es": _words(
        "sr sra srta dra ud uds ee.uu p.ej núm art aprox ene feb abr ago sept oct dic av mill"
    ),
    "de": _words(
        "prof z.b bzw usw vgl d.h u.a s.o mio mrd abs jan feb apr aug sept okt nov dez inkl"
        " evtl ggf str"
    ),
    "pt": _words("sr sra dra p.ex n.º art av jan fev abr ago set out dez mi bi aprox"),
}

# A Latin-script boundary: end punctuation, closing quotes, space, then a likely sentence start.
_LATIN_END = re.compile(r"([.!?…]+)([\"»”’')\]]*)\s+(?=[\"«“‘(\[¿¡]?[^\W\d_a-z]|[\"«“(\[]?\d)")
# A CJK boundary: full-width end punctuation and any closing quotes; no space needed.
_CJK_END = re.compile(r"[。！？!?]+[」』”’）)]*")
_WORD = re.compile(r"\w[\w’'.-]*\w|\w")
_CAPITAL = re.compile(r"^[^\W\d_a-z]")


def split_sentences(text: str, lang: str | None = None) -> list[str]:
    """Sentences of one paragraph (or a whole text: line breaks always end a sentence)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = " ".join(paragraph.split())
        if paragraph:
            out.extend(_split_paragraph(paragraph, lang))
    return out


@functools.cache
def _abbreviations(lang: str) -> frozenset[str]:
    return _COMMON_ABBREVIATIONS | ABBREVIATIONS.get(lang, frozenset())


def _split_paragraph(text: str, lang: str | None) -> list[str]:
    known = _abbreviations((lang or "")[:2])
    pieces: list[str] = []
    start = 0
    for match in _LATIN_END.finditer(text):
        if match.group(1) == "." and _is_abbreviation(text[start : match.start()], known):
            continue
        pieces.append(text[start : match.end()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    sentences: list[str] = []
    for piece in pieces:
        begin = 0
        for match in _CJK_END.finditer(piece):
            if "。" in match.group() or "！" in match.group() or "？" in match.group():
                sentences.append(piece[begin : match.end()].strip())
                begin = match.end()
        sentences.append(piece[begin:].strip())
    return [s for s in sentences if s]


def _is_abbreviation(before: str, known: frozenset[str]) -> bool:
    # The last word, when `before` ends in one (a paragraph has no line break: str.split()
    # and re's \s agree on what a space is).
    if not before or before[-1].isspace():
        return False
    word = before.rsplit(None, 1)[-1].lstrip("(«“\"'").casefold()
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "J. Smith"
    return word in known or (word.count(".") >= 1 and len(word) <= 6 and word[-1].isalpha())


@functools.lru_cache(maxsize=512)  # /latest and alerts show the same items to many chats
def summarize(title: str, text: str, limit: int = LIST_CHARS, lang: str | None = None) -> str:
    """The lead sentence plus the most informative others that fit in `limit` characters,
    in reading order. A text that only repeats the title gives an empty summary (the title
    is shown anyway)."""
    sentences = _candidates(title, text, lang)
    if not sentences:
        return ""
    lead, rest = sentences[0], sentences[1:]
    if len(lead) >= limit:
        return shorten(lead, limit)
    title_words = _keywords(title)
    ranked = sorted(
        range(len(rest)), key=lambda i: _score(rest[i], i + 1, title_words), reverse=True
    )
    room = limit - len(lead)
    chosen: set[int] = set()
    for index in ranked:
        cost = len(rest[index]) + 1
        if cost <= room and len(rest[index]) >= MIN_SENTENCE:
            chosen.add(index)
            room -= cost
    return " ".join([lead, *(rest[i] for i in sorted(chosen))])


def _candidates(title: str, text: str, lang: str | None) -> list[str]:
    body = text.strip()
    flat_title = " ".join(title.split())
    if flat_title and " ".join(body.split()).casefold().startswith(flat_title.casefold()):
        # Strip a repeated title, whatever whitespace the stored text has around it.
        consumed = 0
        for word in flat_title.split():
            consumed = body.casefold().index(word.casefold(), consumed) + len(word)
        body = body[consumed:].lstrip(" .:-–—\n")
    folded_title = fold(flat_title).strip(" .")
    seen: set[str] = set()
    out: list[str] = []
    for paragraph in body.split("\n"):
        for sentence in split_sentences(paragraph, lang):
            if is_bio(sentence):
                break  # the rest of a bio's paragraph is about the author too
            key = fold(sentence).strip(" .")
            if not key or key == folded_title or key in seen or is_furniture(sentence):
                continue
            seen.add(key)
            out.append(sentence)
    return out


_DIGIT = re.compile(r"\d")
# Word folds recur across summaries (a /latest or /search page is several of them).
_fold_word = functools.lru_cache(maxsize=20_000)(fold)


def _keywords(text: str) -> set[str]:
    return {_fold_word(w) for w in _WORD.findall(text) if len(w) > 3}


def _score(sentence: str, position: int, title_words: set[str]) -> float:
    """Information per word: names, numbers and title words count; later sentences a little
    less; very short fragments not at all."""
    words = _WORD.findall(sentence)
    if not words:
        return 0.0
    names = sum(1 for w in words[1:] if _CAPITAL.match(w))
    numbers = sum(1 for w in words if _DIGIT.search(w))
    shared = sum(1 for w in words if len(w) > 3 and _fold_word(w) in title_words)
    density = (2.0 * names + 1.5 * numbers + 1.5 * shared) / math.sqrt(len(words))
    return density / (1.0 + 0.15 * position)
