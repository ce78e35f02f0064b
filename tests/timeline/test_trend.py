"""Trend direction and rate, bounded by the minimum detectable change."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from tracker.timeline import TrendSettings, fit_trend, group_repeats, minimum_detectable_change


@pytest.mark.parametrize(("sd", "up", "down"), [(0.05, 0.149, -0.129), (0.10, 0.320, -0.242)])
def test_the_minimum_detectable_change_matches_the_documented_figures(sd, up, down):
    mdc = minimum_detectable_change(sd)
    assert_allclose([math.exp(mdc) - 1, math.exp(-mdc) - 1], [up, down], atol=1e-3)


def test_theil_sen_recovers_the_daily_rate_of_an_exponential_fade():
    hours = np.arange(0, 6) * 24.0
    trend = fit_trend(hours, np.log(100 * 0.8 ** (hours / 24)), settings=TrendSettings(window_hours=200))
    assert trend.method == "theil_sen" and trend.n_points == 6
    assert trend.change_per_day_pct == pytest.approx(-20.0)
    assert trend.direction == "shrinking"


def test_two_or_three_points_use_the_first_and_last_of_the_window():
    trend = fit_trend([24.0, 48.0, 72.0], np.log([20.0, 80.0, 40.0]))
    assert trend.method == "two_point"
    assert trend.change == pytest.approx(math.log(2.0))
    assert trend.direction == "growing"


def test_a_change_below_the_detectable_change_is_stable():
    trend = fit_trend([24.0, 48.0], np.log([30.0, 38.0]))  # +27 % < +32 % at the 10 % default
    assert trend.direction == "stable"
    assert trend.noise_source == "default" and trend.noise_sd == 0.10


def test_same_day_repeats_are_averaged_and_give_the_noise():
    hours = [24.0, 24.2, 48.0, 48.1]
    values = np.log([100.0, 120.0, 100.0, 80.0])
    trend = fit_trend(hours, values)
    assert trend.n_points == 2
    assert trend.noise_source == "repeats"
    expected_sd = math.sqrt(((math.log(1.2) / 2) ** 2 * 2 + (math.log(1.25) / 2) ** 2 * 2) / 2)
    assert trend.noise_sd == pytest.approx(expected_sd)


def test_noise_from_wild_repeats_is_clamped_so_a_doubling_still_shows():
    hours = [0.0, 0.5, 24.0, 48.0, 72.0]
    values = np.log([10.0, 40.0, 20.0, 40.0, 80.0])
    trend = fit_trend(hours, values, settings=TrendSettings(window_hours=100))
    assert trend.noise_sd == 0.20
    assert trend.direction == "growing"


def test_only_the_recent_window_is_fitted_so_late_growth_shows():
    hours = np.arange(0, 8) * 24.0
    areas = [60, 30, 15, 8, 10, 16, 25, 40]  # fades, then grows from day 4
    trend = fit_trend(hours, np.log(areas))
    assert trend.window_hours == 72.0 and trend.n_points == 4
    assert trend.direction == "growing"


def test_a_single_time_point_has_no_direction():
    trend = fit_trend([24.0, 24.5], np.log([10.0, 11.0]))
    assert trend.direction is None and trend.method == "none" and trend.n_points == 1


def test_repeats_group_by_the_first_photo_of_each_session():
    assert group_repeats([0.0, 1.0, 2.5, 30.0, 31.9], repeat_window_hours=2.0) == [[0, 1], [2], [3, 4]]


def test_unsorted_times_are_an_error():
    with pytest.raises(ValueError, match="sorted ascending"):
        fit_trend([48.0, 24.0], [1.0, 2.0])
