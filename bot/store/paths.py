"""Whether a path can hold the SQLite database, said before SQLite tries (its own words are
"unable to open database file", whatever the cause)."""

from __future__ import annotations

from pathlib import Path

SETTING = "BOT_DATABASE"


def database_path_problem(path: Path) -> str | None:
    """One line on why `path` cannot be the database file, naming the fix; None if it can
    (or may: permissions and the like are left to SQLite)."""
    if str(path) == ":memory:":
        return None
    if path.is_dir():
        return (
            f"database path {path} is a folder: set {SETTING} to a file in it, "
            f"e.g. {path / 'banwatch.db'}"
        )
    for parent in path.parents:
        if parent.is_dir():
            return None
        if parent.exists():
            return (
                f"database path {path} is under {parent}, which is a file, not a folder: "
                f"set {SETTING} to a path in a folder"
            )
    return None
