"""Region kinds follow which chromophore absorbs the light."""

from tracker.imaging.kinds import classify_region


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
