"""The story index kept between batches stays true to the database: deleted items, rolled
back batches, other connections' writes, and days far apart."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.models import Category, Entities, Flag, Item
from bot.store import Store
from bot.stories import Candidate, StoryIndex
from tests.stories.fixtures import story_items
from tests.support.clock import FakeClock


async def three_feeds(store: Store) -> dict[str, int]:
    ids = {}
    for name in ("Coin Wire", "Block Daily", "Ledger Times"):
        feed, _ = await store.feeds.add(f"https://{name.replace(' ', '')}.example/rss", name)
        assert feed.id is not None
        ids[name] = feed.id
    return ids


async def story_of_guid(store: Store, guid: str) -> int:
    row = await store.db.fetchone("SELECT story_id FROM items WHERE guid = ?", (guid,))
    assert row is not None
    return int(row[0])


async def id_of_guid(store: Store, guid: str) -> int:
    row = await store.db.fetchone("SELECT id FROM items WHERE guid = ?", (guid,))
    assert row is not None
    return int(row[0])


async def test_an_item_deleted_since_lends_no_story(database: Path | str, clock: FakeClock) -> None:
    async with Store.open(database, clock) as store:
        ids = await three_feeds(store)
        first, second, *_ = story_items(ids, clock.now())
        await store.items.add_many([first])
        await store.feeds.remove(ids["Coin Wire"])  # its items go with it
        await store.items.add_many([second])
        assert await story_of_guid(store, "wechat-1") == await id_of_guid(store, "wechat-1")


async def test_a_rolled_back_batch_leaves_nothing_to_join(
    database: Path | str, clock: FakeClock
) -> None:
    async with Store.open(database, clock) as store:
        ids = await three_feeds(store)
        first, second, *_ = story_items(ids, clock.now())
        broken = replace(first, guid="broken", url="https://x.example/b", feed_id=999_999)
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            await store.items.add_many([first, broken])
        await store.items.add_many([second])
        assert await story_of_guid(store, "wechat-1") == await id_of_guid(store, "wechat-1")


async def test_items_stored_by_another_connection_are_joined(
    database: Path | str, clock: FakeClock
) -> None:
    path = database
    async with Store.open(path, clock) as store:
        ids = await three_feeds(store)
        first, second, third, *_ = story_items(ids, clock.now())
        await store.items.add_many([first])  # the index now holds the first item's day
        async with Store.open(path, clock) as other:
            await other.items.add_many([second])
        await store.items.add_many([third])
        assert await story_of_guid(store, "wechat-2") == await id_of_guid(store, "wechat-0")
        assert await story_of_guid(store, "wechat-1") == await id_of_guid(store, "wechat-0")


async def test_the_same_title_a_month_apart_is_two_stories(
    database: Path | str, clock: FakeClock
) -> None:
    async with Store.open(database, clock) as store:
        ids = await three_feeds(store)
        first, second, *_ = story_items(ids, clock.now())
        later = replace(second, published=second.published + timedelta(days=30))
        await store.items.add_many([first])
        await store.items.add_many([later])
        await store.items.add_many([replace(second, guid="again", url="https://y.example/a")])
        assert await story_of_guid(store, second.guid) == await id_of_guid(store, second.guid)
        assert await story_of_guid(store, "again") == await id_of_guid(store, "wechat-0")


def _brute_force(index: StoryIndex, item: Item) -> int | None:
    """The matching before the index: every candidate compared, newest first."""
    everything = StoryIndex()
    everything.candidates = dict(index.candidates)
    every_key = "\x00every"
    everything._postings = {every_key: set(index.candidates)}

    def shortlist(probe: Candidate) -> list[Candidate]:
        return [c for c in index.candidates.values() if c.feed_id != probe.feed_id]

    everything._shortlist = shortlist  # type: ignore[method-assign]
    return everything.match(item)


def test_the_index_finds_the_stories_comparing_with_everything_finds() -> None:
    """Headlines of 60 events, each told by several feeds in other words (a word dropped, one
    added, one changed), among common crypto words: the index's shortlist leads to the same
    story as comparing with every recent item."""
    rnd = random.Random(5)
    common = [
        "crypto",
        "bitcoin",
        "exchange",
        "bans",
        "regulator",
        "sec",
        "app",
        "china",
        "accounts",
    ]
    heads = ("bin", "tel", "kra", "coin", "hu", "ok", "by")
    tails = ("ance", "egram", "ken", "base", "obi", "x", "bit", "pay", "net", "ledger")
    rare = [head + tail for head in heads for tail in tails]
    events = [rnd.sample(rare, 2) + rnd.sample(common, rnd.randint(2, 5)) for _ in range(60)]
    names = ("WeChat", "Binance", "SEC")
    index = StoryIndex()
    start = FakeClock().now()
    for n in range(1, 500):
        words = list(rnd.choice(events))
        if rnd.random() < 0.5:
            words.pop(rnd.randrange(len(words)))
        if rnd.random() < 0.5:
            words.insert(rnd.randrange(len(words) + 1), rnd.choice(common + rare))
        rnd.shuffle(words)
        title = " ".join(words)
        flag = Flag(Category.BAN, 0.9, (), Entities(platforms=(rnd.choice(names),)), "en")
        item = Item(
            id=n,
            feed_id=rnd.randint(1, 6),
            guid=str(n),
            url="",
            title=title,
            text=f"{title} said the report.",
            published=start + timedelta(minutes=n),
            fetched=start,
            flag=flag,
        )
        expected = _brute_force(index, item)
        assert index.match(item) == expected, title
        index.add(Candidate.of(item, expected if expected is not None else n))


def test_candidates_share_their_title_keys_with_the_index() -> None:
    """The index holds every flagged item of the window: a word of many titles is one string,
    held once, not a copy in each candidate."""
    start = FakeClock().now()
    flag = Flag(Category.BAN, 0.9, (), Entities(platforms=("WeChat",)), "en")
    index = StoryIndex()
    for n in range(1, 201):
        title = f"Regulator bans crypto exchange accounts number{n % 7}"
        item = Item(
            feed_id=n, guid=str(n), url="", title=title, text="", published=start,
            fetched=start, flag=flag, id=n,
        )  # fmt: skip
        index.add(Candidate.of(item, n))
    keys = [key for candidate in index.candidates.values() for key in candidate.keys]
    assert len(keys) == 200 * 6
    assert len({id(key) for key in keys}) == len(set(keys)) == 5 + 7
