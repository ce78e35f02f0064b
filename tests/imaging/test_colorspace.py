"""Display P3 and other embedded colour spaces brought to sRGB (tracker.imaging.colorspace)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from numpy.testing import assert_allclose
from PIL import Image, ImageCms

from tracker.imaging.colorspace import (
    DISPLAY_P3_PRIMARIES,
    SRGB_PRIMARIES,
    colorants_d50,
    matrix_shaper_icc,
    step_gains,
    to_srgb,
)

#: Linear Display P3 to linear sRGB, the published matrix (W3C CSS Color 4's display-p3 and
#: srgb matrices combined), independent of the code under test.
P3_TO_SRGB = np.array([[1.2249, -0.2247, 0.0], [-0.0420, 1.0419, 0.0], [-0.0197, -0.0786, 1.0979]])

P3_ICC = matrix_shaper_icc(DISPLAY_P3_PRIMARIES, description="Display P3")
P3_NCLX = {"color_primaries": 12, "transfer_characteristics": 13, "matrix_coefficients": 6,
           "full_range_flag": 1,
           "color_primary_red_x": 0.68, "color_primary_red_y": 0.32, "color_primary_green_x": 0.265,
           "color_primary_green_y": 0.69, "color_primary_blue_x": 0.15, "color_primary_blue_y": 0.06,
           "color_primary_white_x": 0.3127, "color_primary_white_y": 0.329}


def _decode(codes: np.ndarray) -> np.ndarray:
    c = codes / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _encode(linear: np.ndarray) -> np.ndarray:
    x = np.clip(linear, 0, 1)
    return 255 * np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def _pixels(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (60, 80, 3)).astype(np.uint8)


def test_srgb_colorants_are_those_of_the_srgb_profile_littlecms_makes():
    builtin = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).profile
    expected = [builtin.red_colorant[0], builtin.green_colorant[0], builtin.blue_colorant[0]]
    assert_allclose(colorants_d50(SRGB_PRIMARIES), expected, atol=2e-4)


def test_display_p3_pixels_become_what_the_published_matrix_gives():
    p3 = _pixels()
    expected = _encode(_decode(p3.astype(float)) @ P3_TO_SRGB.T)  # out-of-gamut clipped, as littleCMS does
    got = np.asarray(to_srgb(Image.fromarray(p3), {"icc_profile": P3_ICC}), float)
    # littleCMS's 8-bit path interpolates its tables: within a code and a half, a fifth on average
    assert np.abs(got - expected).max() <= 1.5 and np.abs(got - expected).mean() <= 0.3


@pytest.mark.parametrize("icc", [ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
                                 matrix_shaper_icc(SRGB_PRIMARIES), b"not a profile", b""])
def test_srgb_or_unreadable_profiles_leave_the_pixels_alone(icc):
    px = _pixels(1)
    image = Image.fromarray(px)
    assert to_srgb(image, {"icc_profile": icc}) is image
    assert np.array_equal(np.asarray(image), px)


def test_heif_code_points_of_display_p3_convert_as_its_profile_does():
    px = _pixels(2)
    by_nclx = np.asarray(to_srgb(Image.fromarray(px), {"nclx_profile": P3_NCLX}))
    by_icc = np.asarray(to_srgb(Image.fromarray(px), {"icc_profile": P3_ICC}))
    assert np.array_equal(by_nclx, by_icc)
    assert not np.array_equal(by_nclx, px)


def test_heif_code_points_of_srgb_or_incomplete_leave_the_pixels_alone():
    px = _pixels(3)
    bt709 = dict(P3_NCLX, color_primaries=1, color_primary_red_x=0.64, color_primary_red_y=0.33,
                 color_primary_green_x=0.30, color_primary_green_y=0.60)
    for info in ({"nclx_profile": bt709}, {"nclx_profile": {"color_primaries": 12}}, {}):
        assert np.array_equal(np.asarray(to_srgb(Image.fromarray(px), info)), px)


def test_the_profile_built_is_one_littlecms_reads_back():
    profile = ImageCms.ImageCmsProfile(io.BytesIO(P3_ICC)).profile
    assert profile.profile_description == "Display P3"
    assert profile.is_matrix_shaper and profile.xcolor_space.strip() == "RGB"
    read = [profile.red_colorant[0], profile.green_colorant[0], profile.blue_colorant[0]]
    assert_allclose(read, colorants_d50(DISPLAY_P3_PRIMARIES), atol=1e-4)  # s15Fixed16 rounding


def test_bad_input_is_refused_with_what_was_expected():
    with pytest.raises(ValueError, match="RGB"):
        to_srgb(Image.new("L", (4, 4)), {"icc_profile": P3_ICC})
    with pytest.raises(ValueError, match="chromaticities"):
        colorants_d50(((0.6, 0.3), (0.3, 0.0), (0.15, 0.06)))


# ------------------------------------------------------------- through load_photo, every format

#: sRGB codes of a skin and of a redder spot on it, and the same colours as Display P3 codes.
SRGB_SKIN_SPOT = np.array([[180.0, 130.0, 105.0], [185.0, 112.0, 95.0]])
P3_SKIN_SPOT = np.round(_encode(_decode(SRGB_SKIN_SPOT) @ np.linalg.inv(P3_TO_SRGB).T))


def _two_patches() -> np.ndarray:
    """A 96 x 128 photo: the P3 skin on the left, the spot on the right (8 x 8 aligned, for JPEG)."""
    image = np.empty((96, 128, 3), np.uint8)
    image[:, :64], image[:, 64:] = P3_SKIN_SPOT[0], P3_SKIN_SPOT[1]
    return image


def _saved(fmt: str, **options) -> bytes:
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.fromarray(_two_patches()).save(out, format=fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "options", "tolerance"), [
    ("JPEG", {"quality": 95, "subsampling": 0}, 1.5),
    ("PNG", {}, 1.0),
    ("WEBP", {"lossless": True}, 1.0),
    ("TIFF", {}, 1.0),
    ("HEIF", {"quality": -1}, 2.0),  # lossless
])
def test_a_photo_with_the_display_p3_profile_loads_as_srgb(fmt, options, tolerance):
    from tracker.imaging.load import load_photo

    if fmt == "HEIF":
        pytest.importorskip("pillow_heif")
    rgb = load_photo(_saved(fmt, icc_profile=P3_ICC, **options)).rgb.astype(float)
    assert_allclose(rgb[48, [32, 96]], SRGB_SKIN_SPOT, atol=tolerance)
    untagged = load_photo(_saved(fmt, **options)).rgb.astype(float)  # the same codes read as sRGB
    assert_allclose(untagged[48, [32, 96]], P3_SKIN_SPOT, atol=tolerance)  # 2-10 codes from the truth


def test_an_iphone_heic_described_by_code_points_loads_as_srgb():
    from tracker.imaging.load import load_photo

    pytest.importorskip("pillow_heif")
    data = _saved("HEIF", quality=-1, color_primaries=12, transfer_characteristics=13, matrix_coefficients=6,
                  full_range_flag=1)
    assert_allclose(load_photo(data).rgb[48, [32, 96]].astype(float), SRGB_SKIN_SPOT, atol=2.0)


def test_a_jpegs_chroma_steps_are_counted_as_they_fall_in_srgb():
    # a chroma step of a Display P3 JPEG moves the index 1.17-1.26 times as far as an sRGB file's
    # (the exact matrix, Monk 1-10; a luma step 0.99 times): measured at a mid-tone skin
    luma, chroma = step_gains({"icc_profile": P3_ICC})
    assert luma == pytest.approx(1.0, abs=0.03) and chroma == pytest.approx(1.24, abs=0.03)
    assert step_gains({}) == (1.0, 1.0)
    assert step_gains({"icc_profile": matrix_shaper_icc(SRGB_PRIMARIES)}) == (1.0, 1.0)
    from tracker.imaging.load import load_photo

    plain = load_photo(_saved("JPEG", quality=75)).jpeg_steps
    tagged = load_photo(_saved("JPEG", quality=75, icc_profile=P3_ICC)).jpeg_steps
    assert tagged[0] == pytest.approx(plain[0]) and tagged[1] == pytest.approx(plain[1] * chroma)


def test_photos_converted_at_once_in_several_threads_come_out_as_one_at_a_time():
    # two uploads at once share the cached transform
    from concurrent.futures import ThreadPoolExecutor

    images = [_pixels(seed) for seed in range(8)]
    alone = [np.asarray(to_srgb(Image.fromarray(px), {"icc_profile": P3_ICC})) for px in images]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda px: np.asarray(to_srgb(Image.fromarray(px), {"icc_profile": P3_ICC})),
                                 images * 4))
    assert all(np.array_equal(t, alone[i % 8]) for i, t in enumerate(together))
    assert not any(np.array_equal(a, px) for a, px in zip(alone, images))  # and they were converted
