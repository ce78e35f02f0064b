"""The patient's own skin colour at every pixel: a robust low-order surface, and robust spreads.

A polynomial surface of order 2 in x and y is fitted by iteratively sigma-clipped least
squares to L*, a*, b*, the haemoglobin index and OD_red over the skin, so red patches,
bruises and moles do not pull it (the background estimation of astronomical images [1]_).
Everything here is statistics over the whole frame, computed on grids of a fixed number
of points whatever the resolution; see :func:`tracker.imaging.excess.excess_maps`.

References
----------
.. [1] Bertin E., Arnouts S., "SExtractor", A&A Suppl 117 (1996) -- iterative
       sigma-clipped background surface estimation.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from tracker.imaging.stats import median


#: Least share of the skin points the sigma clipping of :func:`fit_skin_surface` may keep. Its
#: five channels are clipped jointly, and photos of benchmarks/independent.py keep about half to
#: three quarters of their points (measured 0.26-0.7); a dark photo's JPEG blocks made one keep
#: 0.014 (see there).
MIN_KEPT_SHARE = 0.25


def _design(xs: np.ndarray, ys: np.ndarray, shape: tuple[int, int], order: int) -> np.ndarray:
    """(terms, points) float64: the monomials u**i * v**j (i + j <= order) on [-1, 1] coordinates.

    One contiguous row per term, so the products below run on rows without strided copies.
    """
    u = xs / shape[1] * 2 - 1
    v = ys / shape[0] * 2 - 1
    return np.stack([u**i * v**j for i in range(order + 1) for j in range(order + 1 - i)]).astype(np.float64)


def mad_sigma(values: np.ndarray) -> tuple[float, float]:
    """Median and robust σ (1.4826 x median absolute deviation) of a 1-D array."""
    centre = median(values)
    return centre, 1.4826 * median(np.abs(values - centre))


def fit_skin_surface(channels: Sequence[np.ndarray], skin: np.ndarray, clip_high: tuple[int, ...], order: int,
                      step: int, iterations: int, *, judged: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Sigma-clipped least-squares polynomial of each channel over the skin, on a ``step`` grid.

    Returns the coefficients (terms, channels), the grid's skin mask and the fitted surface's
    values at those points (channels, points); None when fewer than 50 points are skin.
    ``judged``: only the first ``judged`` channels decide which points are clipped (default all);
    the others are fitted on the points those keep.
    """
    hgt, wid = skin.shape
    grid = np.ascontiguousarray(skin[::step, ::step])
    ys, xs = np.nonzero(grid)
    if len(ys) < 50:
        return None
    values = np.stack([ch[::step, ::step][grid] for ch in channels]).astype(np.float64)  # (channels, points)
    design = _design(xs * float(step), ys * float(step), (hgt, wid), order)  # (terms, points)
    keep = np.ones(len(ys), bool)
    coef = np.zeros((design.shape[0], len(channels)))
    fitted = values
    for _ in range(iterations):
        # Normal equations of the 6-term surface (well conditioned on [-1, 1] coordinates), their
        # products by OpenCV: numpy's @ calls OpenBLAS, whose threads spin against any other load
        # on this 2-core VM (skin_baseline took 40 ms instead of 9 ms while another process ran).
        kept = np.ascontiguousarray(design[:, keep])
        normal = cv2.mulTransposed(kept, False)  # kept @ kept.T
        coef = np.linalg.solve(normal, cv2.gemm(kept, np.ascontiguousarray(values[:, keep]), 1.0, None, 0.0,
                                                flags=cv2.GEMM_2_T))
        fitted = cv2.gemm(coef, design, 1.0, None, 0.0, flags=cv2.GEMM_1_T)  # (channels, points)
        resid = values - fitted
        sigma = np.array([[mad_sigma(r[keep])[1] + 1e-6] for r in resid])  # per channel, (channels, 1)
        new_keep = np.all(np.abs(resid[:judged]) <= 3 * sigma[:judged], axis=0)
        for c in clip_high:
            new_keep &= resid[c] <= 2 * sigma[c, 0]
        # clipping drops outliers (lesions, moles) from the skin; where it would drop nearly all
        # of the points the residuals are no such mixture but a spread on a few levels, as a dark
        # skin's JPEG blocks make it (benchmarks/independent.py --face seed 52: 70 of 5,174
        # points kept, and the surface, fitted to those, bent by 0.64 in the index: refused)
        if new_keep.sum() < max(design.shape[0] * 10, MIN_KEPT_SHARE * len(ys)):
            break
        keep = new_keep
    return coef, grid, fitted


def surface_factors(coef: np.ndarray, shape: tuple[int, int],
                    order: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The fitted surfaces as products: surface c = rows @ cols[c], (H, order + 1) @ (order + 1, W).

    A polynomial in u and v is sum_j v**j (sum_i c_ij u**i): evaluated this way, every pixel
    of the surface costs one short dot product (cv2.gemm), exactly, without a coarse grid to
    interpolate.
    """
    hgt, wid = shape
    u = np.arange(wid) / wid * 2 - 1
    v = np.arange(hgt) / hgt * 2 - 1
    rows = np.stack([v**j for j in range(order + 1)], axis=1).astype(np.float32)  # (H, J)
    terms = [(i, j) for i in range(order + 1) for j in range(order + 1 - i)]
    cols = []
    for c in range(coef.shape[1]):
        k = np.zeros((order + 1, wid))
        for t, (i, j) in enumerate(terms):
            k[j] += coef[t, c] * u**i
        cols.append(k.astype(np.float32))
    return rows, cols


def skin_baseline(channels: Sequence[np.ndarray], skin: np.ndarray, *, clip_high: tuple[int, ...] = (1, 3, 4),
                  order: int = 2, step: int = 6, iterations: int = 4) -> list[np.ndarray]:
    """Robust polynomial surface of the skin's colour channels (sigma-clipped least squares).

    Parameters
    ----------
    channels : sequence of (M, N) float32 ndarray
        Channels to model, e.g. L*, a*, b* and the haemoglobin index.
    skin : (M, N) bool ndarray
        Pixels that may be skin.
    clip_high : tuple of int
        Channels in which lesions are *higher* than skin: points above +2σ there are dropped,
        so red patches never pull the baseline up.
    order : int
        Polynomial order in x and y (2: shading gradients and curvature, not lesions).
    step : int
        Subsampling step of the fit (the surface is smooth; every pixel is not needed).
    iterations : int
        Rounds of clipping; points outside ±3σ in any channel are dropped too.

    Returns
    -------
    baselines : list of (M, N) float32 ndarray, one per channel
    """
    fit = fit_skin_surface(channels, skin, clip_high, order, step, iterations)
    if fit is None:
        return flat_baselines(channels, skin)
    rows, cols = surface_factors(fit[0], skin.shape, order)
    return [cv2.gemm(rows, k, 1.0, None, 0.0) for k in cols]


def flat_baselines(channels: Sequence[np.ndarray], skin: np.ndarray) -> list[np.ndarray]:
    """Too little skin for a surface: each channel's median, everywhere."""
    where = skin if skin.any() else np.ones(skin.shape, bool)
    return [np.full(skin.shape, np.median(ch[where]), np.float32) for ch in channels]


#: Skin points the skin surface is fitted to (a grid over the frame, whatever its resolution).
#: The former fixed 6 px step gave 53,000 points at 1600 x 1200 px, 20,000 at 1000 x 750: a
#: 6-term surface needs far fewer, and each clipping round takes medians over all of them.
#: Measured on 190 generated photos (benchmarks/accuracy.py cases): median |area error| 5.23 %
#: with 5,000 points as with 20,000, 90th percentile 17.3 % against 17.4 %, same detections;
#: the surface moved by 0.1 σ of the maps (median), the fit took 4 ms instead of 15.
FIT_POINTS = 5_000
#: Skin points for the maps' robust spreads (σ), on a grid likewise. Medians of 20,000 points
#: rather than every 3rd pixel (83,000 at 1000 x 750): σ moved by at most 1.6 % (median 0.1 %)
#: on the same photos, a robust statistic's sampling noise, for 8 ms less.
STATS_POINTS = 20_000


def grid_step(shape: tuple[int, int], points: int) -> int:
    return max(1, int(np.sqrt(shape[0] * shape[1] / points)))
