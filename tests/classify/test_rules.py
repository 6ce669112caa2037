"""The rule book: every declared rule has cases where it fires and where it must not, every
verdict names its rules, and rules can be switched off to measure them."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from bot.classify import Classifier
from bot.classify.rules import RULE_IDS, RULES
from bot.models import Category

from .conftest import DATA

CASES: list[dict[str, Any]] = [
    json.loads(line) for line in (DATA / "rules.jsonl").read_text("utf-8").splitlines() if line
]


def _fired(rules: tuple[str, ...]) -> set[str]:
    return {rule.split(" ")[0] for rule in rules}


def test_every_rule_has_a_case_where_it_fires_and_one_where_it_must_not() -> None:
    for rule in RULES:
        kinds = {case["fires"] for case in CASES if case["rule"] == rule.id}
        assert kinds == {True, False}, rule.id
    assert {case["rule"] for case in CASES} <= RULE_IDS


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['rule']}-{'fires' if c['fires'] else 'not'}" for c in CASES]
)
def test_rule_fires_on_its_cases_only(classifier: Classifier, case: dict[str, Any]) -> None:
    flag = classifier.classify(case["title"], case["summary"], case.get("lang"))
    assert (case["rule"] in _fired(flag.rules)) is case["fires"], flag


def test_a_cancelled_ban_names_the_rule_and_the_words(classifier: Classifier) -> None:
    flag = classifier.classify("Bears banned from the rally as bitcoin climbs", "", "en")
    assert flag.category is Category.NONE
    assert any(r.startswith("ban.loose") and '"banned"' in r for r in flag.rules), flag.rules


def test_switching_a_rule_off_changes_what_it_decided() -> None:
    title = "Droits de douane : un tribunal fédéral bloque les taxes de Trump, le bitcoin réagit"
    text = "La Cour du commerce international a jugé illégaux une grande partie des tarifs."
    assert Classifier().classify(title, text, "fr").category is Category.NONE
    without = Classifier(disabled={"ban.other-field", "item.other-field", "ban.off-topic"})
    flag = without.classify(title, text, "fr")
    assert flag.category is Category.BAN
    assert not _fired(flag.rules) & {"ban.other-field", "item.other-field"}


def test_an_unknown_rule_id_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="banwatch rules"):
        Classifier(disabled={"ban.nonsense"})


def test_cli_explain_and_rules_list() -> None:
    item = json.dumps({"id": 7, "title": "Bears banned from the rally", "summary": ""})
    run = [sys.executable, "-m", "bot", "classify", "--explain"]
    out = subprocess.run(run, input=item, capture_output=True, text=True, check=True, timeout=60)
    verdict = json.loads(out.stdout)
    assert verdict["category"] == "none"
    assert any(r.startswith("ban.loose") for r in verdict["rules"])
    listing = subprocess.run(
        [sys.executable, "-m", "bot", "rules"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert all(rule.id in listing for rule in RULES)
