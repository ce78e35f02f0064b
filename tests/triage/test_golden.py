"""Every rule in the packaged rules.yaml fires on its must-fire cases and not on its must-not cases."""

from __future__ import annotations

import pytest

from tracker.triage import assess, load_rules
from tracker.triage.golden import case_inputs

RULES = load_rules()
CASES = [
    pytest.param(rule.id, key == "fires", case, id=f"{rule.id}-{key}-{i}")
    for rule in RULES.rules
    for key in ("fires", "does_not_fire")
    for i, case in enumerate(getattr(rule.cases, key))
]


def fired_rules(case: dict) -> list[str]:
    a = assess(**case_inputs(case), rules=RULES)
    return [r.rule for r in a.reasons + a.other_reasons]


@pytest.mark.parametrize(("rule_id", "must_fire", "case"), CASES)
def test_golden_case_fires_exactly_when_the_rules_file_says(rule_id: str, must_fire: bool, case: dict) -> None:
    assert (rule_id in fired_rules(case)) is must_fire


def test_every_rule_ships_cases_that_must_fire_and_cases_that_must_not() -> None:
    for rule in RULES.rules:
        assert rule.cases.fires and rule.cases.does_not_fire, rule.id

