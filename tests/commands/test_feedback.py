"""Feedback on alerts and /why through the core, against a real SQLite store on a driven clock:
a press stored and changed, the share of alerts marked wrong over the clock's last 30 days,
the rules that decided flagged and unflagged items, and an old store upgraded on open."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.commands.alerts import alert_reply
from bot.commands.why import BY_ID
from bot.models import Feed
from bot.store import Store
from bot.store.feedback import Verdict
from bot.store.migrations import MIGRATIONS
from tests.commands.conftest import Run
from tests.support.builders import ban_flag, make_item, seed_item
from tests.support.clock import FakeClock

TITLES = [
    "WeChat closes crypto media accounts",
    "Apple pulls exchange app from its China store",
    "Kosovo bans cryptocurrency mining",
    "Bank blocks payments to crypto exchanges",
    "Google Play removes wallet apps",
    "Visa suspends card payments to crypto platform",
]


@pytest.fixture
async def store(database: Path | str, clock: FakeClock) -> AsyncIterator[Store]:
    async with Store.open(database, clock) as opened:
        yield opened


@pytest.fixture
async def feed(store: Store) -> Feed:
    feed, _ = await store.feeds.add("https://news.example/rss", title="Example News")
    return feed


async def publish(store: Store, feed: Feed, numbers: range) -> list[int]:
    """Flagged bans published just after the clock's now (after any subscription)."""
    assert feed.id is not None
    later = store.clock.now() + timedelta(seconds=5)
    items = [
        make_item(feed.id, n, title=TITLES[n % len(TITLES)] + f" ({n})", flag=ban_flag())
        for n in numbers
    ]
    for item in items:
        item.published = later
    stored = await store.items.add_many(items)
    return [i.id for i in stored if i.id is not None]


async def send_all(store: Store) -> int:
    """Mark every due alert sent, at the clock's now, as the Sender would."""
    alerts = await store.outbox.claim("test")
    return await store.outbox.mark_sent_many([a.id for a in alerts], "test")


async def test_every_alert_carries_the_two_feedback_buttons(store: Store, feed: Feed) -> None:
    [item_id] = await publish(store, feed, range(1))
    item = await store.items.get(item_id)
    assert item is not None
    buttons = alert_reply(item).buttons
    assert [(b.label, b.command, b.args) for b in buttons] == [
        ("👍 Useful", "useful", str(item_id)),
        ("👎 Wrong flag", "wrong", str(item_id)),
    ]
    french = alert_reply(item, "fr").buttons
    assert [b.label for b in french] == ["👍 Utile", "👎 Signalement erroné"]


async def test_a_press_is_stored_per_chat_and_changeable(
    run: Run, store: Store, feed: Feed
) -> None:
    [item_id] = await publish(store, feed, range(1))
    first = await run(f"/useful {item_id}")
    assert first.extra == {"kind": "ack"}
    assert not first.error
    assert first.text.startswith(f"Thanks: #{item_id} marked useful")
    chat = await store.chats.find("telegram", "7")
    assert chat is not None and chat.id is not None
    assert await store.feedback.of(chat.id, item_id) is Verdict.USEFUL

    again = await run(f"/useful {item_id}")
    assert "already marked useful" in again.text

    changed = await run(f"/wrong {item_id}")
    assert changed.text == f"Changed: #{item_id} is now marked a wrong flag here (was useful)."
    assert await store.feedback.of(chat.id, item_id) is Verdict.WRONG

    await run(f"/useful {item_id}", chat="-100", kind="group", manage=False)  # any member
    other = await store.chats.find("telegram", "-100")
    assert other is not None and other.id is not None
    assert await store.feedback.of(other.id, item_id) is Verdict.USEFUL
    assert await store.feedback.of(chat.id, item_id) is Verdict.WRONG  # each chat its own
    [pressed] = await store.feedback.pressed()
    assert (pressed.useful, pressed.wrong) == (1, 1)
    assert pressed.verdict is Verdict.USEFUL  # a tie: the latest press


async def test_feedback_is_for_stored_flagged_items(run: Run, store: Store, feed: Feed) -> None:
    assert feed.id is not None
    [plain] = await store.items.add_many([make_item(feed.id, 50)])
    refused = await run(f"/wrong {plain.id}")
    assert refused.error
    assert f"/why {plain.id}" in refused.text
    assert (await run("/useful 99999")).error
    hint = await run("/useful soon")
    assert hint.error
    assert "/useful 42" in hint.text
    assert await store.feedback.pressed() == []


async def test_a_press_outlives_the_items_retention(run: Run, store: Store, feed: Feed) -> None:
    [item_id] = await publish(store, feed, range(1))
    await run(f"/wrong {item_id}")
    async with store.db.transaction() as tx:
        await tx.execute("DELETE FROM items WHERE id = ?", (item_id,))
    [pressed] = await store.feedback.pressed()
    assert pressed.item_id is None
    assert pressed.title.startswith(TITLES[0])
    assert pressed.label.value == "none"


async def test_stats_share_of_alerts_marked_wrong_over_30_days(
    run: Run, store: Store, feed: Feed, clock: FakeClock
) -> None:
    assert "Feedback, last 30 days: no alerts sent" in (await run("/stats")).text
    await run("/subscribe bans")
    old = await publish(store, feed, range(4))
    await clock.advance(60)
    assert await send_all(store) == 4
    await run(f"/wrong {old[0]}")
    await run(f"/useful {old[1]}")
    assert "1 of 4 alerts marked wrong (25%), 1 useful" in (await run("/stats")).text

    await clock.advance(20 * 86400)
    new = await publish(store, feed, range(10, 12))
    await clock.advance(60)
    assert await send_all(store) == 2
    await run(f"/wrong {new[0]}")
    assert "2 of 6 alerts marked wrong (33%), 1 useful" in (await run("/stats")).text

    await clock.advance(15 * 86400)  # the first four were sent 35 days ago: out of the window
    assert "1 of 2 alerts marked wrong (50%), 0 useful" in (await run("/stats")).text
    await run("/language fr")
    assert "1 alertes sur 2 marquées erronées (50 %)" in (await run("/stats")).text


async def test_why_names_the_rules_of_a_flagged_item(run: Run, store: Store, feed: Feed) -> None:
    assert feed.id is not None
    [item] = await store.items.add_many([seed_item(feed.id)])
    reply = await run(f"/why {item.id}")
    assert not reply.error
    text = reply.text
    assert "Flagged ban when stored (score 0.92)" in text
    assert "read the stored title and text again now with the same classifier" in text
    assert "Rules that decided it:" in text
    assert "• ban.word (" in text
    assert BY_ID["ban.word"].purpose in text  # each rule with its purpose from the rule book
    assert "Evidence: “" in text


async def test_why_names_the_rules_of_an_unflagged_item(run: Run, store: Store, feed: Feed) -> None:
    assert feed.id is not None
    loose, plain = await store.items.add_many(
        [
            make_item(feed.id, 60, title="Bears banned from the rally as bitcoin jumps"),
            make_item(feed.id, 61),
        ]
    )
    reply = await run(f"/why {loose.id}")
    assert "Not flagged when stored" in reply.text
    assert "• ban.loose (" in reply.text
    assert "Ban words in loose usage" in reply.text  # the rule book's purpose
    quiet = await run(f"/why {plain.id}")
    assert "No rule fired" in quiet.text
    assert (await run("/why 99999")).error
    assert "/why 42" in (await run("/why")).text
    await run("/language fr", chat="8")
    assert "Règles qui ont décidé :" in (await run(f"/why {loose.id}", chat="8")).text


async def test_why_says_when_the_verdict_read_again_differs(
    run: Run, store: Store, feed: Feed
) -> None:
    assert feed.id is not None
    [item] = await store.items.add_many(
        [make_item(feed.id, 70, title="Bears banned from the rally", flag=ban_flag())]
    )  # stored as a ban by an older rule book
    reply = await run(f"/why {item.id}")
    assert "Flagged ban when stored" in reply.text
    assert "Read again now: none" in reply.text


async def test_an_old_store_gains_the_feedback_table_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for number, script in enumerate(MIGRATIONS[:3], start=1):
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;")
    async with Store.open(path) as store:
        row = await store.db.fetchone("PRAGMA user_version")
        assert row is not None and row[0] == len(MIGRATIONS)
        feed, _ = await store.feeds.add("https://news.example/rss")
        assert feed.id is not None
        [item] = await store.items.add_many([seed_item(feed.id)])
        chat = await store.chats.ensure("console", "local")
        assert chat.id is not None
        assert await store.feedback.press(chat.id, item, Verdict.WRONG) is None
        assert await store.feedback.of(chat.id, item.id or 0) is Verdict.WRONG
