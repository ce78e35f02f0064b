"""Timeline: hours since injection, same-day repeats, trends, expected-course bands (pure)."""

from __future__ import annotations

from tracker.timeline.clock import PlacedPhoto, Timeline, hours_between, place_photos
from tracker.timeline.expected import EXPECTED_COURSES, ExpectedCourse, expected_course
from tracker.timeline.trend import (
    Trend,
    TrendSettings,
    direction_by_order,
    fit_trend,
    group_repeats,
    minimum_detectable_change,
)

__all__ = [
    "EXPECTED_COURSES", "ExpectedCourse", "PlacedPhoto", "Timeline", "Trend", "TrendSettings",
    "direction_by_order", "expected_course", "fit_trend", "group_repeats", "hours_between",
    "minimum_detectable_change", "place_photos",
]
