"""Telegram updates → core `Invocation`s, and the core's `Reply` back; nothing else.

Telegram's own rules live here: `/cmd@OtherBot` is not ours, a group's subscriptions belong
to its administrators, a group upgraded to a supergroup changes its id, a bot blocked or
removed stops talking to that chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Bot, Chat, Message, Update, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.adapters.telegram.callbacks import CallbackCodec
from bot.adapters.telegram.transport import delivery_error, send_reply
from bot.commands import Commands, Invocation, Reply, parse_command_line
from bot.commands.dispatch import ALIASES, HANDLERS
from bot.commands.notices import apology, button_expired
from bot.errors import RetryLater
from bot.store import Store

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
PLATFORM = "telegram"
MANAGING = frozenset(
    {"subscribe", "unsubscribe", "digest", "language"}
)  # commands that change a chat's settings
ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
REPLY_WAIT_MAX = 10.0  # a reply waits this long for flood control, then gives up
ANSWER_MAX = 200  # characters of a callback query's answer (answerCallbackQuery)


def chat_kind(chat: Chat) -> str:
    if chat.type == ChatType.PRIVATE:
        return "private"
    return "channel" if chat.type == ChatType.CHANNEL else "group"


def canonical(name: str) -> str | None:
    """The core's name for a command, or None when the core has no such command."""
    folded = name.casefold()
    folded = ALIASES.get(folded, folded)
    return folded if folded in HANDLERS else None


class Handlers:
    def __init__(self, commands: Commands, store: Store, codec: CallbackCodec) -> None:
        self.commands = commands
        self.store = store
        self.codec = codec

    async def command(self, update: Update, context: Context) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        parsed = parse_command_line(message.text)
        if parsed is None:
            return
        head, args = parsed
        name, _, addressee = head.partition("@")
        if addressee and addressee.casefold() != (context.bot.username or "").casefold():
            return  # /cmd@OtherBot
        kind = chat_kind(chat)
        if kind != "private" and not addressee and canonical(name) is None:
            return  # in a group, an unknown bare /cmd is probably another bot's
        user = update.effective_user
        inv = Invocation(
            platform=PLATFORM,
            chat_key=str(chat.id),
            command=name,
            args=args,
            user_id=str(user.id) if user else "",
            chat_kind=kind,
            can_manage=await self._can_manage(context.bot, chat, user, message, name),
            lang=user.language_code if user else None,
        )
        reply = await self.commands.run(inv)
        await self.answer(context.bot, chat.id, reply)

    async def button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        press = self.codec.decode(query.data or "")
        message = query.message
        if press is None or message is None:
            await query.answer(button_expired(query.from_user.language_code))
            return
        chat, user = message.chat, query.from_user
        inv = Invocation(
            platform=PLATFORM,
            chat_key=str(chat.id),
            command=press.command,
            args=press.args,
            user_id=str(user.id),
            chat_kind=chat_kind(chat),
            can_manage=await self._can_manage(context.bot, chat, user, None, press.command),
            page=press.page,
            lang=user.language_code,
        )
        reply = await self.commands.run(inv)
        if reply.extra.get("kind") == "ack":  # feedback: answered in place, buttons kept
            await query.answer(reply.text[:ANSWER_MAX], show_alert=reply.error)
            return
        await query.answer()
        if isinstance(message, Message):  # the button has done its job: take it away
            with contextlib.suppress(BadRequest):
                await message.edit_reply_markup(reply_markup=None)
        await self.answer(context.bot, chat.id, reply)

    async def text(self, update: Update, context: Context) -> None:
        """Plain text in a private chat: point to the commands."""
        chat = update.effective_chat
        if chat is not None:
            await self.answer(context.bot, chat.id, Reply("Send /help to see what I can do."))

    async def migrate(self, update: Update, context: Context) -> None:
        """A group became a supergroup: its id changed; follow it."""
        message = update.effective_message
        if message is None:
            return
        if message.migrate_to_chat_id:
            old, new = message.chat.id, message.migrate_to_chat_id
        elif message.migrate_from_chat_id:
            old, new = message.migrate_from_chat_id, message.chat.id
        else:
            return
        found = await self.store.chats.find(PLATFORM, str(old))
        if found is not None and found.id is not None:
            await self.store.chats.move(found.id, str(new))
            log.info("chat %s moved to %s", old, new)

    async def membership(self, update: Update, context: Context) -> None:
        """The bot was blocked, kicked or left: stop sending there."""
        change = update.my_chat_member
        if change is None:
            return
        if change.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            found = await self.store.chats.find(PLATFORM, str(change.chat.id))
            if found is not None and found.id is not None and found.active:
                await self.store.chats.deactivate(found.id, f"bot {change.new_chat_member.status}")
                log.info("chat %s removed the bot; deactivated", change.chat.id)

    async def error(self, update: object, context: Context) -> None:
        """The one error handler: the log gets the detail, the user a short apology."""
        log.error("handling a Telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                user = update.effective_user
                text = apology(user.language_code if user is not None else None)
                await context.bot.send_message(update.effective_chat.id, text)
            except TelegramError as exc:
                log.warning("could not send the apology: %s", exc)

    async def answer(self, bot: Bot, chat_id: int, reply: Reply) -> None:
        """Send a command's reply. A short flood wait is honoured once; a user who blocked
        the bot meanwhile is not an error."""
        try:
            await send_reply(bot, chat_id, reply, self.codec)
        except RetryAfter as exc:
            wait = delivery_error(exc)
            assert isinstance(wait, RetryLater)  # noqa: S101 - mapped one to one
            if wait.retry_after > REPLY_WAIT_MAX:
                log.warning("reply to %s dropped: flood wait %.0fs", chat_id, wait.retry_after)
                return
            await asyncio.sleep(wait.retry_after)
            await send_reply(bot, chat_id, reply, self.codec)
        except Forbidden as exc:
            log.info("reply to %s not delivered: %s", chat_id, exc.message)

    async def _can_manage(
        self, bot: Bot, chat: Chat, user: User | None, message: Message | None, command: str
    ) -> bool:
        """May this user change this chat's subscriptions? In groups: its administrators."""
        if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
            return True
        if canonical(command) not in MANAGING:
            return False  # not needed: spare the API call
        if message is not None and message.sender_chat is not None:
            return message.sender_chat.id == chat.id  # an anonymous administrator
        if user is None:
            return False
        try:
            member = await bot.get_chat_member(chat.id, user.id)
        except TelegramError as exc:
            log.warning("could not check %s's rights in %s: %s", user.id, chat.id, exc)
            return False
        return member.status in ADMIN_STATUSES
