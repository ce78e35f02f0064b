import numpy as np
from numpy.testing import assert_allclose

from tests.imaging.test_pipeline import _loaded, _scene
from tracker.imaging.pipeline import analyze_loaded
from tracker.imaging.rectify import centre_on_plane, rectified_view


def test_views_of_the_same_disk_at_different_tilts_have_the_same_size_in_millimetres():
    sizes = []
    for tilt in (0, 30):
        rgb, true_mm2 = _scene(tilt)
        m = analyze_loaded(_loaded(rgb)).measurement
        region = m.redness.regions[0]
        centre = centre_on_plane(m.scale.marker_corners_px, m.scale.marker_mm, region.centroid_px)
        view = rectified_view(rgb, m.scale.marker_corners_px, m.scale.marker_mm, centre_mm=centre, size_mm=30,
                              px_per_mm=10)
        assert view.shape == (300, 300, 3)
        red = (view[..., 0].astype(int) - view[..., 1]) > 60
        sizes.append(red.sum() / 100.0)  # mm² at 10 px/mm
        assert_allclose(sizes[-1], true_mm2, rtol=0.04)
    assert_allclose(sizes[0], sizes[1], rtol=0.03)
