"""Every chat command, described once: /help, Telegram's command menu and Discord's slash
commands are all built from this list."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import translator


def N_(message: str) -> str:
    return message


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    usage: str  # argument synopsis, "" when none
    summary: str  # one line, for menus
    admin: bool = False  # bot administrators only (BOT_ADMINS)
    hidden: bool = False  # not in menus (e.g. /start)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "", N_("What Banwatch does and how to begin"), hidden=True),
    CommandSpec("help", "", N_("List the commands")),
    CommandSpec("latest", "[N] [bans|regulation|all] [page N]", N_("Newest flagged items")),
    CommandSpec("search", "<words> [page N]", N_("Search every stored item")),
    CommandSpec("item", "<id>", N_("One item in full: summary, link, why flagged")),
    CommandSpec("why", "<id>", N_("Why an item was flagged, or not: the rules that decided")),
    CommandSpec("useful", "<id>", N_("Mark an alert useful (its 👍 button)")),
    CommandSpec("wrong", "<id>", N_("Mark an alert a wrong flag (its 👎 button)")),
    CommandSpec(
        "subscribe",
        "[all|bans|regulation|keyword <word>] [in <jurisdiction>…] [on <platform>…]"
        " [by <regulator>…] [instant|digest]",
        N_("Get alerts in this chat"),
    ),
    CommandSpec(
        "unsubscribe",
        "[<number>|all|bans|regulation|keyword <word>] [in …] [on …] [by …]",
        N_("Stop alerts"),
    ),
    CommandSpec("subscriptions", "", N_("What this chat is subscribed to")),
    CommandSpec("digest", "[on [HH:MM] [timezone]|off|now]", N_("One message a day")),
    CommandSpec("language", "[en|fr]", N_("The language I answer in")),
    CommandSpec("feeds", "", N_("The feeds watched, with their health")),
    CommandSpec("stats", "", N_("Counts: feeds, items, flags, alerts")),
    CommandSpec("addfeed", "<url>", N_("Watch a new feed"), admin=True),
    CommandSpec("removefeed", "<id>", N_("Stop watching a feed"), admin=True),
    CommandSpec("enablefeeds", "[id]", N_("Poll disabled feeds again (all, or one)"), admin=True),
)

BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}

ABOUT = N_(
    "Banwatch watches crypto news feeds in many languages and flags the items about "
    "platform bans (accounts closed, apps pulled, mining or trading banned, tokens delisted) "
    "and regulation (laws, licences, regulators' actions, lawsuits, sanctions, tax), "
    "with the words that decided each flag."
)


def usage_line(spec: CommandSpec) -> str:
    return f"/{spec.name} {spec.usage}".rstrip()


def help_text(*, admin: bool = False, lang: str | None = None) -> str:
    _ = translator(lang)
    lines = [_(ABOUT), "", _("Commands:")]
    for spec in COMMANDS:
        if spec.hidden or (spec.admin and not admin):
            continue
        lines.append(f"{usage_line(spec)} — {_(spec.summary)}")
    lines += [
        "",
        _(
            "Examples: /latest 10 bans · /search wechat · /subscribe bans · "
            "/subscribe keyword binance"
        ),
        _(
            "/subscribe regulation digest: regulation only in the daily digest, bans instant "
            "· /digest on 08:00 Europe/Paris · /language fr"
        ),
        _(
            "Targeted: /subscribe bans on WeChat · /subscribe regulation in EU FR · "
            "/subscribe all by SEC — names as you write them (China, eu, x, twitter)"
        ),
        _("Every alert has 👍 Useful and 👎 Wrong flag buttons; /why 42 explains any item."),
    ]
    return "\n".join(lines)
