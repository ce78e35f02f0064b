"""The rules file is validated at load: every mistake is an error naming the rule."""

from __future__ import annotations

import copy
from importlib import resources

import pytest
import yaml

from tracker.errors import RulesError
from tracker.triage import assess, format_rules_table, load_rules, parse_rules
from tracker.triage.golden import case_inputs

DOCUMENT = yaml.safe_load(resources.files("tracker.triage").joinpath("rules.yaml").read_text(encoding="utf-8"))


def edited(rule_id: str, **changes) -> dict:
    doc = copy.deepcopy(DOCUMENT)
    rule = next(r for r in doc["rules"] if r["id"] == rule_id)
    for key, value in changes.items():
        if value is None:
            rule.pop(key, None)
        else:
            rule[key] = value
    return doc


def load_error(doc: dict) -> str:
    with pytest.raises(RulesError) as info:
        parse_rules(doc)
    return str(info.value)


def test_the_packaged_rules_load_and_cover_every_guidance_point():
    rules = load_rules()
    assert {r.source for r in rules.rules} == {f"G{i}" for i in range(1, 12)} | {"cosmetic"}
    assert load_rules() is rules  # cached


def test_an_unknown_level_is_an_error_naming_the_rule():
    message = load_error(edited("redness-persisting", level="watch"))
    assert message.startswith("rule redness-persisting:")
    assert "unknown level 'watch'" in message


def test_a_missing_source_is_an_error_naming_the_rule():
    message = load_error(edited("bump-persisting", source=None))
    assert message == "rule bump-persisting: missing source (the guidance point, e.g. G4)"


def test_an_unknown_source_is_an_error_naming_the_rule():
    assert "unknown source 'G12'" in load_error(edited("bump-persisting", source="G12"))


def test_a_misspelled_parameter_is_an_error_naming_the_rule_and_the_known_ones():
    message = load_error(edited("redness-persisting", parameters={"kind": "erythema", "after_hour": 24}))
    assert message.startswith("rule redness-persisting: unknown parameter after_hour")
    assert "after_hours" in message


def test_a_missing_required_parameter_is_an_error_naming_the_rule():
    message = load_error(edited("spot-persisting", parameters={"after_hours": 168}))
    assert message.startswith("rule spot-persisting: missing parameter kind")


def test_a_parameter_of_the_wrong_type_is_an_error():
    message = load_error(edited("spot-persisting", parameters={"kind": "erythema", "after_hours": "7 days"}))
    assert "after_hours must be a number" in message


def test_an_unknown_symptom_in_a_rule_is_an_error():
    doc = edited("infection-signs", parameters={"symptoms": ["puss"], "after_hours": 24})
    assert "unknown symptom keys ['puss']" in load_error(doc)


def test_a_message_figure_that_does_not_exist_is_an_error():
    message = load_error(edited("redness-persisting", clinician="Erythema {erythema_cm2} at {hours}"))
    assert "unknown figure erythema_cm2" in message


def test_a_rule_without_golden_cases_is_an_error():
    message = load_error(edited("clear-skin", cases={"fires": [{"photos": [{"h": 30}]}]}))
    assert "cases.does_not_fire must list at least one golden case" in message


def test_a_golden_case_with_a_misspelled_field_is_an_error():
    doc = edited("clear-skin", cases={"fires": [{"photos": [{"hours": 30}]}],
                                      "does_not_fire": [{"photos": [{"h": 30, "erythema_mm2": 9}]}]})
    assert "rule clear-skin: cases.fires[0]" in load_error(doc)


def test_a_duplicate_rule_id_is_an_error():
    doc = copy.deepcopy(DOCUMENT)
    doc["rules"].append(copy.deepcopy(doc["rules"][0]))
    assert load_error(doc) == "rule emergency-symptoms: the id is used twice"


def test_a_misspelled_trend_setting_is_an_error():
    doc = copy.deepcopy(DOCUMENT)
    doc["area_trend"]["window_hour"] = 48
    assert "area_trend: unknown setting window_hour" in load_error(doc)


def test_a_clinic_can_judge_persisting_redness_at_24_hours():
    case = {"photos": [{"h": 30, "erythema_mm2": 20}]}
    assert assess(**case_inputs(case)).level == "expected"
    clinic = parse_rules(edited("redness-persisting", parameters={"kind": "erythema", "after_hours": 24},
                                cases={"fires": [case], "does_not_fire": [{"photos": [{"h": 20}]}]}))
    a = assess(**case_inputs(case), rules=clinic)
    assert a.level == "monitor"
    assert [r.rule for r in a.reasons] == ["redness-persisting"]


def test_a_rules_file_on_disk_loads_and_a_broken_one_names_the_file(tmp_path):
    good = tmp_path / "rules.yaml"
    good.write_text(yaml.safe_dump(DOCUMENT), encoding="utf-8")
    assert len(load_rules(good).rules) == len(DOCUMENT["rules"])
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules: [", encoding="utf-8")
    with pytest.raises(RulesError, match="broken.yaml"):
        load_rules(broken)


def test_the_rules_table_lists_id_level_source_and_parameters():
    table = format_rules_table()
    lines = table.splitlines()
    assert lines[0].split() == ["id", "level", "source", "check", "parameters"]
    row = next(line for line in lines if line.startswith("redness-persisting "))
    assert row.split()[:4] == ["redness-persisting", "monitor", "G4", "present"]
    assert "after_hours=48" in row
    assert len(lines) == 2 + len(load_rules().rules)
