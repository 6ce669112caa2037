"""The `banwatch` command's errors as a clumsy user meets them: a real process, a real SQLite
file. Every error is one line on stderr, in command-line words, naming the fix, with a
non-zero exit status; a read never creates a database."""

from __future__ import annotations

import functools
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import banwatch as run_banwatch

banwatch = functools.partial(run_banwatch, check=False)  # every run here is meant to fail


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The run failed with exactly one line on stderr (no traceback); that line."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("banwatch: "), lines[0]
    return lines[0]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Settings for a database at tmp_path/banwatch.db, which does not exist yet; the feed
    list names a closed local port (nothing is fetched unless a test polls)."""
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("http://127.0.0.1:9/feed.rss\n")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    return base | {
        "BOT_FEEDS": str(feeds),
        "BOT_DATABASE": str(tmp_path / "banwatch.db"),
        "BOT_ALLOW_PRIVATE_FEEDS": "1",
        "BOT_FETCH_TIMEOUT": "3",
        "BOT_LOG_LEVEL": "WARNING",
        "NO_COLOR": "1",
    }


@pytest.fixture
def made(env: dict[str, str]) -> dict[str, str]:
    """The same settings once the database exists (one poll made it)."""
    banwatch("fetch", "--once", env=env)
    assert Path(env["BOT_DATABASE"]).is_file()
    return env


@pytest.mark.parametrize(
    "args",
    [
        ("latest",),
        ("latest", "999"),
        ("search", "wechat"),
        ("feeds", "list"),
        ("feeds", "export"),
        ("feeds", "remove", "3"),
        ("backup", "copy.db"),
    ],
)
def test_a_read_without_a_database_names_it_and_creates_none(
    env: dict[str, str], tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = banwatch(*args, env=env | {"BOT_DATABASE": "data/banwatch.db"})
    line = one_error_line(result)
    assert "no database at data/banwatch.db" in line
    assert "banwatch fetch --once" in line
    assert "BOT_DATABASE" in line
    assert not Path("data").exists()  # the test runs in an empty folder: nothing was made
    assert not (tmp_path / "banwatch.db").exists()


def test_a_bad_latest_exits_non_zero_in_cli_words(made: dict[str, str]) -> None:
    result = banwatch("latest", "999", env=made)
    line = one_error_line(result)
    assert "banwatch latest 10" in line
    assert "Usage: banwatch latest [N] [bans|regulation|all]" in line
    assert "/latest" not in line
    assert result.stdout == ""


def test_removing_a_missing_feed_points_to_the_cli_listing(made: dict[str, str]) -> None:
    line = one_error_line(banwatch("feeds", "remove", "9999", env=made))
    assert "There is no feed #9999" in line
    assert "banwatch feeds list" in line
    assert "/feeds" not in line


def test_an_empty_answer_says_which_database_was_read(made: dict[str, str]) -> None:
    result = banwatch("latest", env=made)
    assert result.returncode == 0
    assert "No ban and regulation items flagged yet" in result.stdout
    assert "banwatch feeds list shows their health" in result.stdout
    assert made["BOT_DATABASE"] in result.stderr


def test_feeds_export_into_a_folder_asks_for_a_file_name(
    made: dict[str, str], tmp_path: Path
) -> None:
    line = one_error_line(banwatch("feeds", "export", str(tmp_path), env=made))
    assert f"cannot write {tmp_path}: it is a folder" in line
    assert str(tmp_path / "feeds.opml") in line


def test_feeds_export_onto_a_full_disk_says_so(made: dict[str, str]) -> None:
    """/dev/full answers every write with ENOSPC, for any user."""
    line = one_error_line(banwatch("feeds", "export", "/dev/full", env=made))
    assert "cannot write /dev/full: the disk is full" in line


def test_feeds_export_into_a_missing_folder_names_it(made: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "nope" / "feeds.opml"
    line = one_error_line(banwatch("feeds", "export", str(target), env=made))
    assert f"the folder {tmp_path / 'nope'} does not exist" in line


def test_backup_into_a_folder_asks_for_a_file_name(made: dict[str, str], tmp_path: Path) -> None:
    line = one_error_line(banwatch("backup", str(tmp_path), env=made))
    assert f"cannot back up to {tmp_path}: it is a folder" in line
    assert str(tmp_path / "banwatch-backup.db") in line


def test_backup_onto_a_full_disk_says_so_and_leaves_the_device_alone(
    made: dict[str, str],
) -> None:
    line = one_error_line(banwatch("backup", "/dev/full", env=made))
    assert "cannot back up to /dev/full: the disk is full" in line
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_backup_onto_a_file_that_is_not_a_database_keeps_it(
    made: dict[str, str], tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n" * 200)
    line = one_error_line(banwatch("backup", str(notes), env=made))
    assert "is not a SQLite database" in line
    assert notes.read_text() == "my notes\n" * 200


def test_backup_onto_the_database_itself_is_refused(made: dict[str, str]) -> None:
    line = one_error_line(banwatch("backup", made["BOT_DATABASE"], env=made))
    assert "onto itself" in line


@pytest.mark.parametrize(
    "command", [("fetch", "--once"), ("latest",), ("feeds", "add", "http://127.0.0.1:9/x")]
)
def test_a_database_path_under_a_regular_file_names_the_file(
    env: dict[str, str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("not a folder")
    result = banwatch(*command, env=env | {"BOT_DATABASE": str(plain / "banwatch.db")})
    line = one_error_line(result)
    assert f"is under {plain}, which is a file, not a folder" in line
    assert "BOT_DATABASE" in line


@pytest.mark.parametrize("command", [("fetch", "--once"), ("latest",)])
def test_a_folder_given_as_the_database_path_is_one_line(
    env: dict[str, str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    folder = tmp_path / "dbdir"
    folder.mkdir()
    line = one_error_line(banwatch(*command, env=env | {"BOT_DATABASE": str(folder)}))
    assert f"database path {folder} is a folder" in line
    assert str(folder / "banwatch.db") in line


def test_a_database_sqlite_cannot_create_is_one_line(env: dict[str, str]) -> None:
    """/proc takes no new files, even from root: SQLite's open itself fails there (and
    aiosqlite's thread used to print a traceback about a closed event loop after it)."""
    result = banwatch("fetch", "--once", env=env | {"BOT_DATABASE": "/proc/banwatch.db"})
    line = one_error_line(result)
    assert "cannot open database /proc/banwatch.db" in line
    assert "BOT_DATABASE" in line


LATIN1 = '{"id": 1, "title": "Binance banned"}\n{"id": 2, "title": "Régulation"}\n'.encode(
    "latin-1"
)


def test_classify_of_a_file_that_is_not_utf8_is_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    items = tmp_path / "items.jsonl"
    items.write_bytes(LATIN1)
    result = banwatch("classify", str(items), env=env)
    line = one_error_line(result)
    assert f"{items} is not UTF-8 text (line 2 has the byte 0xe9)" in line
    assert "convert it to UTF-8" in line
    assert '"id": 1' in result.stdout  # the lines before it were classified


def test_classify_of_stdin_that_is_not_utf8_is_one_line(env: dict[str, str]) -> None:
    line = one_error_line(banwatch("classify", env=env, stdin=LATIN1))
    assert "stdin is not UTF-8 text (line 2" in line


def test_classify_still_reads_utf8_with_a_byte_order_mark(
    env: dict[str, str], tmp_path: Path
) -> None:
    items = tmp_path / "items.jsonl"
    items.write_bytes(b"\xef\xbb\xbf" + LATIN1.decode("latin-1").encode("utf-8"))
    result = banwatch("classify", str(items), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"category"') == 2
    assert '"error"' not in result.stdout
