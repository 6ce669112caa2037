from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import MARK_END, MARK_START, Store
from bot.store import search as search_module
from tests.support.builders import make_item, seed_item


@pytest.fixture(params=[False, True], ids=["rare words", "common words"])
def common_words(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run a ranking test as for rare words (bm25) and as for words in more items than
    COMMON_ITEMS (ranked by where the words are, without bm25), on SQLite."""
    if request.param:
        monkeypatch.setattr(search_module, "COMMON_ITEMS", 0)
    return bool(request.param)


@pytest.fixture
async def feed_id(store: Store) -> int:
    feed, _ = await store.feeds.add("https://a.example/rss")
    assert feed.id
    await store.items.add_many(
        [
            seed_item(feed.id),
            make_item(feed.id, 1, title="La réglementation MiCA entre en vigueur"),
            make_item(feed.id, 2, title="Ethereum upgrade ships"),
            make_item(feed.id, 3, title="微信关闭区块链媒体账号", lang="zh"),
            make_item(feed.id, 4, title="香港證監會發出虛擬資產交易平台牌照", lang="zh"),
        ]
    )
    return feed.id


async def test_finds_the_french_item_with_a_marked_snippet(store: Store, feed_id: int) -> None:
    page = await store.search.search("wechat")
    assert page.hits[0].item.title.startswith("WeChat ferme")
    assert MARK_START in page.hits[0].snippet
    assert MARK_END in page.hits[0].snippet


async def test_accents_and_case_are_folded(store: Store, feed_id: int) -> None:
    for query in ("reglementation", "RÉGLEMENTATION", "interdits", "INTERDÎTS"):
        page = await store.search.search(query)
        assert page.hits, query


async def test_chinese_queries_match_inside_unspaced_text(store: Store, feed_id: int) -> None:
    page = await store.search.search("区块链")
    assert [h.item.title for h in page.hits] == ["微信关闭区块链媒体账号"]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("證監會", "香港證監會發出虛擬資產交易平台牌照"),  # as typed in Hong Kong
        ("证监会 牌照", "香港證監會發出虛擬資產交易平台牌照"),  # simplified finds traditional
        ("區塊鏈", "微信关闭区块链媒体账号"),  # traditional finds simplified
        ("關閉 區塊鏈", "微信关闭区块链媒体账号"),
    ],
)
async def test_chinese_queries_find_either_script(
    store: Store, feed_id: int, query: str, title: str
) -> None:
    page = await store.search.search(query)
    assert [h.item.title for h in page.hits] == [title]
    assert MARK_START in page.hits[0].snippet


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'wechat"',
        "wechat*",
        "NEAR(wechat jinse)",
        "wechat AND OR NOT",
        "(((",
        "title:wechat",
        "'; DROP TABLE items; --",
        "wechat " * 2000,
        "x" * 10_000,
        "\x00\x02",
        "^wechat",
    ],
)
async def test_any_user_input_is_a_safe_query(store: Store, feed_id: int, query: str) -> None:
    page = await store.search.search(query)
    assert isinstance(page.hits, list)
    assert (await store.items.stats()).items == 5  # and nothing was dropped


@pytest.mark.usefixtures("common_words")
async def test_pages_and_has_more(store: Store) -> None:
    feed, _ = await store.feeds.add("https://b.example/rss")
    assert feed.id
    await store.items.add_many(
        [make_item(feed.id, n, title=f"Binance story {n}") for n in range(7)]
    )
    first = await store.search.search("binance", limit=5)
    second = await store.search.search("binance", limit=5, offset=5)
    assert len(first.hits) == 5
    assert first.has_more
    assert len(second.hits) == 2
    assert not second.has_more
    assert not {h.item.id for h in first.hits} & {h.item.id for h in second.hits}


@pytest.mark.usefixtures("common_words")
async def test_recent_items_rank_above_old_equally_relevant_ones(store: Store) -> None:
    feed, _ = await store.feeds.add("https://c.example/rss")
    assert feed.id
    now = datetime.now(UTC)
    await store.items.add_many(
        [
            make_item(feed.id, 1, title="Tether news", published=now - timedelta(days=700)),
            make_item(feed.id, 2, title="Tether news", published=now - timedelta(hours=1)),
        ]
    )
    page = await store.search.search("tether")
    assert page.hits[0].item.published > page.hits[1].item.published


@pytest.mark.usefixtures("common_words")
async def test_accents_are_ignored_in_the_query_and_in_the_text_alike(store: Store) -> None:
    feed, _ = await store.feeds.add("https://d.example/rss")
    assert feed.id
    await store.items.add_many(
        [
            make_item(feed.id, 1, title="Régulateur: la Bourse réagit", text="Sans accent ici."),
            make_item(feed.id, 2, title="Regulateur sans accents", text="Aucune marque."),
        ]
    )
    for query in ("régulateur", "regulateur", "RÉGULATEUR", "Regulatéur"):
        page = await store.search.search(query)
        assert {h.item.title for h in page.hits} == {
            "Régulateur: la Bourse réagit",
            "Regulateur sans accents",
        }, query


@pytest.mark.usefixtures("common_words")
async def test_a_word_in_the_title_ranks_above_the_same_word_in_the_text(store: Store) -> None:
    feed, _ = await store.feeds.add("https://e.example/rss")
    assert feed.id
    now = datetime.now(UTC)
    await store.items.add_many(
        [
            make_item(
                feed.id,
                1,
                title="Markets today",
                text="Kraken was mentioned once.",
                published=now - timedelta(hours=2),
            ),
            make_item(
                feed.id,
                2,
                title="Kraken delists tokens",
                text="Markets moved.",
                published=now - timedelta(hours=3),
            ),
        ]
    )
    page = await store.search.search("kraken")
    assert [h.item.title for h in page.hits] == ["Kraken delists tokens", "Markets today"]
