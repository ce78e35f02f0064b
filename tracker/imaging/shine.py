"""Shine: light reflected by the skin's surface (a flash or a lamp on oily skin), which hides redness.

Skin returns light two ways. The diffuse part has entered the skin and carries its colour
(blood and melanin absorb blue and green far more than red); the specular part is reflected
at the surface and keeps the colour of the light. A sheen therefore adds light of the
illuminant's own colour, and moves the skin's colour towards it: in optical density (-ln of
the linear light, :func:`tracker.imaging.color.optical_density`), OD_blue - OD_red falls,
whatever the camera's white balance (the same per-channel gains on skin and sheen).

Nothing else on skin moves it that way while making it *brighter*: shading scales every
channel alike (OD_blue - OD_red unchanged); blood, melanin and bilirubin absorb blue more
than red (it rises); a blue tattoo or a vein lowers it but darkens. So shine is where, over
a patch of some millimetres (a morphological opening drops the thin strips where a JPEG
bleeds the card's white into the skin beside it),

- OD_blue - OD_red falls below the skin's surface by what a fifth of the green light
  reflected at the surface makes on this skin (:func:`shine_fall`), and by 4 σ of its own
  variation;
- L* rises by most of what that light makes (:func:`shine_rise`);
- on a white-balanced photo, the light added is of about equal parts in every channel, the
  light's own colour, which skin that has lost melanin is not (:func:`_adds_the_lights_colour`);
- the patch does not reach the frame's edge, where a grey surface beyond the skin can lie.

Under a sheen of s (share of the light), a lesion's contrast in optical density falls by
about that share, and a sheen that hides redness is plain to the eye. The glare mask
(:func:`tracker.imaging.skin.glare_mask`) only finds *clipped* highlights, which on dark skin a
sheen seldom reaches: on benchmarks/independent.py --flash, 36 of 120 photos passed as usable
with the lesion under a grey sheen not found (Monk 5-10). The pipeline refuses a photo with
SHINE_MAX_MM2 of shine or more, with advice, rather than call it clear.

Thresholds are in physical terms (a share of the light, from the skin's own colour) rather
than tuned on the benchmark; hand-written with OpenCV because the whole test runs on maps
reduced to 1.5 px/mm in about 2 ms.

A pure function of the excess maps: no I/O.
"""

from __future__ import annotations

import cv2
import numpy as np

from tracker.imaging.baseline import mad_sigma
from tracker.imaging.excess import ExcessMaps


#: Share of the green light reflected at the surface from which the skin is under shine: every
#: lesion there loses about that share of its contrast in the haemoglobin index (green's
#: absorption), so a fifth. The fall of OD_blue - OD_red it makes depends on the skin's colour
#: (:func:`shine_fall`): 0.22 on Monk 8, 0.11 on Monk 4 and 0.03 on Monk 1 skin, nearly white
#: already, where such a sheen brightens by some 7 L* and often clips (the glare mask's case).
SHINE_GREEN_SHARE = 0.2
#: ... and at least this many robust σ of that map over the skin (noisy dark photos).
SHINE_MIN_SIGMAS = 4.0
#: Least rise of L* over the skin's surface, as a share of the rise the SHINE_GREEN_SHARE's light
#: makes there (:func:`shine_rise`): shine brightens (a tattoo or a vein darkens), and by as much
#: as its colour says; the rest is room for the 1 mm smoothing and a light gradient across the
#: frame (the skin's L* is its median).
SHINE_RISE_SHARE = 0.7
#: Most a patch's added light may differ between channels (largest / smallest, linear) for shine.
SHINE_NEUTRAL_SPREAD = 1.5
#: Pixels per mm at which shine is looked for (:func:`shine_mask`).
SHINE_PX_PER_MM = 1.5
#: Radius (mm) of the opening: shine is a patch, not the strip along the card's edge.
SHINE_OPEN_MM = 2.0
#: Area of shine (mm²) from which the photo is not measured ("shine"): a patch some 6 mm
#: across, the size of a small redness at a needle point, which it could hide whole. On
#: benchmarks/independent.py --flash, sheens of 150-970 mm² (1.8-2.6 % of the skin in the
#: frame) hid a lesion under them on photos that passed as usable; without a sheen the same
#: photos show none.
SHINE_MAX_MM2 = 25.0


def shine_fall(skin_lab: np.ndarray, green_share: float = SHINE_GREEN_SHARE) -> float:
    """How far OD_blue - OD_red (ln) falls on skin of colour ``skin_lab`` (CIELAB, white-balanced)
    when ``green_share`` of the green light it returns is reflected at the surface.

    With the skin's linear colour (R, G, B) and a sheen of s (white after white balance, as the
    light's colour), the fall is ln(1 + s/B) - ln(1 + s/R), where s = G x share / (1 - share).
    """
    red, green, blue = skin_linear_rgb(skin_lab)
    sheen = green * green_share / (1.0 - green_share)
    return float(np.log1p(sheen / blue) - np.log1p(sheen / red))


def skin_linear_rgb(skin_lab: np.ndarray) -> np.ndarray:
    """(3,) linear sRGB of a CIELAB colour (D65), floored at 1e-4: the inverse of the conversion
    :func:`tracker.imaging.color.rgb_to_lab` makes (OpenCV's, from linear RGB)."""
    lab = np.asarray(skin_lab, np.float32).reshape(1, 1, 3)
    return np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2LRGB).reshape(3).astype(np.float64), 1e-4, None)


def shine_rise(skin_lab: np.ndarray, green_share: float = SHINE_GREEN_SHARE) -> float:
    """How far L* rises on skin of colour ``skin_lab`` when ``green_share`` of the light it returns
    is reflected at the surface: L* + 16 is the cube root of the light (above L* 8)."""
    return float((skin_lab[0] + 16.0) * ((1.0 / (1.0 - green_share)) ** (1.0 / 3.0) - 1.0))


def shine_mask(maps: ExcessMaps, valid: np.ndarray, px_per_mm: float, *,
               white_balanced: bool = True) -> np.ndarray:
    """(M, N) bool: the skin under shine (see the module's docstring); all False without OD_blue.

    Shine is a patch of millimetres, so it is found on maps reduced to about SHINE_PX_PER_MM
    (about 2 ms at 800 x 600 px, against 30 ms at the working resolution) and the mask enlarged.
    When the photo is ``white_balanced`` (on the card), each patch must also have *added* light
    of the light's colour, as a reflection does (:func:`_adds_the_lights_colour`). Without a scale
    the caller passes the working scale the pipeline aims at (``WORKING_PX_PER_MM``).
    """
    if maps.delta_od_blue is None or not valid.any():
        return np.zeros(valid.shape, bool)
    hgt, wid = valid.shape
    factor = max(1, int(px_per_mm // SHINE_PX_PER_MM))
    size = (max(1, wid // factor), max(1, hgt // factor))
    # the frame cut to whole factor x factor blocks (the last rows and columns, under 0.5 mm, are
    # not looked at): OpenCV's area averaging then takes its integer path, 0.19 ms a map at
    # 811 x 608 px against 0.95 ms for the exact 4.01 of the whole frame
    crop = (slice(0, size[1] * factor), slice(0, size[0] * factor))

    def reduced(plane: np.ndarray) -> np.ndarray:
        return cv2.resize(np.asarray(plane[crop], np.float32), size, interpolation=cv2.INTER_AREA)

    ok = reduced(valid.view(np.uint8)) > 0.99  # wholly skin
    od_red, od_blue = reduced(maps.delta_od_red), reduced(maps.delta_od_blue)
    drop = cv2.subtract(od_blue, od_red)
    small_ppm = px_per_mm / factor
    cv2.GaussianBlur(drop, (0, 0), small_ppm, dst=drop)  # 1 mm
    sigma = mad_sigma(drop[ok])[1] if ok.any() else 0.0
    level = -max(shine_fall(maps.baseline_lab), SHINE_MIN_SIGMAS * sigma)
    candidate = ((drop < level) & (reduced(maps.delta_l) > SHINE_RISE_SHARE * shine_rise(maps.baseline_lab))
                 & ok).view(np.uint8)
    radius = max(1, int(round(SHINE_OPEN_MM * small_ppm)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    small = cv2.morphologyEx(candidate, cv2.MORPH_OPEN, disc)
    if small.any():
        count, labels = cv2.connectedComponents(small, connectivity=8)
        od_green = cv2.add(od_red, reduced(maps.delta_hb))  # the index is OD_green - OD_red
        skin_rgb = skin_linear_rgb(maps.baseline_lab)
        edge = np.zeros(small.shape, bool)
        edge[[0, -1], :] = edge[:, [0, -1]] = True
        for label in range(1, count):
            patch = labels == label
            # A grey surface beyond the skin, as dark as the darkest skin and taken for it, adds
            # neutral light too; it lies at the frame's edge (benchmarks/independent.py: the
            # camera's view beyond the skin's plane on three Monk 10 photos), a sheen on the skin.
            if (patch & edge).any() or (white_balanced and not _adds_the_lights_colour(
                    skin_rgb, [od[patch] for od in (od_red, od_green, od_blue)])):
                small[patch] = 0
    out = np.zeros(valid.shape, bool)
    out[crop] = cv2.resize(small, (size[0] * factor, size[1] * factor), interpolation=cv2.INTER_NEAREST) > 0
    return out & valid


def _adds_the_lights_colour(skin_rgb: np.ndarray, excess_od: list[np.ndarray]) -> bool:
    """Whether a patch's excess optical density (R, G, B, ln) is skin of linear colour ``skin_rgb``
    plus light of about equal parts in every channel: the light's own colour after white balance.

    A reflection adds light: skin_c x (mean exp(-ΔOD_c) - 1) is the same in every channel. Skin
    that has lost melanin (vitiligo, a pale scar) is brighter and less blue-absorbing too, but
    what it adds follows the skin's own transmission, blue most: on Monk 8 skin, losing all
    its melanin (ΔOD -0.5, -0.9, -1.6) adds 1.8 times as much blue as red.
    """
    added = skin_rgb * (np.array([float(np.exp(-od).mean()) for od in excess_od]) - 1.0)
    return bool(added.min() > 0 and added.max() <= SHINE_NEUTRAL_SPREAD * added.min())


def shine_area_mm2(shine: np.ndarray, px_per_mm: float) -> float:
    """Area of the shine in mm²."""
    return cv2.countNonZero(shine.view(np.uint8)) / px_per_mm**2
