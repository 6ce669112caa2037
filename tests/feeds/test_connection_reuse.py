"""Connections are reused between polls, counted on the server's side: a poll of unchanged
feeds answered 304 (or a redirect, or an error with a short body) must not open a connection
per feed. Also: sniffio is installed, so httpcore does not retry a failing import per lock."""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator

import pytest

from bot.errors import FetchError
from bot.feeds.fetch import DRAIN_BYTES, Fetcher
from bot.feeds.pool import LeanPool, pool_class
from tests.support.feedserver import FeedServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


@pytest.fixture
def keep_alive_server() -> Iterator[FeedServer]:
    server = FeedServer(keep_alive=True).start()
    try:
        yield server
    finally:
        server.stop()


def _fetcher(concurrency: int = 4) -> Fetcher:
    return Fetcher.create(
        allow_private=True, total_timeout=5, connect_timeout=2, max_concurrency=concurrency
    )


async def test_304_answers_reuse_one_connection(keep_alive_server: FeedServer) -> None:
    urls = [keep_alive_server.add(f"/f{n}", RSS, etag=f'"v{n}"') for n in range(30)]
    async with _fetcher() as fetcher:
        for n, url in enumerate(urls):
            result = await fetcher.fetch(url, etag=f'"v{n}"')
            assert result.not_modified

    assert [r.status for r in keep_alive_server.log] == [304] * 30
    assert keep_alive_server.connections == 1


async def test_concurrent_304_polls_keep_their_connections(
    keep_alive_server: FeedServer,
) -> None:
    urls = [keep_alive_server.add(f"/f{n}", RSS, etag='"v"', delay=0.01) for n in range(60)]
    # per_host defaults to 2: at most 2 connections at once to this one host
    async with _fetcher(concurrency=8) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(u, etag='"v"') for u in urls))

    assert all(r.not_modified for r in results)
    assert keep_alive_server.connections <= 2


async def test_short_error_and_redirect_bodies_are_read_to_reuse_the_connection(
    keep_alive_server: FeedServer,
) -> None:
    keep_alive_server.add("/gone", b"x" * 500, status=404, content_type="text/plain")
    target = keep_alive_server.add("/feed", RSS)
    moved = keep_alive_server.redirect("/old", "/feed")
    async with _fetcher() as fetcher:
        for _ in range(3):
            with pytest.raises(FetchError, match="HTTP 404"):
                await fetcher.fetch(keep_alive_server.url("/gone"))
            assert (await fetcher.fetch(moved)).final_url == target

    assert len(keep_alive_server.log) == 9
    assert keep_alive_server.connections == 1


async def test_a_long_error_body_is_not_read(keep_alive_server: FeedServer) -> None:
    keep_alive_server.add("/big", b"x" * (DRAIN_BYTES * 4), status=500, content_type="text/html")
    async with _fetcher() as fetcher:
        with pytest.raises(FetchError, match="HTTP 500"):
            await fetcher.fetch(keep_alive_server.url("/big"))
        with pytest.raises(FetchError, match="HTTP 500"):
            await fetcher.fetch(keep_alive_server.url("/big"))

    assert keep_alive_server.connections == 2  # the unread body closed the first one


def test_sniffio_is_installed() -> None:
    # httpcore's locks ask sniffio which event loop runs; without it every lock set up
    # retries the import (a failing import walks sys.path each time).
    assert importlib.util.find_spec("sniffio") is not None


def test_the_fetcher_pools_with_the_lean_pool() -> None:
    fetcher = _fetcher()
    assert isinstance(fetcher.client._transport._pool, LeanPool)  # type: ignore[attr-defined]
    assert pool_class() is LeanPool


async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    # HTTP/1.1 without "Connection: close", then the server closes: the pooled connection
    # looks reusable, and only a look at its socket tells it is gone.
    connections = 0

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v"\r\nContent-Length: 0\r\n\r\n')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with _fetcher() as fetcher:
            for _ in range(3):
                result = await fetcher.fetch(f"http://127.0.0.1:{port}/feed", etag='"v"')
                assert result.not_modified
                await asyncio.sleep(0.05)  # the server's close reaches us
    finally:
        server.close()
        await server.wait_closed()
    assert connections == 3


async def test_polls_of_many_hosts_share_the_pool_within_its_limit() -> None:
    servers = [FeedServer(keep_alive=True).start() for _ in range(3)]
    try:
        urls = [s.add(f"/f{n}", RSS, etag='"v"') for s in servers for n in range(10)]
        async with _fetcher(concurrency=4) as fetcher:
            for _ in range(2):
                results = await asyncio.gather(*(fetcher.fetch(u, etag='"v"') for u in urls))
                assert all(r.not_modified for r in results)
            pool = fetcher.client._transport._pool  # type: ignore[attr-defined]
            assert len(pool.connections) <= 4
        # A full pool closes an idle connection to open one to another host; the rest are
        # reused: far fewer connections than the 60 requests.
        assert sum(s.connections for s in servers) < len(urls)
    finally:
        for server in servers:
            server.stop()
