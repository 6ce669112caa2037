"""The bot's own languages: catalogues complete and compiled; French users get French."""

from __future__ import annotations

import ast
from pathlib import Path

import bot
from bot.adapters.telegram import TelegramAdapter
from bot.commands import Commands, Invocation
from bot.commands.catalog import ABOUT, COMMANDS
from bot.config import load_settings
from bot.i18n import catalogues, compile_mo, parse_po, pick_language, translator
from bot.store import Store
from tests.support.botapi import FakeBotAPI

SOURCES = [
    *Path(bot.__file__).parent.joinpath("commands").glob("*.py"),
    Path(bot.__file__).parent / "ops" / "admin.py",  # the operator's notices
]


def marked_strings() -> set[str]:
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
            if (  # n_("{count} flagged story", "{count} flagged stories", n): one plural key
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "n_"
                and len(node.args) == 3
                and all(isinstance(a, ast.Constant) for a in node.args[:2])
            ):
                singular, plural = (a.value for a in node.args[:2])  # type: ignore[attr-defined]
                found.add(f"{singular}\0{plural}")
    return found


def test_every_marked_string_has_a_french_translation() -> None:
    [po] = [p for p in catalogues() if p.parts[-3] == "fr"]
    french = parse_po(po.read_text(encoding="utf-8"))
    wanted = marked_strings() | {ABOUT} | {spec.summary for spec in COMMANDS}
    assert len(wanted) > 100
    assert sorted(wanted - french.keys()) == []


def test_placeholders_survive_translation() -> None:
    for po in catalogues():
        for msgid, msgstr in parse_po(po.read_text(encoding="utf-8")).items():
            if msgid:
                names = {p.split("}")[0] for p in msgid.split("{")[1:]}
                assert names == {p.split("}")[0] for p in msgstr.split("{")[1:]}, msgid


def test_committed_mo_matches_po() -> None:
    for po in catalogues():
        mo = po.with_suffix(".mo")
        assert mo.read_bytes() == compile_mo(parse_po(po.read_text(encoding="utf-8"))), (
            f"{mo} is stale: run python -m bot.i18n"
        )


def test_pick_language() -> None:
    assert pick_language(None, "fr-CA") == "fr"
    assert pick_language("en", "fr") == "en"  # the chat's choice first
    assert pick_language(None, "de") == "en"
    assert translator("fr")("Usage:") == "Usage :"
    assert translator("pt-BR")("Usage:") == "Usage:"


async def test_language_command_persists(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "bw.db") as store:
        commands = Commands(store, load_settings(env_file=None))
        reply = await commands.run(Invocation("console", "me", "language", "fr"))
        assert reply.text == "Désormais, je réponds ici en français."
        chat = await store.chats.find("console", "me")
        assert chat is not None
        assert chat.lang == "fr"
        reply = await commands.run(Invocation("console", "me", "subscriptions", lang="en"))
        assert reply.text.startswith("Aucun abonnement")
        bad = await commands.run(Invocation("console", "me", "language", "klingon"))
        assert bad.error
        assert "Choix" in bad.text
        await commands.run(Invocation("console", "me", "language", "en"))
        assert (await commands.run(Invocation("console", "me", "help"))).text.startswith(
            "Banwatch watches"
        )


async def test_french_user_gets_french_replies_on_telegram(
    bot_api: FakeBotAPI, tg: TelegramAdapter
) -> None:
    marie = bot_api.user(4242, "Marie", lang="fr")
    chat = bot_api.private_chat(marie)
    bot_api.send(chat, marie, "/help")
    [help_msg] = await bot_api.wait_messages(4242)
    assert "Commandes :" in help_msg["plain"]
    assert "surveille des flux" in help_msg["plain"]
    bot_api.send(chat, marie, "/subscribe bans")
    ok = (await bot_api.wait_messages(4242, 2))[1]
    assert ok["plain"].startswith("Abonné")
    bot_api.send(chat, marie, "/latest 99")
    hint = (await bot_api.wait_messages(4242, 3))[2]
    assert "Donnez un nombre de 1 à 20" in hint["plain"]
    ann = bot_api.user(4243, "Ann", lang="en")
    bot_api.send(bot_api.private_chat(ann), ann, "/subscriptions")
    [english] = await bot_api.wait_messages(4243)
    assert english["plain"].startswith("No subscriptions")


async def test_alerts_follow_a_private_subscribers_language_not_a_group_members(
    tmp_path: Path,
) -> None:
    async with Store.open(tmp_path / "bw.db") as store:
        commands = Commands(store, load_settings(env_file=None))
        await commands.run(Invocation("telegram", "7", "subscribe", "bans", lang="fr-FR"))
        await commands.run(
            Invocation("telegram", "-100", "subscribe", "bans", lang="fr", chat_kind="group")
        )
        await commands.run(Invocation("telegram", "8", "subscribe", "bans", lang="en"))
        private, group, english = [
            await store.chats.find("telegram", key) for key in ("7", "-100", "8")
        ]
        assert private is not None and private.lang == "fr"  # alerts and digests in French
        assert group is not None and group.lang is None  # only /language sets a group's
        assert english is not None and english.lang is None
        assert private.id is not None
        await commands.run(Invocation("telegram", "7", "language", "en", lang="fr"))
        await commands.run(Invocation("telegram", "7", "subscribe", "all", lang="fr"))
        again = await store.chats.get(private.id)
        assert again is not None and again.lang == "en"  # /language wins from then on
