"""EXIF metadata of a decoded photo: orientation and capture time.

Tags follow CIPA DC-008 (Exif 2.32 / 3.0): Orientation (0x0112) in IFD0;
DateTimeOriginal (0x9003), SubSecTimeOriginal (0x9291) and OffsetTimeOriginal
(0x9011) in the Exif sub-IFD (0x8769). Malformed metadata never stops a
readable photo: it reads as "unknown" (orientation 1, capture time None).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from PIL import Image

__all__ = ["TRANSPOSE", "orientation", "parse_exif_datetime", "taken_at"]

_TAG_ORIENTATION = 0x0112
_TAG_EXIF_IFD = 0x8769
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_TAG_SUBSEC_TIME_ORIGINAL = 0x9291

#: How to turn the stored pixels upright for each EXIF orientation (2-8).
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def orientation(im: Image.Image) -> int:
    """The EXIF orientation Pillow has not applied yet; 1 when none or invalid."""
    try:
        value = im.getexif().get(_TAG_ORIENTATION, 1)
    except Exception:  # malformed EXIF must not stop a readable photo
        return 1
    return value if isinstance(value, int) and value in TRANSPOSE else 1


def taken_at(im: Image.Image) -> datetime | None:
    """EXIF DateTimeOriginal (+ SubSecTimeOriginal, OffsetTimeOriginal), or None."""
    try:
        exif_ifd = im.getexif().get_ifd(_TAG_EXIF_IFD)
        stamp = exif_ifd.get(_TAG_DATETIME_ORIGINAL)
        subsec = exif_ifd.get(_TAG_SUBSEC_TIME_ORIGINAL)
        offset = exif_ifd.get(_TAG_OFFSET_TIME_ORIGINAL)
    except Exception:  # malformed EXIF: the time is unknown, the photo still loads
        return None
    return parse_exif_datetime(stamp, subsec=subsec, offset=offset)


_DATETIME_RE = re.compile(r"(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"([+-])(\d{2}):?(\d{2})")


def parse_exif_datetime(value: object, *, subsec: object = None, offset: object = None) -> datetime | None:
    """Parse an EXIF ``"YYYY:MM:DD HH:MM:SS"`` value; None when missing or malformed.

    Parameters
    ----------
    value : str or bytes
        DateTimeOriginal. A "-" date separator or "T" is tolerated (some apps write them).
    subsec : str or bytes, optional
        SubSecTimeOriginal: decimal digits of the fraction of a second.
    offset : str or bytes, optional
        OffsetTimeOriginal, ``"+HH:MM"``; makes the result timezone-aware.

    Returns
    -------
    datetime or None
    """
    text = _exif_text(value)
    match = _DATETIME_RE.match(text) if text else None
    if match is None:
        return None
    try:
        stamp = datetime(*(int(part) for part in match.groups()))
    except ValueError:  # "0000:00:00 00:00:00", month 13, ...
        return None
    digits = _exif_text(subsec)
    if digits.isdigit():
        stamp = stamp.replace(microsecond=int(digits[:6].ljust(6, "0")))
    zone = _OFFSET_RE.fullmatch(_exif_text(offset))
    if zone:
        sign = -1 if zone.group(1) == "-" else 1
        delta = timedelta(hours=int(zone.group(2)), minutes=int(zone.group(3)))
        if delta < timedelta(hours=24):
            stamp = stamp.replace(tzinfo=timezone(sign * delta))
    return stamp


def _exif_text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    return value.strip("\x00 ").strip() if isinstance(value, str) else ""
