"""How a region's colour differs from the skin around it: its mean colour change, how far
that stands out of the skin's own colour variation, and whether a person would see it as
a bruise rather than a shadow.

Used by :func:`tracker.imaging.redness.segment_regions` to accept and keep regions; the kind
of a region is :func:`tracker.imaging.kinds.classify_region`'s.
"""

from __future__ import annotations

import numpy as np

from tracker.imaging.excess import ExcessMaps
from tracker.imaging.kinds import blue_tilt
from tracker.imaging.masks import Box, padded_box, ring_around, share_of_ring_not_skin


#: Share of the ring around a bruise-coloured region (tracker.imaging.masks.ring_around) that
#: is not skin (hair and glare within the skin count as skin) from which the region lies
#: along the skin's edge, where it must be coloured, not only darker, to be a bruise (see
#: :func:`visible_bruise`). Measured (rings of the regions found on benchmarks/independent.py
#: --background and --coarse): strips along the limb's edge or the card 0.23-0.57; lesions
#: 0-0.15 (the card within a lesion's ring).
EDGE_RING_SHARE = 0.2
#: Red/green ratio of a region's excess optical density from which it absorbs red about as much as
#: green: a neutral darkening (a shadow, dark hair, a grey cover), not blood. Blood absorbs green
#: two to ten times as much as red (oxy-Hb ratio ~0.07, deoxy-Hb ~0.3: Prahl 1999); the bruises
#: found on benchmarks/accuracy.py and independent.py measure 0.3-0.53. Dark eyebrows on Monk 8-10
#: skin, between the strands the hair mask finds, measured 0.83-0.95 (benchmarks/independent.py
#: --face), and were "bruises" of up to 1,244 mm². Such a region must be coloured, not only darker,
#: to be a bruise (:func:`visible_bruise`), wherever it lies.
NEUTRAL_OD_RATIO = 0.7


def colour_means(maps: ExcessMaps, region: np.ndarray, px_per_mm: float | None, box: Box | None = None
                 ) -> tuple[float, float, float, float, float | None]:
    """Mean ΔL*, Δa*, Δb* of a region, the red/green ratio of its excess optical density and
    its area in mm² (None without a scale): the arguments of
    :func:`~tracker.imaging.kinds.classify_region`."""
    y0, y1, x0, x1 = padded_box(region, 0, box)  # gathers over the region's box, not the frame
    inside = region[y0:y1, x0:x1]
    dl, da, db, d_od_r, d_hb = (float(ch[y0:y1, x0:x1][inside].mean()) for ch in
                                (maps.delta_l, maps.delta_a, maps.delta_b, maps.delta_od_red, maps.delta_hb))
    d_od_g = d_od_r + d_hb
    ratio = d_od_r / d_od_g if d_od_g > 1e-6 else 0.0
    return dl, da, db, ratio, (np.count_nonzero(inside) / px_per_mm**2 if px_per_mm else None)


def region_blue_tilt(maps: ExcessMaps, region: np.ndarray, box: Box | None = None) -> float | None:
    """:func:`~tracker.imaging.kinds.blue_tilt` of a region's mean excess optical density; None
    when the maps carry no OD_blue."""
    if maps.delta_od_blue is None:
        return None
    y0, y1, x0, x1 = padded_box(region, 0, box)
    inside = region[y0:y1, x0:x1]
    d_od_r, d_hb, d_od_b = (float(ch[y0:y1, x0:x1][inside].mean()) for ch in
                            (maps.delta_od_red, maps.delta_hb, maps.delta_od_blue))
    return blue_tilt(d_od_r, d_od_r + d_hb, d_od_b)


def colour_z(maps: ExcessMaps, region: np.ndarray, skin: np.ndarray, px_per_mm: float | None,
             cov: np.ndarray, box: Box | None = None) -> float:
    """Mahalanobis distance of the region's mean (ΔL*, Δa*, Δb*) over the skin around it,
    in the skin's own colour covariance ``cov`` at the region's size."""
    vec, _ = colour_over_ring(maps, region, skin, px_per_mm, box)
    return float(np.sqrt(vec @ np.linalg.solve(cov, vec)))


def visible_bruise(maps: ExcessMaps, region: np.ndarray, limb: np.ndarray, skin: np.ndarray,
                   px_per_mm: float | None, jnd: float, box: Box | None = None, *,
                   red_od_ratio: float) -> bool:
    """Whether a bruise-coloured region differs visibly (``jnd``, ΔE*ab) from the ``skin`` in a
    ring around it; along the edge of the ``limb`` (the skin with its hair, minus the card),
    or wherever its excess optical density is about neutral (``red_od_ratio``, red/green, of
    NEUTRAL_OD_RATIO or more), by more than a shadow would make it (:func:`coloured_not_shaded`).

    At the edge of a limb in the frame the skin darkens as it turns from the light, and a
    JPEG's chroma bleeds into it from what lies beyond (the edge of the card too): measured
    on benchmarks/independent.py --background, darker strips tinted 0.4-2.0 off the line a
    shadow moves the colour along, which were "bruises" of up to 1,200 mm² on clear skin. Only
    there, or where the region's optical density is about neutral (not blood's): the faint
    bruises of benchmarks/independent.py --coarse (Monk 7-9 at JPEG quality 70) are as little
    off that line (2.1-2.3) and were lost when the test applied everywhere.
    """
    if red_od_ratio >= NEUTRAL_OD_RATIO or (share_of_ring_not_skin(region, limb, px_per_mm, box)
                                             >= EDGE_RING_SHARE):
        return coloured_not_shaded(maps, region, skin, px_per_mm, jnd, box)
    return visibly_different(maps, region, skin, px_per_mm, jnd, box)


def visibly_different(maps: ExcessMaps, region: np.ndarray, skin: np.ndarray, px_per_mm: float | None,
                      jnd: float, box: Box | None = None) -> bool:
    """Whether the region's mean colour is ``jnd`` (ΔE*ab) or more from the skin in a ring around it."""
    vec, _ = colour_over_ring(maps, region, skin, px_per_mm, box)
    return float(np.linalg.norm(vec)) >= jnd


def coloured_not_shaded(maps: ExcessMaps, region: np.ndarray, skin: np.ndarray, px_per_mm: float | None,
                        jnd: float, box: Box | None = None) -> bool:
    """Whether the region's mean colour differs visibly from the skin in a ring around it by
    more than a shadow would make it: ``jnd`` (ΔE*ab) off the line a shadow moves the colour
    along, or visibly in all and more off that line than along it.

    A shadow (the limb or a fold turning away from the light) scales the skin's light at
    every wavelength alike. L* + 16, a* and b* are each a cube root of light (above L* 8,
    darker than any skin), so scaling the light by k scales all three by k^(1/3): a shadow,
    however deep, moves the colour along the line (L* + 16, a*, b*) of the skin itself. A
    bruise changes the colour (deoxy-haemoglobin absorbs green more than red, bilirubin
    blue), off that line. Measured (ring-relative means of the regions found):
    - bruises of the 190 photos of benchmarks/accuracy.py: 2.9-13 off the line, 0.84-2.2
      times as much as along it; of benchmarks/independent.py (120 photos): 2.0-12.8 off,
      0.76-1.8 times as much as along it, the faintest a Monk 10 bruise 2.0 off and 1.3
      along (2.4 in all);
    - the "bruises" the darkened edge of a limb made on benchmarks/independent.py
      --background: 0.4-2.0 off, 0.16-0.83 times as much as along it. The off part is the
      JPEG's chroma bleeding in from beyond the edge, on Monk 6-9 skin at quality 70-90:
      the same photos saved at quality 100 without chroma subsampling made no such region;
    - yet faint bruises on Monk 7-9 at quality 70 (benchmarks/independent.py --coarse):
      2.1-2.3 off, 0.62-0.92 times as much as along it. Hence :func:`visible_bruise` asks
      this only along the skin's edge, or of a region absorbing red about as much as green.
    """
    vec, around = colour_over_ring(maps, region, skin, px_per_mm, box)
    skin_lab = maps.baseline_lab + around
    line = np.array([skin_lab[0] + 16.0, skin_lab[1], skin_lab[2]])
    line /= np.linalg.norm(line)
    along = float(vec @ line)
    off = float(np.linalg.norm(vec - along * line))
    return off >= jnd or (float(np.linalg.norm(vec)) >= jnd and off >= abs(along))


def colour_over_ring(maps: ExcessMaps, region: np.ndarray, skin: np.ndarray, px_per_mm: float | None,
                     box: Box | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(ΔL*, Δa*, Δb*) of the region's mean over the median of a ring of skin around it
    (over the skin baseline when too little skin is around it), and that median over the
    skin baseline."""
    channels = (maps.delta_l, maps.delta_a, maps.delta_b)
    ring = ring_around(region, skin, px_per_mm, box)
    around = np.array([float(np.median(ch[ring[0]][ring[1]])) for ch in channels] if ring else [0.0] * 3)
    y0, y1, x0, x1 = padded_box(region, 0, box)
    inside = region[y0:y1, x0:x1]
    return np.array([float(ch[y0:y1, x0:x1][inside].mean()) for ch in channels]) - around, around
