"""Tests for tracker.imaging.load: every way a photo can arrive, and every way it can be wrong."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from PIL import Image

from tracker.errors import ImageTooLargeError, InvalidArgumentError, UnreadableImageError
from tracker.imaging import load as load_module
from tracker.imaging.exif import parse_exif_datetime
from tracker.imaging.load import MAX_PIXELS, LoadedPhoto, load_photo

ROOT = Path(__file__).resolve().parents[2]

# ----------------------------------------------------------------------------- helpers


def quadrants(width: int = 100, height: int = 60) -> np.ndarray:
    """An asymmetric pattern: red top-left, green top-right, blue bottom-left, white bottom-right."""
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[: height // 2, : width // 2] = (255, 0, 0)
    rgb[: height // 2, width // 2 :] = (0, 255, 0)
    rgb[height // 2 :, : width // 2] = (0, 0, 255)
    rgb[height // 2 :, width // 2 :] = (255, 255, 255)
    return rgb


def encode(image: Image.Image | np.ndarray, fmt: str, **options: object) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def exif_bytes(orientation: int | None = None, **exif_ifd: str) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    tags = {"DateTimeOriginal": 0x9003, "OffsetTimeOriginal": 0x9011, "SubSecTimeOriginal": 0x9291}
    for key, value in exif_ifd.items():
        exif.get_ifd(0x8769)[tags[key]] = value
    return exif.tobytes()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header that declares `width` x `height` RGB with a tiny IDAT (never allocated)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def smooth_noise(width: int, height: int, seed: int = 0) -> np.ndarray:
    """Photo-like content (smooth, compressible) for large test JPEGs."""
    small = np.random.default_rng(seed).integers(0, 256, (max(2, height // 64), max(2, width // 64), 3))
    return cv2.resize(small.astype(np.uint8), (width, height), interpolation=cv2.INTER_CUBIC)


def write_big_jpeg(path: Path, width: int, height: int) -> Path:
    ok, encoded = cv2.imencode(".jpg", smooth_noise(width, height), [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    path.write_bytes(encoded.tobytes())
    return path


# Peak RSS of the child alone: /proc's VmHWM belongs to the new address space, while
# getrusage's ru_maxrss survives execve and so can report the (large) pytest parent.
PEAK_RSS_SCRIPT = """
import re, resource, sys
from pathlib import Path
from tracker.imaging.load import load_photo
photo = load_photo(sys.argv[1])
status = Path("/proc/self/status")
if status.exists():
    peak_mb = int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read_text()).group(1)) / 1024
else:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(photo.rgb.shape[1], photo.rgb.shape[0], photo.original_size[0], photo.original_size[1], peak_mb)
"""


def load_in_fresh_process(path: Path) -> tuple[tuple[int, int], tuple[int, int], float]:
    """(working size, original size, peak RSS in MB) of loading `path` in a new interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", PEAK_RSS_SCRIPT, str(path)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.split()
    width, height, orig_w, orig_h = map(int, out[:4])
    return (width, height), (orig_w, orig_h), float(out[4])


# ------------------------------------------------------------------------------ sources


def test_path_bytes_and_file_like_give_identical_pixels(tmp_path):
    data = encode(quadrants(), "PNG")
    path = tmp_path / "day01.png"
    path.write_bytes(data)

    class UnseekableUpload:
        name = "uploads/day01.png"

        def __init__(self) -> None:
            self._stream = io.BytesIO(data)

        def read(self, size: int = -1) -> bytes:
            return self._stream.read(size)

    sources = [str(path), path, data, bytearray(data), memoryview(data), io.BytesIO(data), UnseekableUpload()]
    photos = [load_photo(source) for source in sources]
    for photo in photos:
        assert_array_equal(photo.rgb, quadrants())
        assert photo.original_size == (100, 60)
        assert photo.format == "PNG"
    assert [p.name for p in photos] == ["day01.png"] * 2 + ["the photo"] * 4 + ["day01.png"]


def test_a_file_like_that_was_already_read_is_read_from_its_start():
    upload = io.BytesIO(encode(quadrants(), "PNG"))
    upload.read()
    assert_array_equal(load_photo(upload).rgb, quadrants())


def test_name_overrides_the_display_name_in_results_and_messages(tmp_path):
    assert load_photo(encode(quadrants(), "PNG"), name="left cheek").name == "left cheek"
    with pytest.raises(UnreadableImageError, match="^left cheek is empty"):
        load_photo(b"", name="left cheek")


def test_result_is_frozen_contiguous_read_only_uint8():
    photo = load_photo(encode(quadrants(), "PNG"))
    assert isinstance(photo, LoadedPhoto)
    assert photo.rgb.dtype == np.uint8 and photo.rgb.flags.c_contiguous
    with pytest.raises(ValueError):
        photo.rgb[0, 0] = 0
    with pytest.raises(AttributeError):
        photo.scale = 2.0  # type: ignore[misc]


def test_a_source_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="path, bytes or a binary file-like"):
        load_photo(42)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_side", [0, 63, 2048.0, True])
def test_max_side_must_be_an_integer_of_at_least_64(max_side):
    with pytest.raises(InvalidArgumentError, match="max_side"):
        load_photo(encode(quadrants(), "PNG"), max_side=max_side)


# -------------------------------------------------------------------------- orientation


@pytest.mark.parametrize(
    ("orientation", "turns"),
    [(1, 0), (3, 2), (6, -1), (8, 1)],  # 6: rotate 90 degrees clockwise to view; 8: counter-clockwise
)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
def test_exif_orientation_is_applied(fmt, orientation, turns):
    stored = quadrants(100, 60)
    options = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    photo = load_photo(encode(stored, fmt, exif=exif_bytes(orientation), **options))
    upright = np.rot90(stored, k=turns)
    assert photo.rgb.shape == upright.shape
    assert np.abs(photo.rgb.astype(int) - upright).mean() < 4
    assert photo.original_size == (upright.shape[1], upright.shape[0])
    assert photo.exif_orientation == orientation


def test_heic_orientation_is_applied_once(heif):
    stored = quadrants(100, 60)
    photo = load_photo(encode(stored, "HEIF", quality=95, exif=exif_bytes(6)))
    upright = np.rot90(stored, k=-1)
    assert photo.rgb.shape == upright.shape
    assert np.abs(photo.rgb.astype(int) - upright).mean() < 6
    assert photo.original_size == (60, 100)
    assert photo.exif_orientation == 6


def test_orientation_and_downscaling_together_give_the_upright_working_frame():
    stored = quadrants(400, 240)
    photo = load_photo(encode(stored, "JPEG", quality=95, exif=exif_bytes(8)), max_side=100)
    assert photo.rgb.shape == (100, 60, 3)
    assert photo.original_size == (240, 400)
    assert photo.scale == pytest.approx(0.25)
    assert_allclose(photo.rgb[5, 5], (0, 255, 0), atol=12)  # top-right green turned to top-left


def test_an_invalid_orientation_value_is_ignored():
    photo = load_photo(encode(quadrants(), "JPEG", quality=95, exif=exif_bytes(9)))
    assert photo.exif_orientation == 1 and photo.original_size == (100, 60)


# ------------------------------------------------------------------------- capture time


def test_date_time_original_without_offset_is_naive_local_time():
    data = encode(quadrants(), "JPEG", exif=exif_bytes(DateTimeOriginal="2026:11:02 12:34:56"))
    assert load_photo(data).taken_at == datetime(2026, 11, 2, 12, 34, 56)


def test_date_time_original_with_offset_is_timezone_aware():
    exif = exif_bytes(
        DateTimeOriginal="2026:11:02 12:34:56", OffsetTimeOriginal="+02:00", SubSecTimeOriginal="25"
    )
    taken_at = load_photo(encode(quadrants(), "JPEG", exif=exif)).taken_at
    assert taken_at == datetime(2026, 11, 2, 12, 34, 56, 250000, tzinfo=timezone(timedelta(hours=2)))
    assert taken_at.utcoffset() == timedelta(hours=2)


def test_capture_time_is_read_from_png_webp_and_heic_too(heif):
    exif = exif_bytes(DateTimeOriginal="2026:11:03 08:00:00", OffsetTimeOriginal="-05:00")
    expected = datetime(2026, 11, 3, 8, tzinfo=timezone(timedelta(hours=-5)))
    for fmt in ("PNG", "WEBP", "HEIF"):
        assert load_photo(encode(quadrants(), fmt, exif=exif)).taken_at == expected, fmt


def test_a_photo_without_date_time_original_has_no_capture_time():
    exif = Image.Exif()
    exif[0x0132] = "2026:11:02 12:00:00"  # DateTime (last modified) is deliberately not used
    assert load_photo(encode(quadrants(), "JPEG", exif=exif.tobytes())).taken_at is None
    assert load_photo(encode(quadrants(), "PNG")).taken_at is None


@pytest.mark.parametrize(
    ("value", "offset", "expected"),
    [
        ("2026:11:02 12:00:00", None, datetime(2026, 11, 2, 12)),
        (b"2026:11:02 12:00:00\x00", b"+05:30", datetime(2026, 11, 2, 12, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
        ("2026-11-02T12:00:00", "bogus", datetime(2026, 11, 2, 12)),
        ("2026:11:02 12:00:00", "+25:00", datetime(2026, 11, 2, 12)),
        ("0000:00:00 00:00:00", None, None),
        ("    :  :     :  :  ", None, None),
        ("2026:13:45 99:00:00", None, None),
        ("yesterday", None, None),
        (12345, None, None),
        (None, None, None),
    ],
)
def test_exif_datetimes_parse_or_give_none(value, offset, expected):
    assert parse_exif_datetime(value, offset=offset) == expected


def test_a_malformed_capture_time_in_a_real_file_gives_none():
    data = encode(quadrants(), "JPEG", exif=exif_bytes(DateTimeOriginal="2026:02:30 25:61:00"))
    assert load_photo(data).taken_at is None


# ----------------------------------------------------------------------- formats, modes


@pytest.fixture
def heif():
    pytest.importorskip("pillow_heif")


@pytest.mark.parametrize(
    ("fmt", "options", "tolerance"),
    [
        ("PNG", {}, 0),
        ("WEBP", {"lossless": True}, 0),
        ("TIFF", {}, 0),
        ("TIFF", {"compression": "tiff_lzw"}, 0),
        ("GIF", {}, 0),
        ("BMP", {}, 0),
        ("JPEG", {"quality": 95}, 4),
        ("HEIF", {"quality": 95}, 6),
    ],
)
def test_common_formats_round_trip(heif, fmt, options, tolerance):
    photo = load_photo(encode(quadrants(), fmt, **options))
    assert photo.format == fmt
    assert np.abs(photo.rgb.astype(int) - quadrants()).mean() <= tolerance


def test_grey_becomes_equal_rgb_channels():
    grey = np.tile(np.arange(0, 256, 2, dtype=np.uint8), (70, 1))
    rgb = load_photo(encode(grey, "PNG")).rgb
    assert_array_equal(rgb, np.repeat(grey[..., None], 3, axis=2))


@pytest.mark.parametrize("ext", [".png", ".tif"])
def test_16_bit_grey_is_divided_by_257_not_clipped(ext):
    grey16 = np.tile(np.array([0, 257, 32896, 40000, 65535], np.uint16).repeat(20), (64, 1))
    ok, data = cv2.imencode(ext, grey16)
    assert ok
    rgb = load_photo(data.tobytes()).rgb
    assert_array_equal(rgb[0, ::20, 0], [0, 1, 128, 156, 255])
    assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_16_bit_rgb_png_keeps_its_colours():
    bgr16 = np.zeros((64, 80, 3), np.uint16)
    bgr16[:] = (65535, 32896, 2570)  # OpenCV order: blue, green, red
    ok, data = cv2.imencode(".png", bgr16)
    assert ok
    assert_allclose(load_photo(data.tobytes()).rgb[10, 10], (10, 128, 255), atol=1)


def test_32_bit_integer_and_float_grey_map_from_their_range():
    ramp = np.tile(np.linspace(0, 1, 100, dtype=np.float32), (64, 1))
    float_rgb = load_photo(encode(Image.fromarray(ramp, mode="F"), "TIFF")).rgb
    assert float_rgb[0, 0, 0] == 0 and float_rgb[0, -1, 0] == 255
    wide = (ramp * 1_000_000 - 500_000).astype(np.int32)
    int_rgb = load_photo(encode(Image.fromarray(wide, mode="I"), "TIFF")).rgb
    assert int_rgb[0, 0, 0] == 0 and int_rgb[0, -1, 0] == 255 and 120 <= int_rgb[0, 50, 0] <= 135


def test_cmyk_jpeg_including_adobe_inverted_becomes_rgb():
    cmyk = Image.new("CMYK", (80, 64), (255, 0, 0, 0))  # pure cyan ink
    data = encode(cmyk, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).info.get("adobe"), "libjpeg writes an Adobe (inverted) CMYK JPEG"
    assert_allclose(load_photo(data).rgb[10, 10], (0, 255, 255), atol=3)


def test_palette_png_with_transparency_shows_white_where_transparent():
    palette = Image.new("P", (80, 64), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    palette.paste(1, (40, 0, 80, 64))
    photo = load_photo(encode(palette, "PNG", transparency=0))
    assert_array_equal(photo.rgb[10, 10], (255, 255, 255))
    assert_array_equal(photo.rgb[10, 60], (0, 0, 255))


def test_rgba_and_la_are_composited_over_white():
    rgba = np.zeros((64, 80, 4), np.uint8)
    rgba[:] = (200, 0, 0, 128)  # half-transparent red
    assert_array_equal(load_photo(encode(rgba, "PNG")).rgb[5, 5], (227, 127, 127))  # 200*128/255 + 255*127/255
    la = Image.fromarray(np.dstack([np.zeros((64, 80), np.uint8), np.full((64, 80), 0, np.uint8)]), "LA")
    assert_array_equal(load_photo(encode(la, "PNG")).rgb[5, 5], (255, 255, 255))


def test_one_bit_images_become_black_and_white():
    bits = Image.fromarray(quadrants()[..., 0] > 0)
    rgb = load_photo(encode(bits, "PNG")).rgb
    assert_array_equal(rgb[0, 0], (255, 255, 255)) and assert_array_equal(rgb[0, -1], (0, 0, 0))


# -------------------------------------------------------------------------- downscaling


def test_a_large_photo_is_reduced_to_max_side_with_the_scale_recorded():
    photo = load_photo(encode(quadrants(3000, 2000), "JPEG", quality=90), max_side=1000)
    assert photo.rgb.shape == (667, 1000, 3)
    assert photo.original_size == (3000, 2000)
    assert photo.scale == pytest.approx(1 / 3)
    assert_allclose(photo.rgb[100, 100], (255, 0, 0), atol=6)
    assert_allclose(photo.rgb[600, 900], (255, 255, 255), atol=6)


def test_a_small_photo_is_never_enlarged():
    photo = load_photo(encode(quadrants(), "PNG"), max_side=4096)
    assert photo.rgb.shape == (60, 100, 3) and photo.scale == 1.0


@pytest.mark.parametrize("height", [300, 301])  # the last band partial; the last row a partial box
def test_band_reduction_equals_one_whole_image_reduction(monkeypatch, height):
    rgba = np.dstack([smooth_noise(900, height), np.full((height, 900), 255, np.uint8)])
    monkeypatch.setattr(load_module, "_BAND_PIXELS", 900 * 20)  # 18-row bands
    reduced = load_module._convert_and_reduce_in_bands(Image.fromarray(rgba), 3)
    assert_array_equal(reduced, np.asarray(Image.fromarray(rgba[..., :3]).reduce(3)))


def test_a_reduced_16_bit_png_matches_the_reduced_8_bit_one():
    grey16 = (smooth_noise(1200, 800)[..., 0].astype(np.uint16) * 257)
    ok, data = cv2.imencode(".png", grey16)
    photo = load_photo(data.tobytes(), max_side=400)
    expected = np.asarray(Image.fromarray((grey16 // 257).astype(np.uint8)).reduce(3))
    assert_array_equal(photo.rgb[..., 1], expected)


def test_concurrent_loads_give_identical_results():
    data = encode(smooth_noise(1500, 1000), "JPEG", quality=90)
    expected = load_photo(data, max_side=512).rgb
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: load_photo(data, max_side=512).rgb, range(8)))
    for rgb in results:
        assert_array_equal(rgb, expected)


# -------------------------------------------------------------------------- bad inputs


def truncated_jpeg() -> bytes:
    data = encode(smooth_noise(400, 300), "JPEG", quality=90)
    return data[: len(data) // 2]


def damaged_jpeg() -> bytes:
    data = bytearray(encode(smooth_noise(300, 200), "JPEG"))  # this corruption breaks libjpeg; many do not
    data[len(data) // 3 : len(data) // 3 + 40] = bytes(byte ^ 0x5A for byte in data[len(data) // 3 : len(data) // 3 + 40])
    return bytes(data)


BAD_INPUTS = [
    ("empty", b"", "photo.jpg is empty (0 bytes)"),
    ("text", b"Dear doctor,\nhere is my photo from today.\n", "photo.jpg is a plain text file, not a photo"),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "photo.jpg is a PDF document"),
    (
        "html",
        b"<!DOCTYPE html>\n<html><head><title>Photos</title></head><body><img src=a.jpg></body></html>",
        "photo.jpg is a web page (HTML), not a photo. Save the image itself",
    ),
    ("zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40), "photo.jpg is a ZIP archive"),
    ("mp4", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(64), "photo.jpg is a video"),
    ("mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + bytes(64), "photo.jpg is a video"),
    ("truncated jpeg", truncated_jpeg(), "photo.jpg is incomplete (the file was cut off during upload)"),
    ("jpeg header only", truncated_jpeg()[:200], "photo.jpg is incomplete"),
    ("random bytes", bytes(np.random.default_rng(1).integers(0, 256, 500, dtype=np.uint8)),
     "photo.jpg could not be read as an image (it may be damaged"),
    ("damaged jpeg", damaged_jpeg(), "photo.jpg is a JPEG image but could not be read as an image (it may be damaged)"),
    ("one pixel", encode(Image.new("RGB", (1, 1)), "PNG"), "photo.jpg is only 1 x 1 pixels, too small"),
    ("thumbnail", encode(Image.new("RGB", (63, 40)), "PNG"), "photo.jpg is only 63 x 40 pixels, too small"),
    ("strip", encode(Image.new("RGB", (300, 2)), "PNG"), "photo.jpg is only 300 x 2 pixels, too small"),
]


@pytest.mark.parametrize(("data", "message"), [case[1:] for case in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
@pytest.mark.parametrize("as_path", [True, False], ids=["path", "bytes"])
def test_bad_input_raises_unreadable_image_error_naming_the_file(tmp_path, data, message, as_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    source = path if as_path else io.BytesIO(data)
    with pytest.raises(UnreadableImageError) as caught:
        load_photo(source, name=None if as_path else "photo.jpg")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_png_declaring_40000_by_40000_is_refused_before_decoding(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(png_declaring(40000, 40000))
    with pytest.raises(ImageTooLargeError) as caught:
        load_photo(path)
    assert str(caught.value) == (
        "photo.png declares 40000 x 40000 pixels (1600 megapixels); the limit is 260 megapixels."
    )


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's, for a bomb: correct
def test_a_declared_size_just_over_the_limit_is_refused_and_just_under_is_not_for_that_reason():
    with pytest.raises(ImageTooLargeError, match="16400 x 16000"):
        load_photo(png_declaring(16400, 16000), name="photo.png")
    assert 16320 * 12240 <= MAX_PIXELS  # the largest phone sensor today (200 MP)
    with pytest.raises(UnreadableImageError) as caught:  # its IDAT is tiny: cut off, not too large
        load_photo(png_declaring(16320, 12240), name="photo.png")
    assert not isinstance(caught.value, ImageTooLargeError)


def test_pillows_own_bomb_limit_set_lower_elsewhere_does_not_reject_a_normal_photo(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    photo = load_photo(encode(quadrants(200, 200), "PNG"))
    assert photo.original_size == (200, 200)
    with pytest.raises(ImageTooLargeError, match="40000 x 40000"):
        load_photo(png_declaring(40000, 40000), name="photo.png")


def test_a_nonexistent_path_is_not_found(tmp_path):
    with pytest.raises(UnreadableImageError, match=r"^day09\.jpg was not found"):
        load_photo(tmp_path / "day09.jpg")


def test_a_folder_is_not_a_photo(tmp_path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(UnreadableImageError, match=r"^photos is a folder, not a photo"):
        load_photo(tmp_path / "photos")


def test_a_closed_upload_is_unreadable_not_a_raw_value_error():
    upload = io.BytesIO(b"abc")
    upload.name = "day02.jpg"
    upload.close()
    with pytest.raises(UnreadableImageError, match="^day02.jpg could not be read"):
        load_photo(upload)


def test_a_file_over_the_byte_limit_is_refused_without_reading_it(monkeypatch):
    monkeypatch.setattr(load_module, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ImageTooLargeError, match=r"^photo.jpg is 0 MB; the limit is 0 MB"):
        load_photo(io.BytesIO(bytes(2000)), name="photo.jpg")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF", "HEIF", "GIF"])
def test_every_cut_or_corruption_of_a_photo_loads_or_raises_unreadable_image_error(heif, fmt):
    data = encode(smooth_noise(160, 120), fmt)
    rng = np.random.default_rng(7)
    variants = [data[:cut] for cut in range(0, len(data), max(1, len(data) // 40))]
    for _ in range(40):
        damaged = bytearray(data)
        for index in rng.integers(0, len(data), 8):
            damaged[index] = int(rng.integers(0, 256))
        variants.append(bytes(damaged))
    for variant in variants:
        try:
            photo = load_photo(variant, name="day04.img")
        except UnreadableImageError as error:
            assert str(error).startswith("day04.img ")
        else:  # a damaged header may declare another size: still a valid result
            assert photo.rgb.dtype == np.uint8 and photo.rgb.ndim == 3 and photo.rgb.shape[2] == 3


def test_a_truncated_png_is_incomplete():
    data = encode(smooth_noise(300, 200), "PNG")
    with pytest.raises(UnreadableImageError, match="^day03.png is incomplete"):
        load_photo(data[: len(data) * 2 // 3], name="day03.png")


# ---------------------------------------------------------------------- memory, size


@pytest.mark.parametrize(
    ("width", "height"),
    [(4000, 3000), pytest.param(12000, 9000, marks=pytest.mark.slow, id="108MP")],
    ids=["12MP", "108MP"],
)
def test_a_large_jpeg_loads_at_2048_with_bounded_memory_and_no_warning(tmp_path, width, height):
    path = write_big_jpeg(tmp_path / "big.jpg", width, height)
    working, original, peak_mb = load_in_fresh_process(path)
    assert working == (2048, 1536)
    assert original == (width, height)
    assert peak_mb < 250, f"peak RSS {peak_mb:.0f} MB"
    strict = subprocess.run(
        [sys.executable, "-W", "error", "-c", PEAK_RSS_SCRIPT, str(path)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert strict.returncode == 0, strict.stderr  # no DecompressionBombWarning even as an error


@pytest.mark.slow
def test_a_large_png_is_reduced_without_a_second_full_resolution_copy(tmp_path):
    path = tmp_path / "24mp.png"
    ok, data = cv2.imencode(".png", smooth_noise(6000, 4000))
    path.write_bytes(data.tobytes())
    working, original, peak_mb = load_in_fresh_process(path)
    assert working == (2048, 1365) and original == (6000, 4000)
    assert peak_mb < 72 + 160, f"peak RSS {peak_mb:.0f} MB"  # ~72 MB decode + interpreter

