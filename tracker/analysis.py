"""Analyse one photo series without the database: the ``python -m tracker analyze`` use case.

Produces the JSON document of shared/interfaces.md. Photos are decoded one at a
time (memory stays bounded by one photo), sorted by capture time when every
photo carries one, else kept in the order given.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

import cv2

from tracker.errors import InvalidArgumentError, TrackerError
from tracker.measurement import PhotoMeasurement



def analyze_series(photos: Sequence[str | Path], *, injected_at: datetime | None = None, marker_mm: float = 20.0,
                   symptoms: Sequence[str] = (), mask_dir: Path | None = None) -> dict[str, Any]:
    """Measure every photo, assess the series, and return the interfaces.md JSON document.

    Raises
    ------
    tracker.errors.UnreadableImageError
        For the first file that is not a readable image (the message names it).
    tracker.errors.InvalidArgumentError
        For an unknown symptom key (the message lists the known ones).
    """
    from tracker.imaging.pipeline import analyze_source
    from tracker.timeline.clock import hours_between
    from tracker.triage import assess
    from tracker.triage.symptoms import check_symptoms

    check_symptoms(symptoms)
    if mask_dir is not None:
        try:
            mask_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidArgumentError(f"cannot create the mask directory {mask_dir}: {exc.strerror}") from exc

    measurements: list[PhotoMeasurement] = []
    for path in photos:
        analysis = analyze_source(path, marker_mm=marker_mm)  # the same decoding as analyze_photo
        m = analysis.measurement
        if mask_dir is not None:
            _write_mask(mask_dir / f"{Path(path).stem}_mask.png", analysis.mask_full_resolution())
        hours = hours_between(injected_at, m.taken_at)[0] if injected_at and m.taken_at else None
        measurements.append(m.with_time(hours_since_injection=None if hours is None else round(hours, 2)))
        del analysis

    if measurements and all(m.taken_at is not None for m in measurements):
        first = measurements[0].taken_at
        measurements.sort(key=lambda m: hours_between(first, m.taken_at)[0])
    assessment = assess(measurements, injected_at=injected_at, symptoms=tuple(symptoms))
    doc = assessment.to_dict()
    return {
        "injected_at": injected_at.isoformat() if injected_at else None,
        "photos": [m.to_dict() for m in measurements],
        "assessment": doc,
        "disclaimer": assessment.disclaimer,
    }


def _write_mask(path: Path, mask) -> None:
    ok, buf = cv2.imencode(".png", mask)
    if not ok:
        raise TrackerError(f"could not encode the mask for {path.name}")
    tmp = path.with_suffix(".png.tmp")
    tmp.write_bytes(buf.tobytes())
    tmp.replace(path)


def format_report(doc: dict[str, Any]) -> str:
    """The human-readable report of :func:`analyze_series`'s document."""
    lines: list[str] = []
    inj = doc["injected_at"]
    lines.append(f"Injection: {inj}" if inj else "Injection time not given: hours since injection are unknown.")
    lines.append("")
    for p in doc["photos"]:
        hours = p["hours_since_injection"]
        when = f"{hours:.1f} h after injection" if hours is not None else (p["taken_at"] or "time unknown")
        lines.append(f"{p['file']}  ({when})")
        q = p["quality"]
        if not q["usable"]:
            lines.append(f"  could not be measured: {', '.join(q['problems'])}")
            for advice in q.get("advice", []):
                lines.append(f"  - {advice}")
            continue
        r = p["redness"]
        if p["scale"]["mm_per_px"] is None:
            size = f"{r['area_px']} px (no card: unscaled)"
        else:
            size = f"{r['area_mm2']:.1f} mm²"
        lines.append(f"  red area {size}, mean Δa* {r['mean_delta_a']:.1f}, peak Δa* {r['peak_delta_a']:.1f}, "
                     f"{len(r['regions'])} region(s)")
        for reg in r["regions"]:
            d = f", greatest diameter {reg['max_diameter_mm']:.1f} mm" if reg["max_diameter_mm"] is not None else ""
            a = f"{reg['area_mm2']:.1f} mm²" if reg["area_mm2"] is not None else f"{reg['area_px']} px"
            lines.append(f"    {reg['kind']}: {a}{d}, mean Δa* {reg['mean_delta_a']:.1f}")
        for b in p["bumps"]:
            d = f"{b['diameter_mm']:.1f} mm" if b["diameter_mm"] is not None else f"{b['diameter_px']:.0f} px"
            lines.append(f"    bump (estimate; a photo cannot measure height): about {d} across")
        for problem, advice in zip(q["problems"], q.get("advice", [])):
            lines.append(f"  note: {advice}")
    a = doc["assessment"]
    lines.append("")
    lines.append(f"Assessment: {a['level'].upper()}")
    for reason in a.get("reasons", []):
        lines.append(f"  - {reason['text']} [{reason.get('source', '')}]")
    trend = a.get("trend") or {}
    if trend.get("direction"):
        pct = trend.get("area_change_per_day_pct")
        lines.append(f"  trend: {trend['direction']}" + (f" ({pct:+.0f}% per day)" if pct is not None else ""))
    if a.get("fda_grade") is not None:
        lines.append(f"  FDA 2007 local-reaction grade: {a['fda_grade']}")
    for advice in a.get("advice", []):
        lines.append(f"  * {advice}")
    lines.append("")
    lines.append(doc["disclaimer"])
    return "\n".join(lines)
