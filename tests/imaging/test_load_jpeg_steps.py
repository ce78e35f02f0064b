"""LoadedPhoto.jpeg_steps: what a JPEG's quantisation did to the photo's colours."""

import io

import numpy as np
import pytest
from PIL import Image

from tracker.imaging.load import JPEG_STEPS_COMMENT, jpeg_steps_comment, load_photo
from tracker.store.encode import jpeg_bytes


def _photo(fmt="JPEG", **options) -> bytes:
    rgb = np.random.default_rng(1).integers(60, 200, (96, 128, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt, **options)
    return buf.getvalue()


@pytest.mark.parametrize("quality", [50, 70, 95])
def test_the_steps_are_the_dc_quantisers_over_eight(quality):
    data = _photo(quality=quality)
    tables = Image.open(io.BytesIO(data)).quantization
    assert load_photo(data).jpeg_steps == (tables[0][0] / 8, tables[1][0] / 8)


def test_a_lower_quality_has_larger_steps_and_a_png_none():
    assert load_photo(_photo(quality=60)).jpeg_steps[1] > load_photo(_photo(quality=90)).jpeg_steps[1]
    assert load_photo(_photo("PNG")).jpeg_steps == (0.0, 0.0)


def test_a_stored_copy_keeps_the_steps_of_the_photo_it_was_made_from():
    original = load_photo(_photo(quality=60))
    copy = jpeg_bytes(np.ascontiguousarray(original.rgb), comment=jpeg_steps_comment(original.jpeg_steps))
    assert load_photo(copy).jpeg_steps == original.jpeg_steps  # quality 92's own steps are smaller
    assert load_photo(jpeg_bytes(np.ascontiguousarray(original.rgb))).jpeg_steps[1] < original.jpeg_steps[1]


@pytest.mark.parametrize("comment", [b"a camera's own comment", JPEG_STEPS_COMMENT + b"x,y",
                                     JPEG_STEPS_COMMENT + b"1", JPEG_STEPS_COMMENT + b"99,99"])
def test_a_comment_that_is_not_a_valid_record_is_ignored(comment):
    plain = load_photo(_photo(quality=92)).jpeg_steps
    assert load_photo(_photo(quality=92, comment=comment)).jpeg_steps == plain
