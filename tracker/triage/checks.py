"""The conditions a rule can test, each with its typed, validated parameters.

A rule in rules.yaml names one check (``check: present``) and gives its
parameters; the loader builds the check's parameter dataclass, so a misspelled
or missing parameter is an error at load time naming the rule.

Every check returns ``None`` (did not fire) or a dict of extra figures for the
clinician message. Time thresholds are hours since the injection of the latest
usable photo. When the injection time is unknown, hours since the first photo
are a lower bound: a threshold that bound reaches is met; otherwise the rule's
``if_time_unknown`` decides (``fire`` for rules where a miss would be worse than
an extra call, ``skip`` otherwise).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any, Callable, Literal

from tracker.measurement import BLOCKING_PROBLEMS, PhotoMeasurement
from tracker.triage.evidence import KINDS, Evidence
from tracker.triage.symptoms import SYMPTOMS

IfTimeUnknown = Literal["fire", "skip"]


class ParameterError(ValueError):
    """A rule parameter is invalid; the loader adds the rule id."""


def reached(ev: Evidence, hours: float, if_time_unknown: IfTimeUnknown) -> bool:
    """Whether the latest photo is at least ``hours`` after the injection."""
    if hours <= 0:
        return True
    t = ev.elapsed_hours
    if t is not None and t >= hours:
        return True
    return not ev.time_known and if_time_unknown == "fire"


def before(ev: Evidence, hours: float | None) -> bool:
    """Whether the latest photo is known to be earlier than ``hours`` after the injection."""
    if hours is None:
        return True
    return ev.time_known and ev.elapsed_hours is not None and ev.elapsed_hours < hours


def direction(ev: Evidence, kind: str) -> str | None:
    """Direction of a kind: by area when photos are scaled, else by intensity."""
    area = ev.area_trends[kind].direction
    return area if area is not None else ev.intensity_trends[kind].direction


def _present(ev: Evidence, kind: str) -> bool:
    return ev.latest is not None and ev.latest.findings[kind].present


# --- parameter types -------------------------------------------------------------------------


def _check_kind(value: str) -> None:
    if value not in KINDS:
        raise ParameterError(f"kind must be one of {', '.join(KINDS)}, not {value!r}")


def _check_symptoms(keys: tuple[str, ...]) -> None:
    unknown = [k for k in keys if k not in SYMPTOMS]
    if unknown:
        raise ParameterError(f"unknown symptom keys {unknown}; known: {', '.join(SYMPTOMS)}")


@dataclass(frozen=True)
class PresentParams:
    kind: str
    after_hours: float = 0.0
    before_hours: float | None = None
    #: Do not fire when the kind is clearly shrinking ("has not subsided", G7).
    unless_shrinking: bool = False

    def __post_init__(self) -> None:
        _check_kind(self.kind)


@dataclass(frozen=True)
class GrowingParams:
    kind: str
    after_hours: float = 0.0
    before_hours: float | None = None
    #: ``area``, ``intensity`` or ``either`` (larger or redder).
    measure: str = "either"
    #: Only photos taken at least this long after the injection count for the trend
    #: (e.g. a bruise may spread for its first two days, G2).
    since_hours: float = 0.0

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        if self.measure not in ("area", "intensity", "either"):
            raise ParameterError(f"measure must be area, intensity or either, not {self.measure!r}")


@dataclass(frozen=True)
class LateOnsetParams:
    kind: str
    #: An earlier photo at least this long after the injection showed none of this kind.
    clear_after_hours: float

    def __post_init__(self) -> None:
        _check_kind(self.kind)


@dataclass(frozen=True)
class SymptomsParams:
    symptoms: tuple[str, ...]
    after_hours: float = 0.0
    #: Fire only when this kind of redness is present in the latest photo.
    with_redness: str | None = None

    def __post_init__(self) -> None:
        _check_symptoms(self.symptoms)
        if not self.symptoms:
            raise ParameterError("symptoms must list at least one key")
        if self.with_redness is not None:
            _check_kind(self.with_redness)


@dataclass(frozen=True)
class BumpParams:
    after_hours: float = 0.0
    before_hours: float | None = None
    #: Fire only when one of these symptoms is reported too.
    with_symptoms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_symptoms(self.with_symptoms)


@dataclass(frozen=True)
class DiameterParams:
    kind: str
    min_mm: float
    max_mm: float | None = None

    def __post_init__(self) -> None:
        _check_kind(self.kind)


@dataclass(frozen=True)
class RefusedParams:
    #: Problems of a photo that could not be measured (tracker.measurement) that the rule is about.
    problems: tuple[str, ...]

    def __post_init__(self) -> None:
        unknown = [p for p in self.problems if p not in BLOCKING_PROBLEMS]
        if not self.problems or unknown:
            raise ParameterError("problems must list problems that stop a measurement ("
                                 + ", ".join(sorted(BLOCKING_PROBLEMS)) + ")"
                                 + (f"; unknown: {', '.join(unknown)}" if unknown else ""))


@dataclass(frozen=True)
class NoParams:
    pass


# --- checks ----------------------------------------------------------------------------------

Facts = dict[str, str]


def check_present(ev: Evidence, p: PresentParams, unknown: IfTimeUnknown) -> Facts | None:
    if not (_present(ev, p.kind) and reached(ev, p.after_hours, unknown) and before(ev, p.before_hours)):
        return None
    if p.unless_shrinking and direction(ev, p.kind) == "shrinking":
        return None
    return {}


def check_growing(ev: Evidence, p: GrowingParams, unknown: IfTimeUnknown) -> Facts | None:
    if not (_present(ev, p.kind) and reached(ev, p.after_hours, unknown) and before(ev, p.before_hours)):
        return None
    area_trend, intensity_trend = ev.trends_since(p.kind, p.since_hours)
    area = area_trend.direction == "growing"
    redder = intensity_trend.direction == "growing"
    hit = {"area": area, "intensity": redder, "either": area or redder}[p.measure]
    if not hit:
        return None
    return {"growing_by": " and ".join(w for w, on in (("larger", area), ("redder", redder)) if on)}


def check_late_onset(ev: Evidence, p: LateOnsetParams, unknown: IfTimeUnknown) -> Facts | None:
    if not _present(ev, p.kind) or ev.latest is None:
        return None
    for o in ev.observations[:-1]:
        if o.t_hours is not None and o.t_hours >= p.clear_after_hours and not o.findings[p.kind].present:
            return {"clear_at": f"{o.t_hours:.0f} h"}
    return None


def check_symptoms(ev: Evidence, p: SymptomsParams, unknown: IfTimeUnknown) -> Facts | None:
    hit = [k for k in p.symptoms if k in ev.symptoms]
    if not hit or not reached(ev, p.after_hours, unknown):
        return None
    if p.with_redness is not None and not _present(ev, p.with_redness):
        return None
    return {"matched_symptoms": ", ".join(SYMPTOMS[k].label.lower() for k in hit)}


def check_bump(ev: Evidence, p: BumpParams, unknown: IfTimeUnknown) -> Facts | None:
    seen = ev.latest is not None and ev.latest.has_bump
    if not (seen or "bump" in ev.symptoms):
        return None
    if not (reached(ev, p.after_hours, unknown) and before(ev, p.before_hours)):
        return None
    if p.with_symptoms and not any(k in ev.symptoms for k in p.with_symptoms):
        return None
    return {"bump_seen": "seen in the photo" if seen else "reported by the patient"}


def check_diameter(ev: Evidence, p: DiameterParams, unknown: IfTimeUnknown) -> Facts | None:
    if ev.latest is None or not _present(ev, p.kind):
        return None
    d = ev.latest.findings[p.kind].max_diameter_mm
    if d is None or d < p.min_mm or (p.max_mm is not None and d > p.max_mm):
        return None
    return {}


def check_time_unknown(ev: Evidence, p: NoParams, unknown: IfTimeUnknown) -> Facts | None:
    if ev.time_known:
        return None
    something = ev.latest is not None and (ev.latest.findings["any"].present or ev.latest.has_bump)
    return {} if something or ev.symptoms else None


def check_no_usable_photo(ev: Evidence, p: NoParams, unknown: IfTimeUnknown) -> Facts | None:
    return {} if ev.latest is None else None


def check_refused_latest(ev: Evidence, p: RefusedParams, unknown: IfTimeUnknown) -> Facts | None:
    """The latest photo taken could not be measured, for one of ``p.problems``: the rules cannot
    see what it shows, and the usable photos before it may no longer tell the story."""
    refused = [(i, m) for i, m in ev.timeline.refused if any(x in m.quality.problems for x in p.problems)]
    if not refused:
        return None
    index, photo = max(refused, key=lambda r: _order_key(r[0], r[1]))
    latest = ev.latest
    if latest is not None and _order_key(latest.placed.index, latest.placed.measurement) > _order_key(index, photo):
        return None
    found = [x for x in p.problems if x in photo.quality.problems]
    return {"refused_problems": ", ".join(found), "refused_photo": photo.file or f"photo {index + 1}"}


def _order_key(index: int, m: PhotoMeasurement) -> tuple:
    """Sort key of a photo in capture order: its capture time (naive, as the clock compares
    them) when known, then its position in the order given."""
    taken = m.taken_at.replace(tzinfo=None) if m.taken_at is not None else None
    return (taken is not None, taken or index, index)


def check_clear(ev: Evidence, p: NoParams, unknown: IfTimeUnknown) -> Facts | None:
    if ev.latest is None or ev.latest.findings["any"].present or ev.latest.has_bump:
        return None
    return {}


CheckFn = Callable[[Evidence, Any, IfTimeUnknown], "Facts | None"]

CHECKS: dict[str, tuple[type, CheckFn]] = {
    "present": (PresentParams, check_present),
    "growing": (GrowingParams, check_growing),
    "late_onset": (LateOnsetParams, check_late_onset),
    "symptoms": (SymptomsParams, check_symptoms),
    "bump": (BumpParams, check_bump),
    "diameter": (DiameterParams, check_diameter),
    "time_unknown": (NoParams, check_time_unknown),
    "no_usable_photo": (NoParams, check_no_usable_photo),
    "refused_latest": (RefusedParams, check_refused_latest),
    "clear": (NoParams, check_clear),
}

#: Extra figures each check can add to the clinician message.
CHECK_FACTS: dict[str, frozenset[str]] = {
    "growing": frozenset({"growing_by"}),
    "late_onset": frozenset({"clear_at"}),
    "symptoms": frozenset({"matched_symptoms"}),
    "bump": frozenset({"bump_seen"}),
    "refused_latest": frozenset({"refused_problems", "refused_photo"}),
}


def build_params(check: str, raw: dict[str, Any]) -> Any:
    """Typed parameters for ``check`` from the rules file; raises ParameterError naming the problem."""
    cls = CHECKS[check][0]
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ParameterError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} for check {check!r}; "
            f"known: {', '.join(known) or 'none'}"
        )
    values: dict[str, Any] = {}
    for name, f in known.items():
        if name not in raw:
            continue
        values[name] = _coerce(name, str(f.type), raw[name])
    try:
        return cls(**values)
    except TypeError as exc:
        missing = [n for n, f in known.items()
                   if n not in raw and f.default is MISSING and f.default_factory is MISSING]
        raise ParameterError(f"missing parameter {', '.join(missing) or exc} for check {check!r}") from None


def _coerce(name: str, type_text: str, value: Any) -> Any:
    if value is None:
        if "None" in type_text:
            return None
        raise ParameterError(f"parameter {name} must not be empty")
    if type_text.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"parameter {name} must be a number, not {value!r}")
        return float(value)
    if type_text == "bool":
        if not isinstance(value, bool):
            raise ParameterError(f"parameter {name} must be true or false, not {value!r}")
        return value
    if type_text.startswith("tuple"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParameterError(f"parameter {name} must be a list of keys, not {value!r}")
        return tuple(value)
    if not isinstance(value, str):
        raise ParameterError(f"parameter {name} must be text, not {value!r}")
    return value
