"""Which pixels are skin we can measure: skin colour, minus card, glare and hair.

Skin is found by a deliberately broad colour rule in CIELAB (all skin tones,
white-balanced or not, sit in a hue wedge between red and yellow with some chroma),
then narrowed to the chromaticity of the skin next to the card (or a lesion's on it: a table,
a wall or a sleeve of skin-like hue is not the patient), closed and hole-filled so that red
patches and bruises *inside* the skin are kept even when their own colour falls outside.
What is excluded:

- the reference card (its polygon plus a safety margin);
- glare: specular highlights, nearly white and clipped;
- hair: thin dark strands, found with a morphological black-hat of L* at the
  scale of a hair's width (Lee et al. 1997, "DullRazor").

Moles and freckles are not removed here: they are recognised per region by
their colour (brown: darker and yellower, not redder) in :mod:`redness`.

References
----------
.. [1] Lee T. et al., "DullRazor: A software approach to hair removal from
       images", Computers in Biology and Medicine 27(6), 1997.
.. [2] Kakumanu P. et al., "A survey of skin-color modeling and detection
       methods", Pattern Recognition 40(3), 2007.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage as ndi

from tracker.imaging.color import optical_density
from tracker.imaging.stats import median

#: Hue wedge (degrees of atan2(b*, a*)) and minimum chroma of plausible skin.
SKIN_HUE_DEG = (-10.0, 100.0)
SKIN_MIN_CHROMA = 4.0
#: The chroma floor follows the photo's own skin down to this: the palest and the darkest
#: skin tones carry little chroma after white balance (Monk skin-tone scale: f6ede4 has C* 5.6
#: before the card's white takes the paper's yellow out, 292420 has C* 3.8), where a fixed
#: floor of 4 called them "not skin" (benchmarks/independent.py). Paper and grey surfaces
#: after white balance stay below it.
SKIN_CHROMA_FLOOR = 1.5
#: ... at this fraction of the median chroma of the photo's skin-hued pixels.
SKIN_CHROMA_OF_TYPICAL = 0.5
SKIN_L_RANGE = (6.0, 97.0)


def skin_mask(lab: np.ndarray, *, px_per_mm: float | None = None, min_fraction: float = 0.02,
              rgb: np.ndarray | None = None, reference: tuple[np.ndarray, np.ndarray] | None = None
              ) -> np.ndarray:
    """Plausible skin, closed and hole-filled, small islands removed, SKIN_EDGE_MARGIN_MM inside
    its edges against what is not skin.

    Parameters
    ----------
    lab : (M, N, 3) float32 ndarray, or its three (M, N) planes L*, a*, b*
        CIELAB image.
    px_per_mm : float, optional
        Scale, to size the closing in millimetres; else a size relative to the image.
    min_fraction : float
        Connected skin areas smaller than this fraction of the image are dropped.
    rgb : (M, N, 3) uint8 ndarray, optional
        The sRGB photo. When given, skin-hued pixels whose chromaticity is far from the skin's
        own (:data:`SKIN_CHROMA_TOLERANCE`) are not skin.
    reference : ((K, 2), (L, 2)) float ndarrays, optional
        Outer and inner polygon (pixels) of a ring of skin whose colour is the skin's: around
        the card, which lies on the skin. Else the photo's skin-hued pixels as a whole.

    Returns
    -------
    mask : (M, N) bool ndarray
    """
    # Skin borders need no sub-millimetre precision: decide at a quarter of the resolution
    # (16x fewer pixels for the colour test, closing and hole filling), then upsample.
    planes = (lab,) if isinstance(lab, np.ndarray) else tuple(lab)
    full_h, full_w = planes[0].shape[:2]
    step = 4 if min(full_h, full_w) >= 400 else 1
    if step > 1:
        # Reduced from the largest part of the frame that is a whole number of steps: OpenCV's
        # integer-factor area averaging then takes 0.2 ms a plane, where a non-integer ratio
        # (750 rows to 187) falls to its general path at 1 ms; the last < 4 rows and columns
        # are left to the upsampling, as they were (not one pixel of the mask moved on 39 photos).
        sw, sh = full_w // step, full_h // step
        planes = tuple(cv2.resize(p[:sh * step, :sw * step], (sw, sh), interpolation=cv2.INTER_AREA)
                       for p in planes)
    # contiguous channels: numpy's ufuncs run faster on them
    lum, a, b = cv2.split(planes[0]) if len(planes) == 1 else (np.ascontiguousarray(p) for p in planes)
    hue = np.degrees(np.arctan2(b, a))
    chroma = np.hypot(a, b)
    wedge = ((hue >= SKIN_HUE_DEG[0]) & (hue <= SKIN_HUE_DEG[1]) & (chroma >= SKIN_CHROMA_FLOOR)
             & (lum >= SKIN_L_RANGE[0]) & (lum <= SKIN_L_RANGE[1]))
    colour = wedge & (chroma >= skin_chroma_floor(chroma[wedge]))
    if rgb is not None:
        small = rgb if step == 1 else cv2.resize(np.ascontiguousarray(rgb[:sh * step, :sw * step]), (sw, sh),
                                                 interpolation=cv2.INTER_AREA)
        ring = None if reference is None else tuple(np.asarray(p, np.float64) / step for p in reference)
        colour &= _like_the_skin(small, colour, px_per_mm=px_per_mm / step if px_per_mm else None,
                                 reference=ring)
    radius = int(round(1.5 * px_per_mm / step)) if px_per_mm else max(1, min(lum.shape) // 100)
    radius = max(radius, 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    closed = cv2.morphologyEx(colour.view(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)
    filled = ndi.binary_fill_holes(closed)
    labels, n = ndi.label(filled)
    if n:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        filled = (sizes >= min_fraction * filled.size)[labels]
    # OpenCV's erosion takes what lies beyond the frame as skin: only edges against non-skin move
    margin = max(1, int(round(SKIN_EDGE_MARGIN_MM * px_per_mm / step)) if px_per_mm else 1)
    edge = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    filled = cv2.erode(filled.view(np.uint8), edge).view(bool)
    if step == 1:
        return filled
    return cv2.resize(filled.view(np.uint8), (full_w, full_h), interpolation=cv2.INTER_NEAREST).view(bool)


#: Band of chromaticity, around the skin's own, that is still this patient's skin. Shading
#: scales linear R, G, B alike, so (ln R/G, ln B/G) of linear light does not see it, nor the
#: white balance (a shift of both). Lesions move it along one axis: blood lowers green most
#: (erythema ~18° in that plane), a bruise also red and blue (30-40°), an old bruise's
#: bilirubin blue (-15°); measured at the half of each true lesion that stands out most on 30
#: generated photos (sample_images): -14° to 41°, 0.14-0.57 from the skin. Pixels within
#: ``LESION_AXIS_DEG`` of the skin's colour, up to ``LESION_AXIS_REACH`` away, may be a lesion.
LESION_AXIS_DEG = (-25.0, 50.0)
LESION_AXIS_REACH = 1.2
#: A large red area or fresh bruise can cover the skin next to the card: the normal skin then
#: lies the other way from that colour, in these directions + 180°. (Not an old bruise's: a
#: beige wall beside Monk 7 skin lies at 145° from it, and would be "skin".)
LESION_AXIS_DEG_REVERSE = (-5.0, 50.0)
#: What lies farther from that band than this ...
SKIN_CHROMA_TOLERANCE = 0.12
#: ... or than this many robust SDs of the chromaticity of the skin next to the card, when
#: wider, is not this patient's skin: a table, a wall, a sleeve (benchmarks/independent.py
#: --background). Red or pink cloth lies in the band and stays (see the README).
SKIN_CHROMA_SD = 4.0
#: Skin this close to what is not skin is left out (not the frame's border): pixels along that
#: edge mix both colours (the lens, the JPEG's halved chroma, the mask's quarter resolution),
#: and a strip of them was measured as a "bruise".
SKIN_EDGE_MARGIN_MM = 1.5


def _like_the_skin(rgb: np.ndarray, colour: np.ndarray, *, px_per_mm: float | None,
                   reference: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Pixels whose shading-free chromaticity is the skin's next to the card, or a lesion's on it.

    ``rgb`` and ``colour`` (the skin-hued pixels) have the same, reduced, size; ``reference`` is
    a ring (outer and inner polygon, in the same pixels) of skin around the card, else the
    skin-hued pixels of the whole photo stand for the skin.
    """
    hgt, wid = colour.shape
    od_r, od_g, od_b = (optical_density(c) for c in cv2.split(np.ascontiguousarray(rgb)))
    blur = max(0.5 * px_per_mm, 0.7) if px_per_mm else 0.7  # half a millimetre: noise, not edges
    x = cv2.GaussianBlur(cv2.subtract(od_g, od_r), (0, 0), blur)  # ln(R/G)
    y = cv2.GaussianBlur(cv2.subtract(od_g, od_b), (0, 0), blur)  # ln(B/G)
    ref = colour
    if reference is not None:
        ring = np.zeros((hgt, wid), np.uint8)
        cv2.fillPoly(ring, [np.round(reference[0]).astype(np.int32)], 1)
        cv2.fillPoly(ring, [np.round(reference[1]).astype(np.int32)], 0)
        ring = ring.view(bool) & colour
        if np.count_nonzero(ring) >= _MIN_REFERENCE_PX:
            ref = ring
    if np.count_nonzero(ref) < _MIN_REFERENCE_PX:
        return np.ones((hgt, wid), bool)
    xs, ys = x[ref], y[ref]
    x0, y0 = median(xs), median(ys)
    spread = 1.4826 * median(np.hypot(xs - x0, ys - y0))
    tolerance = max(SKIN_CHROMA_TOLERANCE, SKIN_CHROMA_SD * spread)
    # only the skin-hued pixels need a verdict (the others are not skin anyway), and of those
    # only the ones farther than the tolerance from the skin's colour (most are within it)
    idx = np.flatnonzero(colour)
    dx, dy = x.reshape(-1)[idx] - np.float32(x0), y.reshape(-1)[idx] - np.float32(y0)
    far = dx * dx + dy * dy > np.float32(tolerance) ** 2
    dx, dy = dx[far], dy[far]
    dist = np.minimum(_cone_distance(dx, dy, *LESION_AXIS_DEG),
                      _cone_distance(dx, dy, *(deg + 180.0 for deg in LESION_AXIS_DEG_REVERSE)))
    keep = np.zeros(hgt * wid, bool)
    keep[idx] = True
    keep[idx[far][dist > tolerance]] = False
    return keep.reshape(hgt, wid)


def _cone_distance(dx: np.ndarray, dy: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Distance of (dx, dy) to the sector of directions lo..hi degrees, LESION_AXIS_REACH long."""
    reach = np.float32(LESION_AXIS_REACH)
    dist = None
    for deg in (lo, hi):  # the two rays bounding the sector
        ux, uy = np.float32(np.cos(np.radians(deg))), np.float32(np.sin(np.radians(deg)))
        t = np.clip(dx * ux + dy * uy, np.float32(0), reach)
        ray = np.hypot(dx - t * ux, dy - t * uy)
        dist = ray if dist is None else np.minimum(dist, ray)
    # inside the sector: only what lies beyond its reach is away from it
    mid, half = np.radians((lo + hi) / 2), np.radians((hi - lo) / 2)
    length = np.hypot(dx, dy)
    inside = dx * np.float32(np.cos(mid)) + dy * np.float32(np.sin(mid)) >= length * np.float32(np.cos(half))
    return np.where(inside, np.maximum(length - reach, np.float32(0)), dist)


#: Fewer reference pixels than this (at the mask's quarter resolution) and none is trusted.
_MIN_REFERENCE_PX = 100


def skin_chroma_floor(wedge_chroma: np.ndarray) -> float:
    """Least chroma of skin in this photo: SKIN_MIN_CHROMA, lowered for pale or very dark skin.

    ``wedge_chroma`` holds the chroma of the pixels with a skin hue; their median is the
    photo's typical skin chroma when skin fills most of it, as the capture advice asks.
    """
    if wedge_chroma.size == 0:
        return SKIN_MIN_CHROMA
    typical = median(wedge_chroma)
    return float(min(SKIN_MIN_CHROMA, max(SKIN_CHROMA_FLOOR, SKIN_CHROMA_OF_TYPICAL * typical)))


def glare_mask(rgb: np.ndarray, lab, *, channels: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
    """Specular highlights: near-clipped and nearly colourless pixels, slightly dilated.

    ``lab`` is the (M, N, 3) CIELAB image or its three planes; ``channels`` is
    ``cv2.split(rgb)`` when the caller already has it.
    """
    hgt, wid = rgb.shape[:2]
    # numpy's max over the channel axis of a uint8 image is not vectorised (about 70 ms at
    # 1600 x 1200); OpenCV's per-channel split and max take well under 2 ms.
    r, g, b = cv2.split(np.ascontiguousarray(rgb)) if channels is None else channels
    idx = np.flatnonzero(cv2.max(cv2.max(r, g), b) >= 250)
    mask = np.zeros(hgt * wid, np.uint8)
    if idx.size:
        # The colour test only matters where a channel clips (a few % of the photo, the card's
        # white mostly), so it runs on those pixels instead of over the whole frame.
        if isinstance(lab, np.ndarray):  # flat views, no copies
            lum, a, b = (lab.reshape(-1, 3)[:, c] for c in range(3))
        else:
            lum, a, b = (np.ascontiguousarray(p).reshape(-1) for p in lab)
        idx = idx[lum[idx] > 88]
        mask[idx[np.hypot(a[idx], b[idx]) < 12]] = 1
    return cv2.dilate(mask.reshape(hgt, wid), np.ones((5, 5), np.uint8)).view(bool)


#: Least share of the light around it a hair strand takes (:func:`hair_mask`): 10 L* below
#: skin of L* 80, as the first, absolute rule asked on pale skin.
HAIR_DARKENING = 1.0 - (1.0 - 10.0 / 96.0) ** 3
#: ln(L* + 16) is scaled by this for :func:`_blackhat_above` (at most 20 ln 116 = 95 < 108).
_LOG_LUM_SCALE = 20.0


def hair_mask(lum: np.ndarray, *, px_per_mm: float | None = None, min_darkening: float = HAIR_DARKENING
              ) -> np.ndarray:
    """Thin dark strands (hair) by morphological black-hat of L*, relative to the skin's light.

    The black-hat is taken of ln(L* + 16): L* + 16 is the cube root of the light (above L* 8),
    and a closing commutes with that monotone map, so the black-hat there is a third of the
    log of (light around the strand / light on it), the same for a strand of the same
    darkness on pale and on dark skin. In L* units a fixed depth (10 L*, as first written)
    asked a strand on pale skin (L* 80) to take 28 % of the light and one on dark skin (L* 20)
    60 %: an eyebrow on Monk 8-10 skin was not hair but a "bruise" of up to 1,244 mm²
    (benchmarks/independent.py --face).

    Parameters
    ----------
    lum : (M, N) float32 ndarray
        L* channel.
    px_per_mm : float, optional
        Scale; hair is up to ~0.5 mm wide, so the structuring element spans ~1 mm.
    min_darkening : float
        Least share of the surrounding light a strand takes (0.28: 10 L* on L* 80 skin).
    """
    size = int(round(1.2 * px_per_mm)) if px_per_mm else 9
    size = max(5, size | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    log_lum = cv2.log(cv2.add(np.ascontiguousarray(lum, np.float32), 16.0))
    log_lum = cv2.multiply(log_lum, _LOG_LUM_SCALE)
    depth = _LOG_LUM_SCALE * np.log(1.0 / (1.0 - min_darkening)) / 3.0
    strands = _blackhat_above(log_lum, kernel, depth)
    # a strand is long and thin: drop compact dots (pores, needle points) by their extent.
    # OpenCV labels (4-connected, as scipy.ndimage.label) in about 2 ms where scipy takes 7 ms
    # and cv2's own ...WithStats 16 ms; the extents are then reduced over the strand pixels
    # only (a few % of the frame) instead of a Python loop over every dot, which took 0.1 s
    # on photos with tens of thousands of pores.
    n, labels = cv2.connectedComponents(strands, connectivity=4, ltype=cv2.CV_32S)
    if n <= 1:
        return strands.view(bool)
    kept = _long_components(strands, labels, 3 * size)
    mask = np.zeros(strands.shape, np.uint8)
    if len(kept) == 0:
        return mask.view(bool)
    if len(kept) > 32:
        keep = np.zeros(n, np.uint8)
        keep[kept[:, 0]] = 1
        mask = keep[labels]
    else:  # the usual few strands: compare labels inside each one's bounding box only
        for i, x0, y0, x1, y1 in kept:
            box = mask[y0:y1, x0:x1]
            box |= (labels[y0:y1, x0:x1] == i).view(np.uint8)
    return cv2.dilate(mask, np.ones((3, 3), np.uint8)).view(bool)


#: L* is quantised as round(L* x _LUM_STEPS) in uint16 for the closing in :func:`_blackhat_above`.
_LUM_STEPS = 600.0
#: Above this many undecided pixels the float black-hat of the whole frame is cheaper.
_MAX_UNDECIDED = 2000


def _blackhat_above(lum: np.ndarray, kernel: np.ndarray, depth: float) -> np.ndarray:
    """``(black-hat of lum) > depth`` as a 0/1 uint8 mask, exactly, with the closing done in uint16.

    OpenCV's grey closing with an elliptical element takes about 30 ms on a float32
    1600 x 1200 image and 15 ms on uint16. A closing is made of max and min only, which commute
    with any non-decreasing map, so the closing of round(L* x 600) is round(closing(L*) x 600):
    it gives closing(L*) - L* to within 0.5/600 + float rounding. The difference is taken in
    the same units, closing - round(L* x 600), in place in uint16 (a fresh float32 map cost
    more in page faults than the arithmetic): within 1/600 + float rounding of 600 x black-hat.
    Pixels whose black-hat is that close to ``depth`` (none to a few dozen per photo) are
    decided by the float black-hat of a small patch around them, which sees exactly what the
    whole-frame one does there.
    """
    if (lum.dtype != np.float32 or lum.size == 0 or float(lum.min()) < 0.0
            or float(lum.max()) > 65000.0 / _LUM_STEPS):
        return (cv2.morphologyEx(lum, cv2.MORPH_BLACKHAT, kernel) > depth).view(np.uint8)
    quantised = cv2.multiply(lum, _LUM_STEPS, dtype=cv2.CV_16U)
    closed = cv2.morphologyEx(quantised, cv2.MORPH_CLOSE, kernel)
    diff = cv2.subtract(closed, quantised, dst=closed)  # >= 0: a closing never lowers a pixel
    # both roundings (0.5 each), plus a wide margin for float32 rounding, in steps of 1/600
    tol = 1.0 + 1e-3 * _LUM_STEPS
    high = int(np.floor(depth * _LUM_STEPS + tol))  # above: certainly deeper than depth
    out = (diff > high).view(np.uint8)
    undecided = cv2.inRange(diff, int(np.ceil(depth * _LUM_STEPS - tol)), high)
    n_undecided = cv2.countNonZero(undecided)
    if n_undecided > _MAX_UNDECIDED:
        return (cv2.morphologyEx(lum, cv2.MORPH_BLACKHAT, kernel) > depth).view(np.uint8)
    if n_undecided:
        reach = 2 * (max(kernel.shape) // 2)  # the closing at a pixel reads L* this far away
        for x, y in cv2.findNonZero(undecided).reshape(-1, 2):
            y0, x0 = max(y - reach, 0), max(x - reach, 0)
            patch = cv2.morphologyEx(lum[y0:y + reach + 1, x0:x + reach + 1], cv2.MORPH_BLACKHAT, kernel)
            out[y, x] = patch[y - y0, x - x0] > depth
    return out


def _long_components(strands: np.ndarray, labels: np.ndarray, min_extent: int) -> np.ndarray:
    """Rows (label, x0, y0, x1, y1) of the components whose bounding box spans >= min_extent px."""
    pts = cv2.findNonZero(strands)
    xs, ys = pts.reshape(-1, 2).T
    lab = labels[ys, xs]
    order = np.argsort(lab)
    lab, xs, ys = lab[order], xs[order], ys[order]
    starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
    x0, x1 = np.minimum.reduceat(xs, starts), np.maximum.reduceat(xs, starts) + 1
    y0, y1 = np.minimum.reduceat(ys, starts), np.maximum.reduceat(ys, starts) + 1
    long = np.maximum(x1 - x0, y1 - y0) >= min_extent
    return np.stack([lab[starts], x0, y0, x1, y1], axis=1)[long]
