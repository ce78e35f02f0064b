"""Plain inputs of the PDF report and the CSV export, and the per-photo figures both print.

The service builds these from stored records; reports never touch the database.
A row's ``measurement`` is the JSON photo object (``PhotoMeasurement.to_dict()``),
so the report reads exactly what was stored, in the units named in the keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.triage.fda import fda_grade

#: Printed at the foot of every report page.
DISCLAIMER = ("This report is not a diagnosis. It compares measurements with the expected course after "
              "injection; clinical judgement decides.")

#: What each assessment level asks for (shared/interfaces.md).
LEVEL_MEANINGS: dict[str, str] = {
    "expected": "Normal course after injection; self-care.",
    "monitor": "Keep tracking; mention at the next contact.",
    "contact": "Contact the injecting provider (today when there are signs of infection).",
    "urgent": "Seek emergency care now.",
}


@dataclass(frozen=True)
class TreatmentInfo:
    """What was injected, when and where, as entered by the patient or clinician."""

    injected_at: datetime | None = None
    product: str | None = None
    units: float | None = None
    areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportRow:
    """One photo of the series.

    ``level`` is the triage level as of this photo, when the service has it
    (the report does not assess photos itself); ``None`` prints as "–".
    """

    taken_at: datetime | None
    hours_since_injection: float | None
    measurement: dict[str, Any]
    overlay_jpeg: bytes | None = None
    level: str | None = None


@dataclass(frozen=True)
class ReportInput:
    """Everything one patient report shows.

    ``assessment`` is the JSON assessment object (``level``, ``reasons`` with
    ``rule``/``text``/``clinician_text``/``source``, ``fda_grade``, ``trend``).
    ``bands`` is the expected course of the red area for the chart
    (``{"day", "low", "high"}``, from the timeline); empty draws no band.
    """

    patient_label: str
    clinic: str | None
    treatment: TreatmentInfo
    generated_at: datetime
    rows: tuple[ReportRow, ...]
    assessment: dict[str, Any]
    notes: tuple[str, ...] = ()
    bands: tuple[dict[str, float], ...] = field(default=())


def photo_figures(row: ReportRow) -> dict[str, Any]:
    """The flat per-photo figures the table and the CSV print (``None`` where unknown).

    Keys: ``days_since_injection``, ``usable``, ``problems`` (tuple), ``area_mm2``,
    ``area_px``, ``mean_delta_a``, ``peak_delta_a``, ``n_regions``, ``kinds``
    (tuple, largest region first), ``max_diameter_mm`` (largest over all regions),
    ``fda_grade`` (triage's FDA 2007 grade of that diameter; ``None`` for an
    unusable or unscaled photo), ``bumps`` (count), ``algorithm_version``, ``file``.
    """
    m = row.measurement
    quality = m.get("quality") or {}
    redness = m.get("redness") or {}
    regions = sorted(redness.get("regions") or (), key=lambda r: r.get("area_px", 0), reverse=True)
    diameters = [r["max_diameter_mm"] for r in regions if r.get("max_diameter_mm") is not None]
    max_diameter_mm = max(diameters, default=None)
    usable = bool(quality.get("usable", False))
    hours = row.hours_since_injection
    if hours is None:
        hours = m.get("hours_since_injection")
    return {
        "hours_since_injection": hours,
        "days_since_injection": None if hours is None else hours / 24.0,
        "usable": usable,
        "problems": tuple(quality.get("problems") or ()),
        "area_mm2": redness.get("area_mm2"),
        "area_px": redness.get("area_px"),
        "mean_delta_a": redness.get("mean_delta_a"),
        "peak_delta_a": redness.get("peak_delta_a"),
        "n_regions": len(regions),
        "kinds": tuple(dict.fromkeys(r.get("kind", "?") for r in regions)),
        "max_diameter_mm": max_diameter_mm,
        "fda_grade": fda_grade(max_diameter_mm) if usable else None,
        "bumps": len(m.get("bumps") or ()),
        "algorithm_version": m.get("algorithm_version"),
        "file": m.get("file"),
    }


def chart_row(row: ReportRow) -> dict[str, Any]:
    """The plain row :func:`tracker.reports.charts.trend_chart` takes."""
    f = photo_figures(row)
    return {
        "day": f["days_since_injection"],
        "area_mm2": f["area_mm2"],
        "mean_delta_a": f["mean_delta_a"],
        "usable": f["usable"],
        "level": row.level,
        "problems": list(f["problems"]),
    }
