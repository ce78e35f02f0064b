"""Expected course of each finding, as data the charts draw behind the measurements.

Each band gives, at hours since injection, the range of the measured area as a
fraction of the first measurement (``low``, ``high``). Being below the band is
always fine (healing faster than usual); above the band is what the triage rules
look at. The numbers are a reading of clinical-guidance.md, not a fitted model:

- needle redness (G1): a tiny red spot at each needle point for several hours, up
  to about one day;
- bruise (G2): fades over days, up to about two weeks to go away completely;
- swelling and small bumps (G3): settle within a few days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

CourseKind = Literal["needle_redness", "bruise", "bump"]


@dataclass(frozen=True)
class ExpectedCourse:
    """A band of expected area, as a fraction of the first measurement, over hours since injection."""

    kind: CourseKind
    source: str
    label: str
    #: ``(hours_since_injection, low, high)`` rows, hours ascending.
    points: tuple[tuple[float, float, float], ...]

    def at(self, hours: float) -> tuple[float, float]:
        """``(low, high)`` at ``hours``, linearly interpolated, held flat past the last row."""
        h = np.array([p[0] for p in self.points])
        low = float(np.interp(hours, h, [p[1] for p in self.points]))
        high = float(np.interp(hours, h, [p[2] for p in self.points]))
        return low, high

    def band(self, initial: float) -> list[dict[str, float]]:
        """Chart rows ``{"day", "low", "high"}`` scaled to the first measurement ``initial``."""
        return [{"day": h / 24.0, "low": low * initial, "high": high * initial} for h, low, high in self.points]


EXPECTED_COURSES: dict[str, ExpectedCourse] = {
    "needle_redness": ExpectedCourse(
        "needle_redness", "G1", "Needle redness: gone within about a day",
        ((0.0, 0.0, 1.0), (6.0, 0.0, 0.9), (12.0, 0.0, 0.6), (24.0, 0.0, 0.3), (48.0, 0.0, 0.0)),
    ),
    "bruise": ExpectedCourse(
        "bruise", "G2", "Bruise: fades over days, gone by about two weeks",
        ((0.0, 0.0, 1.0), (48.0, 0.0, 1.0), (168.0, 0.0, 0.6), (240.0, 0.0, 0.3), (336.0, 0.0, 0.0)),
    ),
    "bump": ExpectedCourse(
        "bump", "G3", "Swelling and small bumps: settle within a few days",
        ((0.0, 0.0, 1.0), (24.0, 0.0, 0.6), (48.0, 0.0, 0.3), (72.0, 0.0, 0.0)),
    ),
}


def expected_course(kind: str) -> ExpectedCourse:
    """The expected-course band for ``"needle_redness"``, ``"bruise"`` or ``"bump"``."""
    try:
        return EXPECTED_COURSES[kind]
    except KeyError:
        from tracker.errors import InvalidArgumentError

        raise InvalidArgumentError(
            f"unknown course kind {kind!r}; known kinds: {', '.join(sorted(EXPECTED_COURSES))}"
        ) from None
