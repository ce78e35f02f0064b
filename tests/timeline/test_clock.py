"""Hours since injection, naive and aware times, and what the clock cannot tell."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tracker.errors import InvalidArgumentError
from tracker.timeline import hours_between, place_photos
from tracker.triage.golden import synthetic_measurement

INJECTED = datetime(2026, 3, 2, 10, 0)


def at(hours: float, **kw):
    return synthetic_measurement(taken_at=INJECTED + timedelta(hours=hours), **kw)


def test_naive_times_subtract_as_local_wall_clock():
    assert hours_between(INJECTED, INJECTED + timedelta(hours=30, minutes=30)) == (30.5, False)


def test_aware_times_subtract_as_instants():
    start = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    end = datetime(2026, 3, 2, 13, 0, tzinfo=timezone(timedelta(hours=2)))
    assert hours_between(start, end) == (1.0, False)


def test_a_naive_and_an_aware_time_compare_wall_clock_readings():
    end = datetime(2026, 3, 2, 13, 0, tzinfo=timezone(timedelta(hours=2)))
    assert hours_between(INJECTED, end) == (3.0, True)


def test_photos_are_sorted_by_time_whatever_order_they_come_in():
    tl = place_photos([at(48), at(2), at(24)], injected_at=INJECTED)
    assert [p.hours_since_injection for p in tl.photos] == [2.0, 24.0, 48.0]
    assert [p.index for p in tl.photos] == [1, 2, 0]
    assert tl.time_known


def test_a_photo_a_few_minutes_before_the_injection_counts_as_at_the_injection():
    tl = place_photos([at(-0.1)], injected_at=INJECTED)
    assert tl.photos[0].hours_since_injection == 0.0
    assert tl.notes == ()


def test_a_photo_hours_before_the_injection_is_left_out_with_a_note():
    tl = place_photos([at(-3, file="before.jpg"), at(5)], injected_at=INJECTED)
    assert [p.hours_since_injection for p in tl.photos] == [5.0]
    assert tl.notes == ("before.jpg was taken 3.0 h before the injection; it was left out of the healing "
                        "course. Check the injection date and time.",)


def test_without_an_injection_time_hours_count_from_the_first_photo_as_a_lower_bound():
    tl = place_photos([at(30), at(54)], injected_at=None)
    assert tl.mode == "since_first_photo"
    assert [p.t_hours for p in tl.photos] == [0.0, 24.0]
    assert all(p.hours_since_injection is None for p in tl.photos)


def test_without_any_capture_time_the_given_order_is_kept():
    tl = place_photos([synthetic_measurement(taken_at=None, file="b"), synthetic_measurement(taken_at=None,
                                                                                            file="a")],
                      injected_at=INJECTED)
    assert tl.mode == "order_only"
    assert [p.measurement.file for p in tl.photos] == ["b", "a"]
    assert any("order given" in n for n in tl.notes)


def test_unusable_photos_are_left_out_with_their_problems():
    tl = place_photos([at(5, usable=False, file="x.jpg")], injected_at=INJECTED)
    assert tl.photos == ()
    assert tl.notes == ("x.jpg could not be measured (blurry); it was left out.",)


def test_something_that_is_not_a_measurement_is_an_error():
    with pytest.raises(InvalidArgumentError, match="item 1 is dict"):
        place_photos([{"h": 3}], injected_at=INJECTED)
