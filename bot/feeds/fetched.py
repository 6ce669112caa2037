"""What a fetch hands on to the parse stage: plain data, without the HTTP client, so that a
parse worker (`bot.feeds.prepare`) need not import httpx to receive it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FetchResult:
    status_code: int
    not_modified: bool
    body: bytes
    etag: str | None
    last_modified: str | None
    final_url: str
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0  # seconds, all hops


def body_digest(body: bytes) -> str:
    """A fingerprint of the body: equal digests mean the feed has not changed."""
    return hashlib.sha256(body).hexdigest()
