"""Say what a file is when it is not a readable photo, from its first bytes.

Patients upload all sorts: a PDF of a clinic letter, the web page around a
photo, a Live Photo's video, a half-uploaded JPEG. A message that names the
file and says what it is lets them fix it. Signatures are the published magic
numbers of each format (e.g. ISO 32000 for PDF, ISO/IEC 14496-12 ``ftyp``
brands for MP4/MOV/HEIF, the PKWARE APPNOTE for ZIP).
"""

from __future__ import annotations

from tracker.errors import UnreadableImageError

__all__ = ["decode_error", "describe_unreadable"]


def decode_error(exc: BaseException, head: bytes, display: str) -> UnreadableImageError:
    """The error for a decoder failure `exc` on a file starting with `head`: cut off, or damaged."""
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


def describe_unreadable(head: bytes, display: str) -> str:
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
