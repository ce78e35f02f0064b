"""The printable reference card: an A4 PDF at true size with cut-out ArUco cards.

Every card follows ``shared/reference-card.md``: one ``DICT_4X4_50`` marker whose
black square is ``marker_mm`` wide, a white quiet zone of at least 3 mm around it
(also the white reference for white balance), a thin light-grey cut line, about
26 x 26 mm in all. The page also carries a 50 mm ruler so the patient can check
the print scale, the instruction to enter a different measured size in the app,
and the capture advice.

fpdf2 works in millimetres here and nothing is scaled, so a drawing of 20 mm is
20 mm on paper when the page is printed at 100 %.

References
----------
.. [1] Garrido-Jurado S. et al., "Automatic generation and detection of highly
       reliable fiducial markers under occlusion", Pattern Recognition 47 (2014).
"""

from __future__ import annotations

import io
import math

import cv2

from tracker.reports._pdfkit import TrackerPDF

#: Marker ids the analysis accepts (shared/reference-card.md). Kept equal to
#: ``tracker.imaging.calibrate.ACCEPTED_IDS`` (a test checks it).
ACCEPTED_MARKER_IDS = (0, 1, 2, 3)
#: White margin between the black square and the cut line, per side (mm).
QUIET_ZONE_MM = 3.0
#: Nominal card side (mm); larger markers get a larger card with the same margin.
CARD_MM = 26.0
RULER_MM = 50.0

PRINT_INSTRUCTION = (
    "Print at 100% (actual size, no 'fit to page'). Measure the black square: it should be "
    "20 mm; if it is not, enter what you measured in the app."
)
CAPTURE_ADVICE = (
    "Cut out one card along the thin grey line.",
    "Put the card flat on the skin next to the injection site, close to it but not covering it.",
    "Hold the phone parallel to the skin, 15 to 25 cm away, with the card and the site in view.",
    "Use even daylight, no flash; avoid direct sun and strong shadows.",
    "Take the photo in the same place, the same way, each day.",
)

_PAGE_W_MM, _PAGE_H_MM = 210.0, 297.0
_MARGIN_MM = 15.0
_GAP_MM = 10.0
_LABEL_MM = 4.0
#: Pixels per marker module (6 modules across with the 1-module border): sharp edges at any zoom.
_PX_PER_MODULE = 160


def reference_card_pdf(*, marker_id: int = 0, marker_mm: float = 20.0, copies: int = 6) -> bytes:
    """An A4 PDF page of reference cards, at true size.

    Parameters
    ----------
    marker_id : int
        ArUco id from ``DICT_4X4_50``; one of :data:`ACCEPTED_MARKER_IDS`.
    marker_mm : float
        Side of the marker's black square on paper, in millimetres (5 to 60).
    copies : int
        How many cards to put on the page (at least 1; as many as fit).

    Returns
    -------
    bytes
        The PDF document.

    Raises
    ------
    ValueError
        For an id the analysis would not accept, a size outside 5-60 mm, or more
        copies than fit on one page.
    """
    if marker_id not in ACCEPTED_MARKER_IDS:
        raise ValueError(f"marker_id must be one of {ACCEPTED_MARKER_IDS} (the ids the analysis accepts), "
                         f"got {marker_id!r}")
    if not 5.0 <= float(marker_mm) <= 60.0:
        raise ValueError(f"marker_mm must be between 5 and 60 mm, got {marker_mm!r}")
    card_mm = max(CARD_MM, float(marker_mm) + 2 * QUIET_ZONE_MM)

    pdf = TrackerPDF()
    pdf.set_title("Reference card for injection-site photos")
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN_MM, _MARGIN_MM, _MARGIN_MM)
    pdf.add_page()
    _draw_instructions(pdf, marker_mm=float(marker_mm))

    top = pdf.get_y() + 8.0
    cols, rows = _grid_shape(copies, card_mm=card_mm, top_mm=top)
    marker_png = marker_png_bytes(marker_id)
    pitch = card_mm + _GAP_MM
    left = (_PAGE_W_MM - (cols * card_mm + (cols - 1) * _GAP_MM)) / 2
    for i in range(copies):
        row, col = divmod(i, cols)
        _draw_card(pdf, x=left + col * pitch, y=top + row * (pitch + _LABEL_MM), card_mm=card_mm,
                   marker_mm=float(marker_mm), marker_png=marker_png, marker_id=marker_id)
    return pdf.to_bytes()


def marker_png_bytes(marker_id: int) -> bytes:
    """The ``DICT_4X4_50`` marker as a lossless 8-bit grey PNG, 960 px across.

    The image is exactly the black square (the 1-module black border included),
    so placing it ``marker_mm`` wide makes the black square ``marker_mm`` wide.
    """
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    side_px = (dictionary.markerSize + 2) * _PX_PER_MODULE
    gray = cv2.aruco.generateImageMarker(dictionary, int(marker_id), side_px, borderBits=1)
    ok, png = cv2.imencode(".png", gray)
    if not ok:  # pragma: no cover - OpenCV's PNG encoder does not fail on a valid uint8 image
        raise RuntimeError("could not encode the marker as PNG")
    return png.tobytes()


def _grid_shape(copies: int, *, card_mm: float, top_mm: float) -> tuple[int, int]:
    """Columns and rows for ``copies`` cards: balanced rows, as many per row as fit."""
    pitch_x = card_mm + _GAP_MM
    pitch_y = card_mm + _GAP_MM + _LABEL_MM
    max_cols = int((_PAGE_W_MM - 2 * _MARGIN_MM + _GAP_MM) // pitch_x)
    max_rows = int((_PAGE_H_MM - _MARGIN_MM - top_mm + _GAP_MM) // pitch_y)
    capacity = max_cols * max_rows
    if not 1 <= copies <= capacity:
        raise ValueError(f"copies must be between 1 and {capacity} for {card_mm:g} mm cards, got {copies!r}")
    rows = math.ceil(copies / max_cols)
    cols = math.ceil(copies / rows)
    return cols, rows


def _draw_instructions(pdf: TrackerPDF, *, marker_mm: float) -> None:
    """Title, print instruction, the 50 mm ruler and the capture advice."""
    pdf.set_font(pdf.family, "B", 15)
    pdf.cell(0, 8, "Reference card for injection-site photos", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    instruction = PRINT_INSTRUCTION
    if abs(marker_mm - 20.0) > 1e-9:
        instruction = instruction.replace("it should be 20 mm", f"it should be {marker_mm:g} mm")
    pdf.paragraph(instruction, size=11, style="B")
    pdf.ln(2)
    pdf.paragraph(f"Check the print with a ruler: the line below is {RULER_MM:g} mm long from 0 to {RULER_MM:g}.")
    pdf.ln(2)
    _draw_ruler(pdf, x=_MARGIN_MM, y=pdf.get_y() + 1.0)
    pdf.set_y(pdf.get_y() + 14.0)
    pdf.heading("Taking the daily photo", size=11.5)
    for tip in CAPTURE_ADVICE:
        pdf.set_x(_MARGIN_MM)
        pdf.multi_cell(0, 5.0, f"\u2022  {tip}", new_x="LMARGIN", new_y="NEXT")


def _draw_ruler(pdf: TrackerPDF, *, x: float, y: float) -> None:
    """A 50 mm bar with mm ticks (longer every 5 and 10 mm) and cm labels.

    Everything is a filled rectangle, so no line caps add length: the bar and the
    end ticks span exactly ``RULER_MM`` from ``x``.
    """
    bar_mm, tick_w = 0.35, 0.15
    pdf.set_fill_color(0, 0, 0)
    pdf.rect(x, y, RULER_MM, bar_mm, style="F")
    for mm in range(int(RULER_MM) + 1):
        length = 4.0 if mm % 10 == 0 else 2.8 if mm % 5 == 0 else 1.8
        # End ticks sit inside the 50 mm; the others are centred on their millimetre.
        tx = x + min(max(mm - tick_w / 2, 0.0), RULER_MM - tick_w)
        pdf.rect(tx, y, tick_w, length, style="F")
        if mm % 10 == 0:
            pdf.set_font(pdf.family, size=7)
            label = f"{mm} mm" if mm == int(RULER_MM) else str(mm)
            pdf.text(x + mm - pdf.get_string_width(str(mm)) / 2, y + 7.2, label)
    pdf.set_font(pdf.family, size=10)


def _draw_card(pdf: TrackerPDF, *, x: float, y: float, card_mm: float, marker_mm: float,
               marker_png: bytes, marker_id: int) -> None:
    """One white card with its grey cut line, the marker centred, and a small label below."""
    line_mm = 0.15
    pdf.set_draw_color(190, 190, 190)
    pdf.set_line_width(line_mm)
    pdf.set_fill_color(255, 255, 255)
    # The stroke sits just outside the card, so the white margin is the full quiet zone.
    pdf.rect(x - line_mm / 2, y - line_mm / 2, card_mm + line_mm, card_mm + line_mm, style="DF")
    margin = (card_mm - marker_mm) / 2
    pdf.image(io.BytesIO(marker_png), x=x + margin, y=y + margin, w=marker_mm, h=marker_mm)
    pdf.set_font(pdf.family, size=6.5)
    pdf.set_text_color(120, 120, 120)
    label = f"card {marker_id} \u00b7 square {marker_mm:g} mm"
    pdf.text(x + (card_mm - pdf.get_string_width(label)) / 2, y + card_mm + 3.2, label)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
