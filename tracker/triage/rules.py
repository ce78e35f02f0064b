"""Load and validate the clinical rules file into typed, frozen objects.

``rules.yaml`` (in this package) holds every threshold, message and golden case;
see its header. Loading checks everything a typo could break and raises
:class:`tracker.errors.RulesError` naming the rule: an unknown level or check, a
missing or unknown ``source``, a misspelled or missing parameter, a placeholder
in a message that no figure fills, a golden case with an unknown field.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tracker.errors import RulesError
from tracker.timeline import TrendSettings
from tracker.triage.checks import CHECK_FACTS, CHECKS, ParameterError, build_params
from tracker.triage.evidence import PresenceSettings
from tracker.triage.golden import validate_case

LEVELS: tuple[str, ...] = ("expected", "monitor", "contact", "urgent")
LEVEL_RANK: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}

#: Guidance points of shared/clinical-guidance.md a rule may cite; "cosmetic" is its
#: "Cosmetic concerns" section (not numbered there).
SOURCES: frozenset[str] = frozenset({f"G{i}" for i in range(1, 12)} | {"cosmetic"})

#: Figures every message may use (formatted text, "unknown" when not measured).
FACT_NAMES: frozenset[str] = frozenset({
    "hours", "days", "time_basis", "erythema_mm2", "bruise_mm2", "area_mm2", "max_diameter_mm",
    "fda_grade", "delta_a", "change_pct_per_day", "direction", "intensity_direction", "n_points",
    "noise_pct", "symptoms", "bump_mm", "photo",
})

_RULE_KEYS = {"id", "level", "source", "check", "parameters", "patient", "clinician", "if_time_unknown",
              "rationale", "cases"}
_TOP_KEYS = {"version", "presence", "area_trend", "intensity_trend", "late_photo_days", "advice", "disclaimer",
             "rules"}


@dataclass(frozen=True)
class GoldenCases:
    fires: tuple[dict[str, Any], ...]
    does_not_fire: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    source: str
    check: str
    params: Any
    patient: str
    clinician: str
    if_time_unknown: str
    cases: GoldenCases
    rationale: str = ""

    def parameters_text(self) -> str:
        """``name=value`` for every parameter that is not left at its default."""
        values = [(f.name, getattr(self.params, f.name), f.default) for f in fields(self.params)]
        return ", ".join(f"{k}={_show(v)}" for k, v, default in values if v != default)


@dataclass(frozen=True)
class Advice:
    self_care: tuple[str, ...]
    emergency: tuple[str, ...]
    by_level: dict[str, str]


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    presence: PresenceSettings
    area_trend: TrendSettings
    intensity_trend: TrendSettings
    late_photo_days: float
    advice: Advice
    disclaimer: str
    origin: str

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def _show(v: Any) -> str:
    if isinstance(v, tuple):
        return "[" + ",".join(v) + "]"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _placeholders(text: str) -> set[str]:
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as exc:
        raise ParameterError(f"bad message template: {exc}") from None


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"missing {key} message")
    return " ".join(value.split())


def _rule(raw: Any, position: int) -> Rule:
    if not isinstance(raw, dict):
        raise RulesError(f"rule #{position} is not a mapping")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RulesError(f"rule #{position} has no id")
    try:
        unknown = sorted(set(raw) - _RULE_KEYS)
        if unknown:
            raise ParameterError(f"unknown field {', '.join(unknown)}; known: {', '.join(sorted(_RULE_KEYS))}")
        level = raw.get("level")
        if level not in LEVELS:
            raise ParameterError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")
        source = raw.get("source")
        if source is None:
            raise ParameterError("missing source (the guidance point, e.g. G4)")
        if source not in SOURCES:
            raise ParameterError(f"unknown source {source!r}; sources: G1 to G11, cosmetic")
        check = raw.get("check")
        if check not in CHECKS:
            raise ParameterError(f"unknown check {check!r}; checks: {', '.join(CHECKS)}")
        parameters = raw.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ParameterError("parameters must be a mapping")
        params = build_params(check, parameters)
        if_time_unknown = raw.get("if_time_unknown", "skip")
        if if_time_unknown not in ("fire", "skip"):
            raise ParameterError(f"if_time_unknown must be fire or skip, not {if_time_unknown!r}")
        patient, clinician = _text(raw, "patient"), _text(raw, "clinician")
        allowed = FACT_NAMES | CHECK_FACTS.get(check, frozenset())
        bad = sorted((_placeholders(patient) | _placeholders(clinician)) - allowed)
        if bad:
            raise ParameterError(f"message uses unknown figure {', '.join(bad)}; figures: {', '.join(sorted(allowed))}")
        cases = _cases(raw.get("cases"))
    except ParameterError as exc:
        raise RulesError(f"rule {rule_id}: {exc}") from None
    return Rule(rule_id, level, source, check, params, patient, clinician, if_time_unknown, cases,
                " ".join(str(raw.get("rationale", "")).split()))


def _cases(raw: Any) -> GoldenCases:
    if not isinstance(raw, dict) or set(raw) - {"fires", "does_not_fire"}:
        raise ParameterError("cases must be a mapping with fires and does_not_fire")
    out = {}
    for key in ("fires", "does_not_fire"):
        items = raw.get(key)
        if not isinstance(items, list) or not items:
            raise ParameterError(f"cases.{key} must list at least one golden case")
        for i, case in enumerate(items):
            problem = validate_case(case)
            if problem:
                raise ParameterError(f"cases.{key}[{i}]: {problem}")
        out[key] = tuple(items)
    return GoldenCases(**out)


def _settings(cls: type, raw: Any, section: str) -> Any:
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        raise RulesError(f"{section} must be a mapping")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known - {"source"})
    if unknown:
        raise RulesError(f"{section}: unknown setting {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for k, v in raw.items():
        if k != "source" and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise RulesError(f"{section}: {k} must be a number, not {v!r}")
    return cls(**{k: v for k, v in raw.items() if k != "source"})


def _advice(raw: Any) -> Advice:
    if not isinstance(raw, dict) or set(raw) != {"self_care", "emergency", "by_level"}:
        raise RulesError("advice must have self_care, emergency and by_level")
    by_level = raw["by_level"]
    if not isinstance(by_level, dict) or set(by_level) != set(LEVELS):
        raise RulesError(f"advice.by_level must have one line for each level: {', '.join(LEVELS)}")
    return Advice(tuple(" ".join(s.split()) for s in raw["self_care"]),
                  tuple(" ".join(s.split()) for s in raw["emergency"]),
                  {k: " ".join(str(v).split()) for k, v in by_level.items()})


def parse_rules(document: Any, *, origin: str = "<memory>") -> RuleSet:
    """Validate a parsed rules document (the YAML as Python objects) into a RuleSet."""
    if not isinstance(document, dict):
        raise RulesError(f"{origin}: the rules file must be a mapping")
    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise RulesError(f"{origin}: unknown section {', '.join(unknown)}; known: {', '.join(sorted(_TOP_KEYS))}")
    raw_rules = document.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError(f"{origin}: no rules")
    rules = tuple(_rule(r, i + 1) for i, r in enumerate(raw_rules))
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise RulesError(f"rule {r.id}: the id is used twice")
        seen.add(r.id)
    disclaimer = document.get("disclaimer")
    if not isinstance(disclaimer, str) or not disclaimer.strip():
        raise RulesError(f"{origin}: missing disclaimer")
    return RuleSet(
        rules=rules,
        presence=_settings(PresenceSettings, document.get("presence"), "presence"),
        area_trend=_settings(TrendSettings, document.get("area_trend"), "area_trend"),
        intensity_trend=_settings(TrendSettings, document.get("intensity_trend"), "intensity_trend"),
        late_photo_days=float(document.get("late_photo_days", 60)),
        advice=_advice(document.get("advice")),
        disclaimer=" ".join(disclaimer.split()),
        origin=origin,
    )


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load a rules file (default: the packaged rules.yaml, cached)."""
    if path is None:
        return _default_rules()
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot read the rules file: {exc}") from None
    return parse_rules(document, origin=str(path))


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    text = resources.files("tracker.triage").joinpath("rules.yaml").read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"tracker/triage/rules.yaml: not valid YAML: {exc}") from None
    return parse_rules(document, origin="tracker/triage/rules.yaml")


def format_rules_table(rules: RuleSet | None = None) -> str:
    """The rules as a plain-text table (id, level, source, check, parameters) for a clinician to audit."""
    rules = rules or load_rules()
    rows = [("id", "level", "source", "check", "parameters")]
    for r in rules.rules:
        params = r.parameters_text()
        if r.if_time_unknown == "fire":
            params = (params + ", " if params else "") + "fires when injection time unknown"
        rows.append((r.id, r.level, r.source, r.check, params))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row[:4], widths)) + "  " + row[4] for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(line.rstrip() for line in lines)
