"""Shared fixtures. Local servers live in tests/support/ and are registered as plugins here."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store

pytest_plugins: list[str] = [
    "tests.support.feedserver",
    "tests.support.botapi",
    "tests.support.clock",
    "tests.support.pg",
]


@pytest.fixture(autouse=True)
def clean_environ(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Keep tests from reading a developer's settings or reaching a real network."""
    for key in list(os.environ):
        if key.startswith(("TELEGRAM_", "BOT_", "DISCORD_")) or key.lower().endswith("_proxy"):
            monkeypatch.delenv(key, raising=False)
    # Settings read .env from the working directory: run each test from an empty one.
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    # Parse in a thread: a process pool per test would cost a second of start-up each.
    # tests/feeds/test_prepare.py covers the pool; CLI subprocesses inherit this too.
    monkeypatch.setenv("BOT_PARSE_WORKERS", "0")


@pytest.fixture
async def store(database: Path | str) -> AsyncIterator[Store]:
    """A real store, on SQLite and on PostgreSQL."""
    async with Store.open(database) as opened:
        yield opened
