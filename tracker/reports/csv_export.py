"""CSV export of a photo series: one line per photo, UTF-8, with a header.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) are prefixed with ``'`` (OWASP, "CSV
Injection"). Numbers are written by this module and never prefixed, so a negative
Δa* stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from tracker.reports.model import ReportRow, photo_figures

COLUMNS = (
    "taken_at", "hours_since_injection", "days_since_injection", "usable", "problems",
    "area_mm2", "area_px", "mean_delta_a", "peak_delta_a", "n_regions", "kinds",
    "max_diameter_mm", "fda_grade", "bumps", "level", "algorithm_version", "file",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def measurements_csv(rows: Iterable[ReportRow]) -> bytes:
    """The series as CSV bytes (UTF-8, RFC 4180 line ends), header first.

    Empty cells mean "not known" (e.g. ``area_mm2`` of a photo without the card);
    lists (``problems``, ``kinds``) are joined with ``;``.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        f = photo_figures(row)
        values: dict[str, Any] = {
            **f,
            "taken_at": row.taken_at.isoformat() if row.taken_at else None,
            "problems": ";".join(f["problems"]),
            "kinds": ";".join(f["kinds"]),
            "level": row.level,
        }
        writer.writerow([_cell(values[name]) for name in COLUMNS])
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    """One CSV cell: numbers as written, booleans lower-case, text guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(round(value, 4))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
