"""A core Reply as Discord embeds: escaping, snippet bold, alert layout, Discord's limits,
and the More button's custom_id."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from bot.adapters.discordbot.buttons import MAX_CUSTOM_ID, ButtonCodec, make_view
from bot.adapters.discordbot.render import (
    CONTENT_MAX,
    DESCRIPTION_MAX,
    EMBEDS_PER_MESSAGE,
    MESSAGE_EMBED_CHARS,
    TITLE_MAX,
    clip,
    render,
)
from bot.commands import Button, Entry, Reply
from bot.commands.alerts import alert_reply
from bot.store import MARK_END, MARK_START
from tests.support.builders import make_item, regulation_flag

WHEN = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)


def entry(n: int = 1, **kw: object) -> Entry:
    values: dict[str, object] = {
        "item_id": n,
        "title": f"Title {n}",
        "url": f"https://news.example/{n}",
        "source": "Source",
        "published": WHEN,
        "summary": "Summary.",
    }
    values.update(kw)
    return Entry(**values)  # type: ignore[arg-type]


def test_feed_text_is_escaped() -> None:
    [page] = render(
        Reply("Results *for* _you_", (entry(title="**Bold** `code` ~~x~~", summary="a_b*c"),))
    )
    assert page.content == "**Results \\*for\\* \\_you\\_**"
    [embed] = page.embeds
    assert embed.title == "#1 \\*\\*Bold\\*\\* \\`code\\` \\~\\~x\\~\\~"
    assert embed.description == "a\\_b\\*c"


def test_snippet_markers_become_bold_after_escaping() -> None:
    snippet = f"the {MARK_START}wechat{MARK_END} ban *now* {MARK_START}unclosed"
    [page] = render(Reply("R", (entry(snippet=snippet),)))
    assert page.embeds[0].description == "the **wechat** ban \\*now\\* unclosed"


def test_alert_embed_has_link_summary_reason_source_and_time() -> None:
    item = make_item(1, 0, title="SEC sues exchange", flag=regulation_flag())
    item.id = 42
    item.source = "Ledger News"
    [page] = render(alert_reply(item))
    assert page.content == "**⚖️ Regulation**"
    [embed] = page.embeds
    assert embed.title == "#42 SEC sues exchange"
    assert embed.url == "https://news.example/1/0"
    assert embed.footer.text == "Ledger News"
    assert embed.timestamp == item.published
    assert embed.colour == discord.Colour(0xF1C40F)
    description = embed.description or ""
    assert description.startswith("Prices moved a little today")
    assert '⚑ **Why flagged:** regulation · SEC · US · lawsuit — "SEC sues exchange"' in description
    assert description.endswith("/item 42 for the evidence · /unsubscribe to stop alerts")


def test_non_http_links_are_not_linked() -> None:
    [page] = render(Reply("R", (entry(url="javascript:alert(1)"),)))
    assert page.embeds[0].url is None


def test_plain_text_reply_is_one_embed_and_errors_are_red() -> None:
    [page] = render(Reply("No subscriptions here yet."))
    assert page.content is None
    assert page.embeds[0].description == "No subscriptions here yet."
    [error] = render(Reply("Nope.", error=True))
    assert error.embeds[0].colour == discord.Colour(0xED4245)


def test_long_title_summary_and_heading_are_clipped() -> None:
    huge = entry(title="T" * 1000, summary="s" * 10_000, source="S" * 5000)
    [page] = render(Reply("H" * 5000, (huge,)))
    [embed] = page.embeds
    assert embed.title is not None
    assert len(embed.title) == TITLE_MAX
    assert embed.title.endswith("…")
    assert len(embed.description or "") <= DESCRIPTION_MAX
    assert len(page.content or "") <= CONTENT_MAX
    assert len(embed) <= MESSAGE_EMBED_CHARS


def test_clip_never_leaves_a_dangling_escape() -> None:
    assert clip("abc\\*def", 5) == "abc…"


def test_many_entries_are_split_within_message_limits() -> None:
    entries = tuple(entry(i, summary="word " * 700) for i in range(25))
    pages = render(Reply("Latest:", entries, footer="a footer"))
    assert sum(len(p.embeds) for p in pages) == 26  # 25 entries and the footer
    assert pages[0].content == "**Latest:**"
    assert all(p.content is None for p in pages[1:])
    for page in pages:
        assert 1 <= len(page.embeds) <= EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in page.embeds) <= MESSAGE_EMBED_CHARS
    assert pages[-1].embeds[-1].description == "a footer"


def test_long_plain_text_is_split_between_lines() -> None:
    text = "\n".join(f"feed {i} — ok, {'x' * 80}" for i in range(200))
    pages = render(Reply(text))
    descriptions = [e.description or "" for p in pages for e in p.embeds]
    assert len(descriptions) > 1
    assert all(len(d) <= DESCRIPTION_MAX for d in descriptions)
    assert "\n".join(descriptions) == text
    for page in pages:
        assert sum(len(e) for e in page.embeds) <= MESSAGE_EMBED_CHARS


async def test_more_button_custom_id_round_trips() -> None:
    codec = ButtonCodec()
    short = Button("More", "search", "wechat ban", 2)
    view = make_view((short,), codec)
    assert view is not None
    [item] = view.children
    assert isinstance(item, discord.ui.DynamicItem)
    custom_id = item.custom_id
    assert custom_id == "bw:search|2|wechat ban"
    press = codec.decode(custom_id)
    assert press is not None
    assert (press.command, press.page, press.args) == ("search", 2, "wechat ban")


async def test_long_button_arguments_are_kept_behind_a_token() -> None:
    codec = ButtonCodec(capacity=2)
    long = Button("More", "search", "word " * 50, 3)
    custom_id = codec.encode(long)
    assert len(custom_id) <= MAX_CUSTOM_ID
    press = codec.decode(custom_id)
    assert press is not None
    assert press.args == "word " * 50
    codec.encode(Button("More", "search", "a" * 200))
    codec.encode(Button("More", "search", "b" * 200))
    assert codec.decode(custom_id) is None  # forgotten: the button says it expired
    assert codec.decode("bw:nonsense") is None
    assert codec.decode("other:search|2|x") is None


def test_no_buttons_no_view() -> None:
    assert make_view((), ButtonCodec()) is None
