import io

import numpy as np
from numpy.testing import assert_allclose
from PIL import Image
from skimage.color import rgb2lab

from tracker.imaging.color import (
    haemoglobin_index, jpeg_step_index, linear_to_srgb, rgb_to_lab, srgb_to_linear, unclipped_gains,
    white_balance_gains,
)


def test_linearisation_follows_the_srgb_standard():
    codes = np.array([[[0, 10, 128], [200, 255, 64]]], np.uint8)
    c = codes / 255.0
    expected = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    assert_allclose(srgb_to_linear(codes), expected, atol=1e-6)


def test_cielab_matches_scikit_image_reference():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    assert_allclose(rgb_to_lab(rgb), rgb2lab(rgb), atol=0.05)  # from linear light: no spline for sRGB


def test_white_balance_on_the_card_makes_a_tinted_white_neutral():
    warm_white = np.array([0.9, 0.6, 0.3])
    gains = white_balance_gains(warm_white)
    patch = np.full((4, 4, 3), 0, np.uint8)
    # the photographed card white, encoded to sRGB
    enc = np.where(warm_white <= 0.0031308, 12.92 * warm_white, 1.055 * warm_white ** (1 / 2.4) - 0.055)
    patch[:] = np.round(enc * 255).astype(np.uint8)
    lab = rgb_to_lab(patch, gains=gains)
    assert abs(lab[..., 1]).max() < 1.0 and abs(lab[..., 2]).max() < 1.0


def _srgb(linear) -> np.ndarray:
    return np.round(linear_to_srgb(np.asarray(linear)) * 255).astype(np.uint8)


def test_gains_that_would_push_lit_skin_past_white_keep_the_balance_and_lower_the_exposure():
    # the card in a shadow: its white photographed at 0.3 of a warm light, the skin beside it in the
    # full light (reflectance 0.55 x 0.45 x 0.35 of that light), the lesion on it redder
    light = np.array([1.0, 0.85, 0.6])
    gains = white_balance_gains(0.85 * 0.3 * light)
    frame = np.empty((60, 80, 3), np.uint8)
    frame[:] = _srgb(np.array([0.55, 0.45, 0.35]) * light * 0.9)
    frame[20:40, 30:50] = _srgb(np.array([0.55, 0.33, 0.28]) * light * 0.9)
    clipped = rgb_to_lab(frame, gains=gains)[0, 0]
    assert clipped[0] > 99.9 and np.hypot(clipped[1], clipped[2]) < 1.5  # as it was: white, hardly a colour
    fitted = unclipped_gains(frame, gains)
    assert_allclose(fitted / fitted[1], gains / gains[1], rtol=1e-6)  # the same balance
    assert fitted[1] < gains[1]
    lab = rgb_to_lab(frame, gains=fitted)
    assert lab[0, 0, 0] < 100.0 and lab[0, 0, 1] > 3.0  # skin-coloured again
    assert lab[30, 40, 1] - lab[0, 0, 1] > 5.0  # and the lesion redder than the skin


def test_gains_that_clip_nothing_the_camera_did_not_are_kept():
    light = np.array([1.0, 0.85, 0.6])
    gains = white_balance_gains(0.85 * 0.7 * light)
    frame = np.empty((60, 80, 3), np.uint8)
    frame[:] = _srgb(np.array([0.55, 0.45, 0.35]) * light * 0.7)  # skin under the card's light
    frame[:5, :5] = 255  # glare, blown by the camera itself, and a few bright pixels (0.8 %)
    frame[10:12, :19] = _srgb(0.85 * light * 0.9)
    assert np.array_equal(unclipped_gains(frame, gains), gains)


def test_the_haemoglobin_index_of_a_lesion_over_skin_does_not_depend_on_the_illuminant():
    skin, lesion = np.array([0.6, 0.4, 0.3]), np.array([0.6, 0.4 * np.exp(-0.3), 0.3 * np.exp(-0.2)])
    deltas = []
    for illum in ([1.0, 0.66, 0.36], [0.84, 0.95, 1.1]):
        lin = np.stack([skin, lesion]) * illum
        enc = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
        rgb = np.round(enc * 255).astype(np.uint8)[None]
        hb = haemoglobin_index(rgb)[0]
        deltas.append(hb[1] - hb[0])
    assert_allclose(deltas, [0.3, 0.3], atol=0.02)


def test_the_in_place_cielab_conversion_equals_a_separate_output():
    import cv2

    from tracker.imaging.color import _SRGB_LUT, rgb_to_lab_planes

    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (512, 700, 3), dtype=np.uint8)
    gains = np.array([1.3, 0.9, 1.6], np.float32)
    linear = np.clip(_SRGB_LUT[:, None] * gains[None, :], 0, 1)
    expected = cv2.cvtColor(np.stack([linear[rgb[..., c], c] for c in range(3)], axis=-1), cv2.COLOR_LRGB2Lab)
    assert np.array_equal(rgb_to_lab(rgb, gains=gains), expected)
    assert np.array_equal(rgb_to_lab(rgb[:1]), cv2.cvtColor(
        np.stack([_SRGB_LUT[rgb[:1, ..., c]] for c in range(3)], axis=-1), cv2.COLOR_LRGB2Lab))
    for rows in (1, 7, 256, 600):  # the banded planes are the very same values
        planes = rgb_to_lab_planes(rgb, gains=gains, band_rows=rows)
        assert all(np.array_equal(planes[c], expected[..., c]) for c in range(3))


def test_haemoglobin_index_and_optical_density_are_the_table_lookups():
    from tracker.imaging.color import _LOG_LUT, optical_density

    rgb = np.random.default_rng(2).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    assert np.array_equal(haemoglobin_index(rgb), _LOG_LUT[rgb[..., 0]] - _LOG_LUT[rgb[..., 1]])
    assert np.array_equal(optical_density(rgb[..., 0]), -_LOG_LUT[rgb[..., 0]])


def _jpeg_of_flat_ycc(y: float, cb: float, cr: float, quality: int) -> tuple[np.ndarray, tuple[float, float]]:
    """A 32 x 32 block of one Y, Cb, Cr (fractional means by dithering) through Pillow's JPEG, 4:4:4."""
    dither = np.random.default_rng(0).random((32, 32, 3))
    ycc = np.floor(np.array([y, cb, cr])[None, None, :] + dither).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(ycc, "YCbCr").save(buf, "JPEG", quality=quality, subsampling=0)
    im = Image.open(buf)
    steps = (im.quantization[0][0] / 8.0, im.quantization[1][0] / 8.0)
    return np.asarray(im.convert("RGB")), steps


def test_a_jpeg_step_decodes_to_one_to_two_steps_of_the_model():
    # Dark skin (Monk 8, sRGB 69, 49, 42: Y 54, Cb 121, Cr 138.6) at quality 70, whose
    # chroma DC quantiser 10 is a step of 1.25 levels: a block's Cr moved by 0.1 across the
    # boundary of two steps decodes one step apart. The decoder rounds Cr and then R, G, B to
    # whole levels, so the jump is larger than the step itself, but within two: what
    # redness.QUANTUM_SIGMA is set against.
    jumps = []
    for cr in np.arange(136.0, 142.0, 0.1):
        low, steps = _jpeg_of_flat_ycc(54.0, 121.0, cr, 70)
        high, _ = _jpeg_of_flat_ycc(54.0, 121.0, cr + 0.1, 70)
        jump = abs(float(haemoglobin_index(high).mean() - haemoglobin_index(low).mean()))
        if jump > 1e-6:
            jumps.append(jump / jpeg_step_index(low.reshape(-1, 3).mean(0), steps))
    assert steps[1] == 1.25
    assert len(jumps) >= 4  # 6 levels of Cr cross several steps
    assert 1.0 <= max(jumps) <= 2.0


def test_a_chroma_step_moves_the_index_of_dark_skin_far_more_than_of_fair_skin():
    fair = jpeg_step_index([230, 190, 170], (1.125, 1.25))
    dark = jpeg_step_index([69, 49, 42], (1.125, 1.25))
    assert dark > 2.5 * fair  # the index is a log ratio: a step of levels weighs more on dark skin
    assert 0.07 < dark < 0.1  # quality 70 on Monk 8: the plateaus of benchmarks/independent.py --coarse
    assert jpeg_step_index([69, 49, 42], (0.0, 0.0)) == 0.0
