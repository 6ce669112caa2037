"""Every chat command, written once against the core. Adapters translate messages to an
`Invocation` and render the `Reply`; they hold no command logic."""

from bot.commands.catalog import COMMANDS, CommandSpec, help_text
from bot.commands.dispatch import Commands, parse_command_line
from bot.commands.reply import Button, Entry, Invocation, Reply

__all__ = [
    "COMMANDS",
    "Button",
    "CommandSpec",
    "Commands",
    "Entry",
    "Invocation",
    "Reply",
    "help_text",
    "parse_command_line",
]
