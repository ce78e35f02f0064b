"""The skin's own variation averaged over an area: the yardstick of a region's significance."""

from __future__ import annotations

import cv2
import numpy as np

from tracker.imaging.baseline import mad_sigma
from tracker.imaging.masks import block_means


class SkinAtScale:
    """The skin's own variation averaged over a disk of a given radius.

    A region is significant when its mean excess stands out from what the skin's own
    variation (blood mottling and noise) reaches when averaged over an area of the same
    size: the matched-filter view of detection. Large faint patches, whose every pixel is
    within the mottling, are then still found, because mottling averages out over them.
    :meth:`sigma` is the spread of the haemoglobin index, :meth:`covariance` the 3 x 3
    covariance of (ΔL*, Δa*, Δb*) (robust: points beyond 4 in its own Mahalanobis metric are
    dropped, three times). Both are measured at Gaussian scales of 1 to 32 px (a disk of
    radius R averages like a Gaussian of sigma R / 2) on a half-resolution map and
    interpolated between powers of two (σ in log-log, the covariance linearly in log scale).

    ``sigma_floor`` and ``colour_floor`` are the least spreads reported (index units, CIELAB
    units per channel): what a camera and the light reproduce of perfectly even skin.
    """

    def __init__(self, hb: np.ndarray, lab: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
                 valid: np.ndarray, *, sigma_floor: float = 1e-4, colour_floor: float = 0.05) -> None:
        self._maps, self._valid = (hb,) + tuple(lab or ()), valid
        self._sigma_floor, self._colour_floor = sigma_floor, colour_floor
        self._small: list[np.ndarray | None] | None = None  # made on first use: most seeds pass the pixel test
        self._sigma: dict[float, float] = {}
        self._cov: dict[float, np.ndarray] = {}

    def _smoothed(self, sigma_small: float, channels: tuple[int, ...]) -> list[np.ndarray]:
        """Values of the chosen maps (0 index, 1-3 L*, a*, b*) averaged at ``sigma_small``
        (half-resolution px), at the points mostly on measurable skin."""
        # Reductions by whole factors (the frame cropped to a multiple of the factor): OpenCV's
        # INTER_AREA then averages blocks, 0.05 ms where a fractional factor took 0.47 ms
        # (812 x 609 px to half).
        if self._small is None:  # the half-resolution weight, and each map when first needed
            # the mask's block means from its bytes (k / 4 rounded to 1/255: an error under 0.2 %),
            # sparing a full-frame float copy of it, whose fresh pages cost 1 ms
            weight = block_means(np.ascontiguousarray(self._valid).view(np.uint8) * np.uint8(255), 2)
            self._small = [weight.astype(np.float32) / np.float32(255)] + [None] * len(self._maps)
        for c in channels:
            if self._small[1 + c] is None:
                self._small[1 + c] = block_means(self._maps[c], 2) * self._small[0]
        # a wide Gaussian is applied to a map reduced (area averaging) to about 2 px per
        # sigma: the same spread, without kernels of a hundred taps
        factor = max(1, int(sigma_small // 2))
        planes = [self._small[0]] + [self._small[1 + c] for c in channels]
        if factor > 1:
            planes = [block_means(p, factor) for p in planes]
        sigma = sigma_small / factor
        den = cv2.GaussianBlur(planes[0], (0, 0), sigma)
        ok = den > 0.7
        if ok.sum() <= 20:
            return [np.zeros(1, np.float32) for _ in channels]
        return [cv2.GaussianBlur(p, (0, 0), sigma)[ok] / den[ok] for p in planes[1:]]

    def _sigma_at(self, sigma_small: float) -> float:
        if sigma_small not in self._sigma:
            values = self._smoothed(sigma_small, (0,))[0]
            self._sigma[sigma_small] = max(mad_sigma(values)[1], self._sigma_floor)  # np.median's value, one partition
        return self._sigma[sigma_small]

    def _cov_at(self, sigma_small: float) -> np.ndarray:
        if sigma_small not in self._cov:
            values = np.stack(self._smoothed(sigma_small, (1, 2, 3)), -1).astype(np.float64)
            d = values - np.median(values, axis=0)
            cov = np.cov(d.T) if len(d) > 3 else np.eye(3)
            for _ in range(3):  # lesions and moles are outliers of the skin's variation
                keep = np.einsum("ij,jk,ik->i", d, np.linalg.pinv(cov), d) < 16.0
                if keep.sum() <= 3:
                    break
                cov = np.cov(d[keep].T)
            # the floor also keeps a flat map's covariance invertible
            self._cov[sigma_small] = cov + np.eye(3) * self._colour_floor**2
        return self._cov[sigma_small]

    @staticmethod
    def _bracket(radius_px: float) -> tuple[float, float, float]:
        sigma_small = float(np.clip(radius_px / 4.0, 0.5, 32.0))  # R / 2 at half resolution
        lo = 2.0 ** np.floor(np.log2(sigma_small))
        return lo, lo * 2, float(np.log2(sigma_small / lo))

    def sigma(self, radius_px: float) -> float:
        lo, hi, t = self._bracket(radius_px)
        return float(np.exp((1 - t) * np.log(self._sigma_at(lo)) + t * np.log(self._sigma_at(hi))))

    def covariance(self, radius_px: float) -> np.ndarray:
        lo, hi, t = self._bracket(radius_px)
        return (1 - t) * self._cov_at(lo) + t * self._cov_at(hi)
