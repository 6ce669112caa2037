"""Builders for test data: items with flags, stores with feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.models import Category, Entities, Flag, Item

SEED_TITLE = "WeChat ferme les comptes de médias blockchain chinois"
SEED_TEXT = (
    "Plusieurs comptes de médias blockchain, dont Jinse, Deepchain et Huobi News, ont été "
    "fermés sur WeChat. Ces comptes ont été interdits en vertu des nouvelles règles de "
    "l'Administration du cyberespace de Chine sur la messagerie instantanée."
)


def ban_flag(evidence: str = "comptes … fermés sur WeChat") -> Flag:
    return Flag(
        Category.BAN,
        0.92,
        (evidence,),
        Entities(
            platforms=("WeChat",),
            jurisdictions=("CN",),
            regulators=("CAC",),
            action="account closure",
        ),
        "fr",
    )


def regulation_flag() -> Flag:
    return Flag(
        Category.REGULATION,
        0.8,
        ("SEC sues exchange",),
        Entities(jurisdictions=("US",), regulators=("SEC",), action="lawsuit"),
        "en",
    )


def none_flag() -> Flag:
    return Flag(Category.NONE, 0.0, (), Entities(), "en")


def make_item(
    feed_id: int,
    n: int,
    *,
    title: str | None = None,
    text: str | None = None,
    url: str | None = None,
    flag: Flag | None = None,
    published: datetime | None = None,
    fetched: datetime | None = None,
    lang: str = "en",
) -> Item:
    now = datetime.now(UTC)
    return Item(
        feed_id=feed_id,
        guid=f"guid-{feed_id}-{n}",
        url=url if url is not None else f"https://news.example/{feed_id}/{n}",
        title=title if title is not None else f"Bitcoin market update number {n}",
        text=text if text is not None else f"Prices moved a little today, story {n}.",
        published=published or now - timedelta(minutes=n),
        fetched=fetched or now,
        lang=lang,
        flag=flag if flag is not None else none_flag(),
    )


def seed_item(feed_id: int, *, published: datetime | None = None) -> Item:
    return make_item(
        feed_id,
        0,
        title=SEED_TITLE,
        text=SEED_TEXT,
        url="https://fr.example/wechat-comptes-blockchain",
        flag=ban_flag(),
        published=published,
        lang="fr",
    )
