"""One feedparser entry → one `Item`: plain text, a canonical URL, a stable guid, UTC dates.

guid       the entry's id/guid, else its canonical link, else sha256(title + text)
url        absolute, lower-case scheme and host, no default port, no fragment, no
           tracking parameters (utm_*, fbclid, ...); other parameters kept in order
           and without user name or password (a link is shown to everyone)
title/text HTML → plain text (bot.feeds.text); the longer of content and summary;
           text capped at 20,000 characters; no control characters (terminal escapes,
           bell, bidi overrides) in them, the author or the source
published  published, else updated, as aware UTC; else the fetch time; more than a day
           in the future is clamped to the fetch time
lang       the entry's or feed's declared language as ISO 639-1, else detected
"""

from __future__ import annotations

import calendar
import hashlib
import importlib
import re
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, cast
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from bot.feeds.text import html_to_text, one_line, plain_text, shorten
from bot.models import Item
from bot.text import strip_controls

MAX_TEXT = 20_000
MAX_TITLE = 300
FUTURE_SLACK = timedelta(days=1)

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "ttclid", "yclid",
     "mc_cid", "mc_eid", "igshid", "ref", "ref_src", "ref_url", "_ga", "_gl", "spm", "cmpid",
     "mkt_tok", "_hsenc", "_hsmi", "hsctatracking", "oly_anon_id", "oly_enc_id", "vero_id",
     "wt_mc", "at_medium", "at_campaign", "guccounter", "s_cid", "ncid", "sr_share",
     "li_fat_id", "rb_clickid", "soc_src", "soc_trk", "__twitter_impression"}
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
DEFAULT_PORTS = {"http": 80, "https": 443}

# ISO 639-2 codes some feeds declare instead of ISO 639-1.
_ISO639_2 = {
    "eng": "en", "fra": "fr", "fre": "fr", "spa": "es", "deu": "de", "ger": "de",
    "por": "pt", "zho": "zh", "chi": "zh", "ita": "it", "rus": "ru", "jpn": "ja",
    "kor": "ko", "nld": "nl", "dut": "nl", "tur": "tr", "ara": "ar",
}  # fmt: skip
_LANG_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_].*)?$")


def _is_tracking(key: str) -> bool:
    key = unquote_plus(key).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, base: str = "") -> str:
    """The URL to show and compare: "" when there is none or it is not http(s). A user
    name and password in it are dropped: item links are shown to everyone."""
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(urljoin(base, url) if base else url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return ""
    if scheme not in DEFAULT_PORTS or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not _is_tracking(pair.split("=")[0])
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def lang_code(tag: object) -> str | None:
    """ "fr-FR" → "fr", "en_US" → "en", "fre" → "fr"; None for anything unrecognised."""
    if not isinstance(tag, str):
        return None
    match = _LANG_TAG.match(tag.strip())
    if not match:
        return None
    code = match.group(1).lower()
    return code if len(code) == 2 else _ISO639_2.get(code)


@cache
def _detector() -> Callable[[str], str]:
    """bot.classify.detect.detect_language when it exists, else py3langid directly."""
    try:
        module = importlib.import_module("bot.classify.detect")
        return cast(Callable[[str], str], module.detect_language)
    except (ImportError, AttributeError):
        return _langid


def _langid(text: str) -> str:
    import py3langid  # loads its model: imported only when needed

    return str(py3langid.classify(text)[0])


def detect_lang(text: str) -> str | None:
    """The language of `text` as ISO 639-1, or None when there are too few letters to tell."""
    if sum(ch.isalpha() for ch in text[:2000]) < 12:
        return None
    return lang_code(_detector()(text[:5000]))


def _utc(value: Any) -> datetime | None:
    """feedparser's *_parsed (a UTC struct_time) as an aware datetime."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _published(entry: Any, fetched: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        when = _utc(entry.get(key))
        if when is not None:
            return fetched if when > fetched + FUTURE_SLACK else when
    return fetched


def _as_text(detail: Any, value: Any) -> str:
    """Plain text from a feedparser text construct, honouring its declared type."""
    if not value:
        return ""
    kind = str((detail or {}).get("type") or "text/html")
    # Controls go before the whitespace is tidied, and again after: `&#27;` decodes to ESC.
    raw = strip_controls(str(value))
    return strip_controls(html_to_text(raw) if "html" in kind else plain_text(raw))


def _body(entry: Any) -> str:
    candidates: list[str] = []
    for content in entry.get("content") or []:
        candidates.append(_as_text(content, content.get("value")))
    candidates.append(_as_text(entry.get("summary_detail"), entry.get("summary")))
    return max(candidates, key=len)


def _declared_lang(entry: Any) -> str | None:
    for detail in (
        entry.get("title_detail"),
        entry.get("summary_detail"),
        *entry.get("content", []),
    ):
        code = lang_code((detail or {}).get("language"))
        if code:
            return code
    return lang_code(entry.get("language"))


def _link(entry: Any, base_url: str) -> str:
    link = entry.get("link") or ""
    if not link:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    return canonical_url(str(link), base_url)


def clean_title(title: str) -> str:
    """A feed's own title as stored and shown: one line, no control characters."""
    return one_line(strip_controls(title))


def stable_guid(entry: Any, url: str, title: str, text: str) -> str:
    guid = one_line(str(entry.get("id") or entry.get("guid") or ""))
    if guid:
        return guid[:1000]
    if url:
        return url
    return "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def stored_already(
    entry: Any, base_url: str, guids: Collection[str], urls: Collection[str]
) -> bool:
    """Whether the entry is an item already stored (same guid as `stable_guid` would give,
    or same canonical link), told without normalising its text. Entries without id or link
    are never told stored: their guid is a digest of the normalised text."""
    if not (guids or urls):
        return False
    guid = one_line(str(entry.get("id") or entry.get("guid") or ""))[:1000]
    if guid:
        if guid in guids:
            return True
        url = _link(entry, base_url)
    else:
        url = _link(entry, base_url)
        if url in guids:
            return True
    return bool(url) and url in urls


def normalize_entry(
    entry: Any,
    *,
    feed_id: int,
    feed_title: str,
    feed_lang: str | None,
    base_url: str,
    fetched: datetime,
) -> Item | None:
    """The entry as an Item, or None when it has neither title, link nor text."""
    fetched = fetched.astimezone(UTC)
    title = one_line(_as_text(entry.get("title_detail"), entry.get("title")))
    text = shorten(_body(entry), MAX_TEXT)
    url = _link(entry, base_url)
    if not (title or url or text):
        return None
    if not title and text:
        title = text.split("\n", 1)[0]
    title = shorten(title, MAX_TITLE)
    lang = _declared_lang(entry) or lang_code(feed_lang) or detect_lang(f"{title}\n{text}")
    author = one_line(strip_controls(str(entry.get("author") or ""))) or None
    return Item(
        feed_id=feed_id,
        guid=stable_guid(entry, url, title, text),
        url=url,
        title=title,
        text=text,
        published=_published(entry, fetched),
        fetched=fetched,
        lang=lang,
        author=author,
        source=clean_title(feed_title),
    )
