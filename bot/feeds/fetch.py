"""Fetch feed bodies over HTTP with conditional GET and hard limits.

One `Fetcher` wraps one `httpx.AsyncClient`. Every failure is a `FetchError` whose message
is one short line for the feed's `last_error`: "connection refused", "timed out after 20s",
"HTTP 503 Service Unavailable", "body larger than 5 MB".

Limits, all per fetch: a connect timeout and a total deadline covering every redirect hop and
a slow-dripping body; a cap on the decoded body (so a gzip bomb stops at the cap); a cap on
redirects, each hop checked by `guard.check_url`; a global and a per-host concurrency limit.

`Fetcher.create` puts `guard.GuardedBackend` under its client, so the address actually
connected to is checked too (DNS rebinding). The client it builds ignores proxy variables
from the environment: through a proxy, the bot could not see where it connects.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import httpcore
import httpx

from bot import __version__
from bot.clock import SYSTEM, Clock
from bot.errors import FetchError
from bot.feeds.decode import ACCEPT_ENCODING, BoundedBody, check_declared_length
from bot.feeds.fetched import FetchResult
from bot.feeds.guard import GuardedBackend, Resolver, check_url, feed_host, system_resolver
from bot.feeds.pool import pool_class

USER_AGENT = f"Banwatch/{__version__} (+https://github.com/banwatch/banwatch)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
DEFAULT_MAX_BYTES = 5_000_000
# A redirect's or an error's body is read (and dropped) up to this size so that its
# connection goes back to the pool; a longer one closes the connection instead.
DRAIN_BYTES = 64_000
# Failures before any server answered: perhaps the feed's, perhaps the machine's network.
UNREACHABLE = ("DNS lookup failed", "connection failed", "connect timed out")
_DNS_HINTS = ("name or service", "nodename", "getaddrinfo", "name resolution", "no address")


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (httpcore and anyio wrap the OSError that says why)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _network_message(exc: httpx.TransportError, connect_timeout: float) -> str:
    """One short line for a transport failure."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timed out after {connect_timeout:g}s"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for the server"
    causes = _causes(exc)
    text = " ".join(str(c) for c in causes).lower()
    if isinstance(exc, httpx.ConnectError):
        if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text:
            return "connection refused"
        if any(isinstance(c, socket.gaierror) for c in causes) or any(
            s in text for s in _DNS_HINTS
        ):
            return "DNS lookup failed"
        if any(isinstance(c, ssl.SSLError) for c in causes):
            return "TLS error: " + " ".join(str(exc).split())[:120]
        return "connection failed"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "server closed the connection or broke HTTP"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "connection reset while reading"
    return f"network error ({type(exc).__name__})"


class Fetcher:
    """Fetch feeds through one httpx client, politely and within limits.

    Build with `Fetcher.create(...)` (owns and closes its client) or pass a client in (the
    caller closes it). Use as `async with`.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        total_timeout: float = 20.0,
        connect_timeout: float = 10.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = 5,
        allow_private: bool = False,
        trusted_hosts: Collection[str] = (),
        max_concurrency: int = 16,
        per_host: int = 2,
        resolver: Resolver = system_resolver,
        user_agent: str = USER_AGENT,
        owns_client: bool = False,
        clock: Clock = SYSTEM,
    ) -> None:
        self.client = client
        self.clock = clock  # "now" for a Retry-After given as an HTTP date
        self.total_timeout = total_timeout
        self.connect_timeout = connect_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.allow_private = allow_private
        self.trusted_hosts = frozenset(h.lower() for h in trusted_hosts)
        self.per_host = per_host
        self.resolver = resolver
        self.user_agent = user_agent
        self._owns_client = owns_client
        self._global = asyncio.Semaphore(max_concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    @classmethod
    def create(
        cls,
        *,
        total_timeout: float = 20.0,
        connect_timeout: float = 10.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = 5,
        allow_private: bool = False,
        trusted_hosts: Collection[str] = (),
        max_concurrency: int = 16,
        per_host: int = 2,
        resolver: Resolver = system_resolver,
        user_agent: str = USER_AGENT,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        clock: Clock = SYSTEM,
    ) -> Fetcher:
        """A Fetcher with its own client: pooled connections sized to the concurrency limit,
        dialling through `GuardedBackend` (over `network_backend`, httpcore's by default)."""
        transport = httpx.AsyncHTTPTransport(retries=0)
        # httpx has no public way to pass a network backend: replace the transport's pool
        # with one built as httpx builds it, plus the guarded backend (and a pool that looks
        # at its connections less: bot/feeds/pool.py).
        transport._pool = pool_class()(
            ssl_context=httpx.create_ssl_context(),
            # As many idle connections kept as requests may run at once: with fewer, a
            # burst of polls closes and reopens connections to the same hosts.
            max_connections=max_concurrency,
            max_keepalive_connections=max_concurrency,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(
                allow_private=allow_private,
                resolver=resolver,
                trusted_hosts=trusted_hosts,
                inner=network_backend,
            ),
        )
        client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
            follow_redirects=False,
            headers={"User-Agent": user_agent},
        )
        return cls(
            client,
            clock=clock,
            total_timeout=total_timeout,
            connect_timeout=connect_timeout,
            max_bytes=max_bytes,
            max_redirects=max_redirects,
            allow_private=allow_private,
            trusted_hosts=trusted_hosts,
            max_concurrency=max_concurrency,
            per_host=per_host,
            resolver=resolver,
            user_agent=user_agent,
            owns_client=True,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()

    def _host_limit(self, url: str) -> asyncio.Semaphore:
        """The per-host limit for `url`; FetchError when no request can be made to its host
        (httpx would raise a UnicodeError from deep inside for `http://xn--ls8h.example/`)."""
        name = urlsplit(url).hostname or ""  # none: `check_url` refuses it before a request
        try:
            host = feed_host(name) if name else name
        except ValueError as exc:
            raise FetchError(f"invalid host {name}: {exc}") from None
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.per_host)
        return sem

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url`, following redirects; 304 gives `not_modified=True` and an empty body.

        Raises FetchError for network failures, limits, refused URLs and HTTP 4xx/5xx
        (with `.status` and `.retry_after`).
        """
        try:
            host_limit = self._host_limit(url)
        except ValueError as exc:  # urlsplit: a malformed IPv6 literal
            raise FetchError(f"invalid URL: {exc}") from None
        async with host_limit, self._global:
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.total_timeout):
                    return await self._request_chain(url, etag, last_modified, started)
            except TimeoutError:
                raise FetchError(f"timed out after {self.total_timeout:g}s") from None

    def _headers(self, etag: str | None, last_modified: str | None) -> dict[str, str]:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    async def _request_chain(
        self, url: str, etag: str | None, last_modified: str | None, started: float
    ) -> FetchResult:
        headers = self._headers(etag, last_modified)
        seen: set[str] = set()
        for _hop in range(self.max_redirects + 1):
            # Refuses a bad URL before any request; the address actually connected to is
            # checked again by guard.GuardedBackend under the client (DNS rebinding).
            await check_url(
                url,
                allow_private=self.allow_private,
                resolver=self.resolver,
                trusted_hosts=self.trusted_hosts,
            )
            seen.add(url)
            location = await self._one_request(url, headers, etag, last_modified, started)
            if isinstance(location, FetchResult):
                return location
            if location in seen:
                raise FetchError(f"redirect loop at {location}")
            url = location
        raise FetchError(f"too many redirects (more than {self.max_redirects})")

    async def _one_request(
        self,
        url: str,
        headers: Mapping[str, str],
        etag: str | None,
        last_modified: str | None,
        started: float,
    ) -> FetchResult | str:
        """One hop: a FetchResult, or the absolute URL a redirect points to."""
        try:
            async with self.client.stream(
                "GET", url, headers=headers, follow_redirects=False
            ) as response:
                status = response.status_code
                if status == 304 or status in REDIRECT_CODES or status >= 400:
                    # A body left unread makes httpcore close the connection: a poll where
                    # every feed answers 304 would then open one connection per feed.
                    await _drain(response)
                if status in REDIRECT_CODES:
                    target = response.headers.get("location", "").strip()
                    if not target:
                        raise FetchError(f"HTTP {status} redirect without a Location")
                    return str(response.url.join(target))
                if status >= 400:
                    reason = response.reason_phrase or ""
                    raise FetchError(
                        f"HTTP {status} {reason}".strip(),
                        status=status,
                        retry_after=parse_retry_after(
                            response.headers.get("retry-after"), now=self.clock.now()
                        ),
                    )
                not_modified = status == 304
                body = b"" if not_modified else await self._read_body(response)
        except httpx.TransportError as exc:
            message = _network_message(exc, self.connect_timeout)
            raise FetchError(message, unreachable=message.startswith(UNREACHABLE)) from None
        except (httpx.InvalidURL, UnicodeError) as exc:  # a redirect to a name httpx refuses
            raise FetchError(f"invalid URL: {exc}") from None
        got = response.headers
        return FetchResult(
            status_code=status,
            not_modified=not_modified,
            body=body,
            etag=got.get("etag") or (etag if not_modified else None),
            last_modified=got.get("last-modified") or (last_modified if not_modified else None),
            final_url=str(response.url),
            content_type=got.get("content-type", ""),
            headers={key: got.get(key, "") for key in got},  # repeats joined by ", "
            elapsed=time.monotonic() - started,
        )

    async def _read_body(self, response: httpx.Response) -> bytes:
        encoding = response.headers.get("content-encoding")
        if not encoding or encoding.strip().lower() == "identity":
            check_declared_length(response.headers.get("content-length"), self.max_bytes)
        body = BoundedBody(encoding, self.max_bytes)
        async for chunk in response.aiter_raw():
            body.feed(chunk)
        return body.finish()


async def _drain(response: httpx.Response) -> None:
    """Read and drop a short body (a 304 has none) so that the connection can be reused;
    stop at DRAIN_BYTES (the connection is then closed, not reused)."""
    length = response.headers.get("content-length", "")
    if length.strip().isdigit() and int(length) > DRAIN_BYTES:
        return
    read = 0
    with contextlib.suppress(httpx.TransportError):  # then the connection is not reused
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > DRAIN_BYTES:
                return
