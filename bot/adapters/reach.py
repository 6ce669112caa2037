"""Why a platform's API could not be reached, in a few words, from an exception's causes.

Both adapters' HTTP clients (httpx for Telegram, aiohttp for Discord) wrap the socket
error several levels deep; this walks the chain for it:

    network_reason(exc)  ->  "connection refused" | "DNS lookup failed" | "timed out" | …
"""

from __future__ import annotations

import errno
import socket
import ssl

REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ETIMEDOUT: "timed out",
}


def causes(exc: BaseException) -> list[BaseException]:
    """`exc` and what caused it, outermost first (at most 12)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 12 and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def network_reason(exc: BaseException) -> str | None:
    """A few words for a failure to reach a server, or None if it is not a network one."""
    chain = causes(exc)
    for cause in reversed(chain):  # the socket error is the innermost
        if isinstance(cause, socket.gaierror):
            return "DNS lookup failed"
        if isinstance(cause, ssl.SSLError):
            return "TLS error"
        if isinstance(cause, OSError) and cause.errno in REASONS:
            return REASONS[cause.errno]
        if isinstance(cause, TimeoutError):
            return "timed out"
    names = " ".join(type(c).__name__ for c in chain)
    if "Timeout" in names or "TimedOut" in names:
        return "timed out"
    if any(isinstance(c, OSError) for c in chain) or "Connect" in names:
        return "connection failed"
    return None
