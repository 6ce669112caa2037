"""The bench's feed server: a separate process (so serving does not take our core), one
threaded HTTP/1.1 server per loopback address 127.0.0.2… (so the fetcher's per-host limit
sees many hosts, as it would in production).

    GET /v<version>/feed/<n>.xml        ETag "<n>-<version>", 304 on If-None-Match
    GET /plain/v<version>/feed/<n>.xml  the same bytes, no validators: always 200
    GET /s<step>/v<version>/feed/<n>.xml each version adds only <step> new entries (ETag
                                        "<n>-<version>-<step>")
    GET /gated/v<version>/feed/<n>.xml  as /v<version>/…, answered once the gate of that
                                        version is open (at most GATE_WAIT s later)
    GET /open/v<version>                opens that gate (bench/processes.py: every process
                                        is up and has its feeds in hand when the clock starts)

Bodies come from bench.data, built on first request and kept.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

from bench import data

_PATH = re.compile(r"^/(gated/)?(plain/)?(?:s(\d+)/)?v(\d+)/feed/(\d+)\.xml$")
_OPEN = re.compile(r"^/open/v(\d+)$")
GATE_WAIT = 240.0
RSS = "application/rss+xml; charset=utf-8"


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def _handler(items: int) -> type[BaseHTTPRequestHandler]:
    cache: dict[tuple[int, int, int | None], bytes] = {}
    lock = threading.Lock()
    gates: dict[int, threading.Event] = {}

    def gate(version: int) -> threading.Event:
        with lock:
            return gates.setdefault(version, threading.Event())

    def body(feed: int, version: int, step: int | None) -> bytes:
        with lock:
            found = cache.get((feed, version, step))
        if found is None:
            found = data.rss(feed, items, version=version, step=step)
            with lock:
                cache[(feed, version, step)] = found
        return found

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            match = _PATH.match(self.path)
            opened = _OPEN.match(self.path)
            if opened is not None:
                gate(int(opened[1])).set()
            if match is None:
                self.send_response(200 if opened else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            plain, version, feed = bool(match[2]), int(match[4]), int(match[5])
            step = int(match[3]) if match[3] else None
            if match[1]:
                gate(version).wait(GATE_WAIT)
            etag = f'"{feed}-{version}"' if step is None else f'"{feed}-{version}-{step}"'
            if not plain and etag in self.headers.get("If-None-Match", ""):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            payload = body(feed, version, step)
            self.send_response(200)
            self.send_header("Content-Type", RSS)
            self.send_header("Content-Length", str(len(payload)))
            if not plain:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def serve(hosts: int, items: int) -> None:
    handler = _handler(items)
    servers = [_Server((f"127.0.0.{2 + k}", 0), handler) for k in range(hosts)]
    print(" ".join(f"{s.server_address[0]}:{s.server_address[1]}" for s in servers), flush=True)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    sys.stdin.read()  # serve until the parent closes our stdin


class FeedHost:
    """The feed server subprocess, as a context manager; `url(n, version)` names a feed."""

    def __init__(self, items: int, hosts: int = 16) -> None:
        self.items = items
        self.hosts_count = hosts
        self.hosts: list[str] = []
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", str(self.hosts_count), str(self.items)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        self.hosts = self._proc.stdout.readline().split()
        if not self.hosts:
            raise RuntimeError("the bench feed server did not start")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def url(
        self,
        feed: int,
        version: int = 0,
        *,
        plain: bool = False,
        step: int | None = None,
        gated: bool = False,
    ) -> str:
        host = self.hosts[feed % len(self.hosts)]
        prefix = ("gated/" if gated else "") + ("plain/" if plain else "")
        prefix += f"s{step}/" if step is not None else ""
        return f"http://{host}/{prefix}v{version}/feed/{feed}.xml"

    def open_gate(self, version: int) -> None:
        """Answer the gated requests of `version`, waiting and to come."""
        with urllib.request.urlopen(f"http://{self.hosts[0]}/open/v{version}", timeout=10):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("hosts", type=int)
    parser.add_argument("items", type=int)
    args = parser.parse_args()
    serve(args.hosts, args.items)


if __name__ == "__main__":
    main()
