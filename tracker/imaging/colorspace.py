"""Photos encoded in a wider colour space than sRGB (an iPhone's Display P3) brought to sRGB.

Everything after decoding reads the pixels as sRGB (IEC 61966-2-1): the card's white
balance, CIELAB, the redness index. iPhones save their photos, HEIC and JPEG alike, in
Display P3 (the DCI-P3 primaries, D65, the sRGB tone curve) with the profile embedded;
read as sRGB, the same skin and lesion lose about a fifth of their colour contrast
(Δa* of a lesion against its skin 0.80-0.85 of the truth, from Monk 2 to Monk 9), so a
faint lesion falls under the just-noticeable difference and a series mixing an iPhone's
photos with another phone's shows a fading that is not there.

The embedded ICC profile (JPEG, PNG, TIFF, WebP, HEIC "prof") is applied with littleCMS
through Pillow's ``ImageCms`` (a well-kept colour engine that reads every kind of profile,
matrix and table based); a HEIF colour description given as code points (``nclx``: the
primaries' chromaticities) becomes the ICC profile of those primaries with the sRGB tone
curve (:func:`matrix_shaper_icc`), applied the same way. Out-of-gamut colours (a P3 red
beyond sRGB's) are clipped: relative colorimetric intent.

A profile whose primaries are sRGB's is not applied (most Android photos are tagged sRGB:
the transform would only move codes by rounding); an unreadable profile is ignored, as
every photo viewer does, and the pixels read as sRGB.

References
----------
.. [1] ICC.1:2001-04, File Format for Color Profiles (version 2.4.0): header, tag table,
       textDescriptionType, XYZType, curveType; Annex A (matrix/TRC display profiles).
.. [2] SMPTE EG 432-1:2010 (DCI-P3 primaries); Apple, Display P3 (P3 primaries, D65 white,
       the sRGB transfer function).
.. [3] ITU-T H.273 (colour primaries code points, as in a HEIF ``nclx`` box).
.. [4] Lam K.M. (1985), the Bradford chromatic adaptation transform, as in ICC.1 Annex E.
"""

from __future__ import annotations

import functools
import io
import struct

import numpy as np
from PIL import Image, ImageCms

from tracker.imaging.color import YCC_TO_RGB, haemoglobin_index, jpeg_step_index

#: The sRGB (BT.709) primaries and white, CIE 1931 xy.
SRGB_PRIMARIES = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06))
#: Display P3's primaries (DCI-P3's with a D65 white).
DISPLAY_P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
D65 = (0.3127, 0.3290)

#: Colorants further than this (XYZ, D50-adapted) from sRGB's make a profile "not sRGB".
#: sRGB profiles in the wild differ from each other by up to about 0.001 (rounding of the
#: s15Fixed16 values, slightly different D65 whites); Display P3's red differs by 0.08.
SRGB_COLORANT_TOLERANCE = 0.003

_D50_XYZ = np.array([0.9642, 1.0, 0.8249])
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])


def to_srgb(image: Image.Image, info: dict) -> Image.Image:
    """``image`` (mode RGB) converted to sRGB from the colour space its ``info`` describes.

    Parameters
    ----------
    image : PIL.Image.Image, mode "RGB"
        Decoded pixels; converted in place when a conversion is needed.
    info : dict
        The decoded file's ``Image.info`` (``icc_profile`` bytes, or pillow-heif's
        ``nclx_profile`` dict of code points and chromaticities).

    Returns
    -------
    PIL.Image.Image
        ``image`` itself, converted or (sRGB, no profile, a profile that is not RGB or
        cannot be read) untouched.
    """
    if image.mode != "RGB":
        raise ValueError(f"to_srgb expects an RGB image, got mode {image.mode}")
    transform = _transform_for(info)
    if transform is not None:
        ImageCms.applyTransform(image, transform, inPlace=True)
    return image


def step_gains(info: dict) -> tuple[float, float]:
    """How much the conversion of :func:`to_srgb` stretches a JPEG's steps of luma and of chroma,
    as the haemoglobin index sees them.

    A JPEG's steps of colour (:attr:`tracker.imaging.load.LoadedPhoto.jpeg_steps`) are steps of
    Y, Cb and Cr in the file's own colour space, and :func:`tracker.imaging.color.jpeg_step_index`
    reads them as steps of sRGB codes. Converted from Display P3, a chroma step moves the index
    1.17-1.26 times as far as the same step of an sRGB file at the converted colour (Monk 1 to
    10, computed with the exact matrix), a luma step 0.99 times. Measured here on the transform
    itself, at a mid-tone skin colour (:data:`STEP_PROBE`, 1.26 for Display P3): 12 levels each
    way along Y, Cb and Cr, the largest chroma stretch, never below 1. One figure for the photo,
    so that the stored copy can record the steps (:func:`tracker.imaging.load.jpeg_steps_comment`).
    (1, 1) when nothing is converted.
    """
    transform = _transform_for(info)
    return (1.0, 1.0) if transform is None else _step_gains(transform)


#: The codes (in the file's own space) at which :func:`step_gains` measures: a mid-tone skin.
STEP_PROBE = (200, 170, 140)


@functools.lru_cache(maxsize=16)
def _step_gains(transform: ImageCms.ImageCmsTransform) -> tuple[float, float]:
    step, colour = 12.0, STEP_PROBE
    moves = YCC_TO_RGB * step
    probes = np.concatenate([[colour], np.asarray(colour) + moves, np.asarray(colour) - moves])
    probes = np.round(np.clip(probes, 0, 255)).astype(np.uint8)
    out = np.asarray(ImageCms.applyTransform(Image.fromarray(probes[None]), transform))[0]
    index = haemoglobin_index(np.ascontiguousarray(out[None]))[0].astype(np.float64)
    converted = np.abs(index[1:4] - index[4:7]) / 2.0  # Y, Cb, Cr
    luma_srgb = jpeg_step_index(out[0], (step, 0.0))
    chroma_srgb = jpeg_step_index(out[0], (0.0, step))
    luma = converted[0] / luma_srgb if luma_srgb > 1e-9 else 1.0
    chroma = converted[1:].max() / chroma_srgb if chroma_srgb > 1e-9 else 1.0
    return max(1.0, float(luma)), max(1.0, float(chroma))


def _transform_for(info: dict) -> ImageCms.ImageCmsTransform | None:
    icc = info.get("icc_profile")
    if isinstance(icc, bytes) and icc:
        return _icc_transform(icc)
    nclx = info.get("nclx_profile")
    if isinstance(nclx, dict):
        try:
            primaries = tuple((float(nclx[f"color_primary_{c}_x"]), float(nclx[f"color_primary_{c}_y"]))
                              for c in ("red", "green", "blue"))
            white = (float(nclx["color_primary_white_x"]), float(nclx["color_primary_white_y"]))
        except (KeyError, TypeError, ValueError):
            return None
        flat = tuple(round(v, 4) for xy in primaries for v in xy)
        return _primaries_transform(flat, (round(white[0], 4), round(white[1], 4)))
    return None


@functools.lru_cache(maxsize=16)
def _icc_transform(icc: bytes) -> ImageCms.ImageCmsTransform | None:
    """The transform from this embedded profile to sRGB; None when there is nothing to do."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # unreadable: read the pixels as sRGB, as viewers do
    core = source.profile
    if core.xcolor_space.strip() != "RGB" or _is_srgb(core):
        return None
    try:
        # NOCACHE: no one-pixel cache in the shared (lru-cached) transform, so that photos
        # converted at once in several threads share no state; it was no slower (22 ms a frame)
        return ImageCms.buildTransform(source, _SRGB_PROFILE, "RGB", "RGB",
                                       renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                       flags=ImageCms.Flags.NOCACHE)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


@functools.lru_cache(maxsize=16)
def _primaries_transform(flat: tuple[float, ...], white: tuple[float, float]
                         ) -> ImageCms.ImageCmsTransform | None:
    primaries = (flat[0:2], flat[2:4], flat[4:6])
    if np.allclose(primaries, SRGB_PRIMARIES, atol=0.002) and np.allclose(white, D65, atol=0.002):
        return None
    try:
        return _icc_transform(matrix_shaper_icc(primaries, white))
    except (ValueError, np.linalg.LinAlgError):
        return None  # degenerate primaries (collinear): nothing sensible to do


def _is_srgb(core) -> bool:
    if not core.is_matrix_shaper:
        return False
    try:
        mine = np.array([core.red_colorant[0], core.green_colorant[0], core.blue_colorant[0]], float)
    except (TypeError, IndexError):
        return False
    return bool(np.abs(mine - _SRGB_COLORANTS).max() <= SRGB_COLORANT_TOLERANCE)


def colorants_d50(primaries, white=D65) -> np.ndarray:
    """XYZ of the red, green and blue primaries at full drive, adapted to D50 (Bradford).

    Parameters
    ----------
    primaries : ((x, y), (x, y), (x, y))
        CIE 1931 chromaticities of red, green and blue.
    white : (x, y)
        The space's white (all three at full drive), of luminance Y = 1.

    Returns
    -------
    (3, 3) float64 ndarray
        One row per primary: X, Y, Z as an ICC profile's ``rXYZ``, ``gXYZ``, ``bXYZ``.
    """
    xy = np.asarray(primaries, float)
    if xy.shape != (3, 2) or np.any(xy[:, 1] <= 0) or white[1] <= 0:
        raise ValueError(f"expected three (x, y) chromaticities with y > 0, got {primaries}, white {white}")
    columns = np.stack([xy[:, 0] / xy[:, 1], np.ones(3), (1 - xy.sum(axis=1)) / xy[:, 1]])  # XYZ of Y = 1
    white_xyz = np.array([white[0] / white[1], 1.0, (1 - white[0] - white[1]) / white[1]])
    m = columns * np.linalg.solve(columns, white_xyz)  # scaled so that R = G = B = 1 is the white
    cone_src, cone_dst = _BRADFORD @ white_xyz, _BRADFORD @ _D50_XYZ
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(cone_dst / cone_src) @ _BRADFORD
    return (adapt @ m).T


def matrix_shaper_icc(primaries, white=D65, *, description: str = "RGB, sRGB tone curve") -> bytes:
    """An ICC display profile (version 2.1, matrix/TRC) of these primaries with sRGB's tone curve.

    Display P3 is ``matrix_shaper_icc(DISPLAY_P3_PRIMARIES)``. The tone curve is sampled at
    1024 points (``curv``), the form every ICC reader accepts [1].

    Examples
    --------
    >>> from PIL import ImageCms
    >>> p = ImageCms.ImageCmsProfile(io.BytesIO(matrix_shaper_icc(DISPLAY_P3_PRIMARIES)))
    >>> round(p.profile.red_colorant[0][0], 3)
    0.515
    """
    colorants = colorants_d50(primaries, white)
    codes = np.linspace(0.0, 1.0, 1024)
    curve = np.where(codes <= 0.04045, codes / 12.92, ((codes + 0.055) / 1.055) ** 2.4)
    table16 = np.round(curve * 65535).astype(">u2").tobytes()
    curv = b"curv" + bytes(4) + struct.pack(">I", curve.size) + table16
    text = description.encode("ascii", "replace") + b"\0"
    desc = (b"desc" + bytes(4) + struct.pack(">I", len(text)) + text
            + bytes(8) + bytes(3) + bytes(67))  # no Unicode, no ScriptCode description
    tags = [(b"desc", desc), (b"cprt", b"text" + bytes(4) + b"No copyright, use freely\0"),
            (b"wtpt", _xyz_type(_D50_XYZ))]  # a v2 display profile's media white is D50 [1, Annex A]
    tags += [(sig, _xyz_type(c)) for sig, c in zip((b"rXYZ", b"gXYZ", b"bXYZ"), colorants)]
    tags += [(sig, curv) for sig in (b"rTRC", b"gTRC", b"bTRC")]
    offset = 128 + 4 + 12 * len(tags)
    table, data, placed = b"", b"", {}
    for sig, body in tags:
        if body not in placed:  # the three curves share one copy
            placed[body] = offset + len(data)
            data += body + bytes(-len(body) % 4)
        table += sig + struct.pack(">II", placed[body], len(body))
    size = offset + len(data)
    header = (struct.pack(">I", size) + bytes(4) + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
              + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + bytes(24) + struct.pack(">I", 0)
              + _s15(_D50_XYZ) + bytes(4) + bytes(16) + bytes(28))
    assert len(header) == 128, len(header)
    return header + struct.pack(">I", len(tags)) + table + data


def _s15(values) -> bytes:
    return struct.pack(">3i", *(int(round(v * 65536)) for v in values))


def _xyz_type(xyz) -> bytes:
    return b"XYZ " + bytes(4) + _s15(xyz)


_SRGB_PROFILE = ImageCms.createProfile("sRGB")
_SRGB_COLORANTS = colorants_d50(SRGB_PRIMARIES)
