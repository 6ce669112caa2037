"""A channel run from a private chat with its administrator: `/subscribe @channel bans`.

A channel has no one typing commands in it, so its administrator talks to the bot in private
and names the channel first. The adapter asks its platform who may post and manage there
(Telegram's getChatMember) and hands the core an `Invocation` for the channel, with `via`
set to its @name; when a check fails it answers with `channel_refusal`, which names the fix.
"""

from __future__ import annotations

from enum import StrEnum

from bot.commands.reply import Reply
from bot.i18n import translator

# The commands an administrator may run for a channel from a private chat.
CHANNEL_COMMANDS = frozenset({"subscribe", "unsubscribe", "subscriptions", "digest", "language"})


class ChannelProblem(StrEnum):
    UNKNOWN = "unknown"  # no chat by that name, or the bot cannot see it
    NOT_CHANNEL = "not_channel"  # a group or a user, not a channel
    BOT_NOT_ADMIN = "bot_not_admin"  # the bot is not an administrator there
    BOT_CANNOT_POST = "bot_cannot_post"  # an administrator without the right to post
    USER_NOT_ADMIN = "user_not_admin"  # the sender is not one of its administrators
    CHECK_FAILED = "check_failed"  # the platform did not answer


def names_channel(args: str) -> bool:
    """`@channel bans`: the first word names a channel."""
    first = args.split(maxsplit=1)[0] if args.split() else ""
    return len(first) > 1 and first.startswith("@")


def split_channel(args: str) -> tuple[str, str]:
    """`@channel bans digest` → ("@channel", "bans digest")."""
    head, _, rest = args.strip().partition(" ")
    return head, rest.strip()


def channel_refusal(problem: ChannelProblem, channel: str, lang: str | None) -> Reply:
    """Why the bot will not act for that channel, and what to do about it."""
    _ = translator(lang)
    text = {
        ChannelProblem.UNKNOWN: _(
            "I can't find the channel {channel}. Check its @name, and add me to the channel "
            "as an administrator first."
        ),
        ChannelProblem.NOT_CHANNEL: _(
            "{channel} is not a channel. For a group, send the command inside the group."
        ),
        ChannelProblem.BOT_NOT_ADMIN: _(
            "I am not an administrator of {channel}. Add me in the channel's settings → "
            "Administrators, with the right to post messages, then try again."
        ),
        ChannelProblem.BOT_CANNOT_POST: _(
            "I am an administrator of {channel} but may not post there. Give me the "
            "“Post messages” right in its settings → Administrators, then try again."
        ),
        ChannelProblem.USER_NOT_ADMIN: _(
            "Only the administrators of {channel} can change its alerts. Ask one of them, or "
            "ask its owner to make you an administrator."
        ),
        ChannelProblem.CHECK_FAILED: _(
            "I could not check {channel} with Telegram just now. Try again in a minute."
        ),
    }[problem]
    return Reply(text.format(channel=channel), error=True)


def for_channel(reply: Reply, channel: str, lang: str | None) -> Reply:
    """A reply about a channel, sent to its administrator in private: says which channel."""
    _ = translator(lang)
    head = _("For {channel}:").format(channel=channel)
    return Reply(
        text=f"{head}\n{reply.text}" if reply.text else head,
        entries=reply.entries,
        footer=reply.footer,
        buttons=reply.buttons,
        error=reply.error,
        link_preview=reply.link_preview,
        extra=reply.extra,
    )
