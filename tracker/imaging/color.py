"""Colour science: sRGB linearisation, white balance on the card, CIELAB.

The redness index is Δa* in CIELAB (D65) after a von Kries white balance on the
reference card's white margin, measured relative to the surrounding skin of the
same photo. Why a* rather than an erythema index or a haemoglobin component:

- a* is the red-green opponent axis of a perceptual space (CIE 1976), so one
  just-noticeable difference is about 2.3 units everywhere (Sharma 2003) and the
  number means the same thing to a clinician on every skin tone;
- after white balance on the card, a* of the same skin under warm and cool light
  agrees to within about one unit (see ``benchmarks/accuracy.py``, "intensity
  spread across illuminants"), while the log-ratio erythema index
  log(R/G) shifts with the illuminant's red/green balance when the white
  reference is imperfect;
- being a *difference* against the patient's own skin in the same photo, the
  large offset of melanin (which raises b* and lowers L* far more than a*) cancels,
  which is what fails in absolute-threshold tools on Fitzpatrick V-VI skin.

References
----------
.. [1] IEC 61966-2-1:1999, sRGB transfer function.
.. [2] CIE 15:2004 Colorimetry, CIELAB.
.. [3] Sharma G., Digital Color Imaging Handbook, CRC Press 2003 (ΔE*ab JND ≈ 2.3).
.. [4] von Kries J. (1902); diagonal white-balance model, see Fairchild M.D.,
       Color Appearance Models, 3rd ed., Wiley 2013, ch. 9.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Just-noticeable difference in CIELAB units (ΔE*ab ≈ 2.3, Sharma 2003).
JND_LAB = 2.3

#: The card's white is taken to reflect this fraction of light; white balance
#: maps the measured card white to this grey level, which also normalises exposure.
CARD_WHITE_LINEAR = 0.80


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """Linearise 8-bit sRGB to float32 in [0, 1] (IEC 61966-2-1) via a 256-entry table.

    Parameters
    ----------
    rgb : (..., 3) uint8 ndarray

    Returns
    -------
    linear : (..., 3) float32 ndarray
    """
    if rgb.dtype != np.uint8:
        raise TypeError(f"srgb_to_linear expects uint8 sRGB, got {rgb.dtype}")
    return _SRGB_LUT[rgb]


def _make_lut() -> np.ndarray:
    c = np.arange(256, dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return lin.astype(np.float32)


_SRGB_LUT = _make_lut()


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Encode linear float RGB in [0, 1] to gamma sRGB float32 in [0, 1]."""
    x = np.clip(linear, 0.0, 1.0).astype(np.float32, copy=False)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055).astype(np.float32)


def white_balance_gains(white_linear: np.ndarray, *, target: float = CARD_WHITE_LINEAR) -> np.ndarray:
    """Per-channel von Kries gains mapping the measured card white to a neutral grey.

    Parameters
    ----------
    white_linear : (3,) float ndarray
        Linear RGB of the card's white margin as photographed.
    target : float
        Linear grey level the white is mapped to (normalises exposure too).

    Returns
    -------
    gains : (3,) float32 ndarray
    """
    white = np.asarray(white_linear, dtype=np.float64)
    if white.shape != (3,) or np.any(white <= 1e-4):
        raise ValueError(f"white reference must be 3 positive linear values, got {white!r}")
    return (target / white).astype(np.float32)


#: A camera's own clipping: codes at or above this in any channel are blown already (glare).
CLIPPED_CODE = 250
#: Share of the photo's pixels the card's gains may push past white (that the camera did not)
#: before the gains' exposure part is lowered (:func:`unclipped_gains`).
MAX_CLIPPED_BY_GAINS = 0.01


def unclipped_gains(rgb: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """The card's white-balance ``gains``, lowered by one common factor when they would push more
    than MAX_CLIPPED_BY_GAINS of the photo's unclipped pixels past white.

    The gains also normalise exposure: they bring the card's white to CARD_WHITE_LINEAR. Skin is
    darker than the paper under the same light, but not when the card lies in a shadow (of the
    phone or the hand holding it) or faces away from the light: the lit skin then came out above
    white, CIELAB clipped it to L* 100 with no colour, and it was "not skin", so a lesion on it
    went unmeasured on a photo passed as usable (benchmarks/independent.py --shadow: a 137 mm²
    bruise on Monk 2 skin missed, five lesions on Monk 1-4 measured at 49-89 % of their area;
    now 96-101 %). A common factor keeps the balance
    (the ratios of the gains) and lowers only the exposure, until all but 0.5 % of those pixels
    fit under white. Cheap on the usual photo: one comparison per pixel with each channel's first
    code that the gain would clip.
    """
    gains = np.asarray(gains, np.float32)
    # first code of each channel that the gain takes to white or beyond (256: none)
    first = [int(np.searchsorted(_SRGB_LUT * g, np.float32(1.0))) for g in gains]
    if min(first) >= CLIPPED_CODE:
        return gains
    pixels = np.ascontiguousarray(rgb)
    unclipped = cv2.inRange(pixels, (0, 0, 0), (CLIPPED_CODE - 1,) * 3)
    fits = cv2.inRange(pixels, (0, 0, 0), tuple(min(f, 256) - 1 for f in first))
    pushed = cv2.countNonZero(cv2.subtract(unclipped, fits))
    if pushed <= MAX_CLIPPED_BY_GAINS * unclipped.size:
        return gains
    # rare: the gains' brightest channel of each unclipped pixel, and a factor for its 99.5th
    # percentile (0.98 of white: the skin's texture has room above it)
    levels = cv2.LUT(pixels, (_SRGB_LUT[:, None] * gains[None, :]).astype(np.float32).reshape(1, 256, 3))
    brightest = cv2.max(cv2.max(levels[..., 0], levels[..., 1]), levels[..., 2])[unclipped > 0]
    return gains * np.float32(min(1.0, 0.98 / float(np.percentile(brightest, 99.5))))


def rgb_to_lab(rgb: np.ndarray, *, gains: np.ndarray | None = None) -> np.ndarray:
    """sRGB uint8 to CIELAB (D65) float32, optionally white-balanced in linear light.

    OpenCV's float conversion is used on the hot path (about 20x faster than
    ``skimage.color.rgb2lab``, which the tests use as the reference), from *linear* RGB:
    the table gives each 8-bit code's exact linear light, so OpenCV's own sRGB
    linearisation (a spline, up to 0.58 units of a* off skimage's exact conversion) is
    skipped. Within 0.03 units of skimage, and 30 % faster (4.7 ms against 6.7 ms at
    1000 x 750 px).

    Parameters
    ----------
    rgb : (M, N, 3) uint8 ndarray
    gains : (3,) float ndarray, optional
        Linear-light per-channel gains from :func:`white_balance_gains`.

    Returns
    -------
    lab : (M, N, 3) float32 ndarray
        L* in [0, 100], a* and b* in CIELAB units.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (M, N, 3) RGB image, got shape {rgb.shape}")
    if rgb.dtype != np.uint8:
        raise TypeError(f"rgb_to_lab expects uint8 sRGB, got {rgb.dtype}")
    # cv2.LUT applies the three tables in one pass (4 ms at 1600 x 1200, against 20 ms for
    # three strided numpy gathers), with the very same float32 values.
    linear = cv2.LUT(np.ascontiguousarray(rgb), _balance_table(gains))
    # Converted in place: OpenCV's conversion is per pixel, so it is safe (tests/imaging/
    # test_color.py checks it against a separate output), and it spares a fresh 23 MB array
    # whose page faults cost as much as the conversion itself (14 ms against 28 ms).
    return cv2.cvtColor(linear, cv2.COLOR_LRGB2Lab, dst=linear)


def rgb_to_lab_planes(rgb: np.ndarray, *, gains: np.ndarray | None = None,
                      band_rows: int = 256) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`rgb_to_lab` as three contiguous (M, N) float32 planes L*, a*, b*: the same values.

    The conversion runs in bands of ``band_rows`` rows through one reused buffer, each band
    split straight into the planes: no full-frame interleaved image exists. At 1000 x 750 px
    that spares a 9 MB array, whose 2,200 page faults cost about 5 ms on a 2-core VM, and a
    full-frame split. (Bands much smaller than 256 rows measured slower: each OpenCV call
    starts its worker threads anew.)
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (M, N, 3) RGB image, got shape {rgb.shape}")
    if rgb.dtype != np.uint8:
        raise TypeError(f"rgb_to_lab expects uint8 sRGB, got {rgb.dtype}")
    table = _balance_table(gains)
    hgt, wid = rgb.shape[:2]
    planes = tuple(np.empty((hgt, wid), np.float32) for _ in range(3))
    band = np.empty((min(band_rows, hgt), wid, 3), np.float32)
    for top in range(0, hgt, band_rows):
        rows = min(band_rows, hgt - top)
        buf = band[:rows]
        cv2.LUT(np.ascontiguousarray(rgb[top:top + rows]), table, dst=buf)
        cv2.cvtColor(buf, cv2.COLOR_LRGB2Lab, dst=buf)
        cv2.split(buf, [plane[top:top + rows] for plane in planes])  # straight into the planes
    return planes


def _balance_table(gains: np.ndarray | None) -> np.ndarray:
    """(1, 256, 3) float32: linear light of each 8-bit code after the gains, clipped to [0, 1].

    White balance is a per-channel map of 256 possible values: one table per channel
    (linearise, scale, clip) instead of a power function per pixel.
    """
    if gains is None:
        gains = np.ones(3, np.float32)
    levels = _SRGB_LUT[:, None] * np.asarray(gains, dtype=np.float32)[None, :]
    return np.clip(levels, 0.0, 1.0).astype(np.float32).reshape(1, 256, 3)


def haemoglobin_index(rgb: np.ndarray, *, channels: tuple[np.ndarray, ...] | None = None,
                      od_red: np.ndarray | None = None) -> np.ndarray:
    """Log-ratio erythema (haemoglobin) index in optical density: ln(R_lin) - ln(G_lin).

    Haemoglobin absorbs green far more than red, so its optical density raises
    OD_G - OD_R = ln(R/G) in proportion to its concentration (Beer-Lambert;
    Dawson et al. 1980, Diffey et al. 1984). Two properties make it the
    segmentation map here:

    - it is *linear* in the chromophore, so the half-maximum contour of its excess
      is the half-maximum contour of the extra blood, whatever the skin tone,
      whereas a* bends (cube-root compression in CIELAB) and puts the border too
      far in on light skin and too far out on darker skin;
    - its excess over the surrounding skin is invariant to per-channel illuminant
      gains and exposure (they add the same constant to skin and lesion), so it
      does not even need the card's white balance.

    Parameters
    ----------
    rgb : (M, N, 3) uint8 ndarray
        sRGB.
    channels : tuple of (M, N) uint8 ndarray, optional
        ``cv2.split(rgb)``, when the caller already has it (spares a second split).
    od_red : (M, N) float32 ndarray, optional
        ``optical_density(red)``, when the caller has it: the index is then
        ``OD_green - OD_red`` (the very same float32 values), without a temporary map.

    Returns
    -------
    index : (M, N) float32 ndarray

    References
    ----------
    .. [1] Dawson J.B. et al., "A theoretical and experimental study of light
           absorption and scattering by in vivo skin", Phys Med Biol 25 (1980).
    .. [2] Diffey B.L., Oliver R.J., Farr P.M., "A portable instrument for
           quantifying erythema induced by ultraviolet radiation", Br J Dermatol 111 (1984).
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 3:
        raise TypeError(f"haemoglobin_index expects (M, N, 3) uint8 sRGB, got {rgb.dtype} {rgb.shape}")
    # OpenCV's split and LUT (3.5 ms at 1600 x 1200) instead of numpy gathers on strided
    # channels (10 ms); same table, same float32 subtraction.
    red, green, _ = cv2.split(np.ascontiguousarray(rgb)) if channels is None else channels
    if od_red is not None:  # -ln G - (-ln R) = ln R - ln G exactly: negation is exact in float
        index = cv2.LUT(green, _NEG_LOG_LUT)
        return cv2.subtract(index, od_red, dst=index)
    index = cv2.LUT(red, _LOG_LUT)
    return cv2.subtract(index, cv2.LUT(green, _LOG_LUT), dst=index)  # in place: one array fewer


def optical_density(channel: np.ndarray) -> np.ndarray:
    """Apparent optical density -ln(linear light) of one uint8 sRGB channel, via a table."""
    if channel.dtype != np.uint8:
        raise TypeError(f"optical_density expects a uint8 channel, got {channel.dtype}")
    # cv2.LUT: 2 ms against 6 ms for numpy at 1600 x 1200 (cv2 returns 1-D input as a column: reshape)
    return cv2.LUT(np.ascontiguousarray(channel), _NEG_LOG_LUT).reshape(channel.shape)


# ln of linear light per 8-bit code; code 0 is floored at half a code's light to stay finite.
_LOG_LUT = np.log(np.maximum(_SRGB_LUT, _SRGB_LUT[1] / 2)).astype(np.float32)
_NEG_LOG_LUT = -_LOG_LUT


#: ITU-T T.871 (JFIF): the change of R, G, B for a unit change of Y (row 0), Cb (1) and Cr (2).
#: RGB moves of one level of Y, Cb and Cr (JFIF's YCbCr to RGB, one row each).
YCC_TO_RGB = np.array([[1.0, 1.0, 1.0], [0.0, -0.344136, 1.772], [1.402, -0.714136, 0.0]])


def jpeg_step_index(rgb, steps: tuple[float, float]) -> float:
    """How far one step of a JPEG block's mean Y, Cb or Cr moves the haemoglobin index, at one
    skin colour.

    JPEG stores each 8 x 8 block's mean luma and chroma in steps of (DC quantiser) / 8
    levels. Where a photo is smooth (phones remove chroma noise, and JPEG the rest at low
    quality), a light gradient slowly moving the skin's colour crosses one of these steps
    along a line, and a whole area of blocks jumps one step: a plateau the size of a palm.
    The decoder rounds Y, Cb, Cr and then R, G, B to whole levels, so a plateau stands one
    to two steps out (1.9 for a quality-70 chroma step on Monk 8 skin, tests/imaging/
    test_color.py). One chroma step moves a* by about 1.4 at quality 70 on any skin, but the
    index three times more on dark skin than on fair: 0.085 on Monk 8 (sRGB 69, 49, 42), where
    such plateaus made a 2,400 mm² "erythema" and 300 mm² "bruises" on clear skin
    (benchmarks/independent.py --coarse).

    Parameters
    ----------
    rgb : (3,) array_like
        The skin's sRGB colour (0-255, as decoded).
    steps : (float, float)
        Steps of a block's mean luma and chroma in 8-bit levels (:attr:`LoadedPhoto.jpeg_steps`).

    Returns
    -------
    float
        The largest change of the index for one step of Y, Cb or Cr.
    """
    centre = np.asarray(rgb, np.float64)[None, :]
    moves = YCC_TO_RGB * np.array([steps[0], steps[1], steps[1]], np.float64)[:, None]
    codes = np.clip(np.concatenate([centre + moves, centre - moves]), 0.5, 255.0) / 255.0
    # the sRGB curve in closed form: the codes are fractional here, not the 256 of the table
    linear = np.where(codes <= 0.04045, codes / 12.92, ((codes + 0.055) / 1.055) ** 2.4)
    index = np.log(linear[:, 0]) - np.log(linear[:, 1])
    return float(np.abs(index[:3] - index[3:]).max() / 2.0)  # central: a plateau is a step up or down
