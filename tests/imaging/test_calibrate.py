import cv2
import numpy as np
import pytest
from numpy.testing import assert_allclose

from tests.imaging.planar import camera_homography, photograph, render_plane
from tracker.imaging.calibrate import find_card, pixel_area_mm2, card_polygon_px

SIZE = (1600, 1200)


def _photo(tilt_deg, rot_deg=20.0, **kw):
    plane, mask, ppm = render_plane(**kw)
    h = camera_homography(tilt_deg=tilt_deg, rot_deg=rot_deg, distance_mm=200, focal_px=2000, size=SIZE,
                          centre_mm=(5, -5))
    img = photograph(plane, ppm, 60.0, h, SIZE)
    m = photograph(np.repeat(mask[..., None].astype(np.uint8) * 255, 3, 2), ppm, 60.0, h, SIZE)[..., 0] > 127
    return img, m, mask.sum() / ppm**2


def _area_mm2(cal, mask):
    ys, xs = np.nonzero(mask)
    return pixel_area_mm2(cal.homography, ys.astype(float), xs.astype(float)).sum()


@pytest.mark.parametrize("tilt", [0, 15, 30, 40])
def test_a_disk_of_known_area_measures_within_one_percent_under_camera_tilt(tilt):
    img, mask, true_mm2 = _photo(tilt)
    cal = find_card(img)
    assert cal is not None
    assert_allclose(_area_mm2(cal, mask), true_mm2, rtol=0.01)


def test_scaling_by_the_marker_side_alone_is_off_by_several_percent_at_30_degrees():
    img, mask, true_mm2 = _photo(30)
    cal = find_card(img)
    side_px = np.mean([np.linalg.norm(cal.corners_px[i] - cal.corners_px[(i + 1) % 4]) for i in range(4)])
    naive = mask.sum() * (20.0 / side_px) ** 2
    assert abs(naive / true_mm2 - 1) > 0.03  # what the homography avoids
    assert abs(_area_mm2(cal, mask) / true_mm2 - 1) < 0.01


def test_tilt_is_estimated_from_the_marker():
    for tilt in (0, 30):
        cal = find_card(_photo(tilt)[0])
        assert abs(cal.tilt_deg - tilt) < 5


def test_marker_ids_zero_to_three_are_accepted_and_others_are_not():
    for marker_id in (0, 3):
        assert find_card(_photo(10, marker_id=marker_id)[0]).marker_id == marker_id
    assert find_card(_photo(10, marker_id=7)[0]) is None


def test_a_photo_without_the_card_has_no_calibration():
    assert find_card(_photo(10, with_card=False)[0]) is None


def test_the_white_reference_is_the_cards_margin_not_the_skin():
    cal = find_card(_photo(20)[0])
    assert cal.white_linear is not None
    # the card is grey level 235 (linear 0.83) in every channel; skin would be reddish
    assert_allclose(cal.white_linear, [0.83, 0.83, 0.83], atol=0.02)


def test_the_card_polygon_covers_the_marker_with_its_margin():
    cal = find_card(_photo(0)[0])
    poly = card_polygon_px(cal, extra_mm=0.0)
    side = np.linalg.norm(poly[1] - poly[0])
    assert_allclose(side / cal.px_per_mm, 26.0, rtol=0.02)


@pytest.mark.parametrize("tilt", [0, 30, 45])
def test_detecting_in_a_crop_around_the_located_marker_gives_the_whole_frame_corners(tilt):
    from tracker.imaging.calibrate import _detect, _detect_around_located, _detect_whole_frame

    grey = cv2.cvtColor(_photo(tilt)[0], cv2.COLOR_RGB2GRAY)
    fast, whole = _detect_around_located(grey), _detect_whole_frame(grey)
    assert fast is not None and fast[0] == whole[0]
    assert_allclose(fast[1], whole[1], atol=1e-3)
    assert _detect(grey)[0] == whole[0]


def test_a_blurred_marker_the_quick_search_may_miss_is_found_as_by_the_whole_frame_search():
    from tracker.imaging.calibrate import _detect, _detect_whole_frame

    grey = cv2.GaussianBlur(cv2.cvtColor(_photo(10)[0], cv2.COLOR_RGB2GRAY), (0, 0), 8)
    whole = _detect_whole_frame(grey)
    found = _detect(grey)
    assert whole is not None and found is not None and found[0] == whole[0]
    assert_allclose(found[1], whole[1], atol=1e-3)


def test_a_shadow_across_the_card_does_not_make_its_edges_read_blurred():
    # benchmarks/independent.py --shadow seed 75: the penumbra of a phone's shadow across the card
    # made the shaded edges step half as far as the patch's range, and a sharp photo "blurry"
    img = _photo(10)[0]
    lit = find_card(img)
    x0, x1 = lit.corners_px[:, 0].min(), lit.corners_px[:, 0].max()
    edge = float(x0 + 0.3 * (x1 - x0))  # most of the marker in the shadow (read 0.24 of 0.41 before)
    xx = np.arange(SIZE[0], dtype=np.float32)[None, :, None]
    light = 1.0 - 0.55 * 0.5 * (1.0 + np.tanh((xx - edge) / 12.0))  # 55 % of the light gone beyond it
    shaded = np.clip(img.astype(np.float32) * light, 0, 255).astype(np.uint8)
    cal = find_card(shaded)
    sharp = lit.edge_sharpness
    assert cal.edge_sharpness == pytest.approx(sharp, rel=0.1)
    # and blur still reads as blur: 0.4 / σ
    blurred = find_card(cv2.GaussianBlur(shaded, (0, 0), 3.0))
    assert blurred.edge_sharpness < 0.5 * sharp
