"""Region kinds follow which chromophore absorbs the light."""

import numpy as np
import pytest

from tracker.imaging.kinds import BRUISE_MIN_RED_OD_RATIO, blue_tilt, classify_region, oxygenated


def test_kinds_follow_what_absorbs_red_light():
    assert classify_region(-5.0, 9.0, -0.5, 0.08) == "erythema"      # oxy-haemoglobin
    assert classify_region(-11.0, 8.0, -3.0, 0.45) == "bruise"       # deoxy-haemoglobin
    assert classify_region(-22.0, 3.0, 2.0, 0.8, 6.0) == "mole"      # melanin, small and brown
    assert classify_region(-22.0, 3.0, 2.0, 0.8, 120.0) == "bruise"  # large dark patch: never dropped
    assert classify_region(-4.0, 5.0, -0.7, 0.25) == "erythema"      # doubtful: the stricter clock


def test_a_dark_spot_absorbing_red_nearly_as_much_as_green_is_a_mole_even_when_it_loses_chroma():
    # darkening lowers chroma, so a mole's Δb* is often negative; melanin's red/green ratio gives it away
    assert classify_region(-20.0, 2.9, -1.1, red_od_ratio=0.69, area_mm2=9.0) == "mole"
    # a small fresh bruise: darker and bluer, but its blood absorbs green far more than red
    assert classify_region(-9.0, 6.6, -2.5, red_od_ratio=0.46, area_mm2=14.0) == "bruise"
    # a large dark patch is never dropped as a mole
    assert classify_region(-20.0, 2.9, -1.1, red_od_ratio=0.69, area_mm2=120.0) == "bruise"


# Prahl's (1999) molar extinction near 600, 550 and 470 nm, relative to 550 nm: (R, G, B)
OXY_HB = np.array([0.07, 1.0, 0.77])
DEOXY_HB = np.array([0.28, 1.0, 0.30])


def test_the_blue_tilt_reads_the_chromophore_whatever_neutral_change_rides_on_it():
    assert blue_tilt(*OXY_HB) == pytest.approx(0.5, abs=0.01)
    assert blue_tilt(*DEOXY_HB) == pytest.approx(-0.94, abs=0.01)
    for neutral in (-0.2, 0.1, 0.5):  # the skin's texture or shading under the region
        assert blue_tilt(*(0.3 * OXY_HB + neutral)) == pytest.approx(blue_tilt(*OXY_HB))
    # the red/green ratio it replaces for such regions is moved by the same neutral change
    lifted = 0.15 * OXY_HB + 0.06
    assert lifted[0] / lifted[1] > BRUISE_MIN_RED_OD_RATIO > OXY_HB[0] / OXY_HB[1]
    assert np.isnan(blue_tilt(0.3, 0.3, 0.5))  # green absorbed no more than red: no blood


def test_a_bruise_coloured_ratio_with_oxy_haemoglobins_tilt_is_erythema_doubt_goes_to_the_stricter_clock():
    lifted = 0.15 * OXY_HB + 0.06  # erythema on a patch of skin a little darker than around it
    assert oxygenated(lifted[0] / lifted[1], blue_tilt(*lifted))
    fresh = 0.3 * DEOXY_HB + 0.02
    assert not oxygenated(fresh[0] / fresh[1], blue_tilt(*fresh))  # a fresh bruise stays one
    yellowing = 0.3 * DEOXY_HB + 0.4 * np.array([0.02, 0.22, 1.0]) + 0.06  # bilirubin (sample_images)
    assert not oxygenated(yellowing[0] / yellowing[1], blue_tilt(*yellowing))
    assert not oxygenated(0.45, 0.5)  # a ratio the skin's texture does not lift erythema to
    assert not oxygenated(0.33, None) and not oxygenated(0.33, float("nan"))  # not measured
