"""Which URLs the fetcher may request: http(s) only and, unless allowed, public addresses only.

Every hop of a redirect chain goes through `check_url` before it is requested. A feed URL
that names (or resolves to) loopback, private, link-local, reserved or cloud-metadata
addresses is refused, so a feed list or a redirect cannot make the bot probe the network
it runs in.

Known gap, on purpose for now: the address is checked here, then httpx resolves the name
again when it connects. A hostile DNS server can answer differently the second time (DNS
rebinding). Closing that window means connecting only to the addresses checked here:
`check_url` would return them and a custom httpx transport would dial them (the call site
in `fetch.Fetcher._request_chain` is marked).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Collection
from urllib.parse import urlsplit

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
    if allow_private or host in trusted_hosts:
        return
    literal = _parse_ip(host)
    if literal is not None:
        addresses: list[Address] = [literal]
    else:
        try:
            found = await resolver(host, port or (443 if scheme == "https" else 80))
        except (OSError, UnicodeError):
            raise FetchError(f"DNS lookup failed for {host}") from None
        addresses = [a for a in (_parse_ip(s) for s in found) if a is not None]
        if not addresses:
            raise FetchError(f"DNS lookup failed for {host}")
    for address in addresses:
        if not is_public_address(address):
            raise FetchError(f"refused {host}: resolves to non-public address {address}")
