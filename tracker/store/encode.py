"""The stored forms of a photo: upright JPEG with no metadata, thumbnail, overlay.

Only decoded pixels are re-encoded, so nothing of the upload's metadata (EXIF, GPS,
camera make and serial, XMP, ICC comments) can reach the disk.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

#: Long side of the stored photo (the analysis works at most at 2048).
STORED_MAX_SIDE = 4096
THUMB_SIDE = 320
JPEG_QUALITY = 92
#: 4:4:4, no chroma subsampling: redness is a colour measurement, and halving the colour
#: resolution would blur the borders the analysis measures.
JPEG_SUBSAMPLING = 0


def jpeg_bytes(rgb: np.ndarray, *, quality: int = JPEG_QUALITY, max_side: int | None = None,
               comment: bytes | None = None) -> bytes:
    """``rgb`` ((H, W, 3) uint8) as a baseline JPEG without any metadata of the upload.

    ``comment``: a JPEG comment of the project's own (the JPEG steps of the upload,
    tracker.imaging.load.JPEG_STEPS_COMMENT), never anything read from the upload.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB array, got {rgb.shape} {rgb.dtype}")
    image = Image.fromarray(rgb)
    if max_side is not None and max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    extra = {"comment": comment} if comment else {}
    image.save(out, format="JPEG", quality=quality, subsampling=JPEG_SUBSAMPLING, optimize=True, **extra)
    return out.getvalue()


def thumbnail_bytes(rgb: np.ndarray) -> bytes:
    return jpeg_bytes(rgb, quality=85, max_side=THUMB_SIDE)
