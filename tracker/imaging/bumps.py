"""Bumps: small compact raised spots, from blobs of redness plus the shading of a dome.

A flat red spot and a raised one look alike in Δa*; what tells them apart in a
single 2-D photo is *shading*: light from one side makes one flank of a dome
lighter and the other darker, a dipole in ΔL* across the spot. Candidates are the
compact blobs of the redness map (segmented regions 2-10 mm across whose area
fills most of their enclosing circle); a candidate is reported as a bump when a
plane fitted to ΔL* over it changes L* by more than ``min_dipole`` from one
flank to the other, clearly above the noise.

Blob candidates come from the redness segmentation rather than a separate
Laplacian-of-Gaussian scale space (Lindeberg 1998): the half-maximum regions
already are the blobs, at no extra cost on the hot path.

This is an estimate: a photo cannot measure height, and the output says so.

References
----------
.. [1] Lindeberg T., "Feature detection with automatic scale selection",
       IJCV 30(2), 1998.
.. [2] Horn B.K.P., "Shape from shading", MIT AI TR-232, 1970.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Bump diameters considered, mm (or 20-100 px without a scale).
BUMP_DIAMETER_MM = (2.0, 10.0)
#: A blob fills at least this fraction of its minimum enclosing circle.
MIN_ROUNDNESS = 0.55


@dataclass(frozen=True)
class RawBump:
    centre_xy: tuple[float, float]  # working px
    diameter_px: float
    dipole_l: float  # change of L* across the bump from shading


def find_bumps(region_masks, delta_l: np.ndarray, valid: np.ndarray, *, px_per_mm: float | None,
               sigma_l: float, min_dipole: float = 2.5) -> list[RawBump]:
    """Raised spots: compact red blobs whose ΔL* shows the shading of a dome.

    Parameters
    ----------
    region_masks : iterable of (M, N) bool ndarray
        Segmented red regions (half-maximum extents).
    delta_l : (M, N) float32 ndarray
        Excess L* over the skin baseline.
    valid : (M, N) bool ndarray
        Measurable skin.
    px_per_mm : float or None
        Working px per mm.
    sigma_l : float
        Noise of ΔL*.
    min_dipole : float
        Minimum L* difference across the bump due to shading.
    """
    ppm = px_per_mm or 10.0
    lo, hi = (d * ppm for d in BUMP_DIAMETER_MM)
    bumps: list[RawBump] = []
    for mask in region_masks:
        pts = _nonzero_points(mask)
        if pts is None:
            continue
        (cx, cy), radius = cv2.minEnclosingCircle(pts)
        if not lo <= 2 * radius <= hi or len(pts) < MIN_ROUNDNESS * np.pi * radius**2:
            continue
        x0, y0, w, h = cv2.boundingRect(pts)
        pad = int(radius * 0.3) + 1
        y0, x0 = max(y0 - pad, 0), max(x0 - pad, 0)
        y1, x1 = min(y0 + h + 2 * pad, mask.shape[0]), min(x0 + w + 2 * pad, mask.shape[1])
        yy, xx = np.mgrid[y0:y1, x0:x1]
        inside = ((yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2) & valid[y0:y1, x0:x1]
        if inside.sum() < 12:
            continue
        u = (xx[inside] - cx) / radius
        v = (yy[inside] - cy) / radius
        design = np.stack([np.ones_like(u), u, v], axis=1)
        coef, *_ = np.linalg.lstsq(design, delta_l[y0:y1, x0:x1][inside], rcond=None)
        dipole = 2.0 * float(np.hypot(coef[1], coef[2]))  # L* change from one flank to the other
        if dipole >= max(min_dipole, 2.5 * sigma_l):
            diameter = 2.0 * np.sqrt(len(pts) / np.pi)  # equivalent diameter of the red blob
            bumps.append(RawBump(centre_xy=(float(cx), float(cy)), diameter_px=float(diameter), dipole_l=dipole))
    return bumps


def _nonzero_points(mask: np.ndarray) -> np.ndarray | None:
    """``cv2.findNonZero(mask)`` (same points, same order), searched within the mask's bounding box.

    cv2.findNonZero scans the whole frame (2.7 ms at 1600 x 1200); cv2.boundingRect finds a
    region's box in 0.3 ms and the search within it is negligible.
    """
    mask = np.ascontiguousarray(mask).view(np.uint8)
    x, y, w, h = cv2.boundingRect(mask)
    pts = cv2.findNonZero(mask[y:y + h, x:x + w]) if w and h else None
    return None if pts is None else pts + np.array([x, y], dtype=pts.dtype)
