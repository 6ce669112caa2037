"""Feed text on the terminal, as a user runs `banwatch`: rows stored before normalisation
dropped control characters (or written by an older version) are printed without them, and
feed text is never read as rich markup."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest

from bot.store import Store
from tests.support.builders import ban_flag, make_item
from tests.support.cli import banwatch

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
DIRTY = "\x1b[2J\x1b]0;pwned\x07\u009b31m\u202e"
FEED_TITLE = f"[/oops] Wire{DIRTY} [bold red]red[/bold red]"
ITEM_TITLE = f"WeChat bans{DIRTY} crypto accounts [/oops] [bold red]loud"


def seed(path: Path) -> None:
    async def go() -> None:
        async with Store.open(path) as store:
            feed, _ = await store.feeds.add(
                "https://reader:s3cret@wire.example/rss", title=FEED_TITLE
            )
            assert feed.id
            item = make_item(
                feed.id,
                1,
                title=ITEM_TITLE,
                text=f"WeChat closed the accounts{DIRTY} of exchanges.",
                flag=ban_flag(),
            )
            await store.items.add_many([item])

    asyncio.run(go())


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    database = tmp_path / "banwatch.db"
    seed(database)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    return base | {
        "BOT_DATABASE": str(database),
        "BOT_LOG_LEVEL": "WARNING",
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }


def test_feeds_list_prints_brackets_as_text_and_no_password(env: dict[str, str]) -> None:
    result = banwatch("feeds", "list", env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert "[/oops] Wire" in result.stdout
    assert "[bold red]red[/bold red]" in result.stdout
    assert "s3cret" not in result.stdout
    assert "reader" not in result.stdout
    assert "https://***@wire.example/rss" in result.stdout
    assert CONTROL.search(result.stdout) is None, repr(result.stdout)


@pytest.mark.parametrize(
    "args", [("latest",), ("search", "wechat"), ("chat", "--no-poll")], ids=" ".join
)
def test_item_text_reaches_the_terminal_without_control_characters(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    result = banwatch(*args, env=env, stdin="/latest\n/feeds\n", check=False)
    assert result.returncode == 0, result.stderr
    assert "WeChat bans[2J]0;pwned31m crypto accounts [/oops] [bold red]loud" in result.stdout
    assert CONTROL.search(result.stdout) is None, repr(result.stdout)
    assert "s3cret" not in result.stdout
