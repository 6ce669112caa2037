"""Telegram: the only package that imports python-telegram-bot."""

from bot.adapters.telegram.app import TelegramAdapter
from bot.adapters.telegram.transport import TelegramTransport

__all__ = ["TelegramAdapter", "TelegramTransport"]
