"""Fixtures for the report tests: render PDFs to pixels and to text with poppler-utils.

Without poppler (``pdftoppm``/``pdftotext``) the tests that need it skip locally with
the reason, and fail under CI=true, like the other external-tool tests.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import skip_or_fail


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        skip_or_fail(f"{tool} not found (Debian package poppler-utils)")
    return path


@pytest.fixture
def render_pdf(tmp_path: Path) -> Callable[[bytes, int], list[np.ndarray]]:
    """``render_pdf(pdf_bytes, dpi)`` -> one grey uint8 image per page, via pdftoppm."""
    exe = _require("pdftoppm")

    def render(pdf: bytes, dpi: int) -> list[np.ndarray]:
        src = tmp_path / "doc.pdf"
        src.write_bytes(pdf)
        subprocess.run([exe, "-r", str(dpi), "-gray", "-png", str(src), str(tmp_path / "page")],
                       check=True, timeout=120)
        pages = sorted(tmp_path.glob("page-*.png"))
        return [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in pages]

    return render


@pytest.fixture
def pdf_text(tmp_path: Path) -> Callable[[bytes], list[str]]:
    """``pdf_text(pdf_bytes, layout=False)`` -> the text of each page, via pdftotext.

    ``layout=True`` keeps the physical layout, so a table row reads as one line.
    """
    exe = _require("pdftotext")

    def extract(pdf: bytes, layout: bool = False) -> list[str]:
        src = tmp_path / "text.pdf"
        src.write_bytes(pdf)
        args = [exe, "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(src), "-"]
        out = subprocess.run(args, check=True, capture_output=True,
                             timeout=120).stdout.decode("utf-8")
        return [page for page in out.split("\f") if page.strip()]

    return extract


@pytest.fixture(scope="session")
def sample_report():
    """A six-photo series: scaled, unscaled (no card), unusable (blurry), a damaged overlay."""
    from datetime import datetime, timedelta

    from tracker.measurement import PhotoMeasurement, Quality, Redness, Region, Scale
    from tracker.reports.model import ReportInput, ReportRow, TreatmentInfo

    def overlay(radius: int) -> bytes:
        bgr = np.full((300, 400, 3), (170, 190, 225), np.uint8)
        cv2.ellipse(bgr, (200, 150), (radius, radius * 2 // 3), 0, 0, 360, (0, 255, 255), 2)
        return cv2.imencode(".jpg", bgr)[1].tobytes()

    injected_at = datetime(2026, 11, 2, 10, 0)
    series = [  # hours, area_mm2, mean_delta_a, problems, level
        (2, 60.0, 9.0, [], "expected"), (26, 45.0, 7.5, [], "expected"), (50, None, 7.0, ["no_card"], None),
        (74, 52.0, 8.0, [], "monitor"), (98, 30.0, -1.5, ["blurry"], None), (122, 80.0, 10.5, [], "contact"),
    ]
    rows = []
    for i, (hours, area, delta_a, problems, level) in enumerate(series):
        taken_at = injected_at + timedelta(hours=hours)
        regions = [Region(kind="erythema", area_px=9000, area_mm2=area,
                          max_diameter_mm=None if area is None else 31.0 if i == 5 else round(area ** 0.5 * 1.3, 1),
                          mean_delta_a=delta_a, centroid_px=(100, 100), peak_delta_a=delta_a * 1.5)]
        if i == 3:
            regions.append(Region(kind="bruise", area_px=100, area_mm2=3.0, max_diameter_mm=2.1,
                                  mean_delta_a=4.0, centroid_px=(10, 10)))
        measurement = PhotoMeasurement(
            file=f"day{i:02d}.jpg", taken_at=taken_at, quality=Quality.from_problems(problems),
            scale=Scale(mm_per_px=None if area is None else 0.07, source=None if area is None else "marker"),
            redness=Redness(area_mm2=area, area_px=9000, mean_delta_a=delta_a, peak_delta_a=delta_a * 1.5,
                            regions=tuple(regions)),
            hours_since_injection=hours,
        )
        rows.append(ReportRow(taken_at=taken_at, hours_since_injection=float(hours),
                              measurement=measurement.to_dict(),
                              overlay_jpeg=b"not a jpeg" if i == 4 else overlay(30 + 5 * i),
                              level=level))
    assessment = {
        "level": "contact",
        "reasons": [
            {"rule": "redness-growing", "text": "The red area has grown over the last photos.",
             "clinician_text": "Area +54 % over 48 h.", "source": "G5", "level": "contact"},
            {"rule": "redness-persistent", "text": "Redness is still there after 48 hours.",
             "clinician_text": "Erythema present at 122 h.", "source": "G4, G7"},
        ],
        "fda_grade": 1,
        "max_diameter_mm": 31.0,
        "trend": {"area_change_per_day_pct": 27.0, "direction": "growing"},
    }
    return ReportInput(
        patient_label="Jane Ø. Łukasiewicz (P-0042)", clinic="Clinique Élysée",
        treatment=TreatmentInfo(injected_at=injected_at, product="Botox", units=20.0, areas=("glabella",)),
        generated_at=datetime(2026, 11, 7, 9, 30), rows=tuple(rows), assessment=assessment,
        notes=("Mild tenderness at rest since day 4.",),
        bands=({"day": 0.0, "low": 0.0, "high": 80.0}, {"day": 6.0, "low": 0.0, "high": 4.0}),
    )
