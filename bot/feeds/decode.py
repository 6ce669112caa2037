"""Content-Encoding decoding with a hard cap on the decoded size.

httpx decodes gzip chunk by chunk without a limit on how much one chunk may expand: a
64 KB chunk of a gzip bomb becomes about 64 MB before a caller can count it. Here every
`zlib` call is given `max_length`, so memory stays within the cap however the body was
compressed. Only the encodings the fetcher asks for (gzip, deflate) are accepted.
"""

from __future__ import annotations

import zlib

from bot.errors import FetchError

ACCEPT_ENCODING = "gzip, deflate"


def _mb(limit: int) -> str:
    return f"{limit / 1_000_000:g} MB"


class _Zlib:
    """One gzip or deflate stream (gzip may hold several members), output bounded per call."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding in ("gzip", "x-gzip")
        self._obj = self._new()
        self._first = True

    def _new(self) -> zlib._Decompress:
        return zlib.decompressobj(16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS)

    def decode(self, data: bytes, room: int) -> bytes:
        """Decode `data`, returning at most `room + 1` bytes (one more means: over the cap)."""
        out = bytearray()
        while data and len(out) <= room:
            try:
                chunk = self._obj.decompress(data, room + 1 - len(out))
            except zlib.error:
                if self._first and not self._gzip:
                    # Some servers send raw deflate without the zlib header.
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise FetchError("corrupt compressed body") from None
            self._first = False
            out += chunk
            if self._obj.unconsumed_tail:
                data = self._obj.unconsumed_tail
            elif self._obj.eof and self._obj.unused_data.strip(b"\0"):
                data = self._obj.unused_data  # next gzip member
                self._obj = self._new()
            else:
                data = b""
        return bytes(out)

    def flush(self) -> bytes:
        # `decode` left no unconsumed input, so only zlib's small internal buffer remains.
        return self._obj.flush()


class BoundedBody:
    """Accumulate a response body, decoding it and raising once it exceeds `limit` bytes."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        self.limit = limit
        self._buf = bytearray()
        encodings = [e.strip().lower() for e in (content_encoding or "").split(",")]
        encodings = [e for e in encodings if e not in ("", "identity")]
        if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(f"unsupported content-encoding {content_encoding!r}")
        self._decoder = _Zlib(encodings[0]) if encodings else None

    def _add(self, data: bytes) -> None:
        if len(data) > self.limit - len(self._buf):
            raise FetchError(f"body larger than {_mb(self.limit)}")
        self._buf += data

    def feed(self, raw: bytes) -> None:
        if self._decoder is None:
            self._add(raw)
        else:
            self._add(self._decoder.decode(raw, self.limit - len(self._buf)))

    def finish(self) -> bytes:
        if self._decoder is not None:
            self._add(self._decoder.flush())
        return bytes(self._buf)


def check_declared_length(content_length: str | None, limit: int) -> None:
    """Fail before reading when the server announces a body over the cap."""
    if content_length and content_length.strip().isdigit() and int(content_length) > limit:
        raise FetchError(f"body larger than {_mb(limit)}")
