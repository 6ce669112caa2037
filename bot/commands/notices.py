"""Short texts the adapters send on their own (an apology after a fault, an expired button),
kept in the message catalogue with every other reply."""

from __future__ import annotations

from bot.i18n import translator


def apology(lang: str | None) -> str:
    _ = translator(lang)
    return _("Sorry, something went wrong on my side. Please try again in a minute.")


def button_expired(lang: str | None) -> str:
    _ = translator(lang)
    return _("This button has expired; run the command again.")
