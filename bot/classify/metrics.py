"""Precision, recall and F1 per category and per language, and the confusion matrix."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.models import Category

CATEGORIES = tuple(c.value for c in Category)


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int  # items whose label is this category

    @classmethod
    def of(cls, true_pos: int, predicted: int, actual: int) -> Scores:
        precision = true_pos / predicted if predicted else 0.0
        recall = true_pos / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1, actual)


@dataclass(slots=True)
class EvalReport:
    """Counts of (label, predicted) pairs, overall and per language, with scores on demand."""

    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_lang: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    errors: int = 0  # lines that could not be read or had no valid label

    def add(self, label: str, predicted: str, lang: str) -> None:
        self.pairs[(label, predicted)] += 1
        self.by_lang.setdefault(lang, Counter())[(label, predicted)] += 1

    @property
    def total(self) -> int:
        return sum(self.pairs.values())

    def scores(self, lang: str | None = None) -> dict[str, Scores]:
        pairs = self.pairs if lang is None else self.by_lang.get(lang, Counter())
        out: dict[str, Scores] = {}
        for cat in CATEGORIES:
            true_pos = pairs[(cat, cat)]
            predicted = sum(n for (_, p), n in pairs.items() if p == cat)
            actual = sum(n for (t, _), n in pairs.items() if t == cat)
            out[cat] = Scores.of(true_pos, predicted, actual)
        return out

    def macro_f1(self, lang: str | None = None) -> float:
        scores = self.scores(lang)
        return sum(s.f1 for s in scores.values()) / len(scores)

    def accuracy(self) -> float:
        right = sum(n for (t, p), n in self.pairs.items() if t == p)
        return right / self.total if self.total else 0.0

    def render(self) -> str:
        if not self.total:  # an empty file (say, a feedback export with no presses) is fine
            return f"items: 0   unreadable: {self.errors}   no labelled items: nothing to score"
        lines = [
            f"items: {self.total}   unreadable: {self.errors}   accuracy: {self.accuracy():.3f}"
        ]
        lines.append("")
        lines.append(f"{'':14}{'precision':>10}{'recall':>8}{'f1':>7}{'n':>6}")
        for scope in [None, *sorted(self.by_lang)]:
            lines.append(f"[{scope or 'all'}]  macro-F1 {self.macro_f1(scope):.3f}")
            for cat, s in self.scores(scope).items():
                lines.append(
                    f"  {cat:12}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>7.3f}{s.support:>6}"
                )
        lines.append("")
        lines.append("confusion (rows: label, columns: predicted)")
        lines.append(f"{'':14}" + "".join(f"{c:>12}" for c in CATEGORIES))
        for label in CATEGORIES:
            row = "".join(f"{self.pairs[(label, p)]:>12}" for p in CATEGORIES)
            lines.append(f"  {label:12}{row}")
        return "\n".join(lines)
