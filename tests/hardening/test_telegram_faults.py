"""Telegram faults through the real TelegramAdapter, Sender and Store, against the fake Bot API.

What the bot guarantees, fault by fault (docs/reliability.md, Telegram section):

    429 retry_after     the whole platform waits that long; the alert is sent once after it,
                        and the wait is not counted as a failed attempt
    500 / 502           retried with exponential backoff (base × 2^attempts, ±20 %); once
    timeout             retried with backoff. Telegram has no idempotency key: when the
                        timed-out request had reached it, the chat sees that alert twice (one
                        extra copy per timed-out attempt); when it had not, exactly once
    server away / back  every pending alert is sent once after it comes back; commands work
    403 / chat not found the chat is deactivated at the first refusal, its pending alerts are
                        dropped, it gets no new ones, and other chats are not held up
    ChatMigrated        the backlog and the subscriptions follow the chat to its new id

Feed text can never add markup: every piece of it is escaped, whatever it contains.

The servers are real; time is the store's fake clock, which jumps whenever the Sender waits on
it, so a 2 s flood wait costs no wall time and every timing is asserted on that clock. Waits in
these tests are bounded polls for what the real server or its threads are still doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot import delivery
from bot.adapters.telegram import TelegramAdapter, TelegramTransport
from bot.commands import Commands
from bot.config import Settings
from bot.delivery import Sender
from bot.models import Chat, Flag, SubscriptionKind
from bot.store import Store
from tests.adapters.conftest import FAST, make_settings, running
from tests.support.botapi import FakeBotAPI
from tests.support.builders import ban_flag, make_item
from tests.support.clock import FakeClock

# PTB 22 warns inside RetryAfter() itself that `retry_after` will become a timedelta (the
# transport reads it either way). Harmless, but an error under `filterwarnings = error`.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*`retry_after` will be of type:telegram.warnings.PTBDeprecationWarning"
)

BACKOFF = 0.25  # seconds: the sender's backoff base in these tests
TICK = 1 / FAST.global_per_second  # the pacing between two messages of the bot
EPS = 1e-9  # float rounding in differences of clock readings


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock, bot_api: FakeBotAPI) -> AsyncIterator[Store]:
    bot_api.now = clock.monotonic  # the server notes attempts on the same clock
    async with Store.open(tmp_path / "banwatch.db", clock) as s:
        yield s


@pytest.fixture
def tg_settings(bot_api: FakeBotAPI) -> Settings:
    return make_settings(bot_api)


@pytest.fixture
async def tg(tg_settings: Settings, store: Store) -> AsyncIterator[TelegramAdapter]:
    commands = Commands(store, tg_settings)
    async with TelegramAdapter(tg_settings, commands, store, poll_timeout=1) as adapter:
        yield adapter


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "BACKOFF_BASE", BACKOFF)


@pytest.fixture
async def sender(tg: TelegramAdapter, store: Store) -> AsyncIterator[Sender]:
    s = Sender(store, {"telegram": tg.transport}, {"telegram": FAST}, idle=0.1)
    async with running(s):
        yield s


# --- helpers ----------------------------------------------------------------------------------
async def subscribed(api: FakeBotAPI, store: Store, *keys: int) -> list[Chat]:
    """Chats subscribed to every alert, known to the fake server (groups for negative keys)."""
    chats = []
    for key in keys:
        if key < 0:
            api.group(key, kind="group")
        else:
            api.private_chat(api.user(key))
        chat = await store.chats.ensure("telegram", str(key), "group" if key < 0 else "private")
        assert chat.id is not None
        await store.chats.subscribe(chat.id, SubscriptionKind.ALL)
        chats.append(chat)
    return chats


async def publish(
    store: Store,
    n: int,
    *,
    title: str | None = None,
    text: str | None = None,
    url: str | None = None,
    flag: Flag | None = None,
    source: str = "Example News",
) -> int:
    """A flagged item published after every subscription so far; returns its id."""
    feed, _ = await store.feeds.add("https://news.example/feed", source)
    assert feed.id is not None
    later = store.clock.now() + timedelta(seconds=5)
    item = make_item(
        feed.id,
        n,
        title=title or f"WeChat closes crypto accounts, part {n}",
        text=text,
        url=url,
        flag=flag or ban_flag(),
        published=later,
    )
    [stored] = await store.items.add_many([item])
    assert stored.id is not None
    return stored.id


async def publish_many(store: Store, count: int) -> list[int]:
    """`count` flagged items stored in one transaction: the sender sees all or none."""
    feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
    assert feed.id is not None
    later = store.clock.now() + timedelta(seconds=5)
    stored = await store.items.add_many(
        [make_item(feed.id, n, flag=ban_flag(), published=later) for n in range(count)]
    )
    return [item.id for item in stored if item.id is not None]


def alert_ids(api: FakeBotAPI, chat_id: int) -> list[int]:
    """The item ids of the alerts a chat received, in order (duplicates kept)."""
    found = (re.match(r"⚠️[^\n]*\n+#(\d+) ", m["plain"]) for m in api.messages(chat_id))
    return [int(m.group(1)) for m in found if m]


async def eventually(check: Callable[[], Awaitable[bool] | bool], within: float) -> None:
    """A bounded poll (real time) for what the real server and threads are still doing."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await asyncio.sleep(0.02)


async def settled(api: FakeBotAPI, store: Store) -> None:
    """Every alert is sent, dropped or dead and the server is answering no sendMessage: from
    here on nothing more can arrive (the sender sends only pending rows)."""

    async def done() -> bool:
        return api.held() == 0 and await store.outbox.pending_count() == 0

    await eventually(done, 10)


async def outbox(store: Store, chat: Chat) -> list[tuple[str, int]]:
    """(status, attempts) of the chat's outbox rows, oldest first."""
    rows = await store.db.fetchall(
        "SELECT status, attempts FROM outbox WHERE chat_id = ? ORDER BY id", (chat.id,)
    )
    return [(r["status"], r["attempts"]) for r in rows]


# --- 429 --------------------------------------------------------------------------------------
async def test_retry_after_pauses_telegram_then_sends_once(
    bot_api: FakeBotAPI, store: Store, sender: Sender
) -> None:
    ann, bob, _ = await subscribed(bot_api, store, 1001, 1002, 1003)
    bot_api.fail(1001, "retry_after", retry_after=2)
    items = [await publish(store, n) for n in range(2)]
    sender.wake()
    await eventually(lambda: all(len(alert_ids(bot_api, k)) == 2 for k in (1001, 1002, 1003)), 8)
    await settled(bot_api, store)

    for key in (1001, 1002, 1003):
        assert alert_ids(bot_api, key) == items  # each once, in order
    [refused] = [a.at for a in bot_api.attempt_log if a.status == 429]
    retried = min(a.at for a in bot_api.attempt_log if a.chat_id == 1001 and a.at > refused)
    assert retried - refused >= 2 - EPS
    # Flood control is per bot: once the 429 is in, no chat is sent anything for 2 s (sends
    # already paced through before it arrived go out at once, a pacing tick or two after it).
    during = [a for a in bot_api.attempt_log if refused + 0.05 < a.at < refused + 2]
    assert during == []
    assert await outbox(store, ann) == [("sent", 1), ("sent", 1)]  # a wait is not a failure
    assert await outbox(store, bob) == [("sent", 1), ("sent", 1)]


# --- 500 / 502 --------------------------------------------------------------------------------
async def test_server_errors_back_off_then_send_once(
    bot_api: FakeBotAPI, store: Store, sender: Sender, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "BACKOFF_BASE", 1.0)  # retries are stored to the second
    ann, bob, _ = await subscribed(bot_api, store, 1001, 1002, 1003)
    bot_api.fail(1001, "server", times=2)
    bot_api.fail(1002, "bad_gateway", times=2)
    item = await publish(store, 0)
    sender.wake()
    await eventually(lambda: all(alert_ids(bot_api, k) for k in (1001, 1002)), 7)
    await settled(bot_api, store)

    for key, status in ((1001, 500), (1002, 502)):
        assert alert_ids(bot_api, key) == [item]
        tries = [a for a in bot_api.attempt_log if a.chat_id == key]
        assert [a.status for a in tries] == [status, status, 200]
        first, second = (b.at - a.at for a, b in itertools.pairwise(tries))
        # base × 2^attempts ±20 %, plus at most a pacing tick (5 ms at 200 messages/s); EPS:
        # a jitter drawn at its bound, read back as a difference of clock floats (0.79999…)
        assert 0.8 - EPS <= first <= 1.2 + TICK
        assert 1.6 - EPS <= second <= 2.4 + TICK
    [other] = [a for a in bot_api.attempt_log if a.chat_id == 1003]
    assert other.at - bot_api.attempt_log[0].at <= 3 * TICK  # no chat waited for another's retries
    assert await outbox(store, ann) == [("sent", 3)]
    assert await outbox(store, bob) == [("sent", 3)]


# --- timeouts ---------------------------------------------------------------------------------
@pytest.fixture
async def impatient_sender(
    tg: TelegramAdapter, tg_settings: Settings, store: Store
) -> AsyncIterator[Sender]:
    """The real transport over a bot whose requests time out after 0.5 s (PTB's default is
    5 s: the same path, ten times sooner)."""
    assert tg_settings.telegram_bot_token is not None
    bot = Bot(
        tg_settings.telegram_bot_token.get_secret_value(),
        base_url=tg_settings.telegram_base_url,
        request=HTTPXRequest(read_timeout=0.5, write_timeout=0.5, connect_timeout=0.5),
    )
    async with bot:
        transport = TelegramTransport(bot, tg.codec)
        s = Sender(store, {"telegram": transport}, {"telegram": FAST}, idle=0.1)
        async with running(s):
            yield s


@pytest.mark.parametrize("reached", [True, False], ids=["accepted", "lost"])
async def test_timeout_is_retried_and_doubles_only_an_accepted_message(
    bot_api: FakeBotAPI, store: Store, impatient_sender: Sender, reached: bool
) -> None:
    ann, _ = await subscribed(bot_api, store, 1001, 1002)
    bot_api.slow(1001, accepted=reached)  # answered only on release(), long after 0.5 s
    first = await publish(store, 0)
    impatient_sender.wake()
    await eventually(lambda: alert_ids(bot_api, 1002) == [first], 5)
    assert bot_api.attempts[1001] == 1  # a slow chat holds up no other ...
    assert bot_api.held() == 1  # ... its answer is still held while the other chat has its alert
    copies = 2 if reached else 1
    await eventually(lambda: len(alert_ids(bot_api, 1001)) == copies, 5)
    await eventually(lambda: impatient_sender.sent == 2, 5)
    second = await publish(store, 1)
    impatient_sender.wake()
    await eventually(lambda: len(alert_ids(bot_api, 1001)) == copies + 1, 5)
    bot_api.release()  # the slow answer comes, to a client that gave up: nothing more arrives
    await settled(bot_api, store)

    assert alert_ids(bot_api, 1001) == [first] * copies + [second]
    assert alert_ids(bot_api, 1002) == [first, second]
    statuses = sorted(a.status for a in bot_api.attempt_log if a.chat_id == 1001)
    assert statuses == ([200, 200, 200] if reached else [200, 200, 504])
    assert bot_api.attempts[1001] == 3  # the slow try, its retry, the second alert
    assert await outbox(store, ann) == [("sent", 2), ("sent", 1)]


# --- the server going away --------------------------------------------------------------------
@contextlib.contextmanager
def outage(api: FakeBotAPI, how: str) -> Iterator[None]:
    """The server refuses connections, or accepts them and hangs up, until the block ends."""
    if how == "refused":
        api.go_away()
    else:
        api.hang_up()
    try:
        yield
    finally:
        if how == "refused":
            api.come_back()
        else:
            api.hang_up(False)


@pytest.mark.parametrize("how", ["refused", "hung_up"])
async def test_alerts_queued_while_the_server_is_away_are_sent_once_after(
    bot_api: FakeBotAPI, store: Store, sender: Sender, how: str
) -> None:
    keys = (1001, 1002, 1003)
    chats = await subscribed(bot_api, store, *keys)
    with outage(bot_api, how):
        items = [await publish(store, n) for n in range(2)]
        sender.wake()
        # every chat tried, failed, and tried again after its backoff on the clock
        await eventually(lambda: sender.failed >= 6, 5)
        assert bot_api.total_sent() == 0
    await eventually(lambda: all(len(alert_ids(bot_api, k)) == 2 for k in keys), 8)
    await settled(bot_api, store)

    for key, chat in zip(keys, chats, strict=True):
        assert sorted(alert_ids(bot_api, key)) == items  # each once (retries may reorder)
        assert [status for status, _ in await outbox(store, chat)] == ["sent", "sent"]
    ann = bot_api.user(1001)
    bot_api.send(bot_api.private_chat(ann), ann, "/help")  # long polling came back too
    [*_, reply] = await bot_api.wait_messages(1001, 3, within=10)
    assert "/latest" in reply["plain"]


# --- blocked, chat not found ------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["forbidden", "not_found"])
async def test_gone_chat_is_deactivated_and_others_unaffected(
    bot_api: FakeBotAPI, store: Store, sender: Sender, kind: str
) -> None:
    gone, _ = await subscribed(bot_api, store, 1001, 1002)
    bot_api.fail(1001, kind)
    items = await publish_many(store, 2)  # both queued before the first refusal
    sender.wake()
    await eventually(lambda: alert_ids(bot_api, 1002) == items, 5)
    assert gone.id is not None
    found = await store.chats.get(gone.id)
    assert found is not None
    assert not found.active
    assert await outbox(store, gone) == [("dropped", 0), ("dropped", 0)]
    later = await publish(store, 2)  # no new alerts for a deactivated chat
    sender.wake()
    await eventually(lambda: alert_ids(bot_api, 1002) == [*items, later], 5)
    await settled(bot_api, store)

    assert bot_api.attempts[1001] == 1  # refused once, never tried again
    assert bot_api.messages(1001) == []
    assert len(await outbox(store, gone)) == 2


# --- ChatMigrated -----------------------------------------------------------------------------
async def test_migrated_group_gets_its_backlog_and_future_alerts_at_the_new_id(
    bot_api: FakeBotAPI, store: Store, sender: Sender
) -> None:
    [group] = await subscribed(bot_api, store, -300)
    bot_api.fail(-300, "migrate", to=-100300)
    items = [await publish(store, n) for n in range(2)]
    sender.wake()
    await eventually(lambda: alert_ids(bot_api, -100300) == items, 5)
    later = await publish(store, 2)
    sender.wake()
    await eventually(lambda: alert_ids(bot_api, -100300) == [*items, later], 5)
    await settled(bot_api, store)

    assert alert_ids(bot_api, -100300) == [*items, later]
    assert bot_api.messages(-300) == []
    assert bot_api.attempts[-300] == 1
    assert await store.chats.find("telegram", "-300") is None
    moved = await store.chats.find("telegram", "-100300")
    assert moved is not None
    assert moved.id == group.id
    assert moved.active
    assert [s.kind for s in await store.chats.subscriptions(group.id)] == [SubscriptionKind.ALL]
    assert [status for status, _ in await outbox(store, moved)] == ["sent"] * 3


# --- feed text cannot inject markup -----------------------------------------------------------
class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[tuple[str, str | None], ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(attrs)))


def tags(text: str) -> list[tuple[str, tuple[tuple[str, str | None], ...]]]:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser.tags


HOSTILE = (
    '<b>bold</b> </a> <a href="javascript:alert(1)">click</a> &amp; &lt;i&gt; &#60;u&#62; '
    '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">x</span> <pre>p</pre> *b* __i__ '
    "[link](https://evil.example) <blockquote>q"
)


async def test_feed_text_never_becomes_markup(
    bot_api: FakeBotAPI, store: Store, sender: Sender
) -> None:
    await subscribed(bot_api, store, 1001, 1002, 1003)
    url = "https://news.example/a?x=1&y=2"
    plain = await publish(store, 0, url=f"{url}&n=0")
    hostile = await publish(
        store,
        1,
        title=f"WeChat bans {HOSTILE}",
        text=f"Summary {HOSTILE}",
        url=f"{url}&n=1",
        flag=ban_flag(evidence=HOSTILE),
        source=f"Feed {HOSTILE}",
    )
    scripted = await publish(store, 2, title=f"Scripted {HOSTILE}", url="javascript:alert(1)")
    sender.wake()
    await eventually(lambda: len(alert_ids(bot_api, 1001)) == 3, 10)

    by_id = dict(zip(alert_ids(bot_api, 1001), bot_api.messages(1001), strict=True))

    def expected(n: int | None) -> list[tuple[str, tuple[tuple[str, str | None], ...]]]:
        link = [("a", (("href", f"{url}&n={n}"),))] if n is not None else []
        return [("b", ()), ("b", ()), *link, ("i", ())]  # header, number, link, source+time

    assert tags(by_id[plain]["text"]) == expected(0)
    assert tags(by_id[hostile]["text"]) == expected(1)
    assert tags(by_id[scripted]["text"]) == expected(None)
    shown = by_id[hostile]["plain"]
    for piece in ("<b>bold</b>", "</a>", 'href="javascript:alert(1)"', "&amp;", "&lt;i&gt;"):
        assert piece in shown  # shown to the reader as the feed wrote it
    assert '<a href="javascript' not in by_id[scripted]["text"]
