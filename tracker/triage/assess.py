"""Assess a series: place the photos in time, gather findings and trends, apply the rules.

The level is the highest level of any rule that fires; ``reasons`` are every rule
at that level (``other_reasons`` keeps the lower ones for the clinician). The
G11 emergency rule is an ordinary ``urgent`` rule, so it overrides everything by
level alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from tracker.measurement import PhotoMeasurement
from tracker.timeline import Timeline, place_photos
from tracker.triage.checks import CHECKS
from tracker.triage.evidence import Evidence, gather
from tracker.triage.fda import fda_grade
from tracker.triage.rules import LEVEL_RANK, Rule, RuleSet, load_rules
from tracker.triage.symptoms import check_symptoms

#: The imaging problem of a photo whose compression can hide faint redness (tracker.measurement).
COMPRESSED = "compressed"


@dataclass(frozen=True)
class Reason:
    rule: str
    text: str
    clinician_text: str
    source: str
    level: str


@dataclass(frozen=True)
class TrendSummary:
    """Trend of the total red area (and of its intensity) over the recent photos."""

    area_change_per_day_pct: float | None
    direction: str | None
    intensity_change_per_day: float | None
    intensity_direction: str | None
    method: str
    n_points: int
    #: Measurement noise used, as a fraction of area (sd of log area), and where it came from.
    noise_sd: float
    noise_source: str
    erythema_direction: str | None = None
    bruise_direction: str | None = None


@dataclass(frozen=True)
class Assessment:
    level: str
    reasons: tuple[Reason, ...]
    fda_grade: int | None
    max_diameter_mm: float | None
    trend: TrendSummary
    advice: tuple[str, ...]
    notes: tuple[str, ...]
    disclaimer: str
    other_reasons: tuple[Reason, ...] = ()
    hours_since_injection: float | None = None
    time_basis: str = "since_injection"

    def to_dict(self) -> dict[str, Any]:
        """The interfaces.md ``assessment`` object, plus extra fields."""
        return {
            "level": self.level,
            "reasons": [asdict(r) for r in self.reasons],
            "fda_grade": self.fda_grade,
            "max_diameter_mm": _round(self.max_diameter_mm, 1),
            "trend": {
                **asdict(self.trend),
                "area_change_per_day_pct": _round(self.trend.area_change_per_day_pct, 1),
                "intensity_change_per_day": _round(self.trend.intensity_change_per_day, 2),
            },
            "advice": list(self.advice),
            "notes": list(self.notes),
            "disclaimer": self.disclaimer,
            "other_reasons": [asdict(r) for r in self.other_reasons],
            "hours_since_injection": _round(self.hours_since_injection, 1),
            "time_basis": self.time_basis,
        }


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(float(x), digits)


def _fmt(x: float | None, unit: str = "", digits: int = 0) -> str:
    return "unknown" if x is None else f"{x:.{digits}f}{unit}"


def _days(hours: float) -> str:
    return f"{hours / 24:.1f}".removesuffix(".0")


def _facts(ev: Evidence, trend: TrendSummary, grade: int | None) -> dict[str, str]:
    latest = ev.latest
    f = latest.findings if latest else None
    t = ev.elapsed_hours
    known = ev.time_known
    hours = "unknown" if t is None else f"{t:.0f} h" if known else f"≥{t:.0f} h"
    bumps = [d for d in (latest.bump_diameters_mm if latest else ()) if d is not None]
    return {
        "hours": hours,
        "days": "unknown" if t is None else _days(t) if known else f"at least {_days(t)}",
        "time_basis": {"since_injection": "since the injection", "since_first_photo": "since the first photo",
                       "order_only": "unknown (no capture times)"}[ev.timeline.mode],
        "erythema_mm2": _fmt(f["erythema"].area_mm2 if f else None, " mm²"),
        "bruise_mm2": _fmt(f["bruise"].area_mm2 if f else None, " mm²"),
        "area_mm2": _fmt(f["any"].area_mm2 if f else None, " mm²"),
        "max_diameter_mm": _fmt(f["any"].max_diameter_mm if f else None, " mm", 1),
        "fda_grade": "none (no scale)" if grade is None else str(grade),
        "delta_a": _fmt(f["any"].mean_delta_a if f else None, "", 1),
        "change_pct_per_day": "unknown" if trend.area_change_per_day_pct is None
        else f"{trend.area_change_per_day_pct:+.0f} %/day",
        "direction": trend.direction or "unknown",
        "intensity_direction": trend.intensity_direction or "unknown",
        "n_points": str(trend.n_points),
        "noise_pct": f"{trend.noise_sd * 100:.0f} % ({trend.noise_source})",
        "symptoms": ", ".join(sorted(ev.symptoms)) or "none reported",
        "bump_mm": ", ".join(f"{d:.1f} mm" for d in bumps) or ("present, unscaled" if latest and
                                                               latest.has_bump else "none"),
        "photo": (latest.placed.measurement.file or "latest photo") if latest else "none",
    }


def _trend_summary(ev: Evidence) -> TrendSummary:
    area, intensity = ev.area_trends["any"], ev.intensity_trends["any"]
    return TrendSummary(
        area_change_per_day_pct=area.change_per_day_pct,
        direction=area.direction if area.direction is not None else intensity.direction,
        intensity_change_per_day=intensity.slope_per_day,
        intensity_direction=intensity.direction,
        method=area.method if area.direction is not None else intensity.method,
        n_points=area.n_points if area.direction is not None else intensity.n_points,
        noise_sd=area.noise_sd,
        noise_source=area.noise_source,
        erythema_direction=ev.area_trends["erythema"].direction or ev.intensity_trends["erythema"].direction,
        bruise_direction=ev.area_trends["bruise"].direction or ev.intensity_trends["bruise"].direction,
    )


def _fire(rule: Rule, ev: Evidence, facts: dict[str, str]) -> Reason | None:
    extra = CHECKS[rule.check][1](ev, rule.params, rule.if_time_unknown)
    if extra is None:
        return None
    values = {**facts, **extra}
    return Reason(rule.id, rule.patient.format(**values), rule.clinician.format(**values), rule.source, rule.level)


def evaluate(ev: Evidence, rules: RuleSet) -> tuple[list[Reason], TrendSummary, int | None, float | None]:
    """Every rule that fires on the evidence, highest level first, plus trend and FDA grade."""
    trend = _trend_summary(ev)
    diameter = ev.latest.findings["any"].max_diameter_mm if ev.latest else None
    grade = fda_grade(diameter)
    facts = _facts(ev, trend, grade)
    fired = [r for r in (_fire(rule, ev, facts) for rule in rules.rules) if r is not None]
    fired.sort(key=lambda r: -LEVEL_RANK[r.level])
    return fired, trend, grade, diameter


def _assess_photos(measurements: list[PhotoMeasurement], injected_at: datetime | None, reported: frozenset[str],
                   rules: RuleSet, now: datetime | None
                   ) -> tuple[Timeline, Evidence, list[Reason], TrendSummary, int | None, float | None]:
    """Place the photos in time, gather the evidence, and evaluate the rules on it."""
    timeline = place_photos(measurements, injected_at=injected_at, now=now, late_photo_days=rules.late_photo_days)
    ev = gather(timeline, reported, presence=rules.presence, area_settings=rules.area_trend,
                intensity_settings=rules.intensity_trend)
    return (timeline, ev, *evaluate(ev, rules))


def _rank(fired: list[Reason]) -> int:
    """Rank of the level the fired rules give (highest first; none fired: expected)."""
    return LEVEL_RANK[fired[0].level] if fired else LEVEL_RANK["expected"]


def assess(
    measurements: Sequence[PhotoMeasurement],
    *,
    injected_at: datetime | None,
    symptoms: Iterable[str] = (),
    rules: RuleSet | None = None,
    now: datetime | None = None,
) -> Assessment:
    """Assess one injection site from its photo measurements and the reported symptoms.

    Parameters
    ----------
    measurements : sequence of PhotoMeasurement
        Any order; sorted by capture time. ``hours_since_injection`` when set is trusted.
    injected_at : datetime or None
        Injection time (naive = local time). ``None``: hours since injection are
        unknown, the assessment says so, and symptom rules still apply.
    symptoms : iterable of str
        Keys of :data:`tracker.triage.SYMPTOMS`; an unknown key raises InvalidArgumentError.
    rules : RuleSet, optional
        Default: the packaged rules.yaml.
    now : datetime, optional
        Current time, to note a latest photo that is days old.
    """
    reported = check_symptoms(symptoms)
    rules = rules or load_rules()
    measurements = list(measurements)
    timeline, ev, fired, trend, grade, diameter = _assess_photos(measurements, injected_at, reported, rules, now)
    notes: list[str] = []
    compressed = [m for m in measurements if m.quality.usable and COMPRESSED in m.quality.problems]
    if compressed:
        # A strongly compressed photo can show redness but not its absence: faint redness may not
        # survive the compression (tracker.imaging.redness.compression_limited). Where leaving such
        # photos out gives a more cautious level, they are left out: a persisting redness must not
        # turn "expected" because its latest photo came through a messaging app.
        kept = [m for m in measurements if not any(m is c for c in compressed)]
        without = _assess_photos(kept, injected_at, reported, rules, now)
        if _rank(without[2]) > _rank(fired):
            timeline, ev, fired, trend, grade, diameter = without
            names = ", ".join(m.file or "A photo" for m in compressed)
            it, was = ("it", "was") if len(compressed) == 1 else ("them", "were")
            notes.append(f"{names}: saved with strong compression (for example sent through a messaging app), "
                         f"in which faint redness may not show, so {'it' if it == 'it' else 'they'} {was} not "
                         f"counted: counting {it} would have given a less cautious answer. Please upload the "
                         "original photo straight from the phone's camera.")
    level = fired[0].level if fired else "expected"
    notes = list(timeline.notes) + list(ev.notes) + notes
    if ev.latest is not None and not ev.latest.scaled:
        notes.append("The latest photo had no reference card, so no size or FDA grade could be given.")
    if level == "urgent":
        advice = (rules.advice.by_level["urgent"], *rules.advice.emergency)
    else:
        advice = (rules.advice.by_level[level], *rules.advice.self_care)
    return Assessment(
        level=level,
        reasons=tuple(r for r in fired if r.level == level),
        fda_grade=grade,
        max_diameter_mm=diameter,
        trend=trend,
        advice=advice,
        notes=tuple(dict.fromkeys(notes)),
        disclaimer=rules.disclaimer,
        other_reasons=tuple(r for r in fired if r.level != level),
        hours_since_injection=ev.elapsed_hours if ev.time_known else None,
        time_basis=timeline.mode,
    )
