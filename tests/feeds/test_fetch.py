"""Fetching against the local feed server: conditional GET, limits, redirects, errors."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot import __version__
from bot.errors import FetchError
from bot.feeds.fetch import Fetcher, parse_retry_after
from tests.support.feedserver import FeedServer

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
LAST_MODIFIED = "Wed, 22 Aug 2018 07:40:00 GMT"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    # 127.0.0.1 is itself a private address: normal fetching tests must allow it.
    async with Fetcher.create(allow_private=True, total_timeout=5, connect_timeout=2) as f:
        yield f


async def test_200_returns_body_and_validators(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/feed", RSS, etag='"v1"', last_modified=LAST_MODIFIED)

    result = await fetcher.fetch(url)

    assert result.status_code == 200
    assert not result.not_modified
    assert result.body == RSS
    assert result.etag == '"v1"'
    assert result.last_modified == LAST_MODIFIED
    assert result.final_url == url
    assert result.content_type.startswith("application/rss+xml")
    assert result.headers["etag"] == '"v1"'
    assert result.elapsed > 0  # measured for the logs; its size is the bench's business


async def test_sends_an_honest_user_agent(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/feed", RSS)
    await fetcher.fetch(url)
    agent = feed_server.requests_for("/feed")[0].headers["user-agent"]
    assert agent == f"Banwatch/{__version__} (+https://github.com/banwatch/banwatch)"


async def test_304_via_etag(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/feed", RSS, etag='"v1"')
    first = await fetcher.fetch(url)

    second = await fetcher.fetch(url, etag=first.etag)

    assert second.not_modified
    assert second.status_code == 304
    assert second.body == b""
    assert second.etag == '"v1"'
    log = feed_server.requests_for("/feed")
    assert log[1].headers["if-none-match"] == '"v1"'
    assert log[1].status == 304


async def test_304_via_last_modified(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/feed", RSS, last_modified=LAST_MODIFIED)

    result = await fetcher.fetch(url, last_modified=LAST_MODIFIED)

    assert result.not_modified
    assert result.last_modified == LAST_MODIFIED
    assert feed_server.requests_for("/feed")[0].status == 304


async def test_changed_etag_gets_the_new_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/feed", RSS, etag='"v2"')
    result = await fetcher.fetch(url, etag='"v1"')
    assert not result.not_modified
    assert result.body == RSS
    assert result.etag == '"v2"'


async def test_gzip_body_is_decoded(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/feed", RSS * 100, gzip=True)

    result = await fetcher.fetch(url)

    assert result.body == RSS * 100
    assert "gzip" in feed_server.requests_for("/feed")[0].headers["accept-encoding"]


async def test_body_cap_on_a_streamed_body(feed_server: FeedServer) -> None:
    url = feed_server.huge("/huge", 50_000_000)
    async with Fetcher.create(allow_private=True, max_bytes=1_000_000) as fetcher:
        with pytest.raises(FetchError, match=r"^body larger than 1 MB$"):
            await fetcher.fetch(url)


async def test_default_cap_is_5_mb_and_declared_length_fails_fast(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.huge("/huge", 6_000_000, declare_length=True)
    with pytest.raises(FetchError, match=r"^body larger than 5 MB$"):
        await fetcher.fetch(url)


async def test_gzip_bomb_stops_at_the_cap(feed_server: FeedServer) -> None:
    # 200 MB of zeros, about 200 KB on the wire: the cap counts decoded bytes.
    url = feed_server.gzip_bomb("/bomb", 200_000_000)
    async with Fetcher.create(allow_private=True, max_bytes=2_000_000) as fetcher:
        with pytest.raises(FetchError, match="body larger than 2 MB"):
            await fetcher.fetch(url)


async def test_corrupt_gzip_is_one_clear_error(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add(
        "/feed",
        b"\x1f\x8b\x08\x00 this is not deflate data" * 20,
        headers={"Content-Encoding": "gzip"},
    )
    with pytest.raises(FetchError, match=r"^corrupt compressed body$"):
        await fetcher.fetch(url)


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip", "compress"])
async def test_an_encoding_we_did_not_ask_for_is_refused_by_name(
    feed_server: FeedServer, fetcher: Fetcher, encoding: str
) -> None:
    url = feed_server.add("/feed", RSS, headers={"Content-Encoding": encoding})
    with pytest.raises(FetchError, match=rf"^unsupported content-encoding '{encoding}'$"):
        await fetcher.fetch(url)


async def test_body_just_under_the_cap_is_accepted(feed_server: FeedServer) -> None:
    body = b"x" * 1_000_000
    url = feed_server.add("/feed", body, gzip=True)
    async with Fetcher.create(allow_private=True, max_bytes=1_000_000) as fetcher:
        assert (await fetcher.fetch(url)).body == body


async def test_slow_drip_hits_the_total_deadline(feed_server: FeedServer) -> None:
    # Each write arrives well within a read timeout; only the total deadline stops it.
    # The whole drip would take about 100 s; only the 0.5 s deadline can end the fetch
    # before the test's own time limit.
    url = feed_server.add("/slow", RSS * 50, drip=(10, 0.05))
    async with Fetcher.create(allow_private=True, total_timeout=0.5) as fetcher:
        with pytest.raises(FetchError, match=r"^timed out after 0.5s$"):
            await fetcher.fetch(url)


async def test_500_is_a_fetch_error_with_status(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/feed", b"oops", status=500)
    with pytest.raises(FetchError, match=r"^HTTP 500 Internal Server Error$") as info:
        await fetcher.fetch(url)
    assert info.value.status == 500
    assert info.value.retry_after is None


async def test_429_carries_retry_after(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.add("/feed", b"slow down", status=429, headers={"Retry-After": "120"})
    with pytest.raises(FetchError) as info:
        await fetcher.fetch(url)
    assert info.value.status == 429
    assert info.value.retry_after == 120


async def test_404_for_a_missing_feed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="HTTP 404") as info:
        await fetcher.fetch(feed_server.url("/nowhere"))
    assert info.value.status == 404


def test_retry_after_as_http_date() -> None:
    now = datetime(2018, 8, 22, 7, 40, tzinfo=UTC)
    assert parse_retry_after("Wed, 22 Aug 2018 07:45:00 GMT", now=now) == 300
    assert parse_retry_after("Wed, 22 Aug 2018 07:00:00 GMT", now=now) == 0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None


async def test_redirect_is_followed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    target = feed_server.add("/new", RSS)
    url = feed_server.redirect("/old", "/new", status=301)

    result = await fetcher.fetch(url)

    assert result.body == RSS
    assert result.final_url == target
    assert [r.path for r in feed_server.log] == ["/old", "/new"]


async def test_redirect_loop_is_stopped(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.redirect("/a", "/b")
    url = feed_server.redirect("/b", "/a")
    with pytest.raises(FetchError, match="redirect loop"):
        await fetcher.fetch(url)
    assert len(feed_server.log) == 2


async def test_redirect_chain_is_capped(feed_server: FeedServer) -> None:
    for hop in range(10):
        feed_server.redirect(f"/r{hop}", f"/r{hop + 1}")
    async with Fetcher.create(allow_private=True, max_redirects=3) as fetcher:
        with pytest.raises(FetchError, match=r"too many redirects \(more than 3\)"):
            await fetcher.fetch(feed_server.url("/r0"))
    assert len(feed_server.log) == 4


async def test_private_address_refused_without_a_request(feed_server: FeedServer) -> None:
    url = feed_server.add("/feed", RSS)
    async with Fetcher.create(allow_private=False) as fetcher:
        with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1"):
            await fetcher.fetch(url)
    assert feed_server.log == []


async def test_redirect_to_a_private_host_is_refused(feed_server: FeedServer) -> None:
    # The first hop is trusted by name; the redirect goes to "localhost", which is not.
    feed_server.add("/internal", RSS)
    url = feed_server.redirect("/out", feed_server.url("/internal", host="localhost"))
    async with Fetcher.create(allow_private=False, trusted_hosts={"127.0.0.1"}) as fetcher:
        with pytest.raises(FetchError, match=r"refused localhost: resolves to non-public"):
            await fetcher.fetch(url)
    assert [r.path for r in feed_server.log] == ["/out"]


async def test_non_http_scheme_refused(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="refused URL scheme 'file'"):
        await fetcher.fetch("file:///etc/passwd")


async def test_redirect_to_non_http_scheme_refused(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    url = feed_server.redirect("/r", "ftp://127.0.0.1/feed.xml")
    with pytest.raises(FetchError, match="refused URL scheme 'ftp'"):
        await fetcher.fetch(url)


async def test_connection_refused_is_one_short_line(fetcher: Fetcher) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match=r"^connection refused$"):
        await fetcher.fetch(f"http://127.0.0.1:{port}/feed")


async def test_name_resolving_to_private_address_refused() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return {"feeds.example": ["93.184.216.34", "10.0.0.7"]}[host]

    async with Fetcher.create(resolver=resolver) as fetcher:
        with pytest.raises(FetchError, match=r"refused feeds\.example: .* 10\.0\.0\.7"):
            await fetcher.fetch("http://feeds.example/rss")


async def test_cloud_metadata_address_refused() -> None:
    async with Fetcher.create() as fetcher:
        with pytest.raises(FetchError, match="non-public"):
            await fetcher.fetch("http://169.254.169.254/latest/meta-data/")


async def test_dns_failure_is_one_short_line() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async with Fetcher.create(resolver=resolver) as fetcher:
        with pytest.raises(FetchError, match=r"^DNS lookup failed for nowhere\.example$"):
            await fetcher.fetch("https://nowhere.example/feed")


async def test_per_host_concurrency_limit(feed_server: FeedServer) -> None:
    url = feed_server.add("/slow", RSS, delay=0.1)
    async with Fetcher.create(allow_private=True, per_host=2) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(url) for _ in range(5)))
    assert all(r.body == RSS for r in results)
    assert feed_server.max_in_flight == 2


async def test_global_concurrency_limit_across_hosts(feed_server: FeedServer) -> None:
    feed_server.add("/slow", RSS, delay=0.1)
    urls = [feed_server.url("/slow", host=h) for h in ("127.0.0.1", "localhost")] * 3
    async with Fetcher.create(allow_private=True, per_host=3, max_concurrency=3) as fetcher:
        await asyncio.gather(*(fetcher.fetch(u) for u in urls))
    assert feed_server.max_in_flight == 3
