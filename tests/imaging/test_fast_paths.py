"""The speed paths give what the plain computations give.

Each fast path of the analysis (in-place arithmetic, one decode at a DCT scale, flood
fills, planes instead of an interleaved image, ...) is checked here against the
straightforward computation it replaces.
"""

import io

import cv2
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage as ndi

from tests.imaging.planar import camera_homography, photograph, render_plane
from tracker.imaging import pipeline
from tracker.imaging.calibrate import find_card, resized_calibration
from tracker.imaging.color import haemoglobin_index, optical_density, rgb_to_lab, rgb_to_lab_planes
from tracker.imaging.load import load_photo
from tracker.imaging.stats import median as _median
from tracker.imaging.stats import percentile as _percentile
from tracker.imaging.excess import excess_maps
from tracker.imaging.masks import marked_components
from tracker.imaging.skin import glare_mask, skin_mask


def _jpeg(rgb: np.ndarray, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _skin_photo(size=(1600, 1200), seed=0, noise=2.0, distance_mm=200.0):
    plane, _, ppm = render_plane()
    h = camera_homography(tilt_deg=10, rot_deg=20, distance_mm=distance_mm, focal_px=2000, size=size,
                          centre_mm=(5, -5))
    img = photograph(plane, ppm, 60.0, h, size).astype(np.float32)
    img += np.random.default_rng(seed).normal(0, noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def test_seeds_equal_labelling_the_red_and_the_faint_masks_with_scipy():
    # the plain computation marked_components replaces: large 4-connected components of the visibly redder
    # bright pixels, and the bright components holding none of them
    rng = np.random.default_rng(2)
    for _ in range(200):
        h, w = rng.integers(1, 60, 2)
        bright = rng.random((h, w)) < rng.random()
        da = rng.normal(0, 1, (h, w)).astype(np.float32)
        level, min_px = float(rng.normal(0, 1)), int(rng.integers(1, 12))
        labels, n = ndi.label(bright & (da > level))
        sizes = np.bincount(labels.ravel(), minlength=n + 1)
        large = [labels == k for k in range(1, n + 1) if sizes[k] >= min_px]
        red_any = np.zeros((h, w), bool)
        for m in large:
            red_any |= m
        blabels, bn = ndi.label(bright)
        faint = [blabels == k for k in range(1, bn + 1)
                 if not red_any[blabels == k].any() and (blabels == k).sum() >= min_px]
        expected = sorted([(m.tobytes(), True) for m in large] + [(m.tobytes(), False) for m in faint])
        got = marked_components(bright, da, level, min_px)
        assert sorted((seed.tobytes(), red) for seed, _, red in got) == expected
        for seed, box, _ in got:  # the box (its bright component's) holds the whole seed
            assert seed[box].sum() == seed.sum()


@pytest.mark.parametrize("n", [1, 2, 3, 100, 30001])
def test_percentile_by_one_partition_is_numpys_linear_percentile(n):
    rng = np.random.default_rng(n)
    for values in (rng.normal(size=n).astype(np.float32), rng.integers(0, 256, n).astype(np.float32)):
        for q in (0, 5, 50, 95, 99, 100):
            assert np.isclose(_percentile(values, q), float(np.percentile(values, q)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n", [1, 2, 5000, 5001, 20000])
def test_median_by_one_partition_is_numpys_median(n):
    values = np.random.default_rng(n).normal(size=n).astype(np.float32)
    assert _median(values) == float(np.median(values))
    assert _median(values.astype(np.float64)) == float(np.median(values.astype(np.float64)))


def test_gemm_in_place_in_its_third_operand_equals_a_separate_output():
    rng = np.random.default_rng(2)
    for hgt, wid, terms in [(750, 1000, 3), (1, 1, 1), (77, 1031, 3), (1031, 77, 2)]:
        rows = rng.normal(size=(hgt, terms)).astype(np.float32)
        cols = rng.normal(size=(terms, wid)).astype(np.float32)
        channel = (rng.normal(size=(hgt, wid)) * 50).astype(np.float32)
        expected = cv2.gemm(rows, cols, -1.0, channel, 1.0)
        cv2.gemm(rows, cols, -1.0, channel, 1.0, dst=channel)
        assert np.array_equal(channel, expected)


def test_lab_planes_and_in_place_maps_equal_the_interleaved_computation():
    rgb = _skin_photo(size=(800, 600))
    gains = np.array([1.1, 0.95, 1.3], np.float32)
    lab = rgb_to_lab(rgb, gains=gains)
    planes = rgb_to_lab_planes(rgb, gains=gains)
    assert all(np.array_equal(planes[c], lab[..., c]) for c in range(3))
    assert np.array_equal(skin_mask(planes, px_per_mm=5.0), skin_mask(lab, px_per_mm=5.0))
    assert np.array_equal(glare_mask(rgb, planes, channels=cv2.split(rgb)), glare_mask(rgb, lab))
    red = np.ascontiguousarray(rgb[..., 0])
    od = optical_density(red)
    assert np.array_equal(haemoglobin_index(rgb, channels=cv2.split(rgb), od_red=od), haemoglobin_index(rgb))
    valid = skin_mask(lab, px_per_mm=5.0)
    blue = np.ascontiguousarray(rgb[..., 2])
    plain = excess_maps(lab, haemoglobin_index(rgb), optical_density(red), optical_density(blue), valid,
                        px_per_mm=5.0)
    hb, od, od_b = haemoglobin_index(rgb), optical_density(red), optical_density(blue)
    fast = excess_maps(planes, hb, od, od_b, valid, px_per_mm=5.0, overwrite_input=True)
    for name in ("delta_l", "delta_a", "delta_b", "delta_hb", "delta_od_red", "delta_od_blue"):
        assert np.array_equal(getattr(fast, name), getattr(plain, name)), name
    assert (fast.sigma_a, fast.sigma_l, fast.sigma_hb) == (plain.sigma_a, plain.sigma_l, plain.sigma_hb)
    assert fast.delta_hb is hb and fast.delta_l is planes[0]  # computed in the inputs
    untouched = haemoglobin_index(rgb)
    excess_maps(lab, untouched, optical_density(red), optical_density(blue), valid, px_per_mm=5.0)
    assert np.array_equal(untouched, haemoglobin_index(rgb))  # inputs kept by default


def test_a_dct_scaled_decode_between_min_side_and_max_side_is_used_as_it_is():
    data = _jpeg(np.random.default_rng(3).integers(0, 256, (3000, 4000, 3), np.uint8), quality=80)
    photo = load_photo(data, max_side=1024, min_side=768)
    assert photo.rgb.shape == (750, 1000, 3) and photo.scale == 0.25
    reference = _dct_quarter(data)
    assert np.array_equal(photo.rgb, reference)
    assert load_photo(data, max_side=1024).rgb.shape == (768, 1024, 3)  # default: exactly max_side


def test_an_integer_reduction_between_min_side_and_max_side_is_used_as_it_is():
    rgb = np.random.default_rng(5).integers(0, 256, (1500, 2000, 3), np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG", compress_level=1)
    photo = load_photo(buf.getvalue(), max_side=1024, min_side=768)
    assert photo.rgb.shape == (750, 1000, 3) and photo.scale == 0.5
    assert np.array_equal(photo.rgb, np.asarray(Image.fromarray(rgb).reduce(2)))


def _dct_quarter(data: bytes) -> np.ndarray:
    im = Image.open(io.BytesIO(data))
    im.draft("RGB", (1000, 750))
    return np.asarray(im.convert("RGB"))


def test_refine_decodes_the_same_source_again_at_the_side_it_asks_for():
    data = _jpeg(np.random.default_rng(4).integers(0, 256, (1200, 1600, 3), np.uint8))
    seen = []

    def refine(photo):
        seen.append(photo.rgb.shape)
        return 1200

    for source in (data, io.BytesIO(data), _NonSeekable(data)):
        seen.clear()
        photo = load_photo(source, max_side=1024, min_side=768, refine=refine)
        assert seen == [(600, 800, 3)] and photo.rgb.shape == (900, 1200, 3)
        assert np.isclose(photo.scale, 0.75)


class _NonSeekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer) -> int:
        chunk = self._stream.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def test_a_distant_card_is_analysed_at_a_larger_working_size():
    # at 1/2 DCT scale (800 px) the card gives 5 px/mm: decoded again to give 6 px/mm
    data = _jpeg(_skin_photo())
    analysis = pipeline.analyze_source(data)
    assert max(analysis.rgb.shape) == 960
    assert analysis.measurement.scale.mm_per_px is not None
    full = pipeline.analyze_loaded(load_photo(data, max_side=1600))
    assert np.isclose(analysis.measurement.redness.area_mm2, full.measurement.redness.area_mm2, rtol=0.03)


def test_a_near_card_is_analysed_on_the_decode_reduced_towards_the_working_px_per_mm():
    data = _jpeg(_skin_photo(distance_mm=120.0))  # 8.3 px/mm at 800 px: reduced, to at least 640 px
    analysis = pipeline.analyze_source(data)
    assert max(analysis.rgb.shape) == pipeline.REDUCED_MIN_SIDE
    m = analysis.measurement
    assert (m.width, m.height) == (1600, 1200) and m.quality.usable
    full = pipeline.analyze_loaded(load_photo(data, max_side=1600)).measurement
    assert np.isclose(m.redness.area_mm2, full.redness.area_mm2, rtol=0.03)
    assert np.allclose(m.redness.regions[0].centroid_px, full.redness.regions[0].centroid_px, atol=3)
    assert np.allclose(m.scale.marker_corners_px, full.scale.marker_corners_px, atol=2.5)  # a working pixel


def test_a_resized_calibration_is_what_a_detection_on_the_resized_frame_gives():
    rgb = _skin_photo(size=(1000, 750), distance_mm=250.0)
    cal = find_card(rgb)
    for size in [(800, 600), (640, 480), (777, 583)]:
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)  # as the pipeline reduces
        detected, carried = find_card(small), resized_calibration(cal, (1000, 750), size)
        assert np.abs(detected.corners_px - carried.corners_px).max() < 0.5  # the detection's own noise
        assert np.isclose(detected.px_per_mm, carried.px_per_mm, rtol=0.005)
        assert abs(detected.tilt_deg - carried.tilt_deg) < 1.5
        # the blur it stands for, in mm on the skin, is the decoded frame's
        assert np.isclose(carried.edge_sharpness * carried.px_per_mm, cal.edge_sharpness * cal.px_per_mm)
