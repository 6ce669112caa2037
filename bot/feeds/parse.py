"""Turn a fetched body into feed metadata and raw entries, off the event loop.

Two parsers: fastfeedparser (`bot.feeds.fastparse`, C extension, 50–100× faster) reads the
well-formed RSS 2.0, RSS 1.0 and Atom 1.0 feeds that make up nearly every real feed, and
feedparser reads everything else: the feeds the fast one refuses, malformed XML (feedparser's
loose parser recovers more, and says why in `bozo`), older formats, charsets it would read
differently, and feeds whose entries declare their own language. Both give entries of the
same shape (feedparser's keys) to `normalize`.

feedparser is given the bytes (never a URL: it would fetch it itself) and the response
Content-Type, so it picks the charset the server declared. It is pure Python and slow, so
it runs in a worker thread; the poller skips it when `body_digest` says nothing changed.

Before feedparser sees a body, `xmlguard.check_body` refuses what would make it run out of
memory or time: a charset that can hide markup (UTF-7, EBCDIC, ...), XML entities that would
or a DTD (where entities are declared), elements nested deeper than a thousand levels.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import feedparser

from bot.errors import ParseError
from bot.feeds.fastparse import fast_parse
from bot.feeds.fetched import FetchResult
from bot.feeds.xmlguard import (
    check_charset,
    check_depth,
    check_dtd,
    decoded,
    decoded_with_doubts,
)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    lang: str | None  # as declared by the feed ("fr-FR"); normalize reduces it
    entries: list[Any] = field(default_factory=list)  # feedparser entries, for normalize
    bozo: str | None = None  # why feedparser found the XML malformed, if it did
    version: str = ""  # "rss20", "atom10", "rss10", ... ("" when feedparser could not tell)
    link: str = ""  # the site's home page, if the feed names one
    base_url: str = ""  # the URL the body was fetched from, after redirects
    parser: str = "feedparser"  # or "fastfeedparser"


def _looks_like_html(result: FetchResult) -> bool:
    head = result.body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return (
        head.startswith((b"<!doctype html", b"<html"))
        or b"<html" in head
        or "html" in result.content_type.lower()
    )


def _not_a_feed(result: FetchResult, bozo: str | None) -> ParseError:
    if not result.body.strip():
        return ParseError("not a feed (empty body)")
    if _looks_like_html(result):
        return ParseError("not a feed (looks like HTML)")
    if result.content_type.lower().startswith(("application/json", "text/plain", "image/")):
        return ParseError(f"not a feed (content type {result.content_type.split(';')[0]})")
    return ParseError(f"not a feed ({bozo or 'no RSS, Atom or RDF found'})")


def check_markup(body: bytes, content_type: str = "") -> None:
    """Raise ParseError when the body, read in the charset feedparser would use, is in a
    charset that can hide markup or declares entities or a DTD (see `bot.feeds.xmlguard`)."""
    data, charset = decoded(body, content_type)
    check_charset(charset)
    check_dtd(data)


def _bozo_message(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    text = " ".join(str(exc).split()) if exc is not None else "malformed XML"
    return text[:200] or type(exc).__name__


def parse_bytes(result: FetchResult) -> ParsedFeed:
    """The synchronous parse; `parse_feed` runs it in a thread."""
    # No Content-Location: feedparser would resolve relative guids against it, so a feed
    # that moves would change every guid. normalize resolves links against base_url instead.
    data, charset, doubtful = decoded_with_doubts(result.body, result.content_type)
    check_charset(charset)
    check_dtd(data)
    check_depth(data)
    fast = None if doubtful else fast_parse(data)
    if fast is not None:
        return ParsedFeed(
            title=" ".join(fast.title.split()),
            lang=fast.lang,
            entries=fast.entries,
            version=fast.version,
            link=fast.link,
            base_url=result.final_url,
            parser="fastfeedparser",
        )
    headers = {"content-type": result.content_type} if result.content_type else {}
    # Entry HTML becomes plain text in normalize (selectolax) and every piece of feed text is
    # escaped when rendered, so feedparser's own sanitiser and relative-URI rewriting would be
    # work thrown away: a third of its time.
    parsed = feedparser.parse(
        result.body,
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    entries = list(parsed.get("entries") or [])
    version = str(parsed.get("version") or "")
    bozo = _bozo_message(parsed)
    if not version and not entries:
        raise _not_a_feed(result, bozo)
    meta = parsed.get("feed") or {}
    lang = meta.get("language") or meta.get("title_detail", {}).get("language")
    return ParsedFeed(
        title=" ".join(str(meta.get("title") or "").split()),
        lang=str(lang) if lang else None,
        entries=entries,
        bozo=bozo,
        version=version,
        link=str(meta.get("link") or ""),
        base_url=result.final_url,
    )


async def parse_feed(result: FetchResult) -> ParsedFeed:
    """Parse a fetched body. Raises ParseError when it is no feed at all (an HTML page, say);
    a malformed feed that still yields entries is returned with `bozo` set."""
    if result.not_modified:
        raise ParseError("nothing to parse: the server answered 304 Not Modified")
    return await asyncio.to_thread(parse_bytes, result)
