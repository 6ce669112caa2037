"""Telegram: the only package that imports python-telegram-bot."""

from bot.adapters.telegram.app import TelegramAdapter, telegram_sender
from bot.adapters.telegram.transport import TelegramTransport

__all__ = ["TelegramAdapter", "TelegramTransport", "telegram_sender"]
