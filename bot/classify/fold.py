"""Folding for matching: the project's one folding (`bot.text`), re-exported here because
the classifier's modules read better importing it from beside them."""

from bot.text import FoldedText, fold, fold_char

__all__ = ["FoldedText", "fold", "fold_char"]
