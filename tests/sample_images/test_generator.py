"""Known-answer tests of the synthetic photo generator and its committed series."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.testing import assert_allclose
from PIL import Image, ImageOps

from sample_images.generate import Lesion, PhotoSpec, SkinSpec, encode_jpeg, render_photo
from sample_images.render import ILLUMINANTS

SAMPLES = Path(__file__).resolve().parents[2] / "sample_images"


def _detector() -> cv2.aruco.ArucoDetector:
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    return cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), params)


DETECTOR = _detector()


def _committed_photos():
    manifest = json.loads((SAMPLES / "manifest.json").read_text())
    for entry in manifest["series"]:
        series = json.loads((SAMPLES / entry["path"]).read_text())
        for photo in series["photos"]:
            yield SAMPLES / series["name"], photo


def _upright(path: Path) -> np.ndarray:
    return np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))


def test_the_same_spec_gives_the_same_jpeg_bytes():
    spec = PhotoSpec(skin=SkinSpec(3, seed=5, hairs=3), lesions=(Lesion("bruise", (1, 2), (4, 3), age=0.3),),
                     tilt_deg=12, seed=42)
    first = encode_jpeg(render_photo(spec)[0], 85, taken_at=datetime(2026, 1, 2, 3, 4, 5))
    second = encode_jpeg(render_photo(spec)[0], 85, taken_at=datetime(2026, 1, 2, 3, 4, 5))
    assert first == second


def test_a_drawn_ellipse_has_area_pi_a_b_on_the_plane_under_a_30_degree_tilt():
    spec = PhotoSpec(lesions=(Lesion("erythema", (0, 0), (6.0, 4.0), angle_deg=25),), tilt_deg=30,
                     tilt_azimuth_deg=70, rotation_deg=40, seed=3)
    _, truth, mask = render_photo(spec)
    assert_allclose(truth["area_mm2"], np.pi * 24.0, rtol=0.005)
    assert_allclose(truth["regions"][0]["max_diameter_mm"], 12.0, rtol=0.005)
    # the image mask is the same set seen through the camera
    assert_allclose(mask.sum(), truth["regions"][0]["area_px"], rtol=0.02)


def test_a_100_mm2_disk_measures_100_mm2_through_the_detected_card_at_30_degrees_tilt():
    radius = np.sqrt(100 / np.pi)
    spec = PhotoSpec(skin=SkinSpec(4, seed=9), lesions=(Lesion("erythema", (0, 0), (radius, radius)),),
                     tilt_deg=30, tilt_azimuth_deg=200, rotation_deg=-65, px_per_mm=16, seed=8)
    rgb, truth, mask = render_photo(spec)
    corners, ids, _ = DETECTOR.detectMarkers(rgb)
    assert ids is not None and ids.ravel().tolist() == [0]
    square = np.float32([[0, 20], [20, 20], [20, 0], [0, 0]])  # marker corners in mm, y up
    to_mm, _ = cv2.findHomography(corners[0].reshape(4, 2), square)
    ys, xs = np.nonzero(mask)
    # each pixel's area on the plane is |det J| of the px -> mm map at its centre
    pts = np.column_stack([xs, ys, np.ones_like(xs)]).astype(float) @ to_mm.T
    jac_det = np.linalg.det(to_mm) / pts[:, 2] ** 3
    assert_allclose(np.abs(jac_det).sum(), 100.0, rtol=0.03)
    assert_allclose(truth["area_mm2"], 100.0, rtol=0.001)


def test_the_marker_is_found_where_the_truth_says_in_every_committed_photo_with_a_card():
    checked = 0
    for folder, photo in _committed_photos():
        corners, ids, _ = DETECTOR.detectMarkers(_upright(folder / photo["file"]))
        if not photo["has_card"]:
            assert ids is None, photo["file"]
            continue
        if photo["blurred"]:
            continue
        assert ids is not None and ids.ravel().tolist() == [photo["marker_id"]], photo["file"]
        assert np.abs(corners[0].reshape(4, 2) - photo["marker_corners_px"]).max() < 1.5, photo["file"]
        checked += 1
    assert checked >= 40


def test_exif_capture_time_and_offset_read_back():
    jpeg = encode_jpeg(np.zeros((60, 80, 3), np.uint8), taken_at=datetime(2026, 3, 2, 11, 5, 9),
                       utc_offset="+01:00")
    exif = Image.open(io.BytesIO(jpeg)).getexif().get_ifd(0x8769)
    assert exif[0x9003] == "2026:03:02 11:05:09"
    assert exif[0x9011] == "+01:00"


def test_committed_photos_carry_their_capture_time_in_exif():
    for folder, photo in _committed_photos():
        exif = Image.open(folder / photo["file"]).getexif().get_ifd(0x8769)
        assert datetime.strptime(exif[0x9003], "%Y:%m:%d %H:%M:%S").isoformat() == photo["taken_at"]


def test_rotated_photos_show_upright_at_the_size_of_their_mask():
    rotated = [(f, p) for f, p in _committed_photos() if p["exif_orientation"] in (6, 8)]
    assert len(rotated) >= 3
    for folder, photo in rotated:
        stored = Image.open(folder / photo["file"])
        mask = Image.open(folder / photo["mask_file"])
        assert stored.size == (1200, 1600)
        assert ImageOps.exif_transpose(stored).size == mask.size == (1600, 1200)


def test_an_orientation_6_jpeg_shows_the_upright_pixels():
    rgb = np.zeros((120, 160, 3), np.uint8)
    rgb[:20, :40] = 255  # a white block top-left
    for orientation in (6, 8):
        shown = _upright_bytes(encode_jpeg(rgb, 95, orientation=orientation))
        assert shown.shape == rgb.shape
        assert shown[5:15, 5:35].mean() > 200 and shown[-20:, -40:].mean() < 30


def _upright_bytes(jpeg: bytes) -> np.ndarray:
    return np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(jpeg))))


def test_masks_match_the_truth_pixel_counts():
    for folder, photo in _committed_photos():
        mask = np.asarray(Image.open(folder / photo["mask_file"]))
        assert mask.ndim == 2 and set(np.unique(mask)) <= {0, 255}
        assert (mask == 255).sum() == photo["area_px"]


@pytest.mark.parametrize("fitzpatrick", [1, 6])
def test_a_photo_without_the_card_has_no_marker_and_no_scale(fitzpatrick):
    rgb, truth, _ = render_photo(PhotoSpec(skin=SkinSpec(fitzpatrick), has_card=False, seed=4))
    assert DETECTOR.detectMarkers(rgb)[1] is None
    assert truth["mm_per_px"] is None and truth["has_card"] is False


def test_darker_skin_types_render_darker_and_redness_gives_less_a_star_excess():
    lesion = Lesion("erythema", (0, 0), (5, 5), amplitude=0.4)
    medians, excess = [], []
    for fitzpatrick in (1, 3, 6):
        rgb, truth, mask = render_photo(PhotoSpec(skin=SkinSpec(fitzpatrick), lesions=(lesion,), seed=1))
        medians.append(np.median(rgb[~mask].astype(float) @ [0.3, 0.6, 0.1]))
        excess.append(truth["regions"][0]["peak_delta_a"])
    assert medians[0] > medians[1] > medians[2]
    assert excess[0] > excess[1] > excess[2] > 2.5


@pytest.mark.parametrize("illuminant", sorted(ILLUMINANTS))
def test_every_illuminant_renders_a_detectable_card(illuminant):
    rgb, truth, _ = render_photo(PhotoSpec(illuminant=illuminant, tilt_deg=20, seed=6))
    assert DETECTOR.detectMarkers(rgb)[1] is not None
    assert 0.03 < truth["mm_per_px"] < 0.13


def test_mottling_zero_renders_evenly_coloured_skin_and_the_default_is_unchanged():
    def hb_spread(skin: SkinSpec) -> float:
        rgb, _, _ = render_photo(PhotoSpec(skin=skin, has_card=False, noise=0.0, seed=2, width=400, height=300))
        lin = (rgb[100:200, 150:250].astype(np.float64) / 255.0) ** 2.2
        index = np.log(lin[..., 0] + 1e-4) - np.log(lin[..., 1] + 1e-4)  # blood shows in ln(R/G)
        return float(index.std())

    plain = dict(fitzpatrick=3, seed=9, moles=0, freckles=0)
    assert render_photo(PhotoSpec(skin=SkinSpec(**plain), seed=2, width=400, height=300))[0].tobytes() == \
        render_photo(PhotoSpec(skin=SkinSpec(**plain, mottling=1.0), seed=2, width=400, height=300))[0].tobytes()
    assert hb_spread(SkinSpec(**plain, mottling=0.0)) < 0.5 * hb_spread(SkinSpec(**plain))
