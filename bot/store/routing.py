"""Which chat gets which alert: the one place that decides it, for every store backend.

`wants` says whether one subscription wants an alert for one flagged item. `Fanout` applies it
to the items of one batch, inside the transaction that stores them (ItemRepo.add_many): each
chat with a matching instant subscription gets one alert per story, never a second one for
another item of a story it was already alerted to (in this batch or before).

    fanout = Fanout(tx, alerting=True)
    chat_ids = await fanout.chats(item, story_id, new_story=True)
"""

from __future__ import annotations

from bot.models import Category, Item, Subscription, SubscriptionKind
from bot.store.chats import INSTANT, active_subscription_modes
from bot.store.sql import Tx
from bot.text import fold, mentions


def wants(sub: Subscription, item: Item, folded: str) -> bool:
    """Does this subscription want an alert for this flagged item?"""
    flag = item.flag
    if flag is None or not flag.flagged:
        return False
    if sub.created is not None and item.published < sub.created:
        return False  # alerts cover what is published after subscribing; /latest covers the past
    if sub.targets and not sub.targets.matches(flag.entities):
        return False  # a targeted subscription: not this place, platform or regulator
    match sub.kind:
        case SubscriptionKind.ALL:
            return True
        case SubscriptionKind.BANS:
            return flag.category is Category.BAN
        case SubscriptionKind.REGULATION:
            return flag.category is Category.REGULATION
        case SubscriptionKind.KEYWORD:
            return mentions(folded, sub.value)
    return False  # pragma: no cover


class Fanout:
    """The chats to alert for the flagged items of one batch, in the batch's transaction.

    Subscriptions are read once, at the first flagged item; a story's earlier alerts are
    read from the outbox once, when one of its items first has chats to alert."""

    def __init__(self, conn: Tx, *, alerting: bool) -> None:
        self.conn = conn
        self.alerting = alerting  # False: a feed's first poll (its past), no alerts at all
        self._subs: list[tuple[Subscription, str]] | None = None
        self._told: dict[int, set[int]] = {}  # story → chats alerted (this batch, and before)
        self._loaded: set[int] = set()  # stories whose earlier alerts are in `_told`

    async def chats(self, item: Item, story_id: int, *, new_story: bool) -> list[int]:
        """The chats to alert for this flagged item of story `story_id` (sorted); they count
        as alerted to the story from now on. `new_story`: the item starts its story."""
        if self._subs is None:
            self._subs = await active_subscription_modes(self.conn)
        subs = self._subs
        keywords = any(s.kind is SubscriptionKind.KEYWORD for s, _ in subs)
        folded = fold(f"{item.title}\n{item.text}") if keywords else ""
        chats = {
            s.chat_id
            for s, mode in subs
            if self.alerting and mode == INSTANT and wants(s, item, folded)
        }
        alerted = self._told.setdefault(story_id, set())
        if new_story:
            self._loaded.add(story_id)  # a new story: no earlier alerts to look up
        if chats and story_id not in self._loaded:
            earlier = await self.conn.fetchall(
                "SELECT DISTINCT o.chat_id FROM items i"
                " JOIN outbox o ON o.item_id = i.id WHERE i.story_id = ?",
                (story_id,),
            )
            alerted.update(int(r[0]) for r in earlier)
            self._loaded.add(story_id)
        chats -= alerted
        alerted.update(chats)
        return sorted(chats)
