"""Stories: one event from several feeds is one story, one alert per chat, named in /item."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.commands import Commands, Invocation
from bot.config import load_settings
from bot.models import SubscriptionKind
from bot.store import Store
from tests.stories.fixtures import OTHER_STORIES, WECHAT_STORY, story_items
from tests.support.clock import FakeClock


@pytest.fixture
async def store(database: Path | str, clock: FakeClock) -> AsyncIterator[Store]:
    async with Store.open(database, clock) as s:
        yield s


async def feeds(store: Store) -> dict[str, int]:
    ids = {}
    for name in ("Coin Wire", "Block Daily", "Ledger Times"):
        feed, _ = await store.feeds.add(
            f"https://{name.replace(' ', '').lower()}.example/rss", name
        )
        assert feed.id is not None
        ids[name] = feed.id
    return ids


async def story_ids(store: Store) -> dict[str, int]:
    rows = await store.db.fetchall("SELECT title, story_id FROM items")
    return {r["title"]: r["story_id"] for r in rows}


async def test_three_feeds_one_story_and_lookalikes_apart(store: Store) -> None:
    await store.items.add_many(story_items(await feeds(store), store.clock.now()))
    ids = await story_ids(store)
    wechat = {ids[t] for _, t, _, _ in WECHAT_STORY}
    assert len(wechat) == 1
    others = {ids[t] for _, t, *_ in OTHER_STORIES}
    assert len(others) == len(OTHER_STORIES)
    assert not wechat & others


async def test_story_found_across_batches(store: Store) -> None:
    """Each feed polled on its own: the later items join the story stored earlier."""
    items = story_items(await feeds(store), store.clock.now())
    for item in items:
        await store.items.add_many([item])
    ids = await story_ids(store)
    assert len({ids[t] for _, t, _, _ in WECHAT_STORY}) == 1
    assert len({ids[t] for _, t, *_ in OTHER_STORIES}) == len(OTHER_STORIES)


async def test_one_alert_per_chat_per_story(store: Store) -> None:
    ids = await feeds(store)
    chats = []
    for key in ("1", "2"):
        chat = await store.chats.ensure("telegram", key)
        assert chat.id is not None
        await store.chats.subscribe(chat.id, SubscriptionKind.BANS)
        chats.append(chat.id)
    for item in story_items(ids, store.clock.now())[:3]:  # one feed after another
        await store.items.add_many([item])
    rows = await store.db.fetchall("SELECT chat_id, count(*) AS n FROM outbox GROUP BY chat_id")
    assert {r["chat_id"]: r["n"] for r in rows} == dict.fromkeys(chats, 1)


async def test_no_second_alert_when_a_batch_joins_a_story_already_alerted(
    store: Store,
) -> None:
    """The story was alerted in an earlier poll. A later batch brings two of its items: one
    published before the chat subscribed (no alert wanted), then one after. Neither may
    alert the chat again."""
    ids = await feeds(store)
    chat = await store.chats.ensure("telegram", "1")
    assert chat.id is not None
    await store.chats.subscribe(chat.id, SubscriptionKind.BANS)
    soon = store.clock.now() + timedelta(minutes=1)  # after the subscription
    first, second, third = story_items(ids, store.clock.now())[:3]
    first = replace(first, published=soon)
    await store.items.add_many([first])
    assert await store.outbox.pending_count() == 1
    before = replace(second, published=soon - timedelta(days=1))
    after = replace(third, published=soon + timedelta(minutes=70))
    await store.items.add_many([before, after])
    ids_by_title = await story_ids(store)
    assert len({ids_by_title[t] for _, t, _, _ in WECHAT_STORY}) == 1
    assert await store.outbox.pending_count() == 1


async def test_item_names_the_other_outlets(store: Store) -> None:
    await store.items.add_many(story_items(await feeds(store), store.clock.now()))
    first = await store.db.fetchone("SELECT id FROM items WHERE guid = 'wechat-0'")
    assert first is not None
    settings = load_settings(env_file=None)
    reply = await Commands(store, settings).run(
        Invocation("console", "me", "item", str(first["id"]))
    )
    assert "Also reported by: Block Daily (https://" in reply.footer
    assert "Ledger Times (https://" in reply.footer
    assert "Coin Wire (" not in reply.footer


async def test_grouping_finds_the_story_among_hundreds_of_recent_items(store: Store) -> None:
    """add_many with grouping against a few hundred recent flagged items still joins the
    three outlets into one story (its speed is measured by `make bench`, not here)."""
    ids = await feeds(store)
    base = story_items(ids, store.clock.now())
    filler = [
        replace(base[4], guid=f"f{n}", url=f"https://x.example/{n}", title=f"Exchange {n} delisted")
        for n in range(300)
    ]
    await store.items.add_many(filler)
    await store.items.add_many(base)
    by_title = await story_ids(store)
    assert len({by_title[t] for _, t, _, _ in WECHAT_STORY}) == 1
    assert by_title[WECHAT_STORY[0][1]] not in {
        by_title[f"Exchange {n} delisted"] for n in range(300)
    }


async def test_one_feed_repeating_a_title_is_not_a_story(store: Store) -> None:
    ids = await feeds(store)
    first, *_ = story_items(ids, store.clock.now())
    again = replace(first, guid="again", url="https://feed.example/again")
    await store.items.add_many([first, again])
    rows = await store.db.fetchall("SELECT DISTINCT story_id FROM items")
    assert len(rows) == 2
