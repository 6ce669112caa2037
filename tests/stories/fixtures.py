"""The same story in three feeds, and look-alike stories that are not the same one."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.models import Category, Entities, Flag, Item


def wechat_flag() -> Flag:
    return Flag(
        Category.BAN,
        0.9,
        ("accounts closed on WeChat",),
        Entities(platforms=("WeChat",), jurisdictions=("CN",), regulators=("CAC",)),
        "en",
    )


# (feed title, item title, body, minutes after the first): one event, three outlets.
WECHAT_STORY = (
    (
        "Coin Wire",
        "WeChat closes accounts of Chinese crypto media Jinse and Deepchain",
        "WeChat, the messaging app run by Tencent, has closed the public accounts of several "
        "Chinese blockchain media outlets, including Jinse, Deepchain and Huobi News. Readers "
        "who tried to open them saw a notice citing rules on instant messaging services.",
        0,
    ),
    (
        "Block Daily",
        "WeChat shuts down Chinese blockchain media accounts, including Jinse and Huobi News",
        "Several Chinese crypto news accounts on WeChat, among them Jinse, Deepchain and Huobi "
        "News, were shut down on Tuesday. The Cyberspace Administration of China rules on "
        "instant messaging public accounts were cited.",
        25,
    ),
    (
        "Ledger Times",
        "Tencent's WeChat blocks crypto news accounts in China",
        "Tencent's WeChat has blocked the official accounts of crypto media such as Jinse and "
        "Deepchain. The accounts broke provisional rules on public information services "
        "delivered by instant messaging, according to the notice shown to followers.",
        70,
    ),
)

# Same platform or same day, but other events: they must start stories of their own.
OTHER_STORIES = (
    (
        "Coin Wire",
        "WeChat bans crypto payment ads in Hong Kong",
        "WeChat Pay will no longer show advertisements for crypto payment cards in Hong Kong, "
        "the company said, after a review of its advertising policy for financial products.",
        40,
        ("WeChat",),
    ),
    (
        "Block Daily",
        "Apple removes Binance app from App Store in India",
        "Apple pulled the Binance app from the Indian App Store after the Financial "
        "Intelligence Unit named nine offshore exchanges operating without registration.",
        45,
        ("Apple", "Binance"),
    ),
    (
        "Ledger Times",
        "China bans crypto mining in Inner Mongolia",
        "Inner Mongolia will close all cryptocurrency mining farms by April, the regional "
        "development commission said, as China tightens its energy targets.",
        50,
        (),
    ),
)


def story_items(feed_ids: dict[str, int], now: datetime) -> list[Item]:
    """The three-outlet story, then the look-alikes, as unsaved items, published from 30 s
    after `now` (the store clock's time when called: after any subscription made before)."""
    t0 = now.replace(microsecond=0) + timedelta(seconds=30)
    out: list[Item] = []
    for n, (feed, title, body, minutes) in enumerate(WECHAT_STORY):
        out.append(_item(feed_ids[feed], f"wechat-{n}", title, body, t0, minutes, wechat_flag()))
    for n, (feed, title, body, minutes, platforms) in enumerate(OTHER_STORIES):
        flag = Flag(Category.BAN, 0.8, (title,), Entities(platforms=platforms), "en")
        out.append(_item(feed_ids[feed], f"other-{n}", title, body, t0, minutes, flag))
    return out


def _item(
    feed_id: int, guid: str, title: str, body: str, t0: datetime, minutes: int, flag: Flag
) -> Item:
    return Item(
        feed_id=feed_id,
        guid=guid,
        url=f"https://feed{feed_id}.example/{guid}",
        title=title,
        text=body,
        published=t0 + timedelta(minutes=minutes),
        fetched=t0,
        lang="en",
        flag=flag,
    )
