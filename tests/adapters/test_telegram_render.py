"""Rendering replies as Telegram HTML, and the callback data of buttons (no network)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.telegram.callbacks import MAX_BYTES, CallbackCodec
from bot.adapters.telegram.render import LIMIT, marked, pack, render, units
from bot.commands import Button, Entry, Reply
from bot.store import MARK_END, MARK_START
from tests.support.botapi import check_html

WHEN = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def entry(n: int, title: str = "WeChat closes accounts", **kw: str) -> Entry:
    return Entry(n, title, f"https://news.example/{n}", "Example <News>", WHEN, **kw)


def data(button: Button) -> str:
    return f"{button.command}|{button.page}|{button.args}"


def test_entry_has_number_link_source_time_and_why() -> None:
    [chunk] = render(Reply("Latest:", entries=(entry(7, why="ban · WeChat — “x”"),)), data)
    assert chunk.text.startswith("<b>Latest:</b>\n\n<b>#7</b> <a href=")
    assert "Example &lt;News&gt; · 2024-05-01 12:30 UTC" in chunk.text
    assert "⚑ Why flagged: ban · WeChat — “x”" in chunk.text
    check_html(chunk.text)


def test_snippet_marks_become_bold_after_escaping() -> None:
    snippet = f"a <b> & {MARK_START}wechat{MARK_END} ban {MARK_START}cut"
    assert marked(snippet) == "a &lt;b&gt; &amp; <b>wechat</b> ban cut"


def test_only_http_links() -> None:
    [chunk] = render(Reply(entries=(Entry(1, "t", "javascript:alert(1)", "", WHEN),)), data)
    assert "href" not in chunk.text


def test_previews_off_in_lists_on_for_one_item() -> None:
    many = Reply(entries=(entry(1), entry(2)), link_preview=True)
    one = Reply(entries=(entry(1),), link_preview=True)
    assert render(many, data)[0].disable_preview
    assert not render(one, data)[0].disable_preview
    assert render(Reply("plain"), data)[0].disable_preview


def test_buttons_on_last_chunk_only() -> None:
    reply = Reply(
        "x",
        entries=tuple(entry(n, "t" * 900) for n in range(12)),
        buttons=(Button("More", "search", "q", 2),),
    )
    chunks = render(reply, data)
    assert len(chunks) > 1
    assert all(c.markup is None for c in chunks[:-1])
    assert chunks[-1].markup is not None


@given(st.lists(st.text(min_size=0, max_size=3000), min_size=1, max_size=8))
def test_pack_keeps_every_message_under_the_limit(texts: list[str]) -> None:
    for chunk in render(Reply("\n".join(texts), footer=texts[0]), data):
        assert units(chunk.text) <= LIMIT
        check_html(chunk.text)


def test_huge_single_line_is_cut_between_words() -> None:
    line = " ".join(["&<word>"] * 2000)
    messages = pack([[line]])
    assert len(messages) > 1
    assert all(units(m) <= LIMIT for m in messages)
    for m in messages:
        check_html(m)


def test_callback_data_fits_64_bytes() -> None:
    codec = CallbackCodec(capacity=2)
    short = codec.encode(Button("More", "search", "wechat", 2))
    assert short == "search|2|wechat"
    press = codec.decode(short)
    assert press is not None
    assert (press.command, press.page, press.args) == ("search", 2, "wechat")
    long_args = "ВиЧат запрет криптовалюта биржа " * 3
    token = codec.encode(Button("More", "search", long_args, 3))
    assert len(token.encode()) <= MAX_BYTES
    press = codec.decode(token)
    assert press is not None
    assert press.args == long_args
    codec.encode(Button("More", "search", long_args + "a", 2))
    codec.encode(Button("More", "search", long_args + "b", 2))
    assert codec.decode(token) is None  # evicted: the button says it expired
    assert codec.decode("nonsense") is None
    assert codec.decode("x|y|z") is None
