"""Targeted subscriptions through the real core and a real store: `/subscribe bans on WeChat`
queues the WeChat ban's alert and not Binance's, names are read as people write them, an
unknown one gets the closest known names, and digests follow the same filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.commands.digest import build_digest
from bot.models import Category, Entities, Feed, Flag
from bot.store import Store
from bot.targets import Targets
from tests.commands.conftest import Run
from tests.support.builders import make_item


@pytest.fixture
async def feed(store: Store) -> Feed:
    feed, _ = await store.feeds.add("https://news.example/rss", title="Wire")
    return feed


def flag(category: Category, **entities: tuple[str, ...]) -> Flag:
    return Flag(category, 0.9, ("evidence",), Entities(**entities), "en")  # type: ignore[arg-type]


BAN = Category.BAN
REG = Category.REGULATION
# title → flag; every title is its own story (no two are alike).
NEWS = {
    "WeChat closes crypto media accounts": flag(
        BAN, platforms=("WeChat",), jurisdictions=("CN",), regulators=("CAC",)
    ),
    "Binance delisted by a local exchange regulator": flag(BAN, platforms=("Binance",)),
    "X suspends crypto promotion accounts": flag(BAN, platforms=("X/Twitter",)),
    "ESMA publishes MiCA technical standards": flag(
        REG, jurisdictions=("EU",), regulators=("ESMA",)
    ),
    "AMF grants a French licence to an exchange": flag(
        REG, jurisdictions=("FR",), regulators=("AMF",)
    ),
    "SEC sues an exchange over unregistered securities": flag(
        REG, jurisdictions=("US",), regulators=("SEC",)
    ),
    "SEC orders a token delisting nationwide": flag(
        BAN, jurisdictions=("US",), regulators=("SEC",)
    ),
    "CFTC fines a derivatives venue": flag(REG, jurisdictions=("US",), regulators=("CFTC",)),
    "WeChat payment rules updated in Hong Kong": flag(
        REG, platforms=("WeChat",), jurisdictions=("HK",)
    ),
}


async def publish(store: Store, feed: Feed) -> datetime:
    """Every item of NEWS, published after the subscriptions; returns a time when all are due."""
    assert feed.id is not None
    soon = datetime.now(UTC) + timedelta(hours=1)
    items = [
        make_item(feed.id, n, title=title, text=title + ".", flag=f, published=soon)
        for n, (title, f) in enumerate(NEWS.items())
    ]
    await store.items.add_many(items)
    return soon + timedelta(days=1)


async def alerted(store: Store, due: datetime, chat: str) -> set[str]:
    alerts = await store.outbox.due(now=due, limit=1000)
    return {a.item.title for a in alerts if a.chat.key == chat}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "/subscribe bans on WeChat",
            {"WeChat closes crypto media accounts"},
        ),
        (
            "/subscribe regulation in EU FR",
            {
                "ESMA publishes MiCA technical standards",
                "AMF grants a French licence to an exchange",
            },
        ),
        (
            "/subscribe all by SEC",
            {
                "SEC sues an exchange over unregistered securities",
                "SEC orders a token delisting nationwide",
            },
        ),
        (
            "/subscribe on wechat",  # every category
            {"WeChat closes crypto media accounts", "WeChat payment rules updated in Hong Kong"},
        ),
        (
            "/subscribe all in US by CFTC",  # kinds together must all match
            {"CFTC fines a derivatives venue"},
        ),
    ],
)
async def test_targeted_alerts_reach_only_matching_items(
    run: Run, store: Store, feed: Feed, line: str, expected: set[str]
) -> None:
    reply = await run(line, chat="100")
    assert not reply.error, reply.text
    assert "Subscribed" in reply.text
    due = await publish(store, feed)
    assert await alerted(store, due, "100") == expected


async def test_a_plain_subscription_beside_a_targeted_one_keeps_working(
    run: Run, store: Store, feed: Feed
) -> None:
    await run("/subscribe bans on WeChat", chat="101")
    await run("/subscribe regulation", chat="101")
    due = await publish(store, feed)
    got = await alerted(store, due, "101")
    assert "WeChat closes crypto media accounts" in got
    assert "Binance delisted by a local exchange regulator" not in got
    assert "CFTC fines a derivatives venue" in got  # from the plain one


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("/subscribe bans on x", "bans on X/Twitter"),
        ("/subscribe bans on Twitter", "bans on X/Twitter"),
        ("/subscribe regulation in eu", "regulation in EU"),
        ("/subscribe regulation in China", "regulation in CN"),
        ("/subscribe regulation in Chine", "regulation in CN"),
        ("/subscribe regulation in united states", "regulation in US"),
        ("/sub all by sec", "all by SEC"),
        ("/subscribe bans on google play, weixin", "bans on Google Play WeChat"),
        ("/subscribe all by bank of england", "all by Bank of England"),
        ("/subscribe ban in fr, eu", "bans in EU FR"),  # one spelling, sorted
        ("/subscribe BANS ON WECHAT IN CN digest", "bans in CN on WeChat"),
    ],
)
async def test_names_are_read_as_people_write_them(
    run: Run, store: Store, line: str, label: str
) -> None:
    reply = await run(line, chat="102")
    assert not reply.error, reply.text
    chat = await store.chats.find("telegram", "102")
    assert chat is not None and chat.id is not None
    [sub] = await store.chats.subscriptions(chat.id)
    assert sub.label() == label


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("/subscribe bans on Wechta", "WeChat"),
        ("/subscribe regulation in Chna", "CN (china)"),
        ("/subscribe all by SECC", "SEC"),
        ("/subscribe regulation in Narnia", "I don't know the jurisdiction “Narnia”"),
        ("/subscribe bans on", "Which platform after “on”?"),
        ("/subscribe bans WeChat", "in <jurisdiction>, on <platform>, by <regulator>"),
    ],
)
async def test_an_unknown_name_gets_the_closest_known_ones(
    run: Run, store: Store, line: str, hint: str
) -> None:
    reply = await run(line, chat="103")
    assert reply.error
    assert hint in reply.text
    assert "\n" not in reply.text  # a one-line hint
    assert await store.chats.find("telegram", "103") is None


async def test_an_unknown_name_is_answered_in_french(run: Run, store: Store) -> None:
    await run("/language fr", chat="104")
    reply = await run("/subscribe bans on Wechta", chat="104")
    assert "Je ne connais pas la plateforme « Wechta »" in reply.text
    assert "Vouliez-vous dire : WeChat" in reply.text


async def test_list_and_unsubscribe_by_number_or_words(run: Run, store: Store) -> None:
    await run("/subscribe bans on WeChat", chat="105")
    await run("/subscribe regulation in EU FR digest", chat="105")
    await run("/subscribe all by SEC", chat="105")
    await run("/subscribe bans", chat="105")
    assert "already" in (await run("/subscribe regulation in fr eu digest", chat="105")).text
    listing = (await run("/subscriptions", chat="105")).text
    assert "1. bans on WeChat" in listing
    assert "2. regulation in EU FR" in listing
    assert "daily digest" in listing.splitlines()[2]
    assert "3. all by SEC" in listing
    assert "4. bans (since" in listing

    assert "Unsubscribed from all by SEC" in (await run("/unsubscribe 3", chat="105")).text
    words = await run("/unsubscribe regulation in France, europe", chat="105")
    assert "Unsubscribed from regulation in EU FR" in words.text
    assert (
        "was not subscribed to bans on X/Twitter"
        in (await run("/unsubscribe bans on x", chat="105")).text
    )
    missing = await run("/unsubscribe 9", chat="105")
    assert missing.error
    assert "no subscription number 9" in missing.text
    listing = (await run("/subscriptions", chat="105")).text
    assert "1. bans on WeChat" in listing
    assert "2. bans (since" in listing
    assert "everything (2)" in (await run("/unsubscribe", chat="105")).text


async def test_group_members_who_are_not_admins_cannot_target(run: Run, store: Store) -> None:
    refused = await run("/subscribe bans on WeChat", chat="-200", kind="group", manage=False)
    assert refused.error
    assert "administrators" in refused.text
    assert await store.chats.find("telegram", "-200") is None
    ok = await run("/subscribe bans on WeChat", chat="-200", kind="group", manage=True)
    assert not ok.error
    assert (await run("/unsubscribe 1", chat="-200", kind="group", manage=False)).error
    chat = await store.chats.find("telegram", "-200")
    assert chat is not None and chat.id is not None
    [sub] = await store.chats.subscriptions(chat.id)
    assert sub.targets == Targets(platforms=("WeChat",))


async def test_a_digest_subscription_with_a_filter(run: Run, store: Store, feed: Feed) -> None:
    reply = await run("/subscribe regulation in EU digest", chat="106")
    assert "daily digest" in reply.text
    assert "matching “in EU”" in reply.text
    due = await publish(store, feed)
    assert await alerted(store, due, "106") == set()  # digest only: no instant alert
    chat = await store.chats.find("telegram", "106")
    assert chat is not None and chat.id is not None
    digest = await build_digest(store, chat.id, "en", due - timedelta(hours=12))
    assert "ESMA publishes MiCA technical standards" in digest.text
    assert "AMF grants" not in digest.text
    assert "SEC sues" not in digest.text
    assert "1 flagged story," in digest.text
