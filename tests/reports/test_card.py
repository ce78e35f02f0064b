"""The printable reference card prints at true size: rendered back, the marker and ruler measure right."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tracker.reports import card
from tracker.reports.card import reference_card_pdf

DPI = 300
PX_PER_MM = DPI / 25.4


def detect_markers(gray: np.ndarray) -> tuple[list[np.ndarray], list[int]]:
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    detector = cv2.aruco.ArucoDetector(dictionary, cv2.aruco.DetectorParameters())
    corners, ids, _ = detector.detectMarkers(gray)
    return [c.reshape(4, 2) for c in corners], ([] if ids is None else [int(i) for i in ids.ravel()])


def side_mm(corners: np.ndarray) -> float:
    sides = np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1)
    return float(sides.mean()) / PX_PER_MM


def longest_dark_run_px(gray: np.ndarray, threshold: int = 128) -> int:
    best = 0
    for row in gray < threshold:
        padded = np.concatenate(([0], row.astype(np.int8), [0]))
        edges = np.flatnonzero(np.diff(padded))
        if edges.size:
            best = max(best, int((edges[1::2] - edges[0::2]).max()))
    return best


def test_every_card_marker_is_detected_and_measures_20_mm_at_300_dpi(render_pdf):
    (page,) = render_pdf(reference_card_pdf(), DPI)
    corners, ids = detect_markers(page)
    assert ids == [0] * 6
    for c in corners:
        assert side_mm(c) == pytest.approx(20.0, abs=0.3)


def test_the_page_is_a4_at_true_size(render_pdf):
    (page,) = render_pdf(reference_card_pdf(copies=1), DPI)
    height_px, width_px = page.shape
    assert width_px / PX_PER_MM == pytest.approx(210.0, abs=0.3)
    assert height_px / PX_PER_MM == pytest.approx(297.0, abs=0.3)


def test_the_ruler_line_measures_50_mm(render_pdf):
    (page,) = render_pdf(reference_card_pdf(), DPI)
    assert longest_dark_run_px(page) / PX_PER_MM == pytest.approx(50.0, abs=0.3)


def test_a_25_mm_marker_with_id_2_measures_25_mm_and_keeps_a_3_mm_white_margin(render_pdf):
    (page,) = render_pdf(reference_card_pdf(marker_id=2, marker_mm=25.0, copies=4), DPI)
    corners, ids = detect_markers(page)
    assert ids == [2] * 4
    for c in corners:
        assert side_mm(c) == pytest.approx(25.0, abs=0.3)
        x0, y0 = c.min(axis=0)
        x1, y1 = c.max(axis=0)
        inner, outer = 0.3 * PX_PER_MM, 2.9 * PX_PER_MM
        ring = page[int(y0 - outer):int(y1 + outer), int(x0 - outer):int(x1 + outer)].copy()
        ring[int(outer - inner):-int(outer - inner), int(outer - inner):-int(outer - inner)] = 255
        assert ring.min() >= 235, "the quiet zone within 3 mm of the black square must be white"


def test_the_page_carries_the_print_instruction_and_capture_advice(pdf_text):
    (text,) = pdf_text(reference_card_pdf())
    flat = " ".join(text.split())
    assert card.PRINT_INSTRUCTION in flat
    assert "15 to 25 cm" in flat and "no flash" in flat and "not covering it" in flat
    assert "same place" in flat


def test_a_non_default_size_changes_the_expected_size_in_the_instruction(pdf_text):
    (text,) = pdf_text(reference_card_pdf(marker_mm=18.5))
    assert "it should be 18.5 mm" in " ".join(text.split())


def test_the_marker_is_embedded_as_a_lossless_high_resolution_image():
    png = card.marker_png_bytes(3)
    gray = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert gray.shape == (960, 960)
    assert set(np.unique(gray)) == {0, 255}
    assert gray[:160].max() == 0 and gray[:, :160].max() == 0  # the black border module
    pdf = reference_card_pdf(marker_id=3)
    assert b"/DCTDecode" not in pdf and b"/FlateDecode" in pdf


@pytest.mark.parametrize("kwargs", [{"marker_id": 7}, {"marker_mm": 0.0}, {"copies": 0}, {"copies": 500}])
def test_impossible_card_requests_raise_value_error_saying_what_was_expected(kwargs):
    with pytest.raises(ValueError, match="must be"):
        reference_card_pdf(**kwargs)


def test_card_constants_agree_with_the_imaging_calibration():
    calibrate = pytest.importorskip("tracker.imaging.calibrate")
    assert tuple(calibrate.ACCEPTED_IDS) == card.ACCEPTED_MARKER_IDS
    assert calibrate.CARD_MARGIN_MM <= card.QUIET_ZONE_MM
