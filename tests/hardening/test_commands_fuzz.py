"""Every chat command with arbitrary Unicode arguments (hypothesis), against a small real store:
no exception escapes `Commands.run` and none is raised inside it either (the apology
`Commands.run` gives for a fault never appears), every reply says something, and every reply
rendered for Telegram is a valid HTML message under the length limit (see telegram_html.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.console import render_plain
from bot.commands import COMMANDS, Commands, Invocation, Reply
from bot.commands.dispatch import ALIASES
from bot.commands.notices import apology
from bot.config import load_settings
from bot.store import Store
from tests.hardening.telegram_html import problems, render_telegram
from tests.support.builders import ban_flag, make_item, regulation_flag, seed_item

ADMIN = "42"
NAMES = [spec.name for spec in COMMANDS] + sorted(ALIASES)

SPECIAL = [
    "",
    " ",
    "\x00",
    "\x00" * 50,
    "\u202eoesrever\u202c",  # right-to-left override
    "مرحبا بالعالم",
    "\u200b\u200d\ufeff",  # zero-width characters and a BOM
    "😀" * 3000,  # astral characters: 2 UTF-16 units each
    "x" * 10_000,
    "wechat " * 1500,
    "<b>bold</b> <a href='javascript:alert(1)'>x</a> &amp; &bogus; </pre>",
    "keyword <i>",
    "10 bans",
    "20 regulation",
    "-1",
    "99999999999999999999999",
    "#1",
    "https://example.com/rss",
    "http://127.0.0.1:1/feed",
    "javascript:alert(1)",
    "file:///etc/passwd",
    '"',
    "NEAR(wechat",
    "*",
    # Digits `str.isdigit` accepts and `int` refuses (or takes from another script).
    "²",
    "⁵",
    "#³",
    "①",
    "٣",
    "５",
    "3²",
    # /digest: a region is a folder of zones, not a zone; names in other cases.
    "on 08:00 Europe",
    "08:00 Etc",
    "on 08:00 America/",
    "on 08:00 utc",
    "on ٠٨:٣٠ Z",
    "on 8:00 europe/paris",
    "on 08:00 ../../etc/passwd",
    "on 08:00 /usr/share/zoneinfo/UTC",
]
PREFIXES = [
    "", "keyword ", "all ", "bans ", "5 ", "#", "https://", "http://[::1]/", "on 08:00 ", "on "
]  # fmt: skip

ARGS = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Mn", "So"])),
    st.builds(str.__mul__, st.text(min_size=1, max_size=4), st.integers(1, 3000)),
    st.builds(str.__add__, st.sampled_from(PREFIXES), st.text(max_size=200)),
)


@pytest.fixture
async def commands(tmp_path: Path) -> AsyncIterator[Commands]:
    async with Store.open(tmp_path / "banwatch.db") as store:
        feed, _ = await store.feeds.add("https://a.example/rss", title="<i>Feed</i> & co")
        assert feed.id
        await store.items.add_many(
            [
                seed_item(feed.id),
                make_item(
                    feed.id,
                    1,
                    title="<script>alert(1)</script> SEC & CFTC </a>",
                    text="Regulators <b>sue</b> &amp; fine " + "ü" * 5000,
                    url="https://b.example/?q=<x>&y=\"'",
                    flag=regulation_flag(),
                ),
                make_item(feed.id, 2, title="微信关闭区块链媒体账号", lang="zh", flag=ban_flag()),
            ]
        )
        yield Commands(store, load_settings(None, BOT_ADMINS=ADMIN))


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.one_of(st.sampled_from(NAMES), st.text(max_size=40)),
    args=ARGS,
    admin=st.booleans(),
    kind=st.sampled_from(["private", "group", "supergroup", "channel"]),
    manage=st.booleans(),
    page=st.integers(min_value=-3, max_value=10**9),
)
async def test_any_arguments_give_a_valid_telegram_reply(
    commands: Commands,
    name: str,
    args: str,
    admin: bool,
    kind: str,
    manage: bool,
    page: int,
) -> None:
    inv = Invocation(
        "telegram",
        "100",
        name,
        args,
        user_id=ADMIN if admin else "7",
        chat_kind=kind,
        can_manage=manage,
        page=page,
    )
    reply = await commands.run(inv)
    assert isinstance(reply, Reply)
    assert reply.text not in {apology("en"), apology("fr")}, (name, args[:80])  # no fault
    assert reply.text.strip() or reply.entries
    assert render_plain(reply).strip()
    chunks = render_telegram(reply)
    assert chunks
    for chunk in chunks:
        assert problems(chunk.text) == [], (name, args[:80], chunk.text[:300])
