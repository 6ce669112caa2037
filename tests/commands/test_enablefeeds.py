"""/enablefeeds: the admins' one way to bring every disabled feed back (or one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import Store
from tests.commands.conftest import Run


async def disable(store: Store, *urls: str) -> list[int]:
    ids = []
    for url in urls:
        feed, _ = await store.feeds.add(url)
        feed.disabled, feed.failures, feed.last_error = True, 10, "DNS lookup failed"
        feed.next_poll = datetime.now(UTC) + timedelta(days=1)
        await store.feeds.save_health(feed)
        ids.append(feed.id or 0)
    return ids


async def test_enablefeeds_enables_every_disabled_feed(store: Store, run: Run) -> None:
    await disable(store, *(f"https://news{n}.example/rss" for n in range(29)))
    reply = await run("/enablefeeds", user="42")
    assert reply.text == "Feeds enabled again: 29. They will be polled within a minute."
    feeds = await store.feeds.all()
    assert {(f.disabled, f.failures, f.next_poll) for f in feeds} == {(False, 0, None)}
    assert (await run("/enablefeeds", user="42")).text == "No feed is disabled."


async def test_enablefeeds_with_a_number_enables_that_feed_only(store: Store, run: Run) -> None:
    first, second = await disable(store, "https://a.example/rss", "https://b.example/rss")
    assert "enabled again: 1" in (await run(f"/enablefeeds #{second}", user="42")).text
    disabled = [f.id for f in await store.feeds.all() if f.disabled]
    assert disabled == [first]
    missing = await run("/enablefeeds 999", user="42")
    assert missing.error
    assert "#999 is not disabled" in missing.text


async def test_enablefeeds_is_for_admins_and_refuses_odd_numbers(store: Store, run: Run) -> None:
    await disable(store, "https://a.example/rss")
    refused = await run("/enablefeeds", user="7")
    assert refused.error
    assert "administrators" in refused.text
    for odd in ("²", "abc", "1" * 30):
        reply = await run(f"/enablefeeds {odd}", user="42")
        assert reply.error
        assert "Usage: /enablefeeds [id]" in reply.text
    assert [f.disabled for f in await store.feeds.all()] == [True]


async def test_enablefeeds_is_in_the_admins_help_and_speaks_french(run: Run) -> None:
    assert "/enablefeeds [id]" in (await run("/help", user="42")).text
    assert "/enablefeeds" not in (await run("/help", user="7")).text
    await run("/language fr", user="42")
    assert (await run("/enablefeeds", user="42")).text == "Aucun flux n’est désactivé."
