"""The fast path of `bot.feeds.parse`: fastfeedparser, with entries in feedparser's shape.

fastfeedparser reads a feed 50–100× faster than feedparser, but not always the same way. It is
used only where it gives what `normalize` would get from feedparser, and `fast_parse` returns
None (so feedparser reads the feed) for everything else:

- a format other than RSS 2.0, RSS 1.0 or Atom 1.0 (older RSS, JSON feeds, HTML pages);
- XML that is not well-formed (checked with expat: feedparser's loose parser recovers more,
  and says why in `bozo`);
- a language declared anywhere but the feed itself (`xml:lang` or `<language>` on entries:
  fastfeedparser keeps only the feed's), base64 content, C1 control characters (feedparser
  repairs Windows-1252 and double-encoded text);
- an Atom entry whose link is not its alternate link, an entry count that differs from the
  `<item>`/`<entry>` elements in the body, an entry with neither title, link nor text, a
  date it gave that cannot be read, content of a media type other than text or HTML
  (base64), or summaries written for some entries and not others (fastfeedparser makes up
  the others from the content, scripts' text included);
- an entry whose id is a copy of a link that is not canonical: fastfeedparser fills a missing
  guid with the link, feedparser leaves it empty (and `normalize` then uses the canonical
  link), so the guid would depend on the parser;
- anything it raises.

It is always given bytes (given a string starting with http, it would fetch it itself), and
the body as feedparser decoded it, so the charset is decided once, the same way.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.parsers import expat

import fastfeedparser
from feedparser.mixin import _FeedParserMixin

from bot.feeds.normalize import canonical_url

_HEAD = 4096  # bytes read to tell the format
_FORMATS = (
    ("rss20", re.compile(rb"<rss\b[^>]*\bversion\s*=\s*[\"']2\.0[\"']")),
    ("atom10", re.compile(rb"<feed\b[^>]*\bxmlns\s*=\s*[\"']http://www\.w3\.org/2005/Atom[\"']")),
    ("rss10", re.compile(rb"<(?:rdf:)?RDF\b[^>]*[\"']http://purl\.org/rss/1\.0/[\"']")),
)
_ENTRY = {
    "rss20": re.compile(rb"<item[\s>]"),
    "rss10": re.compile(rb"<item[\s>]"),
    "atom10": re.compile(rb"<entry[\s>]"),
}
_LANGUAGE = re.compile(rb"<(?:dc:)?language>\s*([^<\s]+)\s*</(?:dc:)?language>")
_XML_LANG = re.compile(rb"\bxml:lang\s*=")
_FEED_XML_LANG = re.compile(rb"<feed\b[^>]*\bxml:lang\s*=")
_BASE64 = re.compile(rb"\bmode\s*=\s*[\"']base64")
_C1 = re.compile(rb"\xc2[\x80-\x9f]|&#(?:12[89]|1[3-5][0-9]);|&#[xX]0*[89][0-9a-fA-F];")
# Summaries written in the feed (fastfeedparser makes one up from the content when there is
# none, keeping the text of scripts): counted after the first entry, past the channel's own.
_SUMMARY = {
    "rss20": re.compile(rb"<description[\s>]"),
    "rss10": re.compile(rb"<description[\s>]"),
    "atom10": re.compile(rb"<summary[\s>]"),
}
_TYPES = {"html": "text/html", "xhtml": "application/xhtml+xml", "text": "text/plain"}
_KNOWN_TYPES = frozenset({"", *_TYPES, *_TYPES.values()})


@dataclass(frozen=True, slots=True)
class FastFeed:
    title: str
    lang: str | None
    link: str
    version: str
    entries: list[Any] = field(default_factory=list)


def looks_like_html(value: str) -> bool:
    """feedparser's own test for whether RSS text is HTML (an end tag or an entity)."""
    return bool(_FeedParserMixin.looks_like_html(value))


def _version(head: bytes) -> str | None:
    for name, pattern in _FORMATS:
        if pattern.search(head):
            return name
    return None


def _well_formed(data: bytes) -> bool:
    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return False
    return True


def _struct(value: Any) -> time.struct_time | bool | None:
    """An ISO date as feedparser's UTC struct_time; None when absent, False when unreadable."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).timetuple()


def _detail(value: str, declared: Any, rss: bool) -> dict[str, Any]:
    kind = _TYPES.get(str(declared or ""), str(declared or ""))
    if not kind:
        kind = "text/html" if looks_like_html(value) else "text/plain"
    elif rss and kind == "text/plain" and looks_like_html(value):
        kind = "text/html"
    return {"type": kind, "language": None, "value": value}


def _alternate(link: str, links: list[Any]) -> bool:
    return any(
        str(candidate.get("rel") or "alternate") == "alternate" and candidate.get("href") == link
        for candidate in links
    )


def _entry(raw: Any, rss: bool, summaries: bool) -> fastfeedparser.FastFeedParserDict | None:
    """One fastfeedparser entry with feedparser's keys, or None when it cannot stand in."""
    title = str(raw.get("title") or "")
    link = str(raw.get("link") or "")
    links = list(raw.get("links") or [])
    if not rss and link and not _alternate(link, links):
        return None
    ident = str(raw.get("id") or "")
    if ident and ident == link and canonical_url(link) != link:
        return None  # a guid or a copied link: only feedparser can tell
    if any(str(c.get("type") or "") not in _KNOWN_TYPES for c in raw.get("content") or []):
        return None  # base64 or another media type: feedparser decodes those
    summary = str(raw.get("description") or raw.get("summary") or "") if summaries else ""
    # fastfeedparser copies an RSS description into `content` when there is no
    # content:encoded; feedparser does not, and the copy would be made text twice.
    content = [
        _detail(str(c.get("value") or ""), c.get("type"), rss)
        for c in raw.get("content") or []
        if c.get("value") and c.get("value") != summary
    ]
    if not (title or link or summary or content):
        return None
    entry = fastfeedparser.FastFeedParserDict(
        title=title,
        title_detail=_detail(title, None, rss),
        link=link,
        links=links,
        summary=summary,
        summary_detail=_detail(summary, "text/html" if rss else None, rss),
        content=content,
    )
    if ident:
        entry["id"] = ident
    if raw.get("author"):
        entry["author"] = str(raw["author"])
    for key in ("published", "updated"):
        parsed = _struct(raw.get(key))
        if parsed is False:
            return None
        if parsed is not None:
            entry[f"{key}_parsed"] = parsed
    return entry


def fast_parse(data: bytes) -> FastFeed | None:
    """The feed read by fastfeedparser, or None when feedparser must read it (see above).
    `data` is the body as UTF-8, as `xmlguard.decoded` gives it."""
    version = _version(data[:_HEAD])
    if version is None:
        return None
    langs = len(_XML_LANG.findall(data))
    if langs > 1 or (langs and not _FEED_XML_LANG.search(data[:_HEAD])):
        return None
    if len(_LANGUAGE.findall(data)) > 1 or _BASE64.search(data) or _C1.search(data):
        return None
    if not _well_formed(data):
        return None
    try:
        parsed = fastfeedparser.parse(
            bytes(data), include_tags=False, include_media=False, include_enclosures=False
        )
    except Exception:
        return None
    raws = list(parsed.get("entries") or [])
    starts = list(_ENTRY[version].finditer(data))
    if not raws or len(raws) != len(starts):
        return None
    described = len(_SUMMARY[version].findall(data, starts[0].start()))
    if described not in (0, len(raws)):
        return None  # some summaries made up, others not: which ones, only feedparser knows
    entries = []
    for raw in raws:
        summaries = described > 0 or not raw.get("content")
        entry = _entry(raw, version != "atom10", summaries)
        if entry is None:
            return None
        entries.append(entry)
    meta = parsed.get("feed") or {}
    lang = meta.get("language")
    if not lang and (found := _LANGUAGE.search(data)):
        lang = found.group(1).decode("utf-8", "replace")
    return FastFeed(
        title=str(meta.get("title") or ""),
        lang=str(lang) if lang else None,
        link=str(meta.get("link") or ""),
        version=version,
        entries=entries,
    )
