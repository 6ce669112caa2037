"""A real HTTP server on 127.0.0.1 for feed tests, with a route table tests fill in.

    def test_x(feed_server):
        feed_server.add("/feed.xml", body, etag='"v1"')
        feed_server.add_file("/fr.rss", "crypto_fr.rss")   # from tests/data/feeds/
        url = feed_server.url("/feed.xml")
        ...
        assert feed_server.requests_for("/feed.xml")[-1].status == 304

Built-in behaviours: ETag/If-None-Match and Last-Modified/If-Modified-Since → 304; any
status with extra headers (Retry-After); gzip; a delay before answering; an answer held
until the test releases it (`hold=threading.Event()`, set at the end); a slow drip of the
body; redirects (`redirect`, loops by pointing two at each other); a huge body generated as
it is sent (`huge`); a gzip bomb compressed as it is sent (`gzip_bomb`). Every request is logged
with its path, headers and the status served (`log`, `requests_for`), and `max_in_flight`
counts the most requests answered at once. Unknown paths get 404. `connections` counts the
TCP connections accepted; `FeedServer(keep_alive=True)` answers in HTTP/1.1 and keeps them
open between requests (bodies without a length then close theirs), as real servers do.

Like httpx's own test server: stdlib ThreadingHTTPServer on port 0, in a daemon thread.
"""

from __future__ import annotations

import contextlib
import gzip as gzip_module
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "feeds"
RSS = "application/rss+xml; charset=utf-8"
# Seconds a held answer waits at most. Longer than any test's own real-time budget (60 s at
# most): a CI run under load once spent 30 s in a test whose held answer then went out by
# itself, and the feed was asked again. A server that stops releases its held answers anyway.
HOLD_LIMIT = 300.0

Body = bytes | Callable[[], Iterator[bytes]]  # fixed bytes, or chunks produced while sending


@dataclass
class Route:
    body: Body = b""
    content_type: str = RSS
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False  # compress `body` and send Content-Encoding: gzip
    delay: float = 0.0  # seconds before the status line
    hold: threading.Event | None = None  # no answer until the test sets it (or HOLD_LIMIT)
    drip: tuple[int, float] | None = None  # (bytes per write, seconds between writes)
    content_length: bool = True  # send Content-Length for fixed bodies


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    status: int
    at: float = 0.0  # when it arrived: FeedServer.now (time.monotonic unless a test sets it)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a dripping handler may still be asleep when a test ends


class FeedServer:
    def __init__(self, *, keep_alive: bool = False) -> None:
        self.keep_alive = keep_alive
        self.connections = 0  # TCP connections accepted
        self.routes: dict[str, Route] = {}
        self.log: list[LoggedRequest] = []
        # What `LoggedRequest.at` reads: a test on a fake clock sets its monotonic.
        self.now: Callable[[], float] = time.monotonic
        self.in_flight = 0
        self.max_in_flight = 0  # most requests being answered at once: checks client limits
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        for route in list(self.routes.values()):
            if route.hold is not None:
                route.hold.set()  # held handlers answer and end
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # -- routes ----------------------------------------------------------------------------

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **options: object) -> str:
        """Serve `body` at `path` (see Route for options); returns the full URL."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **options)  # type: ignore[arg-type]
        return self.url(path)

    def add_file(self, path: str, name: str, **options: object) -> str:
        """Serve tests/data/feeds/<name> at `path`."""
        options.setdefault("content_type", _content_type(name))
        return self.add(path, (DATA_DIR / name).read_bytes(), **options)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        """Redirect `path` to `to` (a path on this server or an absolute URL)."""
        self.routes[path] = Route(status=status, headers={"Location": to})
        return self.url(path)

    def huge(self, path: str, size: int, *, declare_length: bool = False) -> str:
        """A body of `size` bytes made while sending (never held in memory)."""

        def chunks() -> Iterator[bytes]:
            block = b"<!-- " + b"x" * 65_000 + b" -->\n"
            sent = 0
            while sent < size:
                piece = block[: size - sent]
                sent += len(piece)
                yield piece

        headers = {"Content-Length": str(size)} if declare_length else {}
        self.routes[path] = Route(body=chunks, headers=headers)
        return self.url(path)

    def gzip_bomb(self, path: str, decoded_size: int) -> str:
        """gzip of `decoded_size` zero bytes, compressed while sending (about 1000:1)."""

        def chunks() -> Iterator[bytes]:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            zeros = bytes(1_000_000)
            for _ in range(decoded_size // len(zeros)):
                out = compressor.compress(zeros)
                if out:
                    yield out
            yield compressor.flush()

        self.routes[path] = Route(body=chunks, headers={"Content-Encoding": "gzip"})
        return self.url(path)

    # -- request log -----------------------------------------------------------------------

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)

    def connected(self) -> None:
        with self._lock:
            self.connections += 1

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def requests_for(self, path: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if r.path == path]


def _content_type(name: str) -> str:
    suffix = Path(name).suffix
    return {
        ".atom": "application/atom+xml; charset=utf-8",
        ".rdf": "application/rdf+xml; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".opml": "text/x-opml; charset=utf-8",
    }.get(suffix, RSS)


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if route.etag and "if-none-match" in headers:
        tags = [t.strip() for t in headers["if-none-match"].split(",")]
        return route.etag in tags or "*" in tags
    since = headers.get("if-modified-since")
    if route.last_modified and since:
        try:
            return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _make_handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0 unless keep_alive: one request per connection; body ends at close
        protocol_version = "HTTP/1.1" if server.keep_alive else "HTTP/1.0"

        def setup(self) -> None:
            super().setup()
            server.connected()

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the request log is server.log

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            path = self.path.split("?", 1)[0]
            route = server.routes.get(path)
            if route is None:
                route = Route(status=404, body=b"not found", content_type="text/plain")
            status = 304 if route.status == 200 and _not_modified(route, headers) else route.status
            server.record(LoggedRequest("GET", self.path, headers, status, server.now()))
            # The client may give up (body cap, deadline): expected in these tests.
            server.enter()
            try:
                with contextlib.suppress(
                    BrokenPipeError, ConnectionResetError, ConnectionAbortedError
                ):
                    self._respond(route, status)
            finally:
                server.leave()

        def _respond(self, route: Route, status: int) -> None:
            if route.hold is not None:
                route.hold.wait(HOLD_LIMIT)
            if route.delay:
                time.sleep(route.delay)
            self.send_response(status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.etag:
                self.send_header("ETag", route.etag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            if status == 304 or status in (301, 302, 303, 307, 308):
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_header("Content-Type", route.content_type)
            if callable(route.body) or route.drip or not route.content_length:
                self.close_connection = True  # the body ends when the connection does
                if server.keep_alive:
                    self.send_header("Connection", "close")
            if callable(route.body):
                self.end_headers()
                for chunk in route.body():
                    self.wfile.write(chunk)
                return
            body = gzip_module.compress(route.body) if route.gzip else route.body
            if route.gzip:
                self.send_header("Content-Encoding", "gzip")
            if route.content_length and not route.drip:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if route.drip:
                size, pause = route.drip
                for start in range(0, len(body), size):
                    self.wfile.write(body[start : start + size])
                    self.wfile.flush()
                    time.sleep(pause)
            else:
                self.wfile.write(body)

    return Handler


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A fresh FeedServer on 127.0.0.1:<free port>, stopped after the test."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()
