"""The `banwatch` command as a user runs it: a real process, local feeds, a real SQLite file
or PostgreSQL database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cli import banwatch
from tests.support.feedserver import FeedServer


@pytest.fixture
def env(tmp_path: Path, feed_server: FeedServer, database: Path | str) -> dict[str, str]:
    feed_server.add_file("/fr.rss", "crypto_fr.rss", etag='"fr-1"')
    feed_server.add_file("/en.rss", "crypto_en.rss", last_modified="Wed, 22 Aug 2018 10:00:00 GMT")
    feed_server.add_file("/en.atom", "crypto_en.atom")  # no validators: the digest must help
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(
        "# local test feeds\n"
        + "\n".join(feed_server.url(p) for p in ("/fr.rss", "/en.rss", "/en.atom"))
        + "\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    return base | {
        "BOT_FEEDS": str(feeds),
        "BOT_DATABASE": str(database),  # a SQLite file, or a PostgreSQL database
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        "BOT_LOG_LEVEL": "WARNING",
        "NO_COLOR": "1",
    }


def test_fetch_once_then_search_finds_the_french_wechat_item(
    env: dict[str, str], feed_server: FeedServer
) -> None:
    first = banwatch("fetch", "--once", env=env)
    assert "3 feeds:" in first.stdout
    assert "0 failed" in first.stdout
    assert "3 parsed" in first.stdout

    found = banwatch("search", "wechat", env=env)
    assert "WeChat ferme les comptes de médias blockchain chinois" in found.stdout
    assert "utm_" not in found.stdout  # canonical link

    second = banwatch("fetch", "--once", env=env)
    assert "0 new items" in second.stdout
    assert "0 parsed" in second.stdout
    assert "3 bodies not parsed" in second.stdout
    statuses = [r.status for r in feed_server.requests_for("/fr.rss")]
    assert statuses == [200, 304]


def test_latest_lists_flagged_items_after_a_fetch(env: dict[str, str]) -> None:
    banwatch("fetch", "--once", env=env)
    latest = banwatch("latest", "20", env=env)
    assert "why: ban" in latest.stdout
    assert "Bitcoin Climbs Above" not in latest.stdout  # market news is not flagged


def test_failing_feed_is_one_line_and_the_rest_are_stored(
    env: dict[str, str], feed_server: FeedServer, tmp_path: Path
) -> None:
    feed_server.add("/broken", "oops", status=500)
    Path(env["BOT_FEEDS"]).write_text(
        feed_server.url("/fr.rss") + "\n" + feed_server.url("/broken")
    )
    result = banwatch("fetch", "--once", env=env)
    assert "1 failed" in result.stdout
    assert "HTTP 500" in result.stderr
    assert "WeChat" in banwatch("search", "wechat", env=env).stdout


def test_chat_answers_help_from_stdin_and_exits_on_eof(env: dict[str, str]) -> None:
    result = banwatch("chat", "--no-poll", env=env, stdin="/help\n/search\n")
    assert "/subscribe" in result.stdout
    assert "/latest" in result.stdout
    assert "What should I look for?" in result.stdout


def test_chat_subscribe_then_latest_after_first_poll(env: dict[str, str]) -> None:
    result = banwatch("chat", env=env, stdin="/subscribe bans\n/latest 3 bans\n")
    assert "Subscribed" in result.stdout
    assert "WeChat ferme" in result.stdout


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("BOT_POLL_INTERVAL", "0"),
        ("BOT_POLL_INTERVAL", "soon"),
        ("BOT_ADMINS", "alice"),
        ("TELEGRAM_API_URL", "ftp://x"),
        ("BOT_LOG_LEVEL", "loud"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(
    env: dict[str, str], key: str, value: str
) -> None:
    result = banwatch("fetch", "--once", env=env | {key: value}, check=False)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert key in lines[0]


def test_missing_feed_list_names_the_file(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.opml"
    result = banwatch("fetch", "--once", env=env | {"BOT_FEEDS": str(missing)}, check=False)
    assert result.returncode == 2
    assert "nope.opml" in result.stderr


def test_feeds_export_import_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    banwatch("fetch", "--once", env=env)
    opml = tmp_path / "out.opml"
    banwatch("feeds", "export", str(opml), env=env)
    other = {k: v for k, v in env.items() if k != "BOT_FEEDS"}  # the bundled feeds, then
    other["BOT_DATABASE"] = str(tmp_path / "other.db")
    imported = banwatch("feeds", "import", str(opml), env=other)
    assert "imported 3 new feeds" in imported.stdout
    listing = banwatch("feeds", "list", env=other)
    for path in ("/fr.rss", "/en.rss", "/en.atom"):
        assert path in listing.stdout


@pytest.mark.sqlite_only  # a copy of the file; PostgreSQL is backed up with pg_dump (test_pg)
def test_backup_writes_a_usable_copy(env: dict[str, str], tmp_path: Path) -> None:
    banwatch("fetch", "--once", env=env)
    copy = tmp_path / "copy.db"
    banwatch("backup", str(copy), env=env)
    found = banwatch("search", "jinse", env=env | {"BOT_DATABASE": str(copy)})
    assert "WeChat" in found.stdout


def test_classify_writes_one_line_per_input_and_survives_bad_lines(env: dict[str, str]) -> None:
    lines = '{"id": "a", "title": "Bitcoin price rises", "summary": "Markets up."}\n{broken\n'
    result = banwatch("classify", env=env, stdin=lines)
    out = result.stdout.splitlines()
    assert len(out) == 2
    assert '"id": "a"' in out[0]
    assert '"error"' in out[1]
