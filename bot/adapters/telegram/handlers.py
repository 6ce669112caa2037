"""Telegram updates → core `Invocation`s, and the core's `Reply` back; nothing else.

Telegram's own rules live here: `/cmd@OtherBot` is not ours, a group's subscriptions belong
to its administrators, a group upgraded to a supergroup changes its id, a bot blocked or
removed stops talking to that chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace

from telegram import Bot, Chat, ChatMemberAdministrator, Message, Update, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.adapters.telegram.callbacks import CallbackCodec
from bot.adapters.telegram.transport import delivery_error, send_reply
from bot.commands import Commands, Invocation, Reply, parse_command_line
from bot.commands.channels import (
    CHANNEL_COMMANDS,
    ChannelProblem,
    channel_refusal,
    names_channel,
    split_channel,
)
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


def topic_of(message: Message) -> int | None:
    """The forum topic a message was sent in; None outside forums (a reply thread in a
    plain group has a message_thread_id too, but is not a topic) and in General."""
    return message.message_thread_id if message.is_topic_message else None


def for_channel_command(name: str, args: str) -> bool:
    """`/subscribe @channel …` and the like: a command a channel's administrator sends in
    private for the channel."""
    return canonical(name) in CHANNEL_COMMANDS and names_channel(args)


def request_of(bot: Bot, update: Update) -> str:
    """The id a redelivery of this update repeats (update ids are numbered per bot)."""
    return f"{PLATFORM}:{bot.id}:{update.update_id}"


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
        thread = topic_of(message)
        if kind == "private" and user is not None and for_channel_command(name, args):
            found = await self._for_channel(context.bot, user, name, args)
            if isinstance(found, Reply):
                await self.answer(context.bot, chat.id, found)
                return
            found = replace(found, request=request_of(context.bot, update))
            await self.answer(context.bot, chat.id, await self.commands.run(found))
            return
        inv = Invocation(
            platform=PLATFORM,
            chat_key=str(chat.id),
            command=name,
            args=args,
            user_id=str(user.id) if user else "",
            chat_kind=kind,
            can_manage=await self._can_manage(context.bot, chat, user, message, name),
            lang=user.language_code if user else None,
            thread=thread,
            request=request_of(context.bot, update),
        )
        reply = await self.commands.run(inv)
        await self.answer(context.bot, chat.id, reply, thread)

    async def _for_channel(self, bot: Bot, user: User, name: str, args: str) -> Invocation | Reply:
        """`/subscribe @channel bans` in a private chat: the command for that channel, once
        Telegram confirms the bot may post there and the sender administers it; else the
        refusal naming the fix."""
        handle, rest = split_channel(args)
        lang = user.language_code
        try:
            channel = await bot.get_chat(handle)
        except BadRequest:
            return channel_refusal(ChannelProblem.UNKNOWN, handle, lang)
        except TelegramError as exc:
            log.warning("could not look up %s: %s", handle, exc)
            return channel_refusal(ChannelProblem.CHECK_FAILED, handle, lang)
        if channel.type != ChatType.CHANNEL:
            return channel_refusal(ChannelProblem.NOT_CHANNEL, handle, lang)
        shown = f"@{channel.username}" if channel.username else handle
        problem = await self._channel_rights(bot, channel.id, user.id)
        if problem is not None:
            return channel_refusal(problem, shown, lang)
        return Invocation(
            platform=PLATFORM,
            chat_key=str(channel.id),
            command=name,
            args=rest,
            user_id=str(user.id),
            chat_kind="channel",
            can_manage=True,
            lang=lang,
            via=shown,
        )

    async def _channel_rights(
        self, bot: Bot, channel_id: int, user_id: int
    ) -> ChannelProblem | None:
        """None when the bot is an administrator who may post in the channel and the user
        is one of its administrators (getChatMember, both)."""
        try:
            me = await bot.get_chat_member(channel_id, bot.id)
        except (BadRequest, Forbidden):  # not a member: it may not even read the members
            return ChannelProblem.BOT_NOT_ADMIN
        except TelegramError as exc:
            log.warning("could not check the bot's rights in %s: %s", channel_id, exc)
            return ChannelProblem.CHECK_FAILED
        if me.status not in ADMIN_STATUSES:
            return ChannelProblem.BOT_NOT_ADMIN
        if isinstance(me, ChatMemberAdministrator) and not me.can_post_messages:
            return ChannelProblem.BOT_CANNOT_POST
        try:
            member = await bot.get_chat_member(channel_id, user_id)
        except BadRequest:  # "user not found": not in the channel at all
            return ChannelProblem.USER_NOT_ADMIN
        except TelegramError as exc:
            log.warning("could not check %s's rights in %s: %s", user_id, channel_id, exc)
            return ChannelProblem.CHECK_FAILED
        return None if member.status in ADMIN_STATUSES else ChannelProblem.USER_NOT_ADMIN

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
            request=request_of(context.bot, update),
        )
        reply = await self.commands.run(inv)
        thread = topic_of(message) if isinstance(message, Message) else None
        if reply.extra.get("kind") == "ack":  # feedback: answered in place, buttons kept
            await query.answer(reply.text[:ANSWER_MAX], show_alert=reply.error)
            return
        await query.answer()
        if isinstance(message, Message):  # the button has done its job: take it away
            with contextlib.suppress(BadRequest):
                await message.edit_reply_markup(reply_markup=None)
        await self.answer(context.bot, chat.id, reply, thread)

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

    async def answer(self, bot: Bot, chat_id: int, reply: Reply, thread: int | None = None) -> None:
        """Send a command's reply (into the forum topic it came from). A short flood wait is
        honoured once; a user who blocked the bot meanwhile is not an error."""
        try:
            await send_reply(bot, chat_id, reply, self.codec, thread)
        except RetryAfter as exc:
            wait = delivery_error(exc)
            assert isinstance(wait, RetryLater)  # noqa: S101 - mapped one to one
            if wait.retry_after > REPLY_WAIT_MAX:
                log.warning("reply to %s dropped: flood wait %.0fs", chat_id, wait.retry_after)
                return
            await asyncio.sleep(wait.retry_after)
            await send_reply(bot, chat_id, reply, self.codec, thread)
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
