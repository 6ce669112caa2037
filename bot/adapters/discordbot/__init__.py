"""Discord: the only package that imports discord.py. (Named `discordbot` so that
`import discord` inside it finds the library, not this package.)"""

from bot.adapters.discordbot.app import DiscordAdapter
from bot.adapters.discordbot.transport import DiscordTransport

__all__ = ["DiscordAdapter", "DiscordTransport"]
