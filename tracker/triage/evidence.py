"""What the rules look at: per-photo findings by kind, and the trend of each kind.

Definitions (parameters in rules.yaml ``presence``):

- A kind of redness (``erythema``, ``bruise``, or ``any``) is *present* in a photo
  when its area is at least ``min_area_mm2`` (scaled photo) or ``min_area_px``
  (unscaled photo), and, for erythema, its mean excess redness or its peak (a
  core visibly redder) is at least ``min_delta_a`` (one just-noticeable
  difference in CIELAB a*). The same blood moves a* about three times less on
  the darkest skin than on mid-tone skin: over a peaked spot's area the mean
  stays under the JND there while its core is plainly redder. Bruises are found by darkness and
  hue, so their a* excess can be small; area alone counts.
- When imaging reports a total red area without regions, it is counted as
  erythema (the kind with the stricter rules), never dropped.
- Area trends use scaled photos only (pixel areas from different distances are
  not sizes); intensity trends use every usable photo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from tracker.measurement import PhotoMeasurement, Region
from tracker.timeline import (
    PlacedPhoto, Timeline, Trend, TrendSettings, direction_by_order, fit_trend,
    group_repeats,
)

Kind = Literal["erythema", "bruise", "any"]
KINDS: tuple[Kind, ...] = ("erythema", "bruise", "any")


@dataclass(frozen=True)
class PresenceSettings:
    min_area_mm2: float = 2.0
    min_area_px: int = 40
    min_delta_a: float = 2.3


@dataclass(frozen=True)
class KindFinding:
    """One kind of redness in one photo."""

    area_mm2: float | None
    area_px: int
    mean_delta_a: float
    max_diameter_mm: float | None
    present: bool


@dataclass(frozen=True)
class Observation:
    """One usable photo, placed in time, with its findings by kind."""

    placed: PlacedPhoto
    scaled: bool
    findings: dict[str, KindFinding]
    bump_diameters_mm: tuple[float | None, ...]

    @property
    def t_hours(self) -> float | None:
        return self.placed.t_hours

    @property
    def has_bump(self) -> bool:
        return bool(self.bump_diameters_mm)


@dataclass(frozen=True)
class Evidence:
    timeline: Timeline
    observations: tuple[Observation, ...]
    area_trends: dict[str, Trend]
    intensity_trends: dict[str, Trend]
    symptoms: frozenset[str]
    notes: tuple[str, ...] = field(default=())
    presence: PresenceSettings = PresenceSettings()
    area_settings: TrendSettings = TrendSettings()
    intensity_settings: TrendSettings = TrendSettings()

    def trends_since(self, kind: str, hours: float) -> tuple[Trend, Trend]:
        """Area and intensity trends of ``kind`` over the photos taken at least ``hours`` after the injection.

        Photos without a time (order-only series) are all kept: leaving them out could hide growth.
        """
        if hours <= 0 or self.timeline.mode == "order_only":
            return self.area_trends[kind], self.intensity_trends[kind]
        later = tuple(o for o in self.observations if o.t_hours is not None and o.t_hours >= hours)
        return _kind_trends(later, self.timeline, kind, self.presence, self.area_settings,
                            self.intensity_settings)

    @property
    def latest(self) -> Observation | None:
        return self.observations[-1] if self.observations else None

    @property
    def time_known(self) -> bool:
        return self.timeline.time_known

    @property
    def elapsed_hours(self) -> float | None:
        """Hours since injection of the latest photo; a lower bound when the time is unknown."""
        return self.latest.t_hours if self.latest else None


def _regions(m: PhotoMeasurement) -> tuple[Region, ...]:
    r = m.redness
    if r.regions or r.area_px <= 0:
        return r.regions
    diameter = 2.0 * math.sqrt(r.area_mm2 / math.pi) if r.area_mm2 is not None else None
    return (Region("erythema", r.area_px, r.area_mm2, diameter, r.mean_delta_a, (0, 0), r.peak_delta_a),)


def _finding(regions: list[Region], scaled: bool, kind: str, presence: PresenceSettings) -> KindFinding:
    area_px = sum(x.area_px for x in regions)
    area_mm2 = sum(x.area_mm2 or 0.0 for x in regions) if scaled else None
    delta_a = sum(x.mean_delta_a * x.area_px for x in regions) / area_px if area_px else 0.0
    diameters = [x.max_diameter_mm for x in regions if x.max_diameter_mm is not None]
    max_diameter = max(diameters, default=0.0) if scaled else None
    big_enough = area_mm2 >= presence.min_area_mm2 if scaled else area_px >= presence.min_area_px
    peak = max((x.peak_delta_a for x in regions), default=0.0)
    red_enough = kind == "bruise" or max(delta_a, peak) >= presence.min_delta_a or (
        kind == "any" and any(x.kind == "bruise" for x in regions)
    )
    return KindFinding(area_mm2, area_px, delta_a, max_diameter, bool(regions) and big_enough and red_enough)


def observe(placed: PlacedPhoto, presence: PresenceSettings) -> Observation:
    m = placed.measurement
    regions = _regions(m)
    findings = {
        kind: _finding([x for x in regions if kind == "any" or x.kind == kind], m.scaled, kind, presence)
        for kind in KINDS
    }
    if findings["any"].present is False and (findings["erythema"].present or findings["bruise"].present):
        findings["any"] = KindFinding(**{**findings["any"].__dict__, "present": True})
    return Observation(placed, m.scaled, findings, tuple(b.diameter_mm for b in m.bumps))


def _kind_trends(
    observations: tuple[Observation, ...], timeline: Timeline, kind: str, presence: PresenceSettings,
    area_settings: TrendSettings, intensity_settings: TrendSettings,
) -> tuple[Trend, Trend]:
    floor = presence.min_area_mm2
    scaled = [o for o in observations if o.scaled]
    log_area = [math.log(max(o.findings[kind].area_mm2 or 0.0, floor)) for o in scaled]
    intensity = [o.findings[kind].mean_delta_a if o.findings[kind].area_px else 0.0 for o in observations]
    if timeline.mode == "order_only":
        return (
            direction_by_order(log_area, sd=area_settings.default_sd, min_change=area_settings.min_change),
            direction_by_order(intensity, sd=intensity_settings.default_sd,
                               min_change=intensity_settings.min_change),
        )
    return (
        fit_trend([o.t_hours for o in scaled], log_area, settings=area_settings),
        fit_trend([o.t_hours for o in observations], intensity, settings=intensity_settings),
    )


def gather(
    timeline: Timeline, symptoms: frozenset[str], *, presence: PresenceSettings,
    area_settings: TrendSettings, intensity_settings: TrendSettings,
) -> Evidence:
    """Findings and trends of a placed series, plus notes on what could not be compared."""
    observations = tuple(observe(p, presence) for p in timeline.photos)
    notes: list[str] = []
    unscaled = [o for o in observations if not o.scaled]
    if unscaled:
        notes.append(
            f"{len(unscaled)} photo{'s' if len(unscaled) > 1 else ''} had no reference card: used for whether "
            "redness is there and how red it is, but not compared as sizes."
        )
    if timeline.mode != "order_only" and any(
        len(g) > 1 for g in group_repeats([o.t_hours for o in observations],
                                          repeat_window_hours=area_settings.repeat_window_hours)
    ):
        notes.append("Some photos were taken within minutes of each other; they were averaged and used to "
                     "estimate measurement noise, not counted as separate days.")
    area, intensity = {}, {}
    for kind in KINDS:
        area[kind], intensity[kind] = _kind_trends(
            observations, timeline, kind, presence, area_settings, intensity_settings
        )
    return Evidence(timeline, observations, area, intensity, symptoms, tuple(notes), presence, area_settings,
                    intensity_settings)
