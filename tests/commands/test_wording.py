"""Speaking the chat's language everywhere: the why line's category and action names, plural
forms through ngettext, and times in the zone /digest set (names in any case) — through the
commands, the terminal chat in this process and the real Sender, on a real store."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.console import ConsoleTransport, chat_loop
from bot.commands import Commands, Invocation
from bot.commands.alerts import alert_reply
from bot.commands.digest import build_digest
from bot.config import load_settings
from bot.delivery import Sender
from bot.models import Chat
from bot.store import Store
from tests.adapters.conftest import FAST
from tests.support.builders import ban_flag, make_item, regulation_flag

WINTER = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)  # 09:30 in Paris (CET)
SUMMER = datetime(2026, 7, 15, 8, 30, tzinfo=UTC)  # 10:30 in Paris (CEST)


async def stored(store: Store, *items: tuple[int, str, datetime]) -> list[int]:
    feed, _ = await store.feeds.add("https://news.example/feed", "Example News")
    assert feed.id is not None
    flags = {"ban": ban_flag(), "regulation": regulation_flag()}
    added = await store.items.add_many(
        [
            make_item(feed.id, n, title=f"Story {n}", flag=flags[kind], published=when)
            for n, kind, when in items
        ]
    )
    return [i.id or 0 for i in added]


async def test_digest_counts_agree_in_english_and_french(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "bw.db") as store:
        chat = await store.chats.ensure("console", "local")
        assert chat.id is not None
        now = store.clock.now()
        await stored(store, (1, "ban", now - timedelta(hours=1)))
        one_en = (await build_digest(store, chat.id, "en", now)).text
        one_fr = (await build_digest(store, chat.id, "fr", now)).text
        assert one_en.startswith("Daily digest — 1 flagged story, last 24 hours")
        assert one_fr.startswith("Résumé quotidien — 1 sujet signalé ces dernières")
        await stored(store, (2, "regulation", now - timedelta(hours=2)))
        two_en = (await build_digest(store, chat.id, "en", now)).text
        two_fr = (await build_digest(store, chat.id, "fr", now)).text
        assert two_en.startswith("Daily digest — 2 flagged stories, last 24 hours")
        assert two_fr.startswith("Résumé quotidien — 2 sujets signalés ces dernières")


async def test_the_why_line_speaks_the_chats_language(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "bw.db") as store:
        [item_id] = await stored(store, (1, "ban", WINTER))
        item = await store.items.get(item_id)
        assert item is not None
        [en] = alert_reply(item, "en").entries
        [fr] = alert_reply(item, "fr").entries
        assert en.why == 'ban · WeChat · CN · account closure — "comptes … fermés sur WeChat"'
        assert fr.why == (
            'interdiction · WeChat · CN · fermeture de comptes — "comptes … fermés sur WeChat"'
        )
        assert (en.why_label, fr.why_label) == ("Why flagged:", "Pourquoi signalé :")
        assert en.category == fr.category == "ban"  # adapters' colours do not read words

        commands = Commands(store, load_settings(env_file=None))
        shown = await commands.run(Invocation("console", "me", "item", str(item_id), lang="fr"))
        assert ": interdiction\n" in shown.footer  # the category, named in French
        assert "fermeture de comptes" in shown.footer


async def test_times_follow_the_zone_digest_set_in_any_case(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "bw.db") as store:
        await stored(store, (1, "ban", WINTER), (2, "regulation", SUMMER))
        commands = Commands(store, load_settings(env_file=None))
        before = await commands.run(Invocation("console", "me", "latest"))
        assert [e.when for e in before.entries] == ["2026-07-15 08:30 UTC", "2026-01-15 08:30 UTC"]
        on = await commands.run(Invocation("console", "me", "digest", "on 08:00 europe/paris"))
        assert "(Europe/Paris)" in on.text
        after = await commands.run(Invocation("console", "me", "latest"))
        assert [e.when for e in after.entries] == ["2026-07-15 10:30 CEST", "2026-01-15 09:30 CET"]
        back = await commands.run(Invocation("console", "me", "digest", "on utc"))
        assert "(UTC)" in back.text
        again = await commands.run(Invocation("console", "me", "latest"))
        assert again.entries[1].when == "2026-01-15 08:30 UTC"


async def test_the_terminal_chat_shows_local_times_and_alerts_in_them(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "bw.db") as store:
        await stored(store, (1, "ban", WINTER))
        commands = Commands(store, load_settings(env_file=None))
        out = io.StringIO()
        read_end, write_end = os.pipe()
        with os.fdopen(read_end, "r") as typed:
            with os.fdopen(write_end, "w") as keyboard:
                keyboard.write("/digest on 07:00 Asia/Tokyo\n/subscribe bans\n/latest\n")
            await chat_loop(commands, typed, out)
        assert "2026-01-15 17:30 JST" in out.getvalue()

        later = store.clock.now() + timedelta(seconds=5)
        await stored(store, (2, "ban", later))
        alerts = io.StringIO()
        sender = Sender(store, {"console": ConsoleTransport(alerts)}, {"console": FAST})
        await sender.drain()
        tokyo = later.astimezone(UTC) + timedelta(hours=9)
        assert f"{tokyo:%Y-%m-%d %H:%M} JST" in alerts.getvalue()


async def test_a_burst_and_the_feed_list_count_in_the_chats_language(tmp_path: Path) -> None:
    from bot.commands.alerts import folded_reply

    async with Store.open(tmp_path / "bw.db") as store:
        ids = await stored(store, (1, "ban", WINTER), (2, "regulation", WINTER))
        items = [await store.items.get(i) for i in ids]
        one = [i for i in items[:1] if i is not None]
        two = [i for i in items if i is not None]
        assert folded_reply(one).text == "+1 more flagged item:"
        assert folded_reply(two).text == "+2 more flagged items:"
        assert folded_reply(one, "fr").text == "+1 autre article signalé :"
        assert folded_reply(two, "fr").text == "+2 autres articles signalés :"
        lead, other = ids
        burst = folded_reply(two, "fr")  # the first item's buttons, by number, in French
        assert [(b.label, b.command, b.args) for b in burst.buttons] == [
            (f"👍 Utile #{lead}", "useful", str(lead)),
            (f"👎 Signalement erroné #{lead}", "wrong", str(lead)),
        ]
        assert f"Votre avis sur les autres : /wrong {other} ou /useful {other}" in burst.footer
        printed = io.StringIO()  # the terminal chat prints them as the commands to type
        await ConsoleTransport(printed).send(Chat(id=1, platform="console", key="local"), burst)
        assert f"[👎 Signalement erroné #{lead}: /wrong {lead}]" in printed.getvalue()
        commands = Commands(store, load_settings(env_file=None))
        head = (await commands.run(Invocation("console", "me", "feeds"))).text
        assert head.startswith("1 feed, 0 healthy:"), head
        assert "— 2 items," in head
