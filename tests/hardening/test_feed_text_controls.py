"""Feed text that would steer a terminal, and links that carry a password, through the real
poller (local feed server, real store): what is stored is clean, and /feeds shows no
credentials."""

from __future__ import annotations

import re

from bot.adapters.console import render_plain
from bot.commands import Commands, Invocation
from bot.commands.alerts import alert_reply
from bot.config import load_settings
from bot.feeds.poller import Poller
from bot.store import Store
from tests.hardening.conftest import AddFeed
from tests.support.builders import ban_flag, make_item
from tests.support.feedserver import FeedServer

# ESC (terminal escapes), BEL, backspace, DEL, a C1 CSI, a right-to-left override and an
# isolate; raw and as character references (which decode to the same characters).
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x08\x7f\u009b31m\u202e\u2066"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>Evil{HOSTILE} wire &#27;[31m</title>
<link>https://evil.example/</link>
<item>
  <title>SEC sues{HOSTILE} exchange &#27;]0;title&#7; [bold red]x[/oops]</title>
  <link>https://reader:s3cret@evil.example/sec-sues</link>
  <guid>evil-1</guid>
  <author>ed{HOSTILE}itor@evil.example</author>
  <description>&lt;p&gt;The regulator&#27;[2J sued the exchange{HOSTILE} on Monday.&lt;/p&gt;
  &lt;p&gt;Second line&#155;1m here.&lt;/p&gt;</description>
</item>
</channel></rss>
"""


async def test_control_characters_never_reach_the_store_and_links_lose_credentials(
    feed_server: FeedServer, poller: Poller, store: Store, add_feed: AddFeed
) -> None:
    feed = await add_feed(feed_server.add("/evil.rss", RSS.encode()))
    [report] = await poller.poll_once([feed])
    assert report.outcome == "new", report.error
    [row] = await store.db.fetchall("SELECT id FROM items")
    item = await store.items.get(int(row[0]))
    assert item is not None
    for field in (item.title, item.text, item.author or "", item.source):
        assert CONTROL.search(field) is None, repr(field)
    assert item.title.startswith("SEC sues[2J]0;pwned")  # what is left is only visible text
    assert "[bold red]x[/oops]" in item.title  # kept as text: never read as markup
    assert "The regulator[2J sued the exchange" in item.text
    assert "Second line" in item.text.split("\n")[-1]  # the line break survives
    assert item.url == "https://evil.example/sec-sues"
    [stored] = await store.feeds.all()
    assert CONTROL.search(stored.title) is None, repr(stored.title)
    assert stored.title.startswith("Evil")


async def test_feeds_shows_no_password_in_feed_urls(store: Store) -> None:
    await store.feeds.add("https://alice:hunter2@private.example/rss?token=abc")
    await store.feeds.add("http://bob@other.example/feed")
    commands = Commands(store, load_settings(None, BOT_ADMINS="42"))
    reply = await commands.run(Invocation("telegram", "7", "feeds", user_id="7"))
    assert "hunter2" not in reply.text
    assert "alice" not in reply.text
    assert "bob" not in reply.text
    assert "https://***@private.example/rss?token=abc" in reply.text
    assert "http://***@other.example/feed" in reply.text
    # The fetcher still gets the credentials.
    assert {f.url for f in await store.feeds.all()} == {
        "https://alice:hunter2@private.example/rss?token=abc",
        "http://bob@other.example/feed",
    }
    added = await commands.run(
        Invocation("telegram", "7", "addfeed", "https://carol:pw@x.example/rss", user_id="42")
    )
    assert "carol" not in added.text
    assert "pw@" not in added.text
    assert "https://***@x.example/rss" in added.text


async def test_item_links_stored_with_a_password_are_shown_without(store: Store) -> None:
    feed, _ = await store.feeds.add("https://a.example/rss", title="A")
    assert feed.id
    item = make_item(feed.id, 1, url="https://reader:s3cret@news.example/a", flag=ban_flag())
    await store.items.add_many([item])  # a row stored before links lost their credentials
    commands = Commands(store, load_settings(None))
    for command, args in (("latest", ""), ("item", str(item.id)), ("search", "bitcoin")):
        reply = await commands.run(Invocation("telegram", "7", command, args, user_id="7"))
        [shown] = reply.entries
        assert shown.url == "https://news.example/a", command
        assert "s3cret" not in render_plain(reply)
    alert = alert_reply(item)
    assert alert.entries[0].url == "https://news.example/a"
