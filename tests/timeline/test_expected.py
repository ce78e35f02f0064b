"""Expected-course bands the charts draw (G1, G2, G3)."""

from __future__ import annotations

import pytest

from tracker.errors import InvalidArgumentError
from tracker.timeline import EXPECTED_COURSES, expected_course


def test_needle_redness_is_expected_gone_by_two_days():
    course = expected_course("needle_redness")
    assert course.source == "G1"
    assert course.at(0) == (0.0, 1.0)
    assert course.at(24) == (0.0, 0.3)
    assert course.at(48) == (0.0, 0.0)
    assert course.at(500) == (0.0, 0.0)


def test_a_bruise_may_take_up_to_two_weeks():
    course = expected_course("bruise")
    assert course.source == "G2"
    assert course.at(24 * 10)[1] == pytest.approx(0.3)
    assert course.at(24 * 14) == (0.0, 0.0)


def test_bumps_settle_within_three_days():
    course = expected_course("bump")
    assert course.at(36)[1] == pytest.approx(0.45)
    assert course.at(72) == (0.0, 0.0)


def test_band_rows_scale_to_the_first_measurement_in_days():
    rows = expected_course("bump").band(40.0)
    assert rows[0] == {"day": 0.0, "low": 0.0, "high": 40.0}
    assert rows[-1] == {"day": 3.0, "low": 0.0, "high": 0.0}


def test_every_course_starts_at_the_injection_with_hours_ascending():
    for course in EXPECTED_COURSES.values():
        hours = [p[0] for p in course.points]
        assert hours[0] == 0.0 and hours == sorted(hours)


def test_an_unknown_course_is_an_error_listing_the_known_ones():
    with pytest.raises(InvalidArgumentError, match="known kinds: bruise, bump, needle_redness"):
        expected_course("rash")
