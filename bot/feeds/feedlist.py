"""Feed lists: read OPML or plain text (one URL per line), write OPML.

The format is told by the content, not the file name: a file whose first non-blank character
is "<" is OPML. OPML is parsed with the standard library's ElementTree after refusing any
DOCTYPE or ENTITY declaration, which is where XML's entity-expansion and external-entity
attacks live; a feed list never needs one.

Every problem is a ConfigError whose message starts with the file name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.errors import ConfigError
from bot.feeds.guard import normalize_feed_url

MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed as a list names it."""

    url: str
    title: str = ""
    lang: str | None = None
    category: str = ""  # the enclosing OPML outlines' titles, joined by "/"


def default_feeds_path() -> Path:
    """The OPML list bundled with Banwatch."""
    return Path(str(resources.files("bot.feeds").joinpath("default_feeds.opml")))


def _feed_url(url: str, refusal: str) -> str:
    """The URL as the bot stores it (`normalize_feed_url`), or a ConfigError: the refusal,
    why, and the URL."""
    try:
        return normalize_feed_url(url)
    except ValueError as exc:
        raise ConfigError(f"{refusal}: {url[:200]!r} ({exc})") from None


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(f"{path}: feed list larger than {MAX_FILE_BYTES // 1_000_000} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read feed list ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: feed list is not UTF-8 text") from None


def parse_text_list(text: str, *, source: str = "<text>") -> list[FeedSpec]:
    """One URL per line; `#` starts a comment; blank lines are ignored."""
    feeds: list[FeedSpec] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        url = _feed_url(line.split()[0], f"{source}:{number}: not an http(s) URL")
        feeds.append(FeedSpec(url=url))
    return feeds


def _outlines(
    parent: ET.Element, category: tuple[str, ...], lang: str | None
) -> Iterator[tuple[ET.Element, tuple[str, ...], str | None]]:
    stack = [(child, category, lang) for child in reversed(parent.findall("outline"))]
    while stack:
        node, cat, inherited = stack.pop()
        own_lang = node.get("language") or inherited
        yield node, cat, own_lang
        if not node.get("xmlUrl"):
            name = (node.get("title") or node.get("text") or "").strip()
            inner = (*cat, name) if name else cat
            stack.extend((child, inner, own_lang) for child in reversed(node.findall("outline")))


def parse_opml(text: str, *, source: str = "<opml>") -> list[FeedSpec]:
    """Every outline with an xmlUrl, at any depth; categories from the enclosing outlines."""
    head = text[:4096].upper()
    if "<!DOCTYPE" in head or "<!ENTITY" in text.upper():
        raise ConfigError(f"{source}: OPML with a DOCTYPE or ENTITY declaration is refused")
    try:
        root = ET.fromstring(text)  # noqa: S314 - DOCTYPE/ENTITY refused above
    except ET.ParseError as exc:
        raise ConfigError(f"{source}: not valid OPML/XML ({exc})") from None
    if root.tag != "opml" or root.find("body") is None:
        raise ConfigError(f"{source}: not OPML (no <opml><body>)")
    body = root.find("body")
    assert body is not None  # noqa: S101 - checked just above; narrows the type
    feeds: list[FeedSpec] = []
    for node, category, lang in _outlines(body, (), None):
        url = (node.get("xmlUrl") or "").strip()
        if not url:
            continue
        given, url = url, _feed_url(url, f"{source}: not an http(s) feed URL")
        title = (node.get("title") or node.get("text") or "").strip()
        if title in (given, url):  # export_opml writes the URL as `text` for untitled feeds
            title = ""
        feeds.append(FeedSpec(url=url, title=title, lang=lang, category="/".join(category)))
    return feeds


def _dedupe(feeds: Iterable[FeedSpec]) -> list[FeedSpec]:
    seen: set[str] = set()
    unique: list[FeedSpec] = []
    for feed in feeds:
        if feed.url not in seen:
            seen.add(feed.url)
            unique.append(feed)
    return unique


def read_feed_list(path: str | Path) -> list[FeedSpec]:
    """The feeds a file lists, OPML or plain text, in order and without duplicates."""
    path = Path(path)
    text = _read_text(path)
    source = str(path)
    if text.lstrip().startswith("<"):
        feeds = parse_opml(text, source=source)
    else:
        feeds = parse_text_list(text, source=source)
    if not feeds:
        raise ConfigError(f"{source}: no feed URLs found")
    return _dedupe(feeds)


def export_opml(
    feeds: Iterable[tuple[str, str] | FeedSpec], *, title: str = "Banwatch feeds"
) -> str:
    """An OPML 2.0 document listing `feeds` as (title, url) pairs or FeedSpecs. A feed's
    language is its outline's `language`; its category ("News/EU") the outlines around it,
    as `parse_opml` reads them back."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}

    def folder(path: tuple[str, ...]) -> ET.Element:
        if path not in folders:
            name = path[-1]
            folders[path] = ET.SubElement(folder(path[:-1]), "outline", text=name, title=name)
        return folders[path]

    for feed in feeds:
        spec = feed if isinstance(feed, FeedSpec) else FeedSpec(url=feed[1], title=feed[0])
        attrs = {"type": "rss", "text": spec.title or spec.url, "xmlUrl": spec.url}
        if spec.title:
            attrs["title"] = spec.title
        if spec.lang:
            attrs["language"] = spec.lang
        path = tuple(part.strip() for part in spec.category.split("/") if part.strip())
        ET.SubElement(folder(path), "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
