"""Every chat command, described once: /help, Telegram's command menu and Discord's slash
commands are all built from this list."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    usage: str  # argument synopsis, "" when none
    summary: str  # one line, for menus
    admin: bool = False  # bot administrators only (BOT_ADMINS)
    hidden: bool = False  # not in menus (e.g. /start)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "", "What Banwatch does and how to begin", hidden=True),
    CommandSpec("help", "", "List the commands"),
    CommandSpec("latest", "[N] [bans|regulation|all]", "Newest flagged items"),
    CommandSpec("search", "<words>", "Search every stored item"),
    CommandSpec("item", "<id>", "One item in full: summary, link, why flagged"),
    CommandSpec("subscribe", "[all|bans|regulation|keyword <word>]", "Get alerts in this chat"),
    CommandSpec("unsubscribe", "[all|bans|regulation|keyword <word>]", "Stop alerts"),
    CommandSpec("subscriptions", "", "What this chat is subscribed to"),
    CommandSpec("feeds", "", "The feeds watched, with their health"),
    CommandSpec("stats", "", "Counts: feeds, items, flags, alerts"),
    CommandSpec("addfeed", "<url>", "Watch a new feed", admin=True),
    CommandSpec("removefeed", "<id>", "Stop watching a feed", admin=True),
)

BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}

ABOUT = (
    "Banwatch watches crypto news feeds in many languages and flags the items about "
    "platform bans (accounts closed, apps pulled, mining or trading banned, tokens delisted) "
    "and regulation (laws, licences, regulators' actions, lawsuits, sanctions, tax), "
    "with the words that decided each flag."
)


def usage_line(spec: CommandSpec) -> str:
    return f"/{spec.name} {spec.usage}".rstrip()


def help_text(*, admin: bool = False) -> str:
    lines = [ABOUT, "", "Commands:"]
    for spec in COMMANDS:
        if spec.hidden or (spec.admin and not admin):
            continue
        lines.append(f"{usage_line(spec)} — {spec.summary}")
    lines += [
        "",
        "Examples: /latest 10 bans · /search wechat · /subscribe bans · /subscribe keyword binance",
    ]
    return "\n".join(lines)
