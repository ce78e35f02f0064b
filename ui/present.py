"""Pure data shaping for the pages: service views in, plain rows, charts, images out.

No Streamlit and no records here: pages fetch with ``tracker.service`` and hand the
frozen views to these functions, which are tested without a running app.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from PIL import Image

from tracker.reports.model import ReportInput, ReportRow, TreatmentInfo, chart_row
from tracker.store.views import AssessmentView, Timeline, TimelineEntry, TreatmentView
from tracker.timeline.expected import expected_course

FLAG_LEVELS = ("monitor", "contact", "urgent")
#: Rectified photo timeline: a square of skin this wide, at this many pixels per millimetre.
RECTIFIED_SIZE_MM = 50.0
RECTIFIED_PX_PER_MM = 6.0


@dataclass(frozen=True)
class SiteChoice:
    """One photographed site of one treatment, as a check-in choice."""

    site_id: int
    treatment: TreatmentView
    label: str


def site_choices(timeline: Timeline) -> list[SiteChoice]:
    """Every site of every treatment, newest treatment first, labelled for a patient."""
    out = []
    for t in sorted(timeline.treatments, key=lambda t: (t.injected_at is not None, t.injected_at or datetime.min),
                    reverse=True):
        when = f"{t.injected_at:%d %b}" if t.injected_at else "date not set"
        for s in t.sites:
            out.append(SiteChoice(s.id, t, f"{t.product}, {s.name} ({when})"))
    return out


def site_entries(timeline: Timeline, site_id: int | None) -> list[TimelineEntry]:
    """The photos of one site (all photos when ``site_id`` is None), by capture time."""
    return [e for e in timeline.entries if site_id is None or e.photo.site_id == site_id]


def busiest_site(timeline: Timeline) -> int | None:
    """The site of the most recent photo (what a clinician wants to see first)."""
    return timeline.entries[-1].photo.site_id if timeline.entries else None


def latest_entry(timeline: Timeline, photo_id: int | None = None) -> TimelineEntry | None:
    if photo_id is not None:
        found = [e for e in timeline.entries if e.photo.id == photo_id]
        if found:
            return found[0]
    return timeline.entries[-1] if timeline.entries else None


def previous_entry(timeline: Timeline, entry: TimelineEntry) -> TimelineEntry | None:
    """The last usable photo of the same site taken before ``entry`` (one measured in mm² when
    ``entry`` is, so the two areas compare), if any."""
    same = [e for e in timeline.entries if e.photo.site_id == entry.photo.site_id]
    before = [e for e in same[: same.index(entry)] if e.measurement is not None and e.measurement.usable]
    if entry.measurement is not None and entry.measurement.area_mm2 is not None:
        before = [e for e in before if e.measurement.area_mm2 is not None] or before
    return before[-1] if before else None


def current_assessment(timeline: Timeline, site_id: int | None = None) -> AssessmentView | None:
    """The newest assessment of the site (or the most urgent current one)."""
    for a in timeline.current:
        if site_id is None or a.site_id in (site_id, None):
            return a
    return None


def open_assessments(timeline: Timeline) -> list[AssessmentView]:
    """Current assessments no clinician has acknowledged yet, most urgent first."""
    return [a for a in timeline.current if a.acknowledged_at is None]


# -- charts ---------------------------------------------------------------------------
def report_row(entry: TimelineEntry, overlay_jpeg: bytes | None = None) -> ReportRow | None:
    if entry.measurement is None:
        return None
    return ReportRow(
        taken_at=entry.photo.taken_at, hours_since_injection=entry.hours_since_injection,
        measurement=entry.measurement.measurement.to_dict(), overlay_jpeg=overlay_jpeg,
        level=entry.assessment.level if entry.assessment else None,
    )


def chart_rows(entries: Sequence[TimelineEntry]) -> list[dict[str, Any]]:
    """Rows for :func:`tracker.reports.charts.trend_chart`."""
    return [chart_row(r) for r in (report_row(e) for e in entries) if r is not None]


def flag_marks(entries: Sequence[TimelineEntry]) -> list[dict[str, Any]]:
    """``{"day", "level"}`` for each photo whose assessment raised a flag."""
    return [{"day": e.hours_since_injection / 24, "level": e.assessment.level}
            for e in entries
            if e.assessment and e.assessment.level in FLAG_LEVELS and e.hours_since_injection is not None]


def course_kind(entries: Sequence[TimelineEntry]) -> str:
    """"bruise" when bruise outweighs redness in the series, else "needle_redness"."""
    area = {"bruise": 0.0, "erythema": 0.0}
    for e in entries:
        if e.measurement is None:
            continue
        for r in e.measurement.measurement.redness.regions:
            area[r.kind] = area.get(r.kind, 0.0) + float(r.area_px)
    return "bruise" if area["bruise"] > area["erythema"] else "needle_redness"


def expected_band(entries: Sequence[TimelineEntry], *, beyond_days: float = 1.0) -> list[dict[str, float]]:
    """The expected course of the red area, scaled to the first measured area, drawn up to
    ``beyond_days`` after the last photo (so a short series is not squeezed by a two-week band)."""
    days = [e.hours_since_injection / 24 for e in entries if e.hours_since_injection is not None]
    for e in entries:
        m = e.measurement
        if m is not None and m.usable and m.area_mm2 and e.hours_since_injection is not None:
            course = expected_course(course_kind(entries))
            end_h = (max(days) + beyond_days) * 24
            hours = [h for h, _, _ in course.points if h < end_h] + [end_h]
            initial = float(m.area_mm2)
            return [{"day": h / 24, "low": lo * initial, "high": hi * initial}
                    for h, (lo, hi) in ((h, course.at(h)) for h in hours)]
    return []


# -- photos ---------------------------------------------------------------------------
def decode_jpeg(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def rectified(overlay_jpeg: bytes, entry: TimelineEntry, *, centre_mm: tuple[float, float] | None = None,
              size_mm: float = RECTIFIED_SIZE_MM, px_per_mm: float = RECTIFIED_PX_PER_MM) -> np.ndarray | None:
    """The outlined photo re-projected onto the skin plane at ``px_per_mm``, centred on the
    largest red area (else ``centre_mm``, else the card); ``None`` when the photo has no card."""
    from tracker.imaging.rectify import rectified_view

    m = entry.measurement.measurement if entry.measurement else None
    if m is None or not m.scale.marker_corners_px or not m.scale.marker_mm or not m.width:
        return None
    rgb = decode_jpeg(overlay_jpeg)
    image_scale = rgb.shape[1] / m.width
    centre = plane_centre(entry) or centre_mm or (m.scale.marker_mm / 2, m.scale.marker_mm / 2)
    return rectified_view(rgb, m.scale.marker_corners_px, m.scale.marker_mm, centre_mm=centre,
                          size_mm=size_mm, px_per_mm=px_per_mm, image_scale=image_scale)


def plane_centre(entry: TimelineEntry) -> tuple[float, float] | None:
    """Where the largest red area of the photo lies on the skin plane (mm from the card)."""
    from tracker.imaging.rectify import centre_on_plane

    m = entry.measurement.measurement if entry.measurement else None
    if m is None or not m.scale.marker_corners_px or not m.scale.marker_mm or not m.redness.regions:
        return None
    largest = max(m.redness.regions, key=lambda r: r.area_px)
    return centre_on_plane(m.scale.marker_corners_px, m.scale.marker_mm, tuple(largest.centroid_px))


def series_centre(entries: Sequence[TimelineEntry]) -> tuple[float, float] | None:
    """The median plane centre of the red areas over a series: where to look on photos without any."""
    centres = [c for c in (plane_centre(e) for e in entries) if c is not None]
    if not centres:
        return None
    xs, ys = zip(*centres)
    return float(np.median(xs)), float(np.median(ys))


# -- report ---------------------------------------------------------------------------
def report_input(timeline: Timeline, site_id: int | None, overlays: Mapping[int, bytes], *,
                 clinic: str | None, now: datetime) -> ReportInput:
    """Everything the PDF report shows for one site of one patient."""
    entries = site_entries(timeline, site_id)
    treatment = next((t for t in timeline.treatments if any(s.id == site_id for s in t.sites)), None)
    if treatment is None and timeline.treatments:
        treatment = timeline.treatments[-1]
    rows = tuple(r for r in (report_row(e, overlays.get(e.photo.id)) for e in entries) if r is not None)
    assessment = current_assessment(timeline, site_id)
    data = dict(assessment.data) if assessment else {"level": None, "reasons": []}
    if assessment is not None:
        data["reasons"] = [{"rule": r.rule, "text": r.text, "clinician_text": r.clinician_text, "source": r.source}
                           for r in assessment.reasons]
    return ReportInput(
        patient_label=timeline.patient.display_name, clinic=clinic,
        treatment=TreatmentInfo(injected_at=treatment.injected_at, product=treatment.product,
                                units=treatment.units, areas=treatment.areas) if treatment else TreatmentInfo(),
        generated_at=now, rows=rows, assessment=data,
        notes=tuple(f"{n.created_at:%Y-%m-%d %H:%M} {n.author_name or ''}: {n.text}" for n in timeline.notes),
        bands=tuple(expected_band(entries)),
    )
