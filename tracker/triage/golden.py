"""Golden cases: compact series descriptions in rules.yaml, turned into real measurements.

A case is ``{photos: [...], symptoms: [...], injected: true}``; each photo is
``{h: hours since injection, erythema_mm2, bruise_mm2, erythema_delta_a,
erythema_peak_delta_a (default 1.5 times the mean), bruise_delta_a,
erythema_diameter_mm, bruise_diameter_mm, bumps_mm: [...],
scaled: true, usable: true, problems: [...], px_per_mm2: 100}`` (only ``h`` is required). With
``injected: false`` the injection time is withheld and photos carry only their
capture time. :func:`synthetic_measurement` is the same factory for tests.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Sequence

from tracker.measurement import Bump, PhotoMeasurement, Quality, Redness, Region, Scale

#: Injection time of every golden case (any fixed local time would do).
CASE_INJECTED_AT = datetime(2026, 1, 5, 9, 0)

_CASE_KEYS = {"photos", "symptoms", "injected"}
_PHOTO_KEYS = {"h", "erythema_mm2", "bruise_mm2", "erythema_delta_a", "erythema_peak_delta_a",
               "bruise_delta_a", "erythema_diameter_mm", "bruise_diameter_mm", "bumps_mm", "scaled", "usable",
               "problems", "px_per_mm2"}


def validate_case(case: Any) -> str | None:
    """What is wrong with a golden case, or ``None``."""
    if not isinstance(case, dict):
        return "a case must be a mapping"
    unknown = sorted(set(case) - _CASE_KEYS)
    if unknown:
        return f"unknown case field {', '.join(unknown)}; known: {', '.join(sorted(_CASE_KEYS))}"
    photos = case.get("photos", [])
    if not isinstance(photos, list):
        return "photos must be a list"
    for i, photo in enumerate(photos):
        if not isinstance(photo, dict) or "h" not in photo:
            return f"photo {i + 1} must be a mapping with h (hours since injection)"
        unknown = sorted(set(photo) - _PHOTO_KEYS)
        if unknown:
            return f"photo {i + 1}: unknown field {', '.join(unknown)}; known: {', '.join(sorted(_PHOTO_KEYS))}"
    if not isinstance(case.get("symptoms", []), list):
        return "symptoms must be a list"
    return None


def _region(kind: str, area_mm2: float, delta_a: float, diameter_mm: float | None, scaled: bool,
            px_per_mm2: float, peak_delta_a: float | None = None) -> Region:
    diameter = diameter_mm if diameter_mm is not None else 2.0 * math.sqrt(area_mm2 / math.pi)
    return Region(
        kind=kind, area_px=int(round(area_mm2 * px_per_mm2)), area_mm2=area_mm2 if scaled else None,
        max_diameter_mm=diameter if scaled else None, mean_delta_a=delta_a, centroid_px=(400, 300),
        peak_delta_a=delta_a * 1.5 if peak_delta_a is None else peak_delta_a,
        max_diameter_px=diameter * math.sqrt(px_per_mm2),
    )


def synthetic_measurement(
    *,
    taken_at: datetime | None,
    erythema_mm2: float = 0.0,
    bruise_mm2: float = 0.0,
    erythema_delta_a: float = 8.0,
    erythema_peak_delta_a: float | None = None,
    bruise_delta_a: float = 4.0,
    erythema_diameter_mm: float | None = None,
    bruise_diameter_mm: float | None = None,
    bumps_mm: Sequence[float] = (),
    scaled: bool = True,
    usable: bool = True,
    problems: Sequence[str] = (),
    px_per_mm2: float = 100.0,
    hours_since_injection: float | None = None,
    file: str | None = None,
) -> PhotoMeasurement:
    """A PhotoMeasurement as imaging would report it for the given areas (circular regions).

    ``problems``: the quality problems imaging reported (default: none, or ``blurry`` when not
    ``usable``); a blocking one makes the photo unusable whatever ``usable`` says.
    """
    regions = tuple(
        _region(kind, area, delta_a, diameter, scaled, px_per_mm2, peak)
        for kind, area, delta_a, diameter, peak in (
            ("erythema", erythema_mm2, erythema_delta_a, erythema_diameter_mm, erythema_peak_delta_a),
            ("bruise", bruise_mm2, bruise_delta_a, bruise_diameter_mm, None),
        )
        if area > 0
    )
    area_px = sum(r.area_px for r in regions)
    mean = sum(r.mean_delta_a * r.area_px for r in regions) / area_px if area_px else 0.0
    redness = Redness(
        area_mm2=(erythema_mm2 + bruise_mm2) if scaled else None, area_px=area_px, mean_delta_a=mean,
        peak_delta_a=max((r.peak_delta_a for r in regions), default=0.0), regions=regions,
    )
    mm_per_px = 1.0 / math.sqrt(px_per_mm2)
    return PhotoMeasurement(
        file=file, taken_at=taken_at,
        quality=Quality.from_problems(([] if scaled else ["no_card"]) + (
            list(problems) if problems else [] if usable else ["blurry"])),
        scale=Scale(mm_per_px=mm_per_px, source="marker") if scaled else Scale(mm_per_px=None, source=None),
        redness=redness,
        bumps=tuple(Bump(diameter_mm=d if scaled else None, diameter_px=d / mm_per_px, centroid_px=(410, 310))
                    for d in bumps_mm),
        hours_since_injection=hours_since_injection,
        taken_at_source="exif" if taken_at else None,
    )


def case_inputs(case: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :func:`tracker.triage.assess` from a golden case."""
    injected = case.get("injected", True)
    measurements = []
    for i, photo in enumerate(case.get("photos", [])):
        kw = {k: v for k, v in photo.items() if k != "h"}
        taken_at = CASE_INJECTED_AT + timedelta(hours=float(photo["h"]))
        measurements.append(synthetic_measurement(taken_at=taken_at, file=f"photo{i + 1}.jpg", **kw))
    return {
        "measurements": measurements,
        "injected_at": CASE_INJECTED_AT if injected else None,
        "symptoms": tuple(case.get("symptoms", ())),
    }
