"""Fixtures for the report tests: render PDFs to pixels and to text with poppler-utils.

Without poppler (``pdftoppm``/``pdftotext``) the tests that need it skip locally with
the reason, and fail under CI=true, like the other external-tool tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        reason = f"{tool} not found (Debian package poppler-utils)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI requires this test to run: {reason}")
        pytest.skip(reason)
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
    """``pdf_text(pdf_bytes)`` -> the text of each page, via pdftotext (pages split on form feed)."""
    exe = _require("pdftotext")

    def extract(pdf: bytes) -> list[str]:
        src = tmp_path / "text.pdf"
        src.write_bytes(pdf)
        out = subprocess.run([exe, "-enc", "UTF-8", str(src), "-"], check=True, capture_output=True,
                             timeout=120).stdout.decode("utf-8")
        return [page for page in out.split("\f") if page.strip()]

    return extract
