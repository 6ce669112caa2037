"""Which URLs the fetcher may request: http(s) only and, unless allowed, public addresses only.

Every hop of a redirect chain goes through `check_url` before it is requested. A feed URL
that names (or resolves to) loopback, private, link-local, reserved or cloud-metadata
addresses is refused, so a feed list or a redirect cannot make the bot probe the network
it runs in.

DNS rebinding: a hostile DNS server can answer a public address to `check_url` and a private
one when the client resolves the name again to connect. `GuardedBackend` closes that window:
it is the network backend under the fetcher's httpx client, so every connection (first
request and every redirect hop) resolves the name once, checks those addresses, dials the
checked IP itself (never the name), and checks the peer the socket actually reached before
a byte is sent. TLS still verifies the certificate against the host name.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
import typing
from collections.abc import Awaitable, Callable, Collection
from urllib.parse import urlsplit, urlunsplit

import httpcore
import idna

from bot.errors import FetchError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Addresses `is_global` may not rule out on every Python version, named for the reader.
_EXTRA_BLOCKED = (
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT
    ipaddress.ip_network("169.254.169.254/32"),  # cloud metadata (AWS, GCP, Azure, ...)
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS metadata over IPv6
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64: may embed a private IPv4 address
)


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, through the event loop's getaddrinfo (a thread)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public_address(address: Address) -> bool:
    """True for an address on the public internet: not loopback, private, link-local, ..."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global or address.is_multicast:
        return False
    return not any(address in net for net in _EXTRA_BLOCKED if net.version == address.version)


class BadHost(ValueError):
    """A host no request can be made to; `host` is the name as given."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(reason)
        self.host = host


_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
MAX_HOST = 253


def feed_host(host: str) -> str:
    """`host` as it is requested: an IP address, or a domain name in lower-case ASCII (an
    international name in its xn-- form). BadHost, in words, for a name no request can
    be made to: an empty or over-long label, a character no domain name may hold, a xn--
    label that is not valid punycode or decodes to such a character (`xn--ls8h`, an emoji).
    """
    name = host.strip("[]").lower()
    if _parse_ip(name) is not None:
        return name
    name = name.removesuffix(".")
    labels = name.split(".")
    if name.isascii() and not any(label.startswith("xn--") for label in labels):
        if not all(_LABEL.fullmatch(label) for label in labels) or len(name) > MAX_HOST:
            raise BadHost(host, "not a valid domain name")
        return name
    try:  # an international name: IDNA 2008, as the HTTP client encodes and decodes it
        encoded = idna.encode(name, uts46=True).decode("ascii")
        idna.decode(encoded)
    except (idna.IDNAError, UnicodeError) as exc:
        raise BadHost(host, f"not a valid international domain name ({exc})") from None
    if len(encoded) > MAX_HOST:
        raise BadHost(host, "not a valid domain name")
    return encoded


def normalize_feed_url(url: str) -> str:
    """A feed URL in the one form it is stored and requested in: scheme and host in lower
    case, the host in ASCII (see `feed_host`); the rest as given. ValueError says what is
    wrong: not http(s), no host, a bad port or host, spaces or control characters."""
    url = url.strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise ValueError("a URL has no spaces or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise ValueError("only http and https addresses")
    if not parts.hostname:
        raise ValueError("no host")
    port = parts.port  # ValueError when out of range or not a number
    host = feed_host(parts.hostname)
    userinfo, at, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}{at}{f'[{host}]' if ':' in host else host}"
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))


def _parse_ip(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


async def check_url(
    url: str,
    *,
    allow_private: bool,
    resolver: Resolver = system_resolver,
    trusted_hosts: Collection[str] = (),
) -> None:
    """Raise FetchError unless `url` is http(s) and, without `allow_private`, public.

    `trusted_hosts` names hosts (lower case, no port) allowed even when private: a local
    RSS bridge, say. Raising here costs no request.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"invalid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(f"refused URL scheme {scheme or '(none)'!r}: only http and https")
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchError("invalid URL: no host")
    try:
        host = feed_host(host)
    except ValueError as exc:
        raise FetchError(f"invalid host {host}: {exc}") from None
    if allow_private or host in trusted_hosts:
        return
    await resolve_public(host, port or (443 if scheme == "https" else 80), resolver)


async def resolve_public(host: str, port: int, resolver: Resolver) -> list[Address]:
    """The addresses `host` resolves to, all public; FetchError if any is not (or none)."""
    literal = _parse_ip(host)
    if literal is not None:
        addresses: list[Address] = [literal]
    else:
        try:
            found = await resolver(host, port)
        except (OSError, UnicodeError):
            raise FetchError(f"DNS lookup failed for {host}", unreachable=True) from None
        addresses = [a for a in (_parse_ip(s) for s in found) if a is not None]
        if not addresses:
            raise FetchError(f"DNS lookup failed for {host}", unreachable=True)
    for address in addresses:
        if not is_public_address(address):
            raise FetchError(f"refused {host}: resolves to non-public address {address}")
    return addresses


def _peer_address(stream: httpcore.AsyncNetworkStream) -> Address | None:
    peer = stream.get_extra_info("server_addr")
    if isinstance(peer, tuple) and peer:
        return _parse_ip(str(peer[0]))
    return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that connects only to public addresses (see module doc).

    With `allow_private`, or for a host in `trusted_hosts`, it connects as the inner backend
    would. `inner` is httpcore's default (anyio) backend unless a test passes another.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        trusted_hosts: Collection[str] = (),
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self.trusted_hosts = frozenset(h.lower() for h in trusted_hosts)
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        name = host.lower().strip("[]")
        if self.allow_private or name in self.trusted_hosts:
            return await self.inner.connect_tcp(
                host, port, timeout, local_address=local_address, socket_options=socket_options
            )
        addresses = await resolve_public(name, port, self.resolver)
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            peer = _peer_address(stream)
            if peer is None or not is_public_address(peer):
                with contextlib.suppress(Exception):
                    await stream.aclose()
                raise FetchError(f"refused {name}: connected to non-public address {peer}")
            return stream
        assert failure is not None  # noqa: S101 - resolve_public returns at least one address
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchError("refused: feeds are fetched over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
