"""Classify news items as ban, regulation or none, with evidence and entities.

Usage::

    from bot.classify import Classifier, Thresholds
    flag = Classifier(Thresholds(ban=0.6, regulation=0.5)).classify(title, text, lang=None)
"""

from bot.classify.classifier import Classifier, Thresholds
from bot.classify.detect import detect_language

__all__ = ["Classifier", "Thresholds", "detect_language"]
