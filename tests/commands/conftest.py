from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.commands import Commands, Invocation, Reply
from bot.config import load_settings
from bot.store import Store

Run = Callable[..., Awaitable[Reply]]


@pytest.fixture
def commands(store: Store) -> Commands:
    return Commands(store, load_settings(None, BOT_ADMINS="42"))


@pytest.fixture
def run(commands: Commands) -> Run:
    """Run a command line as a Telegram user would type it."""

    async def go(
        line: str,
        *,
        user: str = "7",
        chat: str = "7",
        kind: str = "private",
        manage: bool = True,
        page: int = 1,
    ) -> Reply:
        name, _, args = line.lstrip("/").partition(" ")
        inv = Invocation(
            "telegram", chat, name, args, user_id=user, chat_kind=kind, can_manage=manage, page=page
        )
        return await commands.run(inv)

    return go
