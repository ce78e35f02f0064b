"""Shared fpdf2 plumbing for the card and the report: fonts, text sanitising, footer.

A Unicode TrueType font (DejaVu Sans, Debian ``fonts-dejavu-core``) is used when
present, so names, "Δa*" and "mm²" print as written. Without it the PDF falls back
to the core Helvetica font, which only knows Latin-1, and every string passes
through :func:`latin1_safe` first, so a missing font never crashes a report.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fpdf import FPDF

#: Where Debian's fonts-dejavu-core puts the fonts. Tests monkeypatch this.
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
_DEJAVU_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}

#: Replacements for common non-Latin-1 characters when only Helvetica is available.
_LATIN1_REPLACEMENTS = {
    "Δ": "D", "δ": "d", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
    "…": "...", "≥": ">=", "≤": "<=", "→": "->", "•": "-", "−": "-", "≈": "~", "\u00a0": " ",
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe",
}


def latin1_safe(text: str) -> str:
    """Return ``text`` reduced to Latin-1 (for the core fonts), never raising.

    Known symbols get readable stand-ins ("Δ" -> "D", "≥" -> ">="), accented
    letters outside Latin-1 lose their accent, anything else becomes "?".
    """
    out = []
    for ch in text:
        ch = _LATIN1_REPLACEMENTS.get(ch, ch)
        if len(ch) == 1 and 0x80 <= ord(ch) < 0xA0:  # C1 controls: not printable, not in cp1252
            ch = "?"
        try:
            ch.encode("latin-1")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            ch = base or "?"
        out.append(ch)
    return "".join(out)


class TrackerPDF(FPDF):
    """A4, millimetre units, one font family, optional footer line on every page.

    Parameters
    ----------
    footer_text : str or None
        Printed small and centred at the bottom of every page, with the page number.
    """

    def __init__(self, *, footer_text: str | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.unicode_font = _register_dejavu(self)
        self.family = "DejaVu" if self.unicode_font else "Helvetica"
        self.set_margins(12, 12, 12)
        self.set_auto_page_break(True, margin=20 if footer_text else 12)
        self.set_font(self.family, size=10)

    def normalize_text(self, text: str) -> str:
        """fpdf2 hook every text call passes through: sanitise for the core font."""
        if not self.unicode_font:
            text = latin1_safe(text)
        return super().normalize_text(text)

    def footer(self) -> None:
        """The disclaimer and the page number, on every page."""
        if not self.footer_text:
            return
        self.set_y(-16)
        self.set_font(self.family, size=7.5)
        self.set_text_color(90, 90, 90)
        self.multi_cell(0, 3.4, self.footer_text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 3.4, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, *, size: float = 12.5) -> None:
        """A bold section heading on its own line, with a little space above."""
        self.ln(2)
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, size=10)
        self.ln(1)

    def paragraph(self, text: str, *, size: float = 10, style: str = "") -> None:
        """A wrapped paragraph across the full text width."""
        self.set_font(self.family, style, size)
        self.multi_cell(0, size * 0.48, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, size=10)

    def to_bytes(self) -> bytes:
        """The finished document."""
        return bytes(self.output())


def _register_dejavu(pdf: FPDF) -> bool:
    """Register DejaVu Sans (regular, bold, oblique) if its files exist; say whether it did."""
    paths = {style: DEJAVU_DIR / name for style, name in _DEJAVU_FILES.items()}
    if not all(p.is_file() for p in paths.values()):
        return False
    for style, path in paths.items():
        pdf.add_font("DejaVu", style, str(path))
    return True
