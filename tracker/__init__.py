"""Injection-site tracker: measure redness, bruises and bumps after botulinum toxin injections.

Public API (stable, see shared/interfaces.md):

- :func:`analyze_photo` -- one photo to a :class:`~tracker.measurement.PhotoMeasurement`.
- :func:`assess` -- a series of measurements to an assessment (level, reasons, trend).
- :class:`UnreadableImageError` -- raised for data that is not a readable image.

Heavy modules (OpenCV, scikit-image) load on first use, not on import.
"""

from __future__ import annotations

from typing import Any

from tracker.errors import UnreadableImageError

__all__ = ["UnreadableImageError", "analyze_photo", "assess"]


def __getattr__(name: str) -> Any:
    if name == "analyze_photo":
        from tracker.imaging.pipeline import analyze_photo

        return analyze_photo
    if name == "assess":
        from tracker.triage import assess

        return assess
    raise AttributeError(f"module 'tracker' has no attribute {name!r}")
