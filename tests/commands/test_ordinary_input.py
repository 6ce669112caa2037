"""Ordinary input and real faults through the core, against a real SQLite store: every
command answers, with a usage hint for what it cannot read and a short apology (logged)
when something inside fails."""

from __future__ import annotations

import logging

import pytest

from bot.commands.notices import apology
from bot.store import Store
from tests.commands.conftest import Run

ADMIN = "42"


@pytest.mark.parametrize(
    ("line", "usage"),
    [
        ("/item ²", "/item <id>"),
        ("/item #³", "/item <id>"),
        ("/item ٣", "/item <id>"),  # Arabic-Indic three: int() would take it
        ("/item ５", "/item <id>"),  # full-width five
        ("/latest ⁵", "/latest [N]"),
        ("/latest ① bans", "/latest [N]"),
        ("/removefeed ³", "/removefeed <id>"),
    ],
)
async def test_numbers_that_are_not_ascii_digits_get_the_usage_hint(
    run: Run, line: str, usage: str
) -> None:
    reply = await run(line, user=ADMIN)
    assert reply.error
    assert f"Usage: {usage}" in reply.text
    assert "number" in reply.text  # says what to type: "Give the item's number, …"


@pytest.mark.parametrize("region", ["Europe", "America", "Etc", "posixrules", "localtime"])
async def test_digest_with_a_region_instead_of_a_zone_names_the_zone_problem(
    run: Run, region: str
) -> None:
    reply = await run(f"/digest on 08:00 {region}")
    assert reply.error
    assert f"I don't know the time zone '{region}'" in reply.text
    assert "Europe/Paris" in reply.text  # an example of what works


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("utc", "UTC"),
        ("gmt", "UTC"),
        ("Etc/UTC", "UTC"),
        ("Z", "UTC"),
        ("z", "UTC"),
        ("europe/paris", "Europe/Paris"),
        ("AMERICA/NEW_YORK", "America/New_York"),
    ],
)
async def test_digest_takes_zone_names_in_any_case_and_utc_aliases(
    run: Run, typed: str, stored: str
) -> None:
    reply = await run(f"/digest on 08:00 {typed}")
    assert not reply.error, reply.text
    assert f"every day at 08:00 ({stored})" in reply.text
    assert f"at 08:00 ({stored})" in (await run("/digest")).text


@pytest.mark.parametrize("time", ["08:3٠", "8:0٥"])  # Arabic-Indic zero, five
async def test_digest_time_with_other_digits_is_refused_not_stored(run: Run, time: str) -> None:
    reply = await run(f"/digest on {time} UTC")
    assert reply.error
    assert "HH:MM" in reply.text
    assert "off" in (await run("/digest")).text  # nothing stored that no clock would reach


async def _drop_subscriptions(store: Store) -> None:
    async with store.db.transaction() as tx:
        await tx.execute("DROP TABLE subscriptions")


async def test_a_command_that_fails_inside_answers_with_an_apology_and_logs_it(
    run: Run, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await _drop_subscriptions(store)  # a damaged copy: the table is gone
    with caplog.at_level(logging.ERROR, logger="bot.commands.dispatch"):
        reply = await run("/subscribe bans")
    assert reply.error
    assert reply.text == apology("en")
    failures = [r for r in caplog.records if r.name == "bot.commands.dispatch"]
    assert len(failures) == 1
    assert failures[0].exc_info is not None  # the traceback is in the log
    assert "subscriptions" in str(failures[0].exc_info[1])
    # The next command is answered as usual.
    assert "/subscribe" in (await run("/help")).text


async def test_the_apology_is_in_the_chats_language(run: Run, store: Store) -> None:
    assert not (await run("/language fr")).error
    await _drop_subscriptions(store)
    reply = await run("/subscribe bans")
    assert reply.text == apology("fr")
    assert reply.text != apology("en")


@pytest.mark.sqlite_only  # a full disk is made with SQLite's page limit
async def test_a_full_disk_during_subscribe_is_answered(
    run: Run, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await run("/subscriptions")  # nothing written yet
    # SQLite's page limit: the next page the file needs is refused as SQLITE_FULL, exactly
    # as on a full disk (the transaction is rolled back whole).
    async with store.db.writer.execute("PRAGMA page_count") as cur:
        row = await cur.fetchone()
    assert row is not None
    await store.db.writer.execute(f"PRAGMA max_page_count = {row[0]}")
    filler = "x" * 5000
    with caplog.at_level(logging.ERROR, logger="bot.commands.dispatch"):
        reply = await run(f"/subscribe keyword {filler[:60]}", chat="1" + "2" * 20_000)
    assert reply.error
    assert reply.text == apology("en")
    assert any("disk full" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    await store.db.writer.execute("PRAGMA max_page_count = 1073741823")
    assert "Subscribed" in (await run("/subscribe bans")).text
