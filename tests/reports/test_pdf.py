"""The patient report PDF: everything a clinician needs is in the text, the disclaimer on every page."""

from __future__ import annotations

import dataclasses

import pytest

from tracker.reports import _pdfkit
from tracker.reports import pdf as report_pdf
from tracker.reports.pdf import DISCLAIMER, patient_report_pdf


@pytest.fixture(scope="module")
def report_bytes(sample_report) -> bytes:
    """The sample report, rendered once for the tests that only read it."""
    return patient_report_pdf(sample_report)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_page_ends_with_the_disclaimer_and_its_page_number(report_bytes, pdf_text):
    pages = pdf_text(report_bytes)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert DISCLAIMER in flat(page)
        assert f"Page {number} of {len(pages)}" in flat(page)


def test_the_report_shows_patient_treatment_level_reasons_and_guidance_points(report_bytes, pdf_text):
    text = flat(" ".join(pdf_text(report_bytes)))
    assert "Jane Ø. Łukasiewicz (P-0042)" in text and "Clinique Élysée" in text
    assert "2026-11-02 10:00" in text and "Botox" in text and "glabella" in text
    assert "CONTACT" in text and "Contact the injecting provider" in text
    assert "[G5 · contact] The red area has grown over the last photos." in text
    assert "[G4, G7] Redness is still there after 48 hours." in text
    assert "Area +54 % over 48 h." in text and "rule: redness-growing" in text
    for point in ("G4", "G5", "G7"):
        assert f"{point} " in text
    assert "+27 % per day (growing)" in text
    assert "FDA local-reaction grade: 1 (largest diameter 31.0 mm)." in text
    assert "Mild tenderness at rest since day 4." in text


def test_the_measurement_table_lists_each_photo_with_its_figures(report_bytes, pdf_text):
    lines = "\n".join(pdf_text(report_bytes, layout=True)).splitlines()
    table = {line.split()[0]: line.split() for line in lines
             if line.strip()[:3] in {"0.1", "2.1", "3.1", "4.1", "5.1"}}
    assert table["3.1"] == ["3.1", "2026-11-05", "12:00", "52.0", "8.0", "12.0", "9.4", "0", "usable"]
    assert table["2.1"] == ["2.1", "2026-11-04", "12:00", "–", "7.0", "10.5", "erythema", "–", "–",
                            "usable:", "no", "card"]
    assert table["4.1"][-4:] == ["–", "NOT", "usable:", "blurry"]  # no FDA grade for an unusable photo
    assert table["5.1"][-3:] == ["31.0", "1", "usable"]  # 31 mm is FDA grade 1 (triage.fda)
    assert any("erythema," in line for line in lines) and any("bruise" in line for line in lines)
    text = flat(" ".join(lines))
    assert "Max diam." in text and "grade" in text and "Day 5.1" in text  # thumbnail caption


def test_a_damaged_overlay_image_is_noted_instead_of_stopping_the_report(report_bytes, pdf_text):
    text = flat(" ".join(pdf_text(report_bytes)))
    assert "photo could not be read" in text


def test_without_dejavu_the_report_falls_back_to_helvetica_and_still_prints_everything(
        sample_report, pdf_text, monkeypatch, tmp_path):
    monkeypatch.setattr(_pdfkit, "DEJAVU_DIR", tmp_path)
    data = patient_report_pdf(sample_report)
    assert b"/Helvetica" in data and b"DejaVu" not in data
    text = flat(" ".join(pdf_text(data)))
    assert DISCLAIMER in text
    assert "Jane Ø. Lukasiewicz" in text  # Ø is Latin-1; Ł is not and becomes L
    assert "Mean Da*" in text


def test_without_the_chart_renderer_the_report_says_so_and_carries_on(sample_report, pdf_text, monkeypatch):
    def missing(*args, **kwargs):
        raise ImportError("No module named 'vl_convert'", name="vl_convert")

    monkeypatch.setattr(report_pdf, "trend_chart_png", missing)
    text = flat(" ".join(pdf_text(patient_report_pdf(sample_report))))
    assert "Trend chart not drawn: vl_convert is not installed." in text
    assert DISCLAIMER in text


def test_a_report_without_injection_time_or_photos_explains_what_is_missing(sample_report, pdf_text):
    empty = dataclasses.replace(
        sample_report, rows=(), notes=(), assessment={},
        treatment=dataclasses.replace(sample_report.treatment, injected_at=None),
    )
    text = flat(" ".join(pdf_text(patient_report_pdf(empty))))
    assert "not entered (days since injection unknown)" in text
    assert "No trend" in text and "No photos yet." in text
    assert "Trend: not enough comparable photos yet." in text


@pytest.mark.parametrize("text, expected", [("Δa* ≥ 3 – ok", "Da* >= 3 - ok"), ("Łódź", "Lódz"), ("日本", "??")])
def test_latin1_safe_replaces_what_helvetica_cannot_print(text, expected):
    assert _pdfkit.latin1_safe(text) == expected
