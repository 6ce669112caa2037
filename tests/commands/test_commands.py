"""Every command through the core, against a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.commands import COMMANDS
from bot.models import Feed
from bot.store import Store
from tests.commands.conftest import Run
from tests.support.builders import SEED_TITLE, make_item, regulation_flag, seed_item


@pytest.fixture
async def feed(store: Store) -> Feed:
    feed, _ = await store.feeds.add("https://fr.example/rss", title="Journal FR")
    return feed


@pytest.fixture
async def stored(store: Store, feed: Feed) -> None:
    assert feed.id
    await store.items.add_many(
        [
            seed_item(feed.id),
            make_item(feed.id, 1, title="SEC sues a crypto exchange", flag=regulation_flag()),
            *[make_item(feed.id, n, title=f"WeChat payments story {n}") for n in range(2, 10)],
        ]
    )


async def test_help_lists_every_public_command(run: Run) -> None:
    reply = await run("/help")
    for spec in COMMANDS:
        if not spec.hidden and not spec.admin:
            assert f"/{spec.name}" in reply.text
    assert "/addfeed" not in reply.text
    assert "/addfeed" in (await run("/help", user="42")).text


async def test_start_explains_how_to_subscribe(run: Run) -> None:
    assert "/subscribe" in (await run("/start")).text


@pytest.mark.usefixtures("stored")
async def test_latest_shows_flagged_items_with_why_line(run: Run) -> None:
    reply = await run("/latest")
    titles = [e.title for e in reply.entries]
    assert titles == [SEED_TITLE, "SEC sues a crypto exchange"]
    assert reply.entries[0].why is not None
    assert reply.entries[0].why.startswith("ban · WeChat · CN")
    bans = await run("/latest 1 bans")
    assert [e.title for e in bans.entries] == [SEED_TITLE]
    regs = await run("/latest regulation")
    assert [e.title for e in regs.entries] == ["SEC sues a crypto exchange"]


@pytest.mark.parametrize("args", ["0", "21", "lots", "bans please", "-3"])
async def test_latest_bad_arguments_get_a_one_line_hint(run: Run, args: str) -> None:
    reply = await run(f"/latest {args}")
    assert reply.error
    assert "\n" not in reply.text
    assert "/latest" in reply.text


async def test_latest_on_an_empty_store_says_what_to_expect(run: Run) -> None:
    reply = await run("/latest")
    assert not reply.entries
    assert "flagged yet" in reply.text


@pytest.mark.usefixtures("stored")
async def test_search_pages_with_a_more_button(run: Run) -> None:
    first = await run("/search wechat")
    assert len(first.entries) == 5
    assert [b.label for b in first.buttons] == ["More"]
    button = first.buttons[0]
    second = await run(f"/{button.command} {button.args}", page=button.page)
    assert 1 <= len(second.entries) <= 5
    seen = {e.item_id for e in first.entries}
    assert not seen & {e.item_id for e in second.entries}
    assert len(seen | {e.item_id for e in second.entries}) == 9


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("query", ["", "   ", "!!!", '"*"'])
async def test_search_without_words_gets_a_hint(run: Run, query: str) -> None:
    reply = await run(f"/search {query}")
    assert reply.error
    assert "/search" in reply.text


@pytest.mark.usefixtures("stored")
async def test_search_with_nothing_found_says_so(run: Run) -> None:
    reply = await run("/search zzzyyyxxx")
    assert not reply.entries
    assert "Nothing found" in reply.text


@pytest.mark.usefixtures("stored")
async def test_item_shows_detail_and_evidence(run: Run) -> None:
    latest = await run("/latest 1 bans")
    reply = await run(f"/item {latest.entries[0].item_id}")
    assert reply.entries[0].url.startswith("https://")
    assert "Jinse" in reply.entries[0].summary
    assert "Evidence:" in reply.footer
    assert "CAC" in reply.footer
    assert "Rules: " in reply.footer and "ban." in reply.footer  # the rules that decided it
    assert (await run("/item 99999")).error
    assert (await run("/item abc")).error


@pytest.mark.usefixtures("stored")
async def test_item_explains_an_unflagged_item_too(run: Run) -> None:
    found = await run("/search payments story")
    reply = await run(f"/item {found.entries[0].item_id}")
    assert "Category: none (score" in reply.footer


async def test_subscribe_unsubscribe_and_list(run: Run) -> None:
    assert "No subscriptions" in (await run("/subscriptions")).text
    assert "Subscribed" in (await run("/subscribe bans")).text
    assert "already" in (await run("/subscribe bans")).text
    assert "Subscribed" in (await run("/subscribe keyword Binance")).text
    listing = (await run("/subscriptions")).text
    assert "bans" in listing
    assert "keyword binance" in listing
    assert "Unsubscribed from bans" in (await run("/unsubscribe bans")).text
    assert "was not subscribed" in (await run("/unsubscribe regulation")).text
    assert "everything (1)" in (await run("/unsubscribe")).text


@pytest.mark.parametrize(
    "args", ["everything", "keyword", "bans regulation", "keyword " + "x" * 80]
)
async def test_subscribe_bad_target_gets_a_hint(run: Run, args: str) -> None:
    reply = await run(f"/subscribe {args}")
    assert reply.error


async def test_group_members_who_are_not_admins_cannot_change_subscriptions(
    run: Run, store: Store
) -> None:
    refused = await run("/subscribe", chat="-100", kind="group", manage=False)
    assert refused.error
    assert "administrators" in refused.text
    assert await store.chats.find("telegram", "-100") is None
    accepted = await run("/subscribe", chat="-100", kind="group", manage=True)
    assert not accepted.error
    assert (await run("/unsubscribe", chat="-100", kind="group", manage=False)).error


async def test_subscription_alerts_cover_only_items_published_after_it(
    run: Run, store: Store, feed: Feed
) -> None:
    assert feed.id
    await run("/subscribe all")
    now = datetime.now(UTC)
    old = make_item(feed.id, 1, title="old", flag=regulation_flag(), published=now - timedelta(1))
    new = make_item(feed.id, 2, title="new", flag=regulation_flag(), published=now + timedelta(1))
    await store.items.add_many([old, new])
    due = await store.outbox.due(now=now + timedelta(days=2))
    assert [a.item.title for a in due] == ["new"]


@pytest.mark.usefixtures("stored")
async def test_feeds_and_stats_report_health_and_counts(run: Run, store: Store) -> None:
    feeds = (await run("/feeds")).text
    assert "Journal FR" in feeds
    assert "10 items" in feeds
    assert "not polled yet" in feeds
    stats = (await run("/stats")).text
    assert "Items: 10" in stats
    assert "1 bans, 1 regulation" in stats


async def test_feed_admin_commands_are_for_admins_only(run: Run, store: Store) -> None:
    refused = await run("/addfeed https://new.example/rss", user="7")
    assert refused.error
    assert await store.feeds.all() == []
    added = await run("/addfeed https://new.example/rss", user="42")
    assert "Added feed #" in added.text
    assert "Already" in (await run("/addfeed https://new.example/rss", user="42")).text
    feed_id = (await store.feeds.all())[0].id
    assert (await run(f"/removefeed {feed_id}", user="7")).error
    assert "Removed" in (await run(f"/removefeed {feed_id}", user="42")).text
    assert await store.feeds.all() == []


@pytest.mark.parametrize("url", ["ftp://x.example/rss", "javascript:alert(1)", "not a url", ""])
async def test_addfeed_refuses_what_is_not_an_http_url(run: Run, url: str) -> None:
    reply = await run(f"/addfeed {url}", user="42")
    assert reply.error
    assert "http" in reply.text


async def test_unknown_command_gets_a_hint(run: Run) -> None:
    reply = await run("/frobnicate now")
    assert reply.error
    assert "/help" in reply.text
