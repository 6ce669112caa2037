"""/language [en|fr]: the language the bot answers in, for this chat."""

from __future__ import annotations

from bot.commands.catalog import N_
from bot.commands.context import Context
from bot.commands.reply import Invocation, Reply
from bot.errors import UsageError
from bot.i18n import LANGUAGES, NAMES, translator

SENTENCE_NAMES = {"en": N_("English"), "fr": N_("French")}
_WORDS = {"english": "en", "anglais": "en", "french": "fr", "français": "fr", "francais": "fr"}


async def language(ctx: Context, inv: Invocation) -> Reply:
    """Without an argument: the current language and the choices. With one: switch."""
    _ = translator(inv.lang)
    arg = inv.args.strip().casefold()
    choices = ", ".join(f"{code} ({NAMES[code]})" for code in LANGUAGES)
    if not arg:
        return Reply(
            _("I answer here in {name}. Choices: {choices} — e.g. /language fr").format(
                name=NAMES[inv.lang or "en"], choices=choices
            )
        )
    code = _WORDS.get(arg, arg)
    if code not in LANGUAGES:
        raise UsageError(
            _("I don't speak {what} yet. Choices: {choices}.").format(
                what=repr(arg[:20]), choices=choices
            )
        )
    if not inv.can_manage:
        return Reply(_("Only this group's administrators can change its language."), error=True)
    chat = await ctx.store.chats.ensure(inv.platform, inv.chat_key, inv.chat_kind)
    assert chat.id is not None  # noqa: S101 - stored chats have ids
    await ctx.store.chats.set_lang(chat.id, code)
    _ = translator(code)
    return Reply(_("From now on I answer here in {name}.").format(name=_(SENTENCE_NAMES[code])))
