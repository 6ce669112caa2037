"""A damaged full-text index, damaged for real through its FTS5 shadow tables, is found when
the store opens (or by the thorough check the bot runs after start) and rebuilt from the
items with one warning line: /search finds the items again instead of "Nothing found"."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.commands import Commands, Invocation
from bot.config import load_settings
from bot.store import Store
from bot.store.db import clean_note_path
from tests.support.builders import SEED_TITLE, make_item, seed_item

# Ways to damage the index that a crash, a bad copy or a hand in the file can leave.
DAMAGE = {
    "emptied": "INSERT INTO items_fts(items_fts) VALUES('delete-all')",
    "structure record gone": "DELETE FROM items_fts_data WHERE id = 10",
    "config gone": "DELETE FROM items_fts_config",
    "shadow table dropped": "DROP TABLE items_fts_data",
    "docsize dropped": "DROP TABLE items_fts_docsize",
    "segments gone": "DELETE FROM items_fts_data WHERE id > 10",
    "segments zeroed": "UPDATE items_fts_data SET block = zeroblob(length(block)) WHERE id > 10",
    "rows unindexed": (
        "INSERT INTO items_fts(items_fts, rowid, title, text)"
        " SELECT 'delete', id, title, text FROM items WHERE id % 2 = 0"
    ),
    "rows of no item": "INSERT INTO items_fts(rowid, title, text) VALUES (900, 'wechat', 'gone')",
}


async def fill(path: Path) -> None:
    async with Store.open(path) as store:
        feed, _ = await store.feeds.add("https://fr.example/rss", title="Journal")
        assert feed.id
        await store.items.add_many(
            [
                seed_item(feed.id),
                *[make_item(feed.id, n, title=f"WeChat payments story {n}") for n in range(1, 30)],
            ]
        )


def damage(path: Path, sql: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(sql)


def note_clean(path: Path) -> None:
    """Leave the file as if Banwatch had closed it cleanly (damage it left itself before a
    clean close): the next open then skips the whole-file check and the index's counts."""
    stat = path.stat()
    clean_note_path(path).write_text(
        json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}), encoding="utf-8"
    )


async def wechat_hits(store: Store) -> int:
    page = await store.search.search("wechat", limit=50)
    return len(page.hits)


@pytest.mark.parametrize("noted_clean", [False, True], ids=["changed file", "noted clean"])
@pytest.mark.parametrize("sql", DAMAGE.values(), ids=DAMAGE.keys())
async def test_a_damaged_index_is_rebuilt_when_the_store_opens(
    tmp_path: Path, sql: str, noted_clean: bool, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "banwatch.db"
    await fill(path)
    damage(path, sql)
    if noted_clean:
        note_clean(path)
    with caplog.at_level(logging.WARNING, logger="bot.store.index_repair"):
        async with Store.open(path) as store:
            assert store.db.checked_fully is not noted_clean
            assert await wechat_hits(store) == 30
            commands = Commands(store, load_settings(None))
            reply = await commands.run(Invocation("telegram", "7", "search", "chinois"))
            assert [e.title for e in reply.entries] == [SEED_TITLE]
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.store.index_repair"]
    assert len(warnings) == 1, warnings
    assert "search index was damaged" in warnings[0]
    assert "rebuilt it from the 30 stored items" in warnings[0]
    assert "\n" not in warnings[0]
    caplog.clear()
    async with Store.open(path) as store:  # healthy now: nothing more to say
        assert await store.search.check_index(thorough=True) is False
    assert [r for r in caplog.records if r.name == "bot.store.index_repair"] == []


async def test_damage_the_quick_check_misses_is_found_by_the_thorough_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "banwatch.db"
    await fill(path)
    # The oldest item is indexed under other words: counts match, the newest item is found.
    damage(
        path,
        "INSERT INTO items_fts(items_fts, rowid, title, text)"
        " SELECT 'delete', id, title, text FROM items WHERE id = 1",
    )
    damage(path, "INSERT INTO items_fts(rowid, title, text) VALUES (1, 'zzz', 'zzz')")
    async with Store.open(path) as store:
        assert await wechat_hits(store) == 29  # the seed item is lost to search
        with caplog.at_level(logging.WARNING, logger="bot.store.index_repair"):
            assert await store.search.check_index(thorough=True) is True
        assert await wechat_hits(store) == 30
    assert any("rebuilt" in r.getMessage() for r in caplog.records)


async def test_a_healthy_index_is_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "banwatch.db"
    async with Store.open(path) as store:
        feed, _ = await store.feeds.add("https://a.example/rss")
        assert feed.id
        await store.items.add_many(
            [
                make_item(feed.id, 1, title="微信关闭区块链媒体账号", text="", lang="zh"),
                make_item(feed.id, 2, title="", text="ok"),
                make_item(feed.id, 3, title="Ré-écrit: l'AMF sévit", text="ÀÉÎ"),
                make_item(feed.id, 4, title="a_b c_d", text="x"),
            ]
        )
    with caplog.at_level(logging.WARNING, logger="bot.store.index_repair"):
        async with Store.open(path) as store:
            assert await store.search.check_index() is False
            assert await store.search.check_index(thorough=True) is False
    assert [r for r in caplog.records if r.name == "bot.store.index_repair"] == []
