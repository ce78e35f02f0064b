"""Load a patient's photo: any common format, upright, 8-bit RGB, bounded memory.

This is the front door for every uploaded photo. Whatever arrives (a path,
bytes, or an upload object), :func:`load_photo` either returns a
:class:`LoadedPhoto` or raises :class:`~tracker.errors.UnreadableImageError`
(or its subclass :class:`~tracker.errors.ImageTooLargeError`) with a message
that names the file and says what is wrong. No raw Pillow, OS or value error
escapes.

Memory is bounded by decoding large JPEGs directly at 1/2, 1/4 or 1/8 scale
(libjpeg's DCT-domain scaling, exposed by Pillow as ``Image.draft``); other
formats are decoded once at full resolution in their native mode and reduced
band by band, so no second full-resolution copy (and never a float one) exists.

Pillow and pillow-heif are imported here and nowhere else in ``tracker.imaging``:
decoding is the one place the imaging core needs them.
"""

from __future__ import annotations

import io
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from tracker.errors import ImageTooLargeError, InvalidArgumentError, UnreadableImageError

__all__ = ["MAX_FILE_BYTES", "MAX_PIXELS", "MIN_SIDE", "LoadedPhoto", "load_photo"]

#: Largest declared image accepted, in pixels, checked from the header before
#: anything is decoded. 260 MP admits the largest phone sensors today (200 MP,
#: 16320 x 12240 = 199.8 MP) with headroom, and rejects decompression bombs:
#: a 40000 x 40000 PNG that is a few kilobytes on disk would need 4.8 GB as RGB.
MAX_PIXELS = 260_000_000

#: Largest file accepted, in bytes. A 200 MP phone JPEG or HEIC is 20-100 MB.
MAX_FILE_BYTES = 512 * 1024 * 1024

#: An image whose long side is shorter than this cannot show an injection site
#: and a reference card; it is a thumbnail, an icon or a tracking pixel.
MIN_SIDE = 64

# Reduce non-JPEG images in horizontal bands of about this many pixels, so
# mode conversion and reduction never hold a second full-resolution copy.
_BAND_PIXELS = 4_000_000

# EXIF tags (CIPA DC-008-2023, "Exif 3.0"): Orientation in IFD0, capture time
# and its UTC offset in the Exif sub-IFD.
_TAG_ORIENTATION = 0x0112
_TAG_EXIF_IFD = 0x8769
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_TAG_SUBSEC_TIME_ORIGINAL = 0x9291

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_setup_lock = threading.Lock()
_setup_done = False


@dataclass(frozen=True)
class LoadedPhoto:
    """A decoded photo at working resolution, upright, with its metadata.

    Attributes
    ----------
    rgb : (H, W, 3) uint8 ndarray
        C-contiguous, read-only (copy it before drawing on it). Upright: the
        EXIF orientation is applied. Long side at most the ``max_side`` asked for.
    original_size : tuple of int
        ``(width, height)`` of the full-resolution photo in the upright frame.
    scale : float
        Working pixels per original pixel (``<= 1``); multiply a working-pixel
        length by ``1 / scale`` for original pixels.
    taken_at : datetime or None
        EXIF DateTimeOriginal; timezone-aware when OffsetTimeOriginal is present,
        else naive local time; None when absent or malformed.
    format : str
        Container format as Pillow names it: "JPEG" (also for MPO), "PNG",
        "WEBP", "HEIF", "TIFF", "GIF", ...
    name : str
        The name used in messages: the file name, or "the photo".
    exif_orientation : int
        The EXIF orientation (1-8) the file declared; 1 when none or invalid.
    """

    rgb: np.ndarray
    original_size: tuple[int, int]
    scale: float
    taken_at: datetime | None
    format: str
    name: str
    exif_orientation: int = 1


def load_photo(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes],
    *,
    name: str | None = None,
    max_side: int = 2048,
) -> LoadedPhoto:
    """Decode a photo to upright 8-bit RGB whose long side is at most `max_side`.

    Parameters
    ----------
    source : str, os.PathLike, bytes-like or binary file-like object
        A path; the encoded bytes; or anything with ``.read()`` (e.g. Streamlit's
        ``UploadedFile``). A seekable file-like is read from its start, as Pillow does.
    name : str, optional
        The name used in messages. Default: the path's file name, the file-like's
        ``.name`` basename, else "the photo".
    max_side : int, optional
        Long side of the working image, in pixels (at least ``MIN_SIDE``). Smaller
        photos are not enlarged.

    Returns
    -------
    LoadedPhoto

    Raises
    ------
    UnreadableImageError
        The data is not a readable image: missing, empty, another kind of file
        (PDF, web page, text, video, archive...), damaged, cut off, or smaller than
        ``MIN_SIDE`` pixels. The message names the file and says what it is.
    ImageTooLargeError
        The header declares more than ``MAX_PIXELS`` pixels, or the file exceeds
        ``MAX_FILE_BYTES``. Raised before decoding.
    InvalidArgumentError
        `max_side` is not an integer of at least ``MIN_SIDE``.
    TypeError
        `source` is none of the accepted kinds (a programming error).

    Notes
    -----
    Modes are normalised to RGB: palette and 1-bit are expanded; transparency
    is composited over white; CMYK (including Adobe's inverted CMYK JPEGs) is
    converted by Pillow; 16-bit grey is divided by 257 (full 16-bit range, no
    stretching); 16-bit RGB keeps its high byte (Pillow's own reduction, at most
    1 level from rounding); 32-bit integer and float grey are mapped from their
    natural range (0-65535, 0-1) or, outside it, from their actual minimum-maximum.

    JPEGs are decoded with DCT-domain scaling at the smallest of 1/1, 1/2, 1/4,
    1/8 whose result is still at least the target size [1]_ [2]_, then resized
    with a Lanczos filter, so a 200 MP JPEG never exists at full resolution in
    memory. Other formats are decoded at full resolution in their native mode
    (about 3 bytes per pixel for RGB), then reduced band by band with an integer
    box filter and a final Lanczos resize.

    The capture time is EXIF DateTimeOriginal only. DateTime (0x0132) is *not*
    used as a fallback: it is the last-modified time, which editing and
    messaging apps rewrite, and a wrong capture time would silently distort the
    timeline; unknown is reported as unknown.

    References
    ----------
    .. [1] Pillow documentation, ``Image.draft``: "configures the image file
       loader so it returns a version of the image that as closely as possible
       matches the given mode and size ... JPEG ... scale down by 1/2, 1/4 or 1/8".
       https://pillow.readthedocs.io/en/stable/reference/Image.html#PIL.Image.Image.draft
    .. [2] Independent JPEG Group, libjpeg ``libjpeg.txt``, "scale_num/scale_denom":
       scaled IDCT decoding, which costs far less time and memory than a
       full-size decode followed by downsampling.

    Examples
    --------
    >>> photo = load_photo("day00.jpg")                      # doctest: +SKIP
    >>> photo.rgb.shape, photo.original_size, photo.scale     # doctest: +SKIP
    ((1536, 2048, 3), (4032, 3024), 0.5079...)
    """
    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < MIN_SIDE:
        raise InvalidArgumentError(f"max_side must be an integer of at least {MIN_SIDE}, got {max_side!r}")
    display = _display_name(source, name)
    _setup_pillow()
    stream, owned = _open_stream(source, display)
    try:
        return _load_from_stream(stream, display, max_side)
    finally:
        if owned:
            stream.close()


# --------------------------------------------------------------------------- setup


def _setup_pillow() -> None:
    """Once per process: register the HEIF opener and align Pillow's bomb limit.

    Pillow warns above ``Image.MAX_IMAGE_PIXELS`` (89 MP by default) and refuses
    above twice that, which would reject 108 and 200 MP phone photos. We raise it
    to ``MAX_PIXELS`` (never lower it) and enforce our own limit, with a clear
    message, on the declared size. ``ImageFile.LOAD_TRUNCATED_IMAGES`` is left at
    its default, False, so a cut-off file fails instead of decoding half grey.
    """
    global _setup_done
    if _setup_done:
        return
    with _setup_lock:
        if _setup_done:
            return
        import pillow_heif

        pillow_heif.register_heif_opener()
        if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < MAX_PIXELS:
            Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        _setup_done = True


# ------------------------------------------------------------------- source handling


def _display_name(source: object, name: str | None) -> str:
    if name:
        return name
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name or str(source)
    attr = getattr(source, "name", None)
    if isinstance(attr, str) and os.path.basename(attr):
        return os.path.basename(attr)
    return "the photo"


def _open_stream(source: object, display: str) -> tuple[BinaryIO, bool]:
    """A seekable binary stream for `source`, and whether we must close it."""
    if isinstance(source, (str, os.PathLike)):
        return _open_path(Path(source), display), True
    if isinstance(source, (bytes, bytearray, memoryview)):
        _check_file_bytes(len(memoryview(source).cast("B")), display)
        return io.BytesIO(source), True
    if callable(getattr(source, "read", None)):
        return _open_file_like(source, display)
    raise TypeError(
        f"source must be a path, bytes or a binary file-like object, got {type(source).__name__}"
    )


def _open_path(path: Path, display: str) -> BinaryIO:
    try:
        stream = open(path, "rb")  # noqa: SIM115 -- closed by load_photo
    except FileNotFoundError:
        raise UnreadableImageError(f"{display} was not found ({path})") from None
    except IsADirectoryError:
        raise UnreadableImageError(f"{display} is a folder, not a photo") from None
    except PermissionError:
        raise UnreadableImageError(f"{display} could not be opened: permission denied") from None
    except OSError as exc:
        raise UnreadableImageError(f"{display} could not be opened ({exc.strerror or exc})") from None
    try:
        _check_file_bytes(os.fstat(stream.fileno()).st_size, display)
    except BaseException:
        stream.close()
        raise
    return stream


def _open_file_like(source: Any, display: str) -> tuple[BinaryIO, bool]:
    try:
        seekable = bool(source.seekable()) if callable(getattr(source, "seekable", None)) else False
        if seekable:
            size = source.seek(0, io.SEEK_END)
            source.seek(0)
        else:
            data = source.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:  # closed file, broken pipe, bad upload
        raise UnreadableImageError(f"{display} could not be read ({exc})") from None
    if seekable:
        _check_file_bytes(size, display)
        return source, False
    if isinstance(data, str):
        raise TypeError("the file-like source must be opened in binary mode ('rb'), not text mode")
    _check_file_bytes(len(data), display)
    return io.BytesIO(data), True


def _check_file_bytes(size: int, display: str) -> None:
    if size == 0:
        raise UnreadableImageError(f"{display} is empty (0 bytes); please upload the photo again")
    if size > MAX_FILE_BYTES:
        raise ImageTooLargeError(
            f"{display} is {size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MB "
            "for a photo. Please upload the photo as it came from the phone camera."
        )


# --------------------------------------------------------------------------- decoding


def _load_from_stream(stream: BinaryIO, display: str, max_side: int) -> LoadedPhoto:
    head = stream.read(4096)
    stream.seek(0)
    im = _open_image(stream, head, display)
    with im:
        _check_declared_size(im.size, display)
        declared = im.size
        target = _target_size(declared, max_side)
        try:
            # Pillow's TIFF loader applies the orientation itself during load()
            # and removes the tag; remember what the file said.
            applied_by_loader = _orientation(im) if im.format == "TIFF" else 1
            if im.format in ("JPEG", "MPO") and target != declared:
                im.draft("RGB", target)  # DCT-domain scaling at 1/2, 1/4 or 1/8 [1, 2]
            im.load()
            pending = _orientation(im)  # what is still to apply after load()
            taken_at = _taken_at(im)
            working = _to_working_rgb(im, target)
        except MemoryError:
            raise ImageTooLargeError(f"{display} is too large to decode on this computer") from None
        except Exception as exc:  # Pillow's decoders raise many types; none may escape
            raise _decode_error(exc, head, display) from exc
        # pillow-heif applies the HEIF transforms on open and records the original value.
        heif_orientation = im.info.get("original_orientation")
        file_format = "JPEG" if im.format == "MPO" else str(im.format)
    if pending in _TRANSPOSE:
        working = working.transpose(_TRANSPOSE[pending])
    if pending in (5, 6, 7, 8):
        declared = (declared[1], declared[0])
    rgb = np.ascontiguousarray(np.asarray(working, dtype=np.uint8))
    rgb.flags.writeable = False
    file_orientation = next(
        (o for o in (heif_orientation, applied_by_loader, pending) if o in _TRANSPOSE), 1
    )
    return LoadedPhoto(
        rgb=rgb,
        original_size=(int(declared[0]), int(declared[1])),
        scale=max(rgb.shape[:2]) / max(declared),
        taken_at=taken_at,
        format=file_format,
        name=display,
        exif_orientation=int(file_orientation),
    )


def _open_image(stream: BinaryIO, head: bytes, display: str) -> ImageFile.ImageFile:
    """``Image.open`` (header only), with every failure turned into our errors."""
    try:
        return Image.open(stream)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refused before telling us the size (its limit may have been
        # lowered elsewhere); open without its check so ours can name the size.
        im = _open_without_pillow_bomb_check(stream, head)
        if im is None:
            raise ImageTooLargeError(
                f"{display} declares more than {MAX_PIXELS // 1_000_000} megapixels, the limit"
            ) from None
        return im
    except UnidentifiedImageError:
        raise UnreadableImageError(_describe_unreadable(head, display)) from None
    except MemoryError:
        raise ImageTooLargeError(f"{display} is too large to open on this computer") from None
    except Exception as exc:  # plugins raise OSError, ValueError, SyntaxError, ...
        raise _decode_error(exc, head, display) from exc


def _open_without_pillow_bomb_check(stream: BinaryIO, head: bytes) -> ImageFile.ImageFile | None:
    """Open through Pillow's plugin registry, as ``Image.open`` does, minus its size check."""
    Image.init()
    for fmt in Image.ID:
        factory, accept = Image.OPEN[fmt]
        try:
            verdict = accept(head[:16]) if accept else True
            if not verdict or isinstance(verdict, str):
                continue
            stream.seek(0)
            return factory(stream, "")
        except Exception:  # this plugin does not take it; try the next, like Image.open
            continue
    return None


def _check_declared_size(size: tuple[int, int], display: str) -> None:
    width, height = size
    pixels = width * height
    if pixels > MAX_PIXELS:
        raise ImageTooLargeError(
            f"{display} declares {width} x {height} pixels ({pixels / 1e6:.0f} megapixels); "
            f"the limit is {MAX_PIXELS / 1e6:.0f} megapixels."
        )
    if max(width, height) < MIN_SIDE or min(width, height) < 1:
        raise UnreadableImageError(
            f"{display} is only {width} x {height} pixels, too small to be a photo of the "
            f"injection site (the long side must be at least {MIN_SIDE} pixels)"
        )


def _target_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    long_side = max(width, height)
    if long_side <= max_side:
        return size
    ratio = max_side / long_side
    return (
        max_side if width == long_side else max(1, round(width * ratio)),
        max_side if height == long_side else max(1, round(height * ratio)),
    )


# ------------------------------------------------------------- modes and reduction


def _to_working_rgb(im: Image.Image, target: tuple[int, int]) -> Image.Image:
    """8-bit RGB at `target` size, never holding a second full-resolution copy."""
    # From the long sides: the short side's rounding must not halve the factor.
    factor = max(1, max(im.size) // max(target))
    if im.mode == "RGB" and factor == 1:
        reduced = im
    else:
        reduced = _reduce_in_bands(im, factor)
    if reduced.size != target:
        reduced = reduced.resize(target, Image.Resampling.LANCZOS)
    return reduced


def _reduce_in_bands(im: Image.Image, factor: int) -> Image.Image:
    """Convert to RGB and box-reduce by `factor`, one horizontal band at a time.

    Bands are a multiple of `factor` rows high, so the result equals one
    ``reduce(factor)`` of the whole image.
    """
    to_rgb = _band_converter(im)
    rows = factor * max(1, _BAND_PIXELS // (im.width * factor))
    parts = []
    for top in range(0, im.height, rows):
        band = im.crop((0, top, im.width, min(top + rows, im.height)))
        band_rgb = Image.fromarray(to_rgb(band))
        parts.append(np.asarray(band_rgb.reduce(factor) if factor > 1 else band_rgb))
    return Image.fromarray(np.concatenate(parts, axis=0))


def _band_converter(im: Image.Image) -> Any:
    """A function mapping a band of `im` to an (h, w, 3) uint8 array."""
    mode = im.mode
    if mode == "RGB":
        return np.asarray
    if mode in ("P", "PA", "LA", "La", "RGBA", "RGBa"):
        return _composite_over_white
    if mode.startswith("I;16"):
        return lambda band: _grey_to_rgb(_sixteen_to_eight(np.asarray(band)))
    if mode in ("I", "F"):
        low, high = im.getextrema()
        natural = 65535 if mode == "I" else 1.0
        if low >= 0 and high <= natural:
            low, high = 0, natural
        return lambda band: _grey_to_rgb(_stretch(np.asarray(band), low, high))
    # 1, L, CMYK (Pillow undoes Adobe's inversion when reading), YCbCr, RGBX, HSV...
    return lambda band: np.asarray(band.convert("RGB"))


def _composite_over_white(band: Image.Image) -> np.ndarray:
    """Alpha-composite over white: the sheet of paper a transparent cut-out sits on."""
    rgba = np.asarray(band.convert("RGBA"), dtype=np.uint16)
    alpha = rgba[..., 3:]
    rgb = (rgba[..., :3] * alpha + 255 * (255 - alpha) + 127) // 255
    return rgb.astype(np.uint8)


def _sixteen_to_eight(grey16: np.ndarray) -> np.ndarray:
    """Map 0-65535 to 0-255 by rounding ``value / 257`` (65535 / 257 = 255 exactly)."""
    return ((grey16.astype(np.uint32) + 128) // 257).astype(np.uint8)


def _stretch(grey: np.ndarray, low: float, high: float) -> np.ndarray:
    span = float(high - low) or 1.0
    scaled = (np.nan_to_num(grey.astype(np.float32)) - np.float32(low)) * np.float32(255.0 / span)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[..., np.newaxis], 3, axis=2)


# -------------------------------------------------------------------------- metadata


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation Pillow has not applied yet; 1 when none or invalid."""
    try:
        value = im.getexif().get(_TAG_ORIENTATION, 1)
    except Exception:  # malformed EXIF must not stop a readable photo
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def _taken_at(im: Image.Image) -> datetime | None:
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


# ---------------------------------------------------------------- what is it instead?


def _decode_error(exc: BaseException, head: bytes, display: str) -> UnreadableImageError:
    text = str(exc).lower()
    if isinstance(exc, EOFError) or any(
        clue in text for clue in ("truncated", "end of file", "unexpected end")
    ):
        return UnreadableImageError(
            f"{display} is incomplete (the file was cut off during upload); please upload it again"
        )
    kind = _image_kind(head)
    what = f"{display} is a {kind} image but" if kind else f"{display}"
    return UnreadableImageError(
        f"{what} could not be read as an image (it may be damaged); please upload it again, "
        "or export it from the phone's gallery as JPEG"
    )


_NOT_A_PHOTO = (
    (b"%PDF", "is a PDF document, not a photo. Please upload the photo itself (JPEG, PNG or HEIC)"),
    (b"PK\x03\x04", "is a ZIP archive (or an Office document), not a photo"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an Office document, not a photo"),
    (b"\x1f\x8b", "is a compressed (gzip) archive, not a photo"),
    (b"Rar!\x1a\x07", "is a RAR archive, not a photo"),
    (b"7z\xbc\xaf\x27\x1c", "is a 7-Zip archive, not a photo"),
    (b"\x1aE\xdf\xa3", "is a video (WebM/MKV), not a photo. Please upload a still photo"),
    (b"ID3", "is an audio file (MP3), not a photo"),
    (b"OggS", "is an audio or video file (Ogg), not a photo"),
    (b"MZ", "is a program (Windows executable), not a photo"),
    (b"\x7fELF", "is a program, not a photo"),
)
_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"mif2", b"avif"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def _image_kind(head: bytes) -> str | None:
    """Which image format the magic bytes announce, if any."""
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[4:8] == b"ftyp" and head[8:12] in _IMAGE_BRANDS:
        return "AVIF" if head[8:12] == b"avif" else "HEIC"
    return None


def _describe_unreadable(head: bytes, display: str) -> str:
    """A message saying what the bytes are, for data Pillow cannot identify."""
    for magic, what in _NOT_A_PHOTO:
        if head.startswith(magic):
            return f"{display} {what}"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"WAVE"):
        kind = "a video (AVI)" if head[8:12] == b"AVI " else "an audio file (WAV)"
        return f"{display} is {kind}, not a photo"
    if (head[4:8] == b"ftyp" and head[8:12] not in _IMAGE_BRANDS) or head[4:8] in _QUICKTIME_ATOMS:
        return f"{display} is a video (MP4/MOV), not a photo. Please upload a still photo"
    kind = _image_kind(head)
    if kind:
        return (
            f"{display} is a {kind} image but could not be read: it is damaged or was cut off "
            "during upload; please upload it again"
        )
    markup = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if markup.startswith((b"<!doctype html", b"<html")) or any(
        tag in markup[:1024] for tag in (b"<html", b"<head", b"<body")
    ):
        return (
            f"{display} is a web page (HTML), not a photo. Save the image itself "
            "(press and hold or right-click the photo, then 'Save image'), not the page"
        )
    if b"<svg" in markup[:1024]:
        return f"{display} is a vector drawing (SVG), not a photo"
    if _looks_like_text(head):
        return f"{display} is a plain text file, not a photo"
    return (
        f"{display} could not be read as an image (it may be damaged, or be in a format this tool "
        "does not read). Please upload a JPEG, PNG or HEIC photo"
    )


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            return False
        decoded = head[: exc.start].decode("utf-8")
    printable = sum(ch.isprintable() or ch in "\r\n\t\f" for ch in decoded)
    return printable >= 0.95 * max(1, len(decoded))
