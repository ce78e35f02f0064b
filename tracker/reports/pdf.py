"""The patient report as a PDF: assessment, trend, measurements, photos, notes.

One call, :func:`patient_report_pdf`, turns a :class:`ReportInput` of plain values
into PDF bytes. Order on the page: title and patient; treatment; the current
level with its reasons and the guidance points they cite; the trend charts; the
measurement table; photo thumbnails with their outlines; clinician notes. Every
page ends with :data:`DISCLAIMER` and its page number.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from fpdf.fonts import FontFace
from PIL import Image

from tracker.reports._pdfkit import TrackerPDF
from tracker.reports.charts import LEVEL_COLORS, trend_chart_png
from tracker.reports.guidance import cited_points
from tracker.reports.model import (
    DISCLAIMER, LEVEL_MEANINGS, ReportInput, ReportRow, TreatmentInfo, chart_row, photo_figures,
)

__all__ = ["DISCLAIMER", "ReportInput", "ReportRow", "TreatmentInfo", "patient_report_pdf"]

_DASH = "\u2013"
_THUMB_MM = 42.0
_THUMBS_PER_ROW = 4
_TABLE_COLUMNS = (  # heading, relative width
    ("Day", 7), ("Taken", 15), ("Area mm²", 9), ("Mean Δa*", 9), ("Peak Δa*", 9),
    ("Kind", 13), ("Max diam. mm", 10), ("FDA grade", 8), ("Quality", 20),
)


def patient_report_pdf(report: ReportInput) -> bytes:
    """The report as PDF bytes (A4, DejaVu Sans when installed, else Helvetica)."""
    pdf = TrackerPDF(footer_text=DISCLAIMER)
    pdf.set_title(f"Injection-site report: {report.patient_label}")
    pdf.set_creator("injection-site-tracker")
    pdf.add_page()
    _header(pdf, report)
    _treatment(pdf, report.treatment)
    _assessment(pdf, report.assessment)
    _charts(pdf, report)
    _table(pdf, report.rows)
    _thumbnails(pdf, report.rows)
    _notes(pdf, report.notes)
    return pdf.to_bytes()


def _fmt_dt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else _DASH


def _fmt_num(value: Any, digits: int = 1) -> str:
    return _DASH if value is None else f"{float(value):.{digits}f}"


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _header(pdf: TrackerPDF, report: ReportInput) -> None:
    pdf.set_font(pdf.family, "B", 17)
    pdf.cell(0, 9, "Injection-site redness report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, size=10)
    pdf.set_text_color(70, 70, 70)
    clinic = f"   Clinic: {report.clinic}" if report.clinic else ""
    pdf.multi_cell(0, 5, f"Patient: {report.patient_label}{clinic}   Generated: {_fmt_dt(report.generated_at)}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _treatment(pdf: TrackerPDF, t: TreatmentInfo) -> None:
    pdf.heading("Treatment")
    units = _DASH if t.units is None else f"{t.units:g}"
    lines = [
        ("Injected at", _fmt_dt(t.injected_at) if t.injected_at else "not entered (days since injection unknown)"),
        ("Product", t.product or _DASH),
        ("Units", units),
        ("Areas", ", ".join(t.areas) if t.areas else _DASH),
    ]
    for label, value in lines:
        pdf.set_font(pdf.family, "B", 10)
        pdf.cell(28, 5.2, label)
        pdf.set_font(pdf.family, size=10)
        pdf.multi_cell(0, 5.2, value, new_x="LMARGIN", new_y="NEXT")


def _assessment(pdf: TrackerPDF, assessment: dict[str, Any]) -> None:
    pdf.heading("Current assessment")
    level = str(assessment.get("level") or "not assessed")
    pdf.set_fill_color(*_rgb(LEVEL_COLORS.get(level, LEVEL_COLORS["not assessed"])))
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(pdf.family, "B", 12)
    pdf.cell(pdf.get_string_width(level.upper()) + 8, 8, level.upper(), fill=True, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_font(pdf.family, size=10.5)
    pdf.cell(4)
    pdf.multi_cell(0, 8, LEVEL_MEANINGS.get(level, "No assessment available."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.paragraph(_trend_sentence(assessment))
    reasons = assessment.get("reasons") or []
    if reasons:
        pdf.ln(1)
        pdf.set_font(pdf.family, "B", 10)
        pdf.cell(0, 5.5, "Why", new_x="LMARGIN", new_y="NEXT")
    for reason in reasons:
        _reason(pdf, reason)
    points = cited_points([str(r.get("source") or "") for r in reasons])
    if points:
        pdf.ln(1)
        pdf.set_font(pdf.family, "B", 10)
        pdf.cell(0, 5.5, "Guidance points cited", new_x="LMARGIN", new_y="NEXT")
        for g, title in points:
            pdf.paragraph(f"{g}  {title}", size=9)


def _trend_sentence(assessment: dict[str, Any]) -> str:
    trend = assessment.get("trend") or {}
    pct = trend.get("area_change_per_day_pct")
    direction = trend.get("direction")
    parts = []
    if pct is not None:
        parts.append(f"Red area change: {pct:+.0f} % per day" + (f" ({direction})." if direction else "."))
    elif direction:
        parts.append(f"Trend: {direction}.")
    else:
        parts.append("Trend: not enough comparable photos yet.")
    grade = assessment.get("fda_grade")
    diameter = assessment.get("max_diameter_mm")
    size = f" (largest diameter {diameter:.1f} mm)" if diameter is not None else ""
    parts.append(f"FDA local-reaction grade: {_DASH if grade is None else grade}{size}.")
    return " ".join(parts)


def _reason(pdf: TrackerPDF, reason: dict[str, Any]) -> None:
    tag = " \u00b7 ".join(str(x) for x in (reason.get("source"), reason.get("level")) if x)
    tag = f"[{tag}] " if tag else ""
    pdf.set_x(pdf.l_margin + 3)
    pdf.set_font(pdf.family, size=10)
    pdf.multi_cell(0, 5, f"\u2022 {tag}{reason.get('text', '')}", new_x="LMARGIN", new_y="NEXT")
    details = [reason.get("clinician_text"), f"rule: {reason['rule']}" if reason.get("rule") else None]
    detail = "  ".join(d for d in details if d)
    if detail:
        pdf.set_x(pdf.l_margin + 6)
        pdf.set_font(pdf.family, "I", 8.5)
        pdf.set_text_color(80, 80, 80)
        pdf.multi_cell(0, 4.3, detail, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)


def _charts(pdf: TrackerPDF, report: ReportInput) -> None:
    pdf.heading("Trend")
    rows = [chart_row(r) for r in report.rows]
    if not any(r["day"] is not None for r in rows):
        pdf.paragraph("No trend: the injection time is not known, so photos cannot be placed in days.")
        return
    flags = [{"day": r["day"], "level": r["level"]} for r in rows
             if r["day"] is not None and r["level"] in ("monitor", "contact", "urgent")]
    metrics = ["mean_delta_a"]
    if any(r["area_mm2"] is not None for r in rows):
        metrics.insert(0, "area_mm2")
    try:
        images = [trend_chart_png(rows, bands=list(report.bands) if m == "area_mm2" else None, flags=flags,
                                  metric=m, width=470, height=130) for m in metrics]
    except ImportError as exc:  # vl-convert-python missing: the report still comes out
        pdf.paragraph(f"(Trend chart not drawn: {exc.name or 'vl-convert-python'} is not installed.)", size=9)
        return
    width_mm = pdf.epw * 0.92
    for png in images:
        with Image.open(io.BytesIO(png)) as img:
            height_mm = width_mm * img.height / img.width
        _keep_together(pdf, height_mm)
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width_mm, h=height_mm)
        pdf.ln(2)


def _keep_together(pdf: TrackerPDF, height_mm: float) -> None:
    """Start a new page unless ``height_mm`` still fits above the footer."""
    if pdf.get_y() + height_mm > pdf.page_break_trigger:
        pdf.add_page()


def _table(pdf: TrackerPDF, rows: tuple[ReportRow, ...]) -> None:
    _keep_together(pdf, 30)
    pdf.heading("Measurements")
    if not rows:
        pdf.paragraph("No photos yet.")
        return
    pdf.set_font(pdf.family, size=8)
    style = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    with pdf.table(col_widths=[w for _, w in _TABLE_COLUMNS], headings_style=style, line_height=4.2,
                   text_align="LEFT", borders_layout="HORIZONTAL_LINES", padding=0.8) as table:
        heading = table.row()
        for name, _ in _TABLE_COLUMNS:
            heading.cell(name)
        for row in rows:
            unusable = not photo_figures(row)["usable"]
            cells = table.row(style=FontFace(color=(120, 120, 120)) if unusable else None)
            for text in _table_cells(row):
                cells.cell(text)
    pdf.set_font(pdf.family, size=10)
    pdf.paragraph("Δa*: how much redder than the surrounding skin (CIELAB a*). Area: erythema and bruise "
                  "together, on the skin plane; " + _DASH + " when the card was missing (no mm²).", size=7.5)


def _table_cells(row: ReportRow) -> list[str]:
    f = photo_figures(row)
    day = f["days_since_injection"]
    problems = ", ".join(p.replace("_", " ") for p in f["problems"])
    quality = ("usable" if f["usable"] else "NOT usable") + (f": {problems}" if problems else "")
    return [
        _fmt_num(day), _fmt_dt(row.taken_at), _fmt_num(f["area_mm2"]), _fmt_num(f["mean_delta_a"]),
        _fmt_num(f["peak_delta_a"]), ", ".join(f["kinds"]) or "none", _fmt_num(f["max_diameter_mm"]),
        _DASH if f["fda_grade"] is None else str(f["fda_grade"]), quality,
    ]


def _thumbnails(pdf: TrackerPDF, rows: tuple[ReportRow, ...]) -> None:
    shots = [r for r in rows if r.overlay_jpeg]
    if not shots:
        return
    _keep_together(pdf, _THUMB_MM + 20)
    pdf.heading("Photos with measured outlines")
    gap = (pdf.epw - _THUMBS_PER_ROW * _THUMB_MM) / (_THUMBS_PER_ROW - 1)
    for start in range(0, len(shots), _THUMBS_PER_ROW):
        _keep_together(pdf, _THUMB_MM + 8)
        top = pdf.get_y()
        for i, row in enumerate(shots[start:start + _THUMBS_PER_ROW]):
            _thumbnail(pdf, row, x=pdf.l_margin + i * (_THUMB_MM + gap), y=top)
        pdf.set_y(top + _THUMB_MM + 7)


def _thumbnail(pdf: TrackerPDF, row: ReportRow, *, x: float, y: float) -> None:
    """One photo fitted in a square cell, with its day and date below; a note if it cannot be read."""
    try:
        with Image.open(io.BytesIO(row.overlay_jpeg or b"")) as img:
            width_px, height_px = img.size
        fit = _THUMB_MM / max(width_px, height_px)
        w, h = width_px * fit, height_px * fit
        pdf.image(io.BytesIO(row.overlay_jpeg or b""), x=x + (_THUMB_MM - w) / 2, y=y + (_THUMB_MM - h) / 2, w=w, h=h)
    except Exception:  # noqa: BLE001 - a damaged stored image must not stop the report
        pdf.set_draw_color(180, 180, 180)
        pdf.rect(x, y, _THUMB_MM, _THUMB_MM)
        pdf.set_xy(x, y + _THUMB_MM / 2 - 3)
        pdf.set_font(pdf.family, "I", 8)
        pdf.multi_cell(_THUMB_MM, 4, "photo could not be read", align="C")
        pdf.set_draw_color(0, 0, 0)
    day = photo_figures(row)["days_since_injection"]
    pdf.set_xy(x, y + _THUMB_MM + 0.8)
    pdf.set_font(pdf.family, size=7.5)
    pdf.cell(_THUMB_MM, 4, f"Day {_fmt_num(day)}  \u00b7  {_fmt_dt(row.taken_at)}", align="C")
    pdf.set_font(pdf.family, size=10)


def _notes(pdf: TrackerPDF, notes: tuple[str, ...]) -> None:
    _keep_together(pdf, 25)
    pdf.heading("Clinician notes")
    if not notes:
        pdf.paragraph("None.", size=9.5)
    for note in notes:
        pdf.paragraph(f"\u2022 {note}", size=9.5)
        pdf.ln(0.8)
