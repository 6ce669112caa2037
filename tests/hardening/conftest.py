"""Fixtures for the hardening tests: a real Store in tmp_path, the real Poller wired as the app
wires it (bot.app.make_fetcher / make_classifier), and the local feed server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.app import make_classifier, make_fetcher
from bot.config import Settings, load_settings
from bot.feeds.poller import Poller
from bot.models import Feed
from bot.store import Store


def hardening_settings(**overrides: object) -> Settings:
    """Settings as the tests use them: local feeds allowed, a short fetch deadline."""
    values: dict[str, object] = {"BOT_ALLOW_PRIVATE_FEEDS": "1", "BOT_FETCH_TIMEOUT": "3"}
    values.update(overrides)
    return load_settings(None, **values)


@pytest.fixture
async def store(database: Path | str) -> AsyncIterator[Store]:
    async with Store.open(database) as s:
        yield s


@pytest.fixture
def settings() -> Settings:
    return hardening_settings()


@pytest.fixture
async def poller(store: Store, settings: Settings) -> AsyncIterator[Poller]:
    async with make_fetcher(settings) as fetcher:
        yield Poller(store, fetcher, make_classifier(settings), settings)


AddFeed = Callable[[str], Awaitable[Feed]]


@pytest.fixture
def add_feed(store: Store) -> AddFeed:
    """`feed = await add_feed(url)`: a feed row in the store."""

    async def go(url: str) -> Feed:
        feed, _ = await store.feeds.add(url)
        return feed

    return go
