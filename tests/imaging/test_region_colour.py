import numpy as np
import pytest
from skimage.color import rgb2lab

from tracker.imaging.excess import ExcessMaps
from tracker.imaging.region_colour import (
    EDGE_RING_SHARE, NEUTRAL_OD_RATIO, coloured_not_shaded, visible_bruise, visibly_different,
)

SKIN_SRGB = np.array([0.78, 0.58, 0.47])  # a light-medium skin, sRGB 0-1


def _lab_of_linear(linear: np.ndarray) -> np.ndarray:
    srgb = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return rgb2lab(srgb.reshape(1, 1, 3)).reshape(3)


def _maps_with_spot(scale_linear: np.ndarray) -> tuple[ExcessMaps, np.ndarray, np.ndarray]:
    """Skin with a 6 mm spot whose linear light is the skin's times ``scale_linear`` (per channel),
    as ExcessMaps over that skin, the spot's mask and the skin mask (10 px/mm)."""
    linear = np.where(SKIN_SRGB <= 0.04045, SKIN_SRGB / 12.92, ((SKIN_SRGB + 0.055) / 1.055) ** 2.4)
    skin_lab = _lab_of_linear(linear)
    delta = _lab_of_linear(linear * scale_linear) - skin_lab
    yy, xx = np.mgrid[:200, :200]
    spot = np.hypot(yy - 100, xx - 100) <= 30
    planes = [np.where(spot, d, 0.0).astype(np.float32) for d in delta]
    zero = np.zeros(spot.shape, np.float32)
    maps = ExcessMaps(delta_od_blue=None,
                      delta_l=planes[0], delta_a=planes[1], delta_b=planes[2], delta_hb=zero,
                      delta_od_red=zero, sigma_a=0.1, sigma_l=0.1, sigma_hb=0.002, baseline_lab=skin_lab)
    return maps, spot, ~spot


@pytest.mark.parametrize("light", [0.9, 0.7, 0.4])
def test_a_shadow_of_any_depth_is_not_coloured_though_visibly_different(light):
    # a shadow scales the linear light of every channel alike: the colour moves along the
    # skin's own line (L* + 16, a*, b*), computed here with skimage's CIELAB, not that formula
    maps, spot, skin = _maps_with_spot(np.full(3, light))
    assert visibly_different(maps, spot, skin, 10.0, 2.3)
    assert not coloured_not_shaded(maps, spot, skin, 10.0, 2.3)


@pytest.mark.parametrize("absorb", [(0.92, 0.80, 0.90), (0.97, 0.93, 0.97), (1.0, 1.0, 0.85)])
def test_a_bruise_as_dark_as_a_shadow_is_coloured(absorb):
    # deoxy-haemoglobin absorbs green more than red (purple-blue); bilirubin absorbs blue (yellow)
    maps, spot, skin = _maps_with_spot(np.array(absorb))
    assert coloured_not_shaded(maps, spot, skin, 10.0, 2.3)


def test_the_stricter_test_holds_only_along_the_skins_edge():
    maps, spot, skin = _maps_with_spot(np.full(3, 0.7))  # a shadow-coloured spot
    # amid skin, with blood's optical density, visibly darker is enough
    assert visible_bruise(maps, spot, skin, skin, 10.0, 2.3, red_od_ratio=0.4)
    limb = skin.copy()
    limb[:, 135:] = False  # the limb ends 0.5 mm beyond the spot: half its ring is off the skin
    assert not visible_bruise(maps, spot, limb, skin & limb, 10.0, 2.3, red_od_ratio=0.4)
    assert EDGE_RING_SHARE < 0.5


def test_a_neutral_darkening_is_held_to_the_shadow_test_anywhere():
    # a region absorbing red about as much as green (dark hair between its strands, a shadow)
    # amid the skin: only darker is not enough; blood's ratio (0.07-0.53) keeps the former rule
    maps, spot, skin = _maps_with_spot(np.full(3, 0.7))
    assert visible_bruise(maps, spot, skin, skin, 10.0, 2.3, red_od_ratio=0.4)
    assert not visible_bruise(maps, spot, skin, skin, 10.0, 2.3, red_od_ratio=0.9)
    maps, spot, skin = _maps_with_spot(np.array([0.92, 0.80, 0.90]))  # coloured: a bruise either way
    assert visible_bruise(maps, spot, skin, skin, 10.0, 2.3, red_od_ratio=0.9)
    assert 0.53 < NEUTRAL_OD_RATIO < 0.83
