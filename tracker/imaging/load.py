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

Pixels in another colour space than sRGB (an iPhone's Display P3, any embedded ICC
profile or HEIF colour description) are converted to sRGB here, on the working frame
(:mod:`tracker.imaging.colorspace`), so that everything after reads sRGB.

Pillow and pillow-heif are imported here (and Pillow's colour engine in ``colorspace``,
``exif`` for its tag names) and nowhere else in ``tracker.imaging``: decoding is the one
place the imaging core needs them.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, Callable

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from tracker.errors import ImageTooLargeError, InvalidArgumentError, UnreadableImageError
from tracker.imaging import exif
from tracker.imaging.colorspace import step_gains, to_srgb
from tracker.imaging.sniff import decode_error, describe_unreadable

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
#: Shortest accepted short side: a strip a few pixels high is not a photo (nothing to measure,
#: and the analysis's downscaled passes would have no pixel at all).
MIN_SHORT_SIDE = 32
#: JPEG comment by which a copy this project stores (tracker.store.encode) records the steps
#: (LoadedPhoto.jpeg_steps) of the photo it was decoded from, as ASCII ("...=1.125,1.25"): the
#: copy's own quantisers are finer, but its pixels still hold the original's steps.
JPEG_STEPS_COMMENT = b"tracker jpeg-steps="

# Reduce non-JPEG images in horizontal bands of about this many pixels, so
# mode conversion and reduction never hold a second full-resolution copy.
_BAND_PIXELS = 1_000_000

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
    jpeg_steps : tuple of float
        Steps of an 8 x 8 block's mean luma (Y) and chroma (Cb, Cr) in 8-bit levels, as the
        JPEG stored them (its DC quantisers / 8), or as recorded in a copy this project stored
        (:data:`JPEG_STEPS_COMMENT`); 0 when not known (not a JPEG). The smallest change of
        colour the file can hold over an area: see
        :func:`tracker.imaging.color.jpeg_step_index`.
    """

    rgb: np.ndarray
    original_size: tuple[int, int]
    scale: float
    taken_at: datetime | None
    format: str
    name: str
    exif_orientation: int = 1
    jpeg_steps: tuple[float, float] = (0.0, 0.0)


def load_photo(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes],
    *,
    name: str | None = None,
    max_side: int = 2048,
    min_side: int | None = None,
    refine: Callable[[LoadedPhoto], int | None] | None = None,
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
    min_side : int, optional
        Accept, without resampling, a JPEG's DCT-scaled decode or an integer box
        reduction whose long side lies between `min_side` and `max_side` (e.g. a 4032 px
        photo at 1/4 is 1008 px: no resize to exactly `max_side`). Default: `max_side`.
    refine : callable, optional
        Called with the decoded photo; it may return a larger `max_side`, and the same
        source is then decoded once more at that size (coarse to fine, without the
        caller having to read the source twice). None or a side no larger: kept.

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
    1/8 whose result is still at least the target size [1]_ [2]_, so a 200 MP
    JPEG never exists at full resolution in memory. Other formats are decoded at
    full resolution in their native mode (3 bytes per pixel for RGB; HEIF, PNG and
    TIFF have no scaled decoding), then box-reduced band by band by an integer
    factor. The last step to the exact size is area averaging (Pillow's BOX
    filter), which cannot overshoot and so adds no halo along edges.

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
        photo = _load_from_stream(stream, display, max_side, min(min_side or max_side, max_side))
        side = refine(photo) if refine is not None else None
        if side is not None and side > max(photo.rgb.shape[:2]):
            stream.seek(0)
            photo = _load_from_stream(stream, display, int(side), int(side))
        return photo
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


def _load_from_stream(stream: BinaryIO, display: str, max_side: int, min_side: int) -> LoadedPhoto:
    head = stream.read(4096)
    stream.seek(0)
    im = _open_image(stream, head, display)
    with im:
        _check_declared_size(im.size, display)
        declared = im.size
        target = _target_size(declared, max_side)
        smallest = _target_size(declared, min_side)
        try:
            # Pillow's TIFF loader applies the orientation itself during load()
            # and removes the tag; remember what the file said.
            applied_by_loader = exif.orientation(im) if im.format == "TIFF" else 1
            if im.format in ("JPEG", "MPO") and target != declared:
                im.draft("RGB", smallest)  # DCT-domain scaling at 1/2, 1/4 or 1/8 [1, 2]
            im.load()
            pending = exif.orientation(im)  # what is still to apply after load()
            taken_at = exif.taken_at(im)
            working = _to_working_rgb(im, target, max(smallest))
            # an iPhone's Display P3 (or any embedded profile) to the sRGB everything after reads;
            # the info as the file gave it (a conversion in place on `im` retags it sRGB)
            colour_info = dict(im.info)
            working = to_srgb(working, colour_info)
        except MemoryError:
            raise ImageTooLargeError(f"{display} is too large to decode on this computer") from None
        except Exception as exc:  # Pillow's decoders raise many types; none may escape
            raise decode_error(exc, head, display) from exc
        # pillow-heif applies the HEIF transforms on open and records the original value.
        heif_orientation = im.info.get("original_orientation")
        # steps of the file's own colour space, as they fall in sRGB once converted
        jpeg_steps = tuple(step * gain for step, gain in zip(_jpeg_steps(im), step_gains(colour_info)))
        file_format = "JPEG" if im.format == "MPO" else str(im.format)
    if pending in exif.TRANSPOSE:
        working = working.transpose(exif.TRANSPOSE[pending])
    if pending in (5, 6, 7, 8):
        declared = (declared[1], declared[0])
    rgb = np.ascontiguousarray(np.asarray(working, dtype=np.uint8))
    rgb.flags.writeable = False
    file_orientation = next(
        (o for o in (heif_orientation, applied_by_loader, pending) if o in exif.TRANSPOSE), 1
    )
    return LoadedPhoto(
        rgb=rgb,
        original_size=(int(declared[0]), int(declared[1])),
        scale=max(rgb.shape[:2]) / max(declared),
        taken_at=taken_at,
        format=file_format,
        name=display,
        exif_orientation=int(file_orientation),
        jpeg_steps=jpeg_steps,
    )


def jpeg_steps_comment(steps: tuple[float, float]) -> bytes:
    """The JPEG comment that records ``steps`` in a stored copy (see :data:`JPEG_STEPS_COMMENT`)."""
    return JPEG_STEPS_COMMENT + f"{steps[0]:.4g},{steps[1]:.4g}".encode("ascii")


def _jpeg_steps(im: Image.Image) -> tuple[float, float]:
    """The steps of a JPEG (see :attr:`LoadedPhoto.jpeg_steps`): the larger of its own and
    those a stored copy records of the photo it was made from; else 0."""
    luma, chroma = [0.0], [0.0]
    tables = getattr(im, "quantization", None) or {}
    if im.mode == "RGB" and len(tables) >= 2:  # YCbCr: table 0 is luma, the others chroma
        luma.append(float(tables[0][0]) / 8.0)
        chroma += [float(table[0]) / 8.0 for key, table in tables.items() if key != 0]
    comment = im.info.get("comment")
    if isinstance(comment, bytes) and comment.startswith(JPEG_STEPS_COMMENT):
        try:
            recorded = [float(v) for v in comment[len(JPEG_STEPS_COMMENT):].decode("ascii").split(",")]
        except ValueError:
            recorded = []  # not ours after all
        if len(recorded) == 2:
            luma.append(recorded[0])
            chroma.append(recorded[1])
    # a DC quantiser is 1-255: a step of at most 32 levels
    return (max(v for v in luma if 0.0 <= v <= 32.0), max(v for v in chroma if 0.0 <= v <= 32.0))


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
        raise UnreadableImageError(describe_unreadable(head, display)) from None
    except MemoryError:
        raise ImageTooLargeError(f"{display} is too large to open on this computer") from None
    except Exception as exc:  # plugins raise OSError, ValueError, SyntaxError, ...
        raise decode_error(exc, head, display) from exc


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
    if max(width, height) < MIN_SIDE or min(width, height) < MIN_SHORT_SIDE:
        raise UnreadableImageError(
            f"{display} is only {width} x {height} pixels, too small to be a photo of the "
            f"injection site (at least {MIN_SIDE} pixels on the long side and {MIN_SHORT_SIDE} on the short "
            f"side are needed)"
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


def _to_working_rgb(im: Image.Image, target: tuple[int, int], min_long: int) -> Image.Image:
    """8-bit RGB at `target` size, never holding a second full-resolution copy.

    An integer box reduction brings the image within a factor of 2 of `target`;
    Pillow's BOX filter (area averaging) does the rest. Area averaging, unlike
    Lanczos, cannot overshoot, so it draws no faint red or dark halo along edges.
    An image whose long side (as decoded, or after an integer reduction) is already
    between `min_long` and `target` is kept at that size: no resampling at all.
    """
    long_side = max(im.size)
    # From the long sides: the short side's rounding must not halve the factor.
    factor = max(1, long_side // max(target))
    if min_long < max(target):
        exact = -(-long_side // max(target))  # the smallest integer reduction to within the target
        if -(-long_side // exact) >= min_long:
            factor, target = exact, (-(-im.size[0] // exact), -(-im.size[1] // exact))
    if im.mode == "RGB":  # reduce() allocates only its (factor**2 times smaller) result
        reduced = im.reduce(factor) if factor > 1 else im
    else:
        reduced = Image.fromarray(_convert_and_reduce_in_bands(im, factor))
    if reduced.size != target:
        reduced = reduced.resize(target, Image.Resampling.BOX)
    return reduced


def _convert_and_reduce_in_bands(im: Image.Image, factor: int) -> np.ndarray:
    """Convert to RGB and box-reduce by `factor`, one horizontal band at a time.

    Converting the whole image first would hold a second full-resolution copy.
    Bands are a multiple of `factor` rows high, so the result equals one
    ``Image.reduce(factor)`` of the converted image.
    """
    to_rgb = _band_converter(im)
    rows = factor * max(1, _BAND_PIXELS // (im.width * factor))
    out = np.empty((-(-im.height // factor), -(-im.width // factor), 3), np.uint8)
    for top in range(0, im.height, rows):
        band_rgb = to_rgb(im.crop((0, top, im.width, min(top + rows, im.height))))
        if factor > 1:
            band_rgb = np.asarray(Image.fromarray(band_rgb).reduce(factor))
        out[top // factor : top // factor + band_rgb.shape[0]] = band_rgb
    return out


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


