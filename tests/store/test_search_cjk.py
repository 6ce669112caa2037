"""The CJK bigram index (bot/store/cjk.py) behind Chinese /search, on a real SQLite file."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import Store, cjk
from bot.store.migrations import MIGRATIONS
from bot.store.search import MARK_END, MARK_START
from bot.text import CJK_CLASS, chinese_spellings
from tests.support.builders import make_item

TEXTS = [
    ("央行加强加密货币监管", "中国人民银行表示将继续打击虚拟货币交易。"),
    ("交易所暂停服务", "某交易所因监管要求暂停人民币充值，加密的货币资产不受影响。"),
    ("比特币ETF获批", "美国批准现货比特币ETF，币安 Binance 表示欢迎。"),
    ("Binance adds new pairs", "币安上线新交易对。"),
    ("香港證監會發出牌照", "虛擬資產交易平台獲得監管批准。"),
    ("Bitcoin rallies", "No Chinese here at all."),
    ("币", "单字标题"),
]


async def _fill(store: Store) -> int:
    feed, _ = await store.feeds.add("https://zh.example/rss")
    assert feed.id
    await store.items.add_many(
        [
            make_item(feed.id, n, title=title, text=text, lang="zh")
            for n, (title, text) in enumerate(TEXTS)
        ]
    )
    return feed.id


async def _titles(store: Store, query: str) -> list[str]:
    page = await store.search.search(query, limit=20)
    return [h.item.title for h in page.hits]


def test_grams_are_bigrams_and_the_last_character_of_each_run_among_folded_words() -> None:
    assert cjk.grams("加密货币", "OK 监管!") == "加密 密货 货币 币 币ok ok ok监 监管 管"
    # Where a run and a word meet, a join of both edges: a term spanning them is one token.
    assert cjk.grams("比特币ETF获批", "Régulation") == (
        "比特 特币 币 币etf etf etf获 获批 批 批regulation regulation"
    )
    assert cjk.grams("Bitcoin", "") == ""  # no Chinese: the word index finds it


def test_a_term_is_the_phrase_of_its_tokens() -> None:
    assert cjk.match_query([["币"]]) == '(("币"*))'  # a single character is a prefix
    assert cjk.match_query([["ETF"]]) == '(("etf"))'
    # The run ends where the latin word starts, as in the text's stream.
    assert cjk.match_query([["比特币ETF"]]) == '(("比特 特币 币 币etf etf"))'


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("监管", ["央行加强加密货币监管", "交易所暂停服务", "香港證監會發出牌照"]),
        ("加密货币", ["央行加强加密货币监管"]),  # not 加密的货币
        ("監管", ["央行加强加密货币监管", "交易所暂停服务", "香港證監會發出牌照"]),
        ("证监会", ["香港證監會發出牌照"]),  # simplified finds traditional
        ("虚拟资产", ["香港證監會發出牌照"]),
        ("比特币ETF", ["比特币ETF获批"]),
        ("币安 Binance", ["比特币ETF获批", "Binance adds new pairs"]),
        ("币安 Kraken", []),
        ("交易所 暂停", ["交易所暂停服务"]),
        ("人民币", ["交易所暂停服务"]),
    ],
)
async def test_chinese_words_are_found_through_the_index(
    store: Store, query: str, titles: list[str]
) -> None:
    await _fill(store)
    assert sorted(await _titles(store, query)) == sorted(titles)


async def test_single_characters_are_found_at_any_place_in_a_run(store: Store) -> None:
    await _fill(store)
    found = await _titles(store, "币")
    assert sorted(found) == sorted(
        ["央行加强加密货币监管", "交易所暂停服务", "比特币ETF获批", "Binance adds new pairs", "币"]
    )


async def test_the_index_finds_what_a_scan_of_every_text_finds(store: Store) -> None:
    """Every substring of 1–4 CJK characters of the stored texts, in any of its spellings:
    the same hits as the substring scan the index replaced."""
    await _fill(store)
    words = {
        run[k : k + n]
        for title, text in TEXTS
        for run in cjk._RUN.findall(title + " " + text)
        for n in (1, 2, 3, 4)
        for k in range(len(run) - n + 1)
    }
    stored = [
        (str(r[0]), str(r[1])) for r in await store.db.fetchall("SELECT title, text FROM items")
    ]
    for word in sorted(words):
        page = await store.search.search(word, limit=20)
        spellings = chinese_spellings(word)
        scan = {t for t, x in stored if any(s in f"{t} {x}" for s in spellings)}
        found = {h.item.title for h in page.hits}
        assert scan == found, word


MIXED_TEXTS = [
    ("比特币ETF获批", "美国批准现货比特币ETF。"),
    ("比特幣ETF在香港上市", "現貨比特幣ETF開始交易，SEC 表示關注。"),
    ("比特币矿工", "ETF 资金流入放缓，币安 Binance_Pay 上线。"),
    ("監管機構 SEC 回應", "比特幣 etf 小寫也算。"),
    ("SECOND 市场", "比特币 ETFs 与 SECURITY 代币，Pay Binance。"),
]


def _scan_holds(title: str, text: str, spellings: list[str]) -> bool:
    """The meaning of a term, written out: Chinese as a substring (runs of the text);
    latin words as whole words, any case, where spaces, punctuation or a change of script
    separate words; the parts of a term in order, with nothing but separators between."""
    words = re.findall(f"[{CJK_CLASS}]+|[^\\W_{CJK_CLASS}]+", f"{title} {text}")
    for spelling in spellings:
        parts = re.findall(f"[{CJK_CLASS}]+|[^\\W_{CJK_CLASS}]+", spelling)
        for at in range(len(words) - len(parts) + 1):
            pairs = list(zip(parts, words[at:], strict=False))
            if all(_part_holds(p, w, n, len(parts)) for n, (p, w) in enumerate(pairs)):
                return True
    return False


def _part_holds(part: str, word: str, n: int, count: int) -> bool:
    if not re.fullmatch(f"[{CJK_CLASS}]+", part):
        return part.casefold() == word.casefold()
    if count == 1:
        return part in word  # a lone Chinese term: anywhere in a run
    if n == 0:
        return word.endswith(part)  # a run followed by a latin word ends there
    if n == count - 1:
        return word.startswith(part)  # a run after a latin word starts there
    return word == part


async def test_queries_mixing_scripts_find_what_a_scan_finds(store: Store) -> None:
    """Terms that mix Chinese and latin (`比特币ETF`, in either script), separate terms of
    each (`比特币 ETF`), and latin words in any case, glued to Chinese or not, never inside
    a longer word (`SEC` is not in `SECOND`): the same hits as a scan of every text for each
    term in any of its spellings."""
    feed, _ = await store.feeds.add("https://hk.example/rss")
    assert feed.id
    await store.items.add_many(
        [
            make_item(feed.id, n, title=title, text=text, lang="zh")
            for n, (title, text) in enumerate(MIXED_TEXTS)
        ]
    )
    queries = [
        *("比特币ETF", "比特幣ETF", "ETF比特币", "比特币 ETF", "比特幣 SEC", "币安 Binance_Pay"),
        *("监管 SEC", "特币E", "比特币 etf", "SEC 監管", "币 Binance", "ETF币", "市场 second"),
        *("代币 security", "Pay_Binance 代币", "币安Binance", "Pay 币"),
    ]
    for query in queries:
        page = await store.search.search(query, limit=20)
        terms = [chinese_spellings(t) for t in query.split()]
        scan = {
            title
            for title, text in MIXED_TEXTS
            if all(_scan_holds(title, text, spellings) for spellings in terms)
        }
        assert {h.item.title for h in page.hits} == scan, query
    assert len(await _titles(store, "比特币ETF")) == 3  # either script, and glued or not
    assert await _titles(store, "SEC 監管") == ["監管機構 SEC 回應"]  # not SECOND or SECURITY
    assert len(await _titles(store, "比特币 etf")) == 4  # any case; not the plural ETFs


async def test_a_query_mixing_scripts_marks_the_word_in_its_snippet(store: Store) -> None:
    feed, _ = await store.feeds.add("https://hk.example/rss")
    assert feed.id
    await store.items.add_many(
        [make_item(feed.id, 1, title="新闻", text="美国批准现货比特币 ETF，市场反应平淡。")]
    )
    [hit] = (await store.search.search("比特币etf")).hits
    assert f"{MARK_START}比特币 ETF{MARK_END}" in hit.snippet


async def test_a_query_mixing_scripts_pages_newest_first(store: Store) -> None:
    """`比特币 ETF`: every page, also one past the first hundred candidates, is what a scan
    of every text sorted newest first gives."""
    feed, _ = await store.feeds.add("https://zh.example/rss")
    assert feed.id
    now = datetime.now(UTC)
    count = 137
    # Every third item lacks "ETF": the index leaves it out.
    items = [
        make_item(
            feed.id,
            n,
            title=f"比特币 {'ETF' if n % 3 else '矿工'} {n}",
            published=now - timedelta(hours=(n * 7) % count),
        )
        for n in range(count)
    ]
    await store.items.add_many(items)
    expected = [
        i.title for i in sorted(items, key=lambda i: i.published, reverse=True) if "ETF" in i.title
    ]
    for offset in (0, 5, 23, 28, len(expected) - 3):
        page = await store.search.search("比特币 ETF", limit=5, offset=offset)
        assert [h.item.title for h in page.hits] == expected[offset : offset + 5], offset
        assert page.has_more == (offset + 5 < len(expected))


async def test_an_item_deleted_by_retention_is_no_longer_found(store: Store) -> None:
    feed, _ = await store.feeds.add("https://zh.example/rss")
    assert feed.id
    now = datetime.now(UTC)
    await store.items.add_many(
        [
            make_item(feed.id, 1, title="旧闻：交易所关闭", fetched=now - timedelta(days=400)),
            make_item(feed.id, 2, title="新闻：交易所开放"),
        ]
    )
    assert len(await _titles(store, "交易所")) == 2
    assert await store.items.prune(timedelta(days=180), max_items=100) == 1
    assert await _titles(store, "交易所") == ["新闻：交易所开放"]
    left = await store.db.fetchone(f"SELECT count(*) FROM {cjk.TABLE}")
    assert left is not None
    assert left[0] == 1


async def test_a_removed_feed_takes_its_items_out_of_the_index(store: Store) -> None:
    feed_id = await _fill(store)
    await store.feeds.remove(feed_id)
    assert await _titles(store, "监管") == []
    left = await store.db.fetchone(f"SELECT count(*) FROM {cjk.TABLE}")
    assert left is not None
    assert left[0] == 0


async def test_a_store_made_by_the_old_schema_is_backfilled_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for number, step in enumerate(MIGRATIONS[:3], start=1):
            assert isinstance(step, str)
            conn.executescript(f"BEGIN;\n{step}\nPRAGMA user_version={number};\nCOMMIT;")
        conn.execute(
            "INSERT INTO feeds (id, url, added) VALUES (1, 'https://zh.example/rss', '2026')"
        )
        moment = datetime.now(UTC).isoformat(timespec="seconds")
        conn.executemany(
            "INSERT INTO items (feed_id, guid, url, title, text, published, fetched)"
            " VALUES (1, ?, ?, ?, ?, ?, ?)",
            [
                (f"g{n}", f"https://zh.example/{n}", title, text, moment, moment)
                for n, (title, text) in enumerate(TEXTS)
            ],
        )
    finally:
        conn.close()
    async with Store.open(path) as store:
        version = await store.db.fetchone("PRAGMA user_version")
        assert version is not None
        assert version[0] == len(MIGRATIONS)
        assert sorted(await _titles(store, "加密货币")) == ["央行加强加密货币监管"]
        assert sorted(await _titles(store, "監管")) == sorted(
            ["央行加强加密货币监管", "交易所暂停服务", "香港證監會發出牌照"]
        )
        indexed = await store.db.fetchone(f"SELECT count(*) FROM {cjk.TABLE}")
        assert indexed is not None
        assert indexed[0] == len(TEXTS) - 1  # all but the item without CJK


async def test_the_index_steps_run_again_without_doubling(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    async with Store.open(path) as store:
        await _fill(store)
        await store.db.writer.execute("PRAGMA user_version=3")
    async with Store.open(path) as store:
        indexed = await store.db.fetchone(f"SELECT count(*) FROM {cjk.TABLE}")
        assert indexed is not None
        assert indexed[0] == len(TEXTS) - 1
        assert await _titles(store, "加密货币") == ["央行加强加密货币监管"]


async def test_an_index_of_the_first_form_is_written_again_on_open(tmp_path: Path) -> None:
    """A store indexed before migration 13 held Chinese bigrams only: on open its rows are
    written again with the latin words, and `比特币 ETF` is found."""
    path = tmp_path / "first-form.db"
    async with Store.open(path) as store:
        await _fill(store)
        rows = await store.db.fetchall(f"SELECT rowid, grams FROM {cjk.TABLE}")
        first_form = [
            (" ".join(g for g in str(r[1]).split() if re.fullmatch(f"[{CJK_CLASS}]+", g)), r[0])
            for r in rows
        ]
        async with store.db.transaction() as conn:
            await conn.executemany(f"UPDATE {cjk.TABLE} SET grams = ? WHERE rowid = ?", first_form)
        assert await _titles(store, "比特币 ETF") == []  # the latin word is not indexed
        await store.db.writer.execute("PRAGMA user_version=12")
    async with Store.open(path) as store:
        assert await _titles(store, "比特币 ETF") == ["比特币ETF获批"]
        assert sorted(await _titles(store, "币安 binance")) == [
            "Binance adds new pairs",
            "比特币ETF获批",
        ]
        indexed = await store.db.fetchone(f"SELECT count(*) FROM {cjk.TABLE}")
        assert indexed is not None
        assert indexed[0] == len(TEXTS) - 1  # nothing doubled, no item without CJK added
