"""Banwatch: follow crypto platform bans and regulation from news feeds, in chat."""

__version__ = "0.1.0"
