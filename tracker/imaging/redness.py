"""Excess redness over the surrounding skin, and its half-maximum regions.

Steps, each a small pure function:

1. :func:`skin_baseline` -- the patient's own skin colour at every pixel: a
   low-order polynomial surface fitted robustly (iteratively sigma-clipped) to
   L*, a*, b* of the skin, so red patches, bruises and moles do not pull it.
   Relative to *this* skin, so the same threshold works on every skin tone.
2. :func:`excess_maps` -- ΔL*, Δa*, Δb* (smoothed at ~0.25 mm) and the noise σ of Δa*.
3. :func:`segment_regions` -- seeds where Δa* clearly exceeds noise and one
   just-noticeable difference; each seed grows to the **half-maximum contour**
   of its own peak excess (a full width at half maximum: area stays put while a
   spot fades evenly, so size and intensity are separate figures), and also to
   the just-noticeable-difference extent (reported as an extra field).
4. :func:`classify_region` -- erythema (brighter red), bruise (darker, shifted to
   purple-blue) or a mole/freckle (darker and browner, not redder: excluded).

References
----------
.. [1] Takiwaki H., "Measurement of skin color: practical application and
       theoretical considerations", J Med Invest 44 (1998) -- a* as erythema index.
.. [2] Clarys P. et al., "Skin color measurements: comparison between three
       instruments", Skin Res Technol 6 (2000) -- Δa* tracks erythema.
.. [3] Bertin E., Arnouts S., "SExtractor", A&A Suppl 117 (1996) -- iterative
       sigma-clipped background surface estimation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from scipy import ndimage as ndi

from tracker.imaging.color import JND_LAB

#: Seeds must exceed this many noise σ of Δa* (and one JND).
SEED_SIGMA = 4.0
#: Smallest seed worth a region, mm² (a needle-point spot is ~1 mm²).
MIN_SEED_MM2 = 0.4
#: Smallest region without a scale, working pixels.
MIN_SEED_PX = 24


@dataclass(frozen=True)
class ExcessMaps:
    """Excess colour over the skin baseline, CIELAB units, working resolution."""

    delta_l: np.ndarray  # (M, N) float32
    delta_a: np.ndarray
    delta_b: np.ndarray
    sigma_a: float  # robust noise σ of Δa* over skin
    sigma_l: float
    baseline_lab: np.ndarray  # (3,) median skin colour (L*, a*, b*)


@dataclass(frozen=True)
class RawRegion:
    """A segmented region before physical measurement."""

    kind: Literal["erythema", "bruise"]
    mask: np.ndarray  # (M, N) bool, half-maximum extent
    jnd_mask: np.ndarray  # (M, N) bool, just-noticeable extent
    peak_delta_a: float
    mean_delta_a: float
    mean_delta_l: float
    mean_delta_b: float


def _design(xs: np.ndarray, ys: np.ndarray, shape: tuple[int, int], order: int) -> np.ndarray:
    u = xs / shape[1] * 2 - 1
    v = ys / shape[0] * 2 - 1
    cols = [u**i * v**j for i in range(order + 1) for j in range(order + 1 - i)]
    return np.stack(cols, axis=1).astype(np.float64)


def skin_baseline(lab: np.ndarray, skin: np.ndarray, *, order: int = 2, step: int = 6,
                  iterations: int = 4) -> np.ndarray:
    """Robust polynomial surface of the skin's L*, a*, b* (sigma-clipped least squares).

    Parameters
    ----------
    lab : (M, N, 3) float32 ndarray
    skin : (M, N) bool ndarray
        Pixels that may be skin.
    order : int
        Polynomial order in x and y (2: shading gradients and curvature, not lesions).
    step : int
        Subsampling step of the fit (the surface is smooth; every pixel is not needed).
    iterations : int
        Rounds of clipping: points redder (Δa* > 2σ), or outside ±3σ in any channel, are dropped.

    Returns
    -------
    baseline : (M, N, 3) float32 ndarray
    """
    ys, xs = np.nonzero(skin[::step, ::step])
    ys, xs = ys * step, xs * step
    if len(ys) < 50:
        flat = np.median(lab[skin], axis=0) if skin.any() else np.median(lab.reshape(-1, 3), axis=0)
        return np.broadcast_to(flat.astype(np.float32), lab.shape).copy()
    values = lab[ys, xs].astype(np.float64)
    design = _design(xs.astype(np.float64), ys.astype(np.float64), lab.shape[:2], order)
    keep = np.ones(len(ys), bool)
    coef = np.zeros((design.shape[1], 3))
    for _ in range(iterations):
        coef, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
        resid = values - design @ coef
        sigma = 1.4826 * np.median(np.abs(resid[keep] - np.median(resid[keep], axis=0)), axis=0) + 1e-6
        keep = np.all(np.abs(resid) <= 3 * sigma, axis=1) & (resid[:, 1] <= 2 * sigma[1])
        if keep.sum() < design.shape[1] * 10:
            break
    hgt, wid = lab.shape[:2]
    # evaluate on a coarse grid and upsample: the surface is smooth
    gy, gx = np.mgrid[0:hgt:8, 0:wid:8]
    coarse = (_design(gx.ravel().astype(float), gy.ravel().astype(float), (hgt, wid), order) @ coef)
    coarse = coarse.reshape(gy.shape + (3,)).astype(np.float32)
    return cv2.resize(coarse, (wid, hgt), interpolation=cv2.INTER_LINEAR)


def excess_maps(lab: np.ndarray, skin: np.ndarray, *, px_per_mm: float | None) -> ExcessMaps:
    """ΔL*, Δa*, Δb* over the skin baseline, smoothed at about 0.25 mm, with the noise of Δa*.

    Parameters
    ----------
    lab : (M, N, 3) float32 ndarray
    skin : (M, N) bool ndarray
    px_per_mm : float or None
        Working pixels per millimetre; without a scale the smoothing is 2 px.
    """
    baseline = skin_baseline(lab, skin)
    sigma_px = max(1.0, 0.25 * px_per_mm) if px_per_mm else 2.0
    delta = cv2.GaussianBlur(lab - baseline, (0, 0), sigma_px)
    da = delta[..., 1]
    # robust statistics on a regular subsample: the same figure, a fraction of the cost
    sub = skin[::3, ::3]
    if not sub.any():
        sub = np.ones_like(sub)
    sample = delta[::3, ::3][sub]
    dev = np.abs(sample - np.median(sample, axis=0))
    sigma_l, sigma_a = (float(1.4826 * v) for v in np.median(dev, axis=0)[:2])
    base_med = np.median(baseline[::3, ::3][sub], axis=0)
    return ExcessMaps(delta_l=np.ascontiguousarray(delta[..., 0]), delta_a=np.ascontiguousarray(da),
                      delta_b=np.ascontiguousarray(delta[..., 2]), sigma_a=max(sigma_a, 0.05),
                      sigma_l=max(sigma_l, 0.05), baseline_lab=base_med.astype(np.float64))


def classify_region(mean_dl: float, mean_da: float, mean_db: float) -> Literal["erythema", "bruise", "mole"]:
    """Kind of a region from its mean colour difference to the surrounding skin.

    - erythema: redder, little darker (oxy-haemoglobin absorbs green);
    - bruise: darker and shifted toward purple-blue (Δb* < 0; deoxy-haemoglobin), or
      much darker than it is redder while not browner;
    - mole/freckle: darker and yellower/browner without being clearly redder (melanin).
    """
    darkness = -mean_dl
    if darkness > 2.0 * max(mean_da, 0.0) and mean_db >= 0.0:
        return "mole"
    if mean_db < -0.15 * mean_da - 0.5 and darkness > 0.5 * mean_da:
        return "bruise"
    if darkness > 1.5 * max(mean_da, 0.0):
        return "bruise"
    return "erythema"


def segment_regions(maps: ExcessMaps, valid: np.ndarray, *, px_per_mm: float | None,
                    jnd: float = JND_LAB) -> list[RawRegion]:
    """Half-maximum regions of excess redness, each grown from a significant seed.

    Parameters
    ----------
    maps : ExcessMaps
    valid : (M, N) bool ndarray
        Measurable skin (skin minus card, glare, hair).
    px_per_mm : float or None
        Working pixels per millimetre, for the minimum seed size.
    jnd : float
        Just-noticeable difference in Δa*; seeds must exceed it.

    Returns
    -------
    list of RawRegion, largest first. Moles are already excluded.
    """
    da = maps.delta_a
    seed_level = max(SEED_SIGMA * maps.sigma_a, jnd)
    seeds = (da > seed_level) & valid
    min_px = max(MIN_SEED_PX // 3, int(MIN_SEED_MM2 * px_per_mm**2)) if px_per_mm else MIN_SEED_PX
    labels, n = ndi.label(seeds)
    if n == 0:
        return []
    sizes = np.bincount(labels.ravel())
    boxes = ndi.find_objects(labels)
    seeds_by_peak = []
    for lab_id in np.nonzero(sizes >= min_px)[0]:
        if lab_id == 0:
            continue
        box = boxes[lab_id - 1]
        seed = np.zeros(da.shape, bool)
        seed[box] = labels[box] == lab_id
        seeds_by_peak.append((float(np.percentile(da[box][seed[box]], 95)), seed))
    seeds_by_peak.sort(key=lambda t: -t[0])
    claimed = np.zeros(da.shape, bool)
    regions: list[RawRegion] = []
    noise_floor = 2.0 * maps.sigma_a
    for peak, seed in seeds_by_peak:
        if claimed[seed].any():
            continue
        level = max(peak / 2.0, noise_floor)
        region = _grow(seed, (da >= level) & valid)
        if not region.any():
            continue
        jnd_region = _grow(seed, (da >= min(jnd, level)) & valid) | region
        claimed |= region
        dl, db = float(maps.delta_l[region].mean()), float(maps.delta_b[region].mean())
        mean_da = float(da[region].mean())
        kind = classify_region(dl, mean_da, db)
        if kind == "mole":
            continue
        regions.append(RawRegion(kind=kind, mask=region, jnd_mask=jnd_region, peak_delta_a=float(da[region].max()),
                                 mean_delta_a=mean_da, mean_delta_l=dl, mean_delta_b=db))
    regions.sort(key=lambda r: -int(r.mask.sum()))
    return regions


def _grow(seed: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Connected components of ``allowed`` that touch ``seed`` (morphological reconstruction)."""
    labels, _ = ndi.label(allowed)
    ids = np.unique(labels[seed])
    ids = ids[ids > 0]
    return np.isin(labels, ids)
