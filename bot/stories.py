"""Stories: flagged items from different feeds about the same event.

An item joins the story of a recent flagged item of another feed, published within `WINDOW`
of it (one feed telling a story twice gives two items, as it chose), when their titles are
near-duplicates, or when the titles are close and the flags agree (same category,
a shared platform or regulator) and the openings of the bodies are close too. Titles and
bodies are compared after folding accents and case, dropping punctuation and the most common
function words of the feed languages, with rapidfuzz's `token_set_ratio` (word order and
extra words do not matter). Items with the same canonical URL never get this far: the store
keeps one of them.

Candidates are found through an index of title keys (`StoryIndex`), so a new item is compared
with a few dozen items sharing its rarest words, not with every flagged item of the window.

Pure data in, a story id out; `bot.store.items` calls it inside `add_many`'s transaction and
keeps the index between batches (`bot.store.story_cache`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter, itemgetter
from sys import intern

from rapidfuzz import fuzz, process

from bot.models import Item
from bot.text import fold, has_cjk

WINDOW = timedelta(hours=48)
_MICROSECOND = timedelta(microseconds=1)
_WINDOW_US = WINDOW // _MICROSECOND
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - for naive datetimes, if any
TITLE_SAME = 88.0  # titles this close are one story on their own
TITLE_CLOSE = 60.0  # titles this close are one story if flags and bodies agree
BODY_CLOSE = 58.0
BODY_CHARS = 400
MIN_WORDS = 3  # shorter normalised titles must match almost exactly
# Candidates: the items sharing a new item's rarest title key, and its next rarest keys while
# at most POSTINGS_READ items were read; of those, the SHORTLIST sharing the most rarity.
POSTINGS_READ = 2000
SHORTLIST = 64

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
    # Derived at creation: `published` in microseconds since 1970 (the window's test is then
    # two integer comparisons), and the title's keys in the index (`title_keys`): a tuple of
    # interned strings, which the index's postings share (a frozenset of copies took about
    # 800 bytes a candidate, a third of it: the index holds every flagged item of the window).
    stamp: int = field(init=False, repr=False, compare=False)
    keys: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        moment = self.published
        self.stamp = (moment - (_EPOCH if moment.tzinfo else _NAIVE_EPOCH)) // _MICROSECOND
        self.keys = tuple(title_keys(self.title))

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
    """Recent flagged items, to find the story a new one belongs to.

    An inverted index from title keys (folded words; character pairs of Chinese, Japanese and
    Korean runs, which have no spaces) to the items whose titles hold them. A new item is
    compared only with the items sharing its rarest keys, best `SHORTLIST` first, not with
    every recent item: titles of one story share words (or characters) that few others have.
    """

    def __init__(self, recent: Iterable[Candidate] = ()) -> None:
        self.candidates: dict[int, Candidate] = {}
        self._postings: dict[str, set[int]] = {}
        for candidate in recent:
            self.add(candidate)

    def __len__(self) -> int:
        return len(self.candidates)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.candidates

    def add(self, candidate: Candidate) -> None:
        self.discard(candidate.item_id)
        self.candidates[candidate.item_id] = candidate
        for key in candidate.keys:
            self._postings.setdefault(key, set()).add(candidate.item_id)

    def discard(self, item_id: int) -> None:
        candidate = self.candidates.pop(item_id, None)
        if candidate is None:
            return
        for key in candidate.keys:
            posting = self._postings.get(key)
            if posting is not None:
                posting.discard(item_id)
                if not posting:
                    del self._postings[key]

    def match(self, item: Item) -> int | None:
        """The story id this item belongs to, or None when it starts a new story."""
        found = self.best(item)
        return found.story_id if found is not None else None

    def best(self, item: Item) -> Candidate | None:
        """The recent flagged item whose story this item joins, or None."""
        return self.best_of(Candidate.of(item, 0)) if item.id is not None else None

    def best_of(self, probe: Candidate) -> Candidate | None:
        """`best` for an item already made a candidate (its story id is not read)."""
        if not probe.title:
            return None
        near = sorted(
            self._shortlist(probe),
            key=attrgetter("stamp", "item_id"),
            reverse=True,  # newest first, as the items were read before
        )
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
        best: tuple[float, Candidate] | None = None
        for _title, score, index in found:
            other = near[index]
            if short and len(other.title.split()) >= MIN_WORDS:
                continue
            if score < TITLE_SAME and not self._agree(probe, other):
                continue
            if best is None or score > best[0]:
                best = (score, other)
        return best[1] if best else None

    def _shortlist(self, probe: Candidate) -> list[Candidate]:
        """Items of other feeds, within the window, that share the probe's rarest title keys:
        the `SHORTLIST` sharing the most rarity (of equal ones, the first met)."""
        postings = sorted((p for key in probe.keys if (p := self._postings.get(key))), key=len)
        if not postings:
            return []
        # The rarest key's items, then the next rarest keys' while at most POSTINGS_READ
        # items were read (the probe's common words: its rarer ones find its story).
        weights = dict.fromkeys(postings[0], 1.0 / len(postings[0]))
        read = len(postings[0])
        for posting in postings[1:]:
            read += len(posting)
            if read > POSTINGS_READ:
                break
            weight = 1.0 / len(posting)
            get = weights.get
            for item_id in posting:
                weights[item_id] = get(item_id, 0.0) + weight
        candidates = self.candidates
        feed = probe.feed_id
        earliest, latest = probe.stamp - _WINDOW_US, probe.stamp + _WINDOW_US
        fits = [
            (weight, other)
            for item_id, weight in weights.items()
            if (other := candidates[item_id]).feed_id != feed and earliest <= other.stamp <= latest
        ]
        fits.sort(key=itemgetter(0), reverse=True)  # stable: as heapq.nlargest would rank them
        return [c for _, c in fits[:SHORTLIST]]

    @staticmethod
    def _agree(a: Candidate, b: Candidate) -> bool:
        """Close titles count when the flags agree and the bodies open alike."""
        if a.category != b.category or not (a.names & b.names):
            return False
        if not a.body or not b.body:
            return True
        return fuzz.token_set_ratio(a.body, b.body) >= BODY_CLOSE


def title_keys(title: str) -> set[str]:
    """What a normalised title is indexed by: its words, and the character pairs of its
    Chinese, Japanese or Korean runs (a lone character stands for itself)."""
    keys: set[str] = set()
    for word in title.split():
        if not has_cjk(word) or len(word) == 1:
            keys.add(intern(word))
        else:
            keys.update(intern(word[k : k + 2]) for k in range(len(word) - 1))
    return keys
