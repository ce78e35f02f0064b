"""Triage: clinical rules as data, evaluated over a photo series and reported symptoms (pure).

- :func:`assess` -- measurements + injection time + symptoms -> :class:`Assessment`.
- :func:`load_rules` / :func:`format_rules_table` -- the rules file, validated, and its audit table.
- :data:`SYMPTOMS` -- symptom keys with plain-language labels; ``emergency`` marks G11.
"""

from __future__ import annotations

from tracker.triage.assess import Assessment, Reason, TrendSummary, assess
from tracker.triage.fda import fda_grade
from tracker.triage.rules import LEVELS, Rule, RuleSet, format_rules_table, load_rules, parse_rules
from tracker.triage.symptoms import EMERGENCY_SYMPTOMS, SYMPTOMS, Symptom, check_symptoms

__all__ = [
    "EMERGENCY_SYMPTOMS", "LEVELS", "SYMPTOMS", "Assessment", "Reason", "Rule", "RuleSet", "Symptom",
    "TrendSummary", "assess", "check_symptoms", "fda_grade", "format_rules_table", "load_rules", "parse_rules",
]
