"""Deterministic, realistic feeds: RSS 2.0 in six languages, 2–4 KB HTML bodies, some items
about bans and regulation. Everything comes from a seeded `random.Random`, so the feed server
(a subprocess) and the bench process build the very same bytes.

The words are the classifier's labelled development set (tests/data/classify/dev.jsonl):
real headlines and summaries, with "none" summaries as the filler paragraphs.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from html import escape
from pathlib import Path

from bot.models import Category, Entities, Flag, Item

DEV_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "classify" / "dev.jsonl"
LANGS = ("en", "fr", "es", "de", "pt", "zh")
FLAGGED_SHARE = 0.12  # items about a ban or regulation
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
# Words every language's page furniture shares: links, bold, images, quotes.
_DECOR = (
    '<p><img src="https://cdn.example/{n}.jpg" alt="" width="640" height="360"></p>',
    "<blockquote><p>{s}</p></blockquote>",
    "<p><strong>{s}</strong></p>",
    '<p>{s} <a href="https://news.example/tag/{n}?utm_source=rss">#{n}</a></p>',
    "<ul><li>{s}</li><li>{t}</li></ul>",
)


@dataclass(frozen=True, slots=True)
class Story:
    title: str
    summary: str
    label: str


@dataclass(frozen=True, slots=True)
class Entry:
    guid: str
    title: str
    html: str
    link: str
    published: datetime
    label: str


@cache
def stories() -> dict[str, dict[str, list[Story]]]:
    """lang → label → stories, from the labelled development set."""
    out: dict[str, dict[str, list[Story]]] = {lang: {} for lang in LANGS}
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        lang = row.get("lang") or row["id"][4:6]
        out[lang].setdefault(row["label"], []).append(
            Story(row["title"], row["summary"], row["label"])
        )
    return out


def feed_lang(feed: int) -> str:
    return LANGS[feed % len(LANGS)]


def _body(rnd: random.Random, lang: str, lead: Story, n: int) -> str:
    """2–4 KB of HTML: the story's summary, then filler paragraphs and page decoration."""
    target = rnd.randint(2048, 4096)
    filler = stories()[lang]["none"]
    parts = [f"<p>{escape(lead.summary)}</p>"]
    size = len(parts[0])
    while size < target:
        a, b = rnd.choice(filler), rnd.choice(filler)
        if rnd.random() < 0.3:
            part = rnd.choice(_DECOR).format(n=n, s=escape(a.summary), t=escape(b.title))
        else:
            part = f"<p>{escape(a.summary)} {escape(b.summary)}</p>"
        parts.append(part)
        size += len(part.encode())
    return "\n".join(parts)


def entries(
    feed: int, count: int, *, version: int = 0, seed: int = 7, step: int | None = None
) -> list[Entry]:
    """The newest `count` entries of a feed at `version`: each new version adds `step`
    new entries (default `count`), so every body of a new version is a changed body."""
    lang = feed_lang(feed)
    by_label = stories()[lang]
    out = []
    added = count if step is None else step
    for k in range(count):
        n = count + version * added - k  # entry number within the feed, newest first
        rnd = random.Random(f"{seed}:{feed}:{n}")
        flagged = rnd.random() < FLAGGED_SHARE
        label = rnd.choice(("ban", "regulation")) if flagged else "none"
        lead = rnd.choice(by_label[label])
        out.append(
            Entry(
                guid=f"https://news{feed}.example/{lang}/{n}",
                title=lead.title,
                html=_body(rnd, lang, lead, n),
                link=f"https://news{feed}.example/{lang}/{n}?utm_source=rss&id={n}",
                published=EPOCH + timedelta(hours=feed % 24, minutes=7 * n),
                label=label,
            )
        )
    return out


def rss(
    feed: int, count: int, *, version: int = 0, seed: int = 7, step: int | None = None
) -> bytes:
    """One feed as RSS 2.0 bytes (UTF-8); see `entries` for `version` and `step`."""
    lang = feed_lang(feed)
    items = []
    for e in entries(feed, count, version=version, seed=seed, step=step):
        items.append(
            "<item>"
            f"<title>{escape(e.title)}</title>"
            f"<link>{escape(e.link)}</link>"
            f'<guid isPermaLink="true">{escape(e.guid)}</guid>'
            f"<pubDate>{format_datetime(e.published)}</pubDate>"
            "<dc:creator>Newsroom</dc:creator>"
            f"<category>crypto</category><description><![CDATA[{e.html}]]></description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Crypto news {feed} ({lang})</title>"
        f"<link>https://news{feed}.example/</link><language>{lang}</language>"
        f"<description>Bench feed {feed}</description>" + "\n".join(items) + "</channel></rss>"
    ).encode()


_STUB_FLAG = {
    "ban": Flag(Category.BAN, 0.9, ("closed accounts",), Entities(platforms=("WeChat",)), "en"),
    "regulation": Flag(Category.REGULATION, 0.8, ("SEC sues",), Entities(regulators=("SEC",))),
    "none": Flag(Category.NONE, 0.0),
}


def stored_items(feed_ids: list[int], total: int, *, seed: int = 11) -> list[Item]:
    """`total` items as the pipeline would store them (plain text), spread over feeds and
    the last 180 days, for building a large database quickly."""
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    out = []
    for n in range(total):
        feed = feed_ids[n % len(feed_ids)]
        lang = feed_lang(feed)
        flagged = rnd.random() < FLAGGED_SHARE
        label = rnd.choice(("ban", "regulation")) if flagged else "none"
        lead = rnd.choice(stories()[lang][label])
        filler = stories()[lang]["none"]
        paragraphs = [lead.summary]
        size, target = len(lead.summary), rnd.randint(1500, 3000)
        while size < target:
            para = f"{rnd.choice(filler).summary} {rnd.choice(filler).summary}"
            paragraphs.append(para)
            size += len(para)
        published = now - timedelta(seconds=rnd.randint(0, 180 * 86400))
        out.append(
            Item(
                feed_id=feed,
                guid=f"bench-{n}",
                url=f"https://news{feed}.example/{lang}/{n}",
                title=lead.title,
                text="\n\n".join(paragraphs),
                published=published,
                fetched=published,
                lang=lang,
                flag=_STUB_FLAG[label] if flagged or n % 4 == 0 else None,
            )
        )
    return out
