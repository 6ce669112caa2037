"""JSON Lines in and out, for ``banwatch classify`` and ``banwatch eval``.

Input lines: ``{"id", "title", "summary", optional "lang", and for eval "label"}``.
A line that cannot be read gives ``{"id", "line", "error"}`` instead of a verdict; the
stream goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from bot.classify.classifier import Classifier
from bot.classify.metrics import CATEGORIES, EvalReport
from bot.models import Flag

__all__ = ["EvalReport", "classify_stream", "evaluate"]


class LineError(ValueError):
    """One input line is not a usable item."""


def _item(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"not JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(data, dict):
        raise LineError("not a JSON object")
    for key in ("title", "summary"):
        if not isinstance(data.get(key, ""), str):
            raise LineError(f'"{key}" must be a string')
    if not (data.get("title") or data.get("summary")):
        raise LineError('needs a "title" or a "summary"')
    lang = data.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise LineError('"lang" must be a string')
    return data


def _flag(classifier: Classifier, data: dict[str, Any]) -> Flag:
    return classifier.classify(data.get("title") or "", data.get("summary") or "", data.get("lang"))


def _verdict(item_id: object, flag: Flag, explain: bool = False) -> dict[str, object]:
    record: dict[str, object] = {
        "id": item_id,
        "category": flag.category.value,
        "score": flag.score,
        "evidence": list(flag.evidence),
        "entities": flag.entities.to_dict(),
        "lang": flag.lang,
    }
    if explain:
        record["rules"] = list(flag.rules)
    return record


def classify_stream(
    inp: Iterable[str], out: TextIO, classifier: Classifier, *, explain: bool = False
) -> int:
    """Classify every line of `inp`, write one JSON line per input line; return the count.

    Blank lines are skipped; a malformed line gets an error object, never an exception."""
    count = 0
    for number, line in enumerate(inp, start=1):
        if not line.strip():
            continue
        count += 1
        try:
            data = _item(line)
        except LineError as exc:
            record: dict[str, object] = {"id": None, "line": number, "error": str(exc)}
        else:
            record = _verdict(data.get("id"), _flag(classifier, data), explain)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return count


def evaluate(inp: Iterable[str], out: TextIO, classifier: Classifier) -> EvalReport:
    """Score `classifier` against the labels in `inp`; print the report to `out`."""
    report = EvalReport()
    for line in inp:
        if not line.strip():
            continue
        try:
            data = _item(line)
        except LineError:
            report.errors += 1
            continue
        label = data.get("label")
        if label not in CATEGORIES:
            report.errors += 1
            continue
        flag = _flag(classifier, data)
        report.add(str(label), flag.category.value, data.get("lang") or flag.lang)
    out.write(report.render() + "\n")
    return report


def rule_impact(paths: list[str], classifier: Classifier) -> dict[str, tuple[int, int, int]]:
    """For each rule of the rule book: (verdicts changed, of them fixed, of them broken) when
    it is switched off, over the labelled items of `paths`. A rule that changes one item or
    fewer is a patch, not a rule."""
    from bot.classify.rules import RULES

    items: list[dict[str, Any]] = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            items += [_item(line) for line in fh if line.strip()]
    base = [_flag(classifier, data).category.value for data in items]
    impact: dict[str, tuple[int, int, int]] = {}
    for rule in RULES:
        without = Classifier(classifier.thresholds, disabled={rule.id})
        changed = fixed = broken = 0
        for data, before in zip(items, base, strict=True):
            after = _flag(without, data).category.value
            if after != before:
                changed += 1
                fixed += after == data.get("label")
                broken += before == data.get("label")
        impact[rule.id] = (changed, fixed, broken)
    return impact
