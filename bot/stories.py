"""Stories: flagged items from different feeds about the same event.

An item joins the story of a recent flagged item of another feed, published within `WINDOW`
of it (one feed telling a story twice gives two items, as it chose), when their titles are
near-duplicates, or when the titles are close and the flags agree (same category,
a shared platform or regulator) and the openings of the bodies are close too. Titles and
bodies are compared after folding accents and case, dropping punctuation and the most common
function words of the feed languages, with rapidfuzz's `token_set_ratio` (word order and
extra words do not matter). Items with the same canonical URL never get this far: the store
keeps one of them.

Pure data in, a story id out; `bot.store.items` calls it inside `add_many`'s transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process

from bot.models import Item
from bot.text import fold

WINDOW = timedelta(hours=48)
TITLE_SAME = 88.0  # titles this close are one story on their own
TITLE_CLOSE = 60.0  # titles this close are one story if flags and bodies agree
BODY_CLOSE = 58.0
BODY_CHARS = 400
MIN_WORDS = 3  # shorter normalised titles must match almost exactly

_STOPWORDS_TEXT = """a an the of to in on for and or by with from at as is are was were be
    has have its it
    this that after over into new says said
    le la les un une des du de d l au aux et ou en sur par pour avec dans est sont ont a
    qui que ce ces son sa ses
    el los las unos unas del al y o con por para es son su sus que se
    der die das den dem des ein eine einen und oder mit von zu im am auf für ist sind hat
    o os as um uma dos das do da e ou com para por em no na nos nas que"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Folded words without punctuation or function words: 'Le Wechat ferme…' → 'wechat ferme'."""
    words = _NON_WORD.sub(" ", fold(text)).split()
    return " ".join(w for w in words if w not in _STOPWORDS)


@dataclass(slots=True)
class Candidate:
    """What a recent flagged item contributes to story matching."""

    item_id: int
    story_id: int
    feed_id: int
    published: datetime
    title: str  # normalised
    body: str  # normalised opening
    category: str
    names: frozenset[str]  # folded platforms and regulators

    @classmethod
    def of(cls, item: Item, story_id: int) -> Candidate:
        assert item.id is not None  # noqa: S101 - only stored items join stories
        flag = item.flag
        names: frozenset[str] = frozenset()
        category = ""
        if flag is not None:
            category = flag.category.value
            names = frozenset(
                fold(n) for n in (*flag.entities.platforms, *flag.entities.regulators)
            )
        return cls(
            item_id=item.id,
            story_id=story_id,
            feed_id=item.feed_id,
            published=item.published,
            title=normalise(item.title),
            body=normalise(item.text[:BODY_CHARS]),
            category=category,
            names=names,
        )


class StoryIndex:
    """Recent flagged items, to find the story a new one belongs to."""

    def __init__(self, recent: list[Candidate] | None = None) -> None:
        self.candidates: list[Candidate] = list(recent or [])

    def add(self, candidate: Candidate) -> None:
        self.candidates.append(candidate)

    def match(self, item: Item) -> int | None:
        """The story id this item belongs to, or None when it starts a new story."""
        probe = Candidate.of(item, 0) if item.id is not None else None
        if probe is None or not probe.title:
            return None
        near = [
            c
            for c in self.candidates
            if c.feed_id != item.feed_id and _near(c.published, item.published)
        ]
        if not near:
            return None
        short = len(probe.title.split()) < MIN_WORDS
        found = process.extract(
            probe.title,
            [c.title for c in near],
            scorer=fuzz.ratio if short else fuzz.token_set_ratio,
            score_cutoff=TITLE_SAME if short else TITLE_CLOSE,
            limit=None,
        )
        best: tuple[float, int] | None = None
        for _title, score, index in found:
            other = near[index]
            if short and len(other.title.split()) >= MIN_WORDS:
                continue
            if score < TITLE_SAME and not self._agree(probe, other):
                continue
            if best is None or score > best[0]:
                best = (score, other.story_id)
        return best[1] if best else None

    @staticmethod
    def _agree(a: Candidate, b: Candidate) -> bool:
        """Close titles count when the flags agree and the bodies open alike."""
        if a.category != b.category or not (a.names & b.names):
            return False
        if not a.body or not b.body:
            return True
        return fuzz.token_set_ratio(a.body, b.body) >= BODY_CLOSE


def _near(a: datetime, b: datetime) -> bool:
    try:
        return abs(a - b) <= WINDOW
    except OverflowError:  # years apart at the ends of the calendar
        return False
