"""The mask primitives against the plain computations they stand for."""

import numpy as np
import pytest
from scipy import ndimage as ndi

from tracker.imaging.masks import block_means, grow, grow_boxed, padded_box, ring_around, share_of_ring_not_skin


def test_grow_equals_labelling_the_frame_and_picking_the_seeds_components():
    rng = np.random.default_rng(1)
    for _ in range(200):
        h, w = rng.integers(1, 60, 2)
        allowed = rng.random((h, w)) < rng.random()
        seed = rng.random((h, w)) < 0.05
        labels, _ = ndi.label(allowed)
        ids = np.unique(labels[seed])
        expected = np.isin(labels, ids[ids > 0])
        assert np.array_equal(grow(seed, allowed), expected)
        strided = np.repeat(allowed, 2, axis=1)[:, ::2]  # not contiguous
        strided.flags.writeable = False
        assert np.array_equal(grow(seed, strided), expected)
        grown, box = grow_boxed(seed, allowed)  # and the bounding box of what it grew
        ys, xs = np.nonzero(expected)
        assert box == ((ys.min(), ys.max() + 1, xs.min(), xs.max() + 1) if len(ys) else (0, 0, 0, 0))
        if seed.any():  # a seed box holding the seed gives the same
            sy, sx = np.nonzero(seed)
            seed_box = (slice(sy.min(), sy.max() + 1), slice(sx.min(), sx.max() + 1))
            assert np.array_equal(grow_boxed(seed, allowed, seed_box)[0], expected)


@pytest.mark.parametrize("factor", [2, 3, 5])
def test_block_means_by_a_whole_factor_are_the_mean_of_each_block(factor):
    plane = np.random.default_rng(3).random((61, 47)).astype(np.float32)
    h, w = 61 // factor, 47 // factor
    expected = plane[:h * factor, :w * factor].reshape(h, factor, w, factor).mean(axis=(1, 3))
    np.testing.assert_allclose(block_means(plane, factor), expected, rtol=1e-5)


def test_padded_box_is_the_bounding_box_widened_and_clipped_and_a_given_box_is_used_as_it_is():
    mask = np.zeros((50, 40), bool)
    mask[10:20, 5:9] = True
    assert padded_box(mask, 0) == (10, 20, 5, 9)
    assert padded_box(mask, 7) == (3, 27, 0, 16)
    assert padded_box(mask, 2, (8, 30, 1, 12)) == (6, 32, 0, 14)


def test_the_ring_lies_outside_the_region_between_half_and_one_and_a_half_radii_on_skin_only():
    yy, xx = np.mgrid[:200, :200]
    r = np.hypot(xx - 100, yy - 100)
    region = r <= 20
    skin = xx < 150  # the ring is cut by the edge of the skin
    window, ring = ring_around(region, skin, px_per_mm=10.0)
    full = np.zeros(region.shape, bool)
    full[window] = ring
    assert not (full & region).any() and not (full & ~skin).any()
    # 1 mm = 10 px is more than half the 20 px radius: from 10 to 30 px outside the region
    assert r[full].min() >= 29 and r[full].max() <= 51
    assert full[(r >= 32) & (r <= 48) & skin].all()
    assert ring_around(region, np.zeros_like(skin), px_per_mm=10.0) is None


def test_a_strip_along_the_edge_of_the_skin_has_half_its_ring_outside_it():
    yy, xx = np.mgrid[:300, :400]
    skin = yy < 200
    strip = (yy >= 185) & (yy < 200) & (xx >= 100) & (xx < 300)
    assert 0.35 <= share_of_ring_not_skin(strip, skin, px_per_mm=10.0) <= 0.6
    spot = np.hypot(xx - 200, yy - 80) <= 20
    assert share_of_ring_not_skin(spot, skin, px_per_mm=10.0) == 0.0
    # the frame's border is not an edge of the skin
    corner = np.hypot(xx, yy) <= 20
    assert share_of_ring_not_skin(corner, skin, px_per_mm=10.0) == 0.0
