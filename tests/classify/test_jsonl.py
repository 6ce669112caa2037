"""`banwatch classify` and `banwatch eval` behaviour, through their functions."""

from __future__ import annotations

import io
import json

from bot.classify import Classifier
from bot.classify.jsonl import classify_stream, evaluate

LINES = [
    '{"id": "a", "title": "China bans bitcoin mining", "summary": "Farms must close."}',
    "{not json",
    "",
    '["a list"]',
    '{"id": "b", "title": "Bitcoin sube", "summary": "El precio sube un 5 %.", "lang": "es"}',
    '{"id": "c", "title": 42}',
]


def test_classify_stream_writes_one_line_per_item_and_survives_bad_lines(
    classifier: Classifier,
) -> None:
    out = io.StringIO()
    count = classify_stream(io.StringIO("\n".join(LINES) + "\n"), out, classifier)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == 5 == len(records)
    first = records[0]
    assert first["id"] == "a"
    assert first["category"] == "ban"
    assert set(first) == {"id", "category", "score", "evidence", "entities", "lang"}
    assert first["entities"]["jurisdictions"] == ["CN"]
    assert first["entities"]["action"] == "mining ban"
    assert first["lang"] == "en"
    assert records[1]["error"].startswith("not JSON")
    assert records[1]["line"] == 2
    assert "error" in records[2]
    assert records[3]["id"] == "b"
    assert records[3]["lang"] == "es"
    assert records[3]["category"] == "none"
    assert "must be a string" in records[4]["error"]


def test_evaluate_reports_per_category_per_language_and_confusion(
    classifier: Classifier,
) -> None:
    data = [
        {"id": 1, "title": "China bans bitcoin mining", "summary": "", "label": "ban"},
        {"id": 2, "title": "SEC sues crypto exchange", "summary": "", "label": "regulation"},
        {"id": 3, "title": "Bitcoin rises", "summary": "", "label": "none"},
        {"id": 4, "title": "La Chine interdit le minage de bitcoin", "summary": "", "label": "ban"},
        {"id": 5, "title": "Bitcoin climbs", "summary": "", "label": "ban"},
        {"id": 6, "title": "no label here", "summary": ""},
    ]
    inp = io.StringIO("\n".join(json.dumps(d) for d in data) + "\nnot json\n")
    out = io.StringIO()
    report = evaluate(inp, out, classifier)
    text = out.getvalue()
    assert report.total == 5
    assert report.errors == 2
    scores = report.scores()
    assert scores["ban"].precision == 1.0
    assert abs(scores["ban"].recall - 2 / 3) < 1e-9
    assert report.pairs[("ban", "none")] == 1
    assert set(report.by_lang) == {"en", "fr"}
    assert report.scores("fr")["ban"].f1 == 1.0
    for needle in ("precision", "recall", "f1", "[all]", "[en]", "[fr]", "confusion"):
        assert needle in text
    assert "macro-F1" in text
