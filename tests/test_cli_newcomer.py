"""The `banwatch` command as a newcomer meets it (issue 16, point 7): real processes, a local
feed server, real SQLite files. Each test asserts what the user reads."""

from __future__ import annotations

import asyncio
import os
import re
from importlib import metadata
from pathlib import Path

import pytest
import typer

from bot.cli import cli
from bot.feeds.feedlist import FeedSpec, parse_opml
from bot.store import Store
from tests.support.builders import ban_flag, make_item
from tests.support.cli import banwatch
from tests.support.feedserver import FeedServer

LONG_PATH = "/a/rather/long/path/to/the/feed/that/a/table/would/cut/short/feed.xml?lang=en&x=1"


@pytest.fixture
def env(tmp_path: Path, feed_server: FeedServer) -> dict[str, str]:
    feed_server.add_file("/en.rss", "crypto_en.rss")
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(feed_server.url("/en.rss") + "\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    return base | {
        "BOT_FEEDS": str(feeds),
        "BOT_DATABASE": str(tmp_path / "banwatch.db"),
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        "BOT_LOG_LEVEL": "WARNING",
        "NO_COLOR": "1",
    }


def seed_flagged(database: str, count: int) -> None:
    """`count` flagged items, "Exchange ban story 0" the newest."""

    async def go() -> None:
        async with Store.open(database) as store:
            feed, _ = await store.feeds.add("https://wire.example/feed", title="Wire")
            assert feed.id
            items = [
                make_item(feed.id, n, title=f"Exchange ban story {n}", flag=ban_flag())
                for n in range(count)
            ]
            await store.items.add_many(items, alerting=False)

    asyncio.run(go())


def shown_ids(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"Exchange ban story (\d+)", text)]


def test_version_prints_the_installed_version() -> None:
    result = banwatch("--version", env=dict(os.environ))
    assert result.stdout.strip() == f"banwatch {metadata.version('banwatch')}"


def test_help_shows_the_words_in_brackets_and_the_page_option() -> None:
    latest = banwatch("latest", "--help", env=dict(os.environ) | {"COLUMNS": "100"}).stdout
    assert "[bans|regulation|all]" in latest  # not eaten as markup
    assert "--page" in latest
    search = banwatch("search", "--help", env=dict(os.environ) | {"COLUMNS": "100"}).stdout
    assert "--page" in search
    top = banwatch("--help", env=dict(os.environ) | {"COLUMNS": "100"}).stdout
    assert "--version" in top


def test_every_argument_and_option_has_help() -> None:
    """What `--help` shows for each parameter: none is left without words."""
    missing: list[str] = []

    def walk(command: object, path: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")
        missing.extend(
            f"{path} {p.name}"
            for p in getattr(command, "params", [])
            if not getattr(p, "help", None)
        )

    walk(typer.main.get_command(cli), "banwatch")
    assert missing == []


def test_latest_pages_past_twenty_with_cli_hints(env: dict[str, str]) -> None:
    seed_flagged(env["BOT_DATABASE"], 25)
    first = banwatch("latest", "20", env=env)
    assert shown_ids(first.stdout) == list(range(20))
    assert "More: banwatch latest 20 all --page 2" in first.stdout
    assert "/latest" not in first.stdout

    second = banwatch("latest", "20", "--page", "2", env=env)
    assert "(page 2)" in second.stdout
    assert shown_ids(second.stdout) == list(range(20, 25))
    assert "More:" not in second.stdout  # nothing after the 25th

    past = banwatch("latest", "20", "--page", "3", env=env)
    assert "No more ban and regulation items." in past.stdout


def test_search_hints_are_cli_syntax(env: dict[str, str]) -> None:
    seed_flagged(env["BOT_DATABASE"], 8)
    first = banwatch("search", "exchange", env=env)
    assert "More: banwatch search exchange --page 2" in first.stdout
    second = banwatch("search", "exchange", "--page", "2", env=env)
    assert len(shown_ids(second.stdout)) == 3
    assert "More:" not in second.stdout

    bad = banwatch("search", "exchange", "page", "99", env=env, check=False)
    assert bad.returncode == 2
    assert "banwatch search wechat --page 2" in bad.stderr
    assert "[--page N]" in bad.stderr
    assert "/search" not in bad.stderr
    assert " page 2" not in bad.stderr.replace("--page 2", "")


def test_feeds_list_shows_whole_urls(env: dict[str, str], feed_server: FeedServer) -> None:
    feed_server.add_file(LONG_PATH.split("?")[0], "crypto_en.rss")
    long_url = feed_server.url(LONG_PATH)
    Path(env["BOT_FEEDS"]).write_text(feed_server.url("/en.rss") + "\n" + long_url + "\n")
    banwatch("fetch", "--once", env=env)
    listing = banwatch("feeds", "list", env=env).stdout
    assert long_url in listing  # on one line, not cut with "…" nor folded
    assert "…" not in listing


@pytest.mark.parametrize("command", [["fetch", "--once"], ["chat"]], ids=["fetch", "chat"])
def test_each_feed_error_is_printed_once(
    env: dict[str, str], feed_server: FeedServer, command: list[str]
) -> None:
    feed_server.add("/broken", "oops", status=500)
    Path(env["BOT_FEEDS"]).write_text(
        feed_server.url("/en.rss") + "\n" + feed_server.url("/broken") + "\n"
    )
    info = env | {"BOT_LOG_LEVEL": "INFO"}  # the default level
    result = banwatch(*command, env=info)
    assert result.stderr.count("HTTP 500") == 1, result.stderr
    assert f"✗ {feed_server.url('/broken')}: HTTP 500" in result.stderr
    assert "1 failed" in result.stderr + result.stdout


def test_feeds_export_keeps_language_and_category_and_import_reads_them(
    env: dict[str, str], feed_server: FeedServer, tmp_path: Path
) -> None:
    listed = tmp_path / "mine.opml"
    listed.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="News"><outline text="EU" language="fr">'
        f'<outline text="Le fil" xmlUrl="{feed_server.url("/fr.rss")}"/>'
        f'<outline text="Wire de" language="de" xmlUrl="{feed_server.url("/de.rss")}"/>'
        "</outline></outline>"
        f'<outline text="Plain" xmlUrl="{feed_server.url("/plain.rss")}"/>'
        "</body></opml>"
    )
    first = env | {"BOT_FEEDS": str(listed)}
    banwatch("feeds", "import", str(listed), env=first)  # creates the store, seeds the list
    exported = tmp_path / "out.opml"
    banwatch("feeds", "export", str(exported), env=first)
    expected = [
        FeedSpec(feed_server.url("/fr.rss"), "Le fil", "fr", "News/EU"),
        FeedSpec(feed_server.url("/de.rss"), "Wire de", "de", "News/EU"),
        FeedSpec(feed_server.url("/plain.rss"), "Plain", None, ""),
    ]
    assert parse_opml(exported.read_text()) == expected

    other = env | {"BOT_DATABASE": str(tmp_path / "other.db")}  # BOT_FEEDS: /en.rss only
    imported = banwatch("feeds", "import", str(exported), env=other)
    assert "imported 3 new feeds" in imported.stdout
    again = banwatch("feeds", "export", env=other).stdout
    assert parse_opml(again)[1:] == expected  # after the store's own /en.rss


def test_bot_feeds_replace_makes_the_list_the_whole_list(
    env: dict[str, str], feed_server: FeedServer, tmp_path: Path
) -> None:
    bundled = {k: v for k, v in env.items() if k != "BOT_FEEDS"}
    banwatch("feeds", "import", env["BOT_FEEDS"], env=bundled)  # the bundled list, then /en.rss
    before = banwatch("feeds", "list", env=env).stdout
    assert feed_server.url("/en.rss") in before
    assert before.count("http") > 3  # the bundled feeds stay: BOT_FEEDS only adds

    replaced = env | {"BOT_FEEDS_REPLACE": "1"}
    after = banwatch("feeds", "list", env=replaced).stdout
    assert re.findall(r"https?://\S+", after) == [feed_server.url("/en.rss")]

    alone = bundled | {"BOT_FEEDS_REPLACE": "1"}
    refused = banwatch("feeds", "list", env=alone, check=False)
    assert refused.returncode == 2
    assert "BOT_FEEDS_REPLACE: needs BOT_FEEDS" in refused.stderr
