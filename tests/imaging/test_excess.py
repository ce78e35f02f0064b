"""Known-answer tests of the excess maps: the skin's own surface is followed, a lesion is not."""

import numpy as np
import pytest

from tracker.imaging.excess import MAX_BASELINE_RANGE_HB, excess_maps

H, W, PX_PER_MM = 300, 400, 5.0


def _planes(hb: np.ndarray, rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray]:
    """Six float32 maps (L*, a*, b*, index, OD_red, OD_blue) whose a* follows the index as blood
    moves it (about 35 Δa* per unit on mid-tone skin), with a little pixel noise."""
    noise = lambda s: rng.normal(0, s, (H, W)).astype(np.float32)  # noqa: E731
    index = (hb + noise(0.003)).astype(np.float32)
    lab = [np.full((H, W), 60, np.float32) + noise(0.2), (12 + 35 * hb).astype(np.float32) + noise(0.1),
           np.full((H, W), 15, np.float32) + noise(0.1)]
    return lab, index


def _maps(hb: np.ndarray, skin: np.ndarray, seed: int = 0):
    rng = np.random.default_rng(seed)
    lab, index = _planes(hb, rng)
    od_red = np.full((H, W), 0.5, np.float32)
    return excess_maps(lab, index, od_red, od_red.copy(), skin, px_per_mm=PX_PER_MM)


def test_a_gradient_of_the_skins_own_redness_is_the_baseline_and_its_range_is_reported():
    x = np.linspace(0, 1, W, dtype=np.float32)[None, :].repeat(H, 0)
    hb = 0.3 + 0.08 * x  # the skin itself grows redder across the frame by 0.08
    skin = np.ones((H, W), bool)
    maps = _maps(hb, skin)
    assert maps.baseline_range_hb == pytest.approx(0.08 * 0.98, abs=0.005)  # 1st-99th percentile
    assert np.abs(maps.delta_hb).max() < 0.01  # nothing left in excess


def test_a_lesion_on_the_gradient_keeps_its_full_excess_and_does_not_bend_the_surface():
    yy, xx = np.mgrid[:H, :W]
    x = (xx / W).astype(np.float32)
    lesion = ((yy - 150) ** 2 + (xx - 250) ** 2 <= 40 ** 2)  # 201 mm² at 5 px/mm, 4 % of the frame
    hb = 0.3 + 0.08 * x + 0.2 * lesion
    maps = _maps(hb.astype(np.float32), np.ones((H, W), bool))
    assert maps.delta_hb[150, 250] == pytest.approx(0.2, abs=0.01)
    assert np.median(np.abs(maps.delta_hb[~lesion])) < 0.005
    assert maps.baseline_range_hb < MAX_BASELINE_RANGE_HB
    # the skin's own figures are its own: Δa* of the lesion is 35 x 0.2 over the skin
    assert maps.delta_a[150, 250] == pytest.approx(7.0, abs=0.3)


def test_the_surface_is_fitted_to_the_skin_only():
    # outside the skin mask a far redder area (a sleeve) neither bends the surface nor is excess
    hb = np.full((H, W), 0.3, np.float32)
    hb[:, 300:] = 0.9
    skin = np.zeros((H, W), bool)
    skin[:, :300] = True
    maps = _maps(hb, skin)
    assert maps.baseline_range_hb < 0.01
    assert np.abs(maps.delta_hb[:, :280]).max() < 0.01


def test_too_little_skin_for_a_surface_falls_back_to_its_median():
    hb = np.full((H, W), 0.3, np.float32)
    skin = np.zeros((H, W), bool)
    skin[:5, :5] = True  # 25 pixels: under the 50 grid points a surface needs
    maps = _maps(hb, skin)
    assert maps.baseline_range_hb == 0.0
    assert abs(float(maps.delta_hb[2, 2])) < 0.01
