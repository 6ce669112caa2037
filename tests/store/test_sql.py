"""One SQL text for both backends: `?` and `:name` become PostgreSQL's `$n`, and nothing else
changes (quoted text, `::` casts)."""

from __future__ import annotations

import pytest

from bot.store.sql import numbered, placeholders


def test_question_marks_are_numbered_in_order() -> None:
    sql, values = numbered("SELECT * FROM items WHERE id = ? AND feed_id = ? LIMIT ?", (7, 3, 5))
    assert sql == "SELECT * FROM items WHERE id = $1 AND feed_id = $2 LIMIT $3"
    assert values == [7, 3, 5]


def test_names_are_numbered_once_each_and_their_values_ordered() -> None:
    sql, values = numbered(
        "SELECT 1 WHERE a <= :now AND b > :now AND c <> :owner LIMIT :limit",
        {"limit": 9, "owner": "me", "now": "2026-01-01"},
    )
    assert sql == "SELECT 1 WHERE a <= $1 AND b > $1 AND c <> $2 LIMIT $3"
    assert values == ["2026-01-01", "me", 9]


def test_quoted_text_and_casts_are_left_alone() -> None:
    sql, values = numbered(
        "SELECT '?', 'it''s :not a name', \"odd?col\" FROM t WHERE g @> ?::text[]", (["a"],)
    )
    assert sql == "SELECT '?', 'it''s :not a name', \"odd?col\" FROM t WHERE g @> $1::text[]"
    assert values == [["a"]]


def test_mixing_both_kinds_is_refused() -> None:
    with pytest.raises(ValueError, match="mixes"):
        numbered("SELECT ? WHERE a = :a", {"a": 1})


def test_an_in_list_is_never_empty() -> None:
    assert placeholders(3) == "?, ?, ?"
    with pytest.raises(ValueError, match="at least one"):
        placeholders(0)
