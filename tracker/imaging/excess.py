"""The skin's excess colour over its own fitted surface: the maps regions are cut from.

:func:`excess_maps` fits the patient's own skin colour at every pixel (a low-order polynomial
surface, iteratively sigma-clipped: :func:`~tracker.imaging.baseline.fit_skin_surface`) to L*,
a*, b*, the haemoglobin index and the red and blue optical densities of the skin, so red
patches, bruises and moles do not pull it, and returns each channel's excess over that
surface, smoothed at about 0.25 mm, with the skin's own spread (σ) of each. Relative to
*this* skin, so the same thresholds work on every skin tone. It also says how far the
surface bends across the frame (:attr:`ExcessMaps.baseline_range_hb`): past
MAX_BASELINE_RANGE_HB the skin is not trusted as the patient's own (``uneven_skin``).

The regions themselves are cut from these maps by :func:`tracker.imaging.redness.segment_regions`.

References
----------
.. [1] Bertin E., Arnouts S., "SExtractor", A&A Suppl 117 (1996) -- iterative
       sigma-clipped background surface estimation.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from tracker.imaging.baseline import (
    FIT_POINTS, STATS_POINTS, fit_skin_surface, flat_baselines, grid_step, mad_sigma, surface_factors,
)
from tracker.imaging.stats import median, percentile

#: Largest change of the skin's own haemoglobin index across the frame (the range of its
#: fitted surface, 1st to 99th percentile) for which the skin surface is trusted as "the
#: patient's own skin". The index is a ratio of absorptions, so shading and exposure hardly
#: move it: the 190 photos of benchmarks/accuracy.py span at most 0.088, the clear photos of
#: benchmarks/independent.py (every Monk tone, cast and light gradient) at most 0.11. A red or
#: dark area filling a large part of the frame bends the surface towards itself (sigma
#: clipping cannot tell it from the skin once it is a large share of it), and the area was
#: then measured against itself: 14 of 60 patches 30-80 mm across were missed outright
#: (benchmarks/independent.py --large); then 12 were refused (spans 0.15-0.63). Beyond this
#: limit the photo is not measured; the patient is asked to step back so that normal skin
#: surrounds the area. 0.15 is about 2.5 just-noticeable differences in Δa* (35 per unit of
#: the index).
MAX_BASELINE_RANGE_HB = 0.15
#: Rounds of sigma clipping of the skin surface (tracker.imaging.baseline.fit_skin_surface),
#: and of a second fit when the first bends past MAX_BASELINE_RANGE_HB but not past
#: UNEVEN_REFIT_RANGE_HB. Each round drops the points above 2σ of what is left, and a lesion
#: that is a large share of the skin takes more rounds to be left out: visible erythema of
#: 152 mm² on Monk 10 (benchmarks/independent.py seed 72) bent the four-round fit by 0.157,
#: the twelve-round one by 0.067 (measured 147 mm²); on --large 3 of the 12 refusals are
#: measured (-9 to -4 %). Bent further the photo is refused without the second fit: a pink
#: towel or a red sleeve taken for skin bends it by 0.44-0.81 (--background), and twelve
#: rounds cut the skin out of the towel and measured the towel (1,900-5,600 mm² "erythema").
#: Only photos that would be refused take the second fit (~8 ms at 1370 x 1028 px; the first ~3).
FIT_ROUNDS = 4
FIT_ROUNDS_UNEVEN = 12
UNEVEN_REFIT_RANGE_HB = 2 * MAX_BASELINE_RANGE_HB


@dataclass(frozen=True)
class ExcessMaps:
    """Excess colour over the skin baseline, CIELAB units, working resolution."""

    delta_l: np.ndarray  # (M, N) float32
    delta_a: np.ndarray
    delta_b: np.ndarray
    delta_hb: np.ndarray  # excess haemoglobin index (optical density), the segmentation map
    delta_od_red: np.ndarray  # excess optical density of the red channel
    #: Excess optical density of the blue channel; None where not measured (maps built by hand),
    #: and the kind is then read from the red/green ratio alone (kinds.oxygenated).
    delta_od_blue: np.ndarray | None
    sigma_a: float  # robust noise σ of Δa* over skin
    sigma_l: float
    sigma_hb: float
    baseline_lab: np.ndarray  # (3,) median skin colour (L*, a*, b*)
    #: Range (1st to 99th percentile over the skin) of the haemoglobin index's fitted skin
    #: surface: how much the skin's own redness seems to change across the frame.
    baseline_range_hb: float = 0.0


def excess_maps(lab, hb_index: np.ndarray, od_red: np.ndarray, od_blue: np.ndarray, skin: np.ndarray, *,
                px_per_mm: float | None, overwrite_input: bool = False) -> ExcessMaps:
    """Excess over the skin baseline, smoothed at about 0.25 mm, with the noise of each map.

    Parameters
    ----------
    lab : (M, N, 3) float32 ndarray, or its three (M, N) planes L*, a*, b*
        CIELAB (white-balanced when the card was found).
    hb_index : (M, N) float32 ndarray
        Haemoglobin index, see :func:`tracker.imaging.color.haemoglobin_index`.
    od_red, od_blue : (M, N) float32 ndarray
        Optical density of the red and of the blue channel (for telling bruises from erythema).
    skin : (M, N) bool ndarray
    px_per_mm : float or None
        Working pixels per millimetre; without a scale the smoothing is 2 px.
    overwrite_input : bool
        The planes of ``lab``, ``hb_index``, ``od_red`` and ``od_blue`` may be overwritten (become the
        maps): the caller's own temporaries, whose reuse spares fresh full-frame arrays.
    """
    # one contiguous 2-D map per channel: OpenCV filters them without strided copies
    if isinstance(lab, np.ndarray):
        channels = [*cv2.split(lab), hb_index, od_red, od_blue]
        own = [True, True, True] + [overwrite_input] * 3  # the split's copies are ours
    else:
        channels = [np.ascontiguousarray(p, np.float32) for p in lab] + [hb_index, od_red, od_blue]
        own = [overwrite_input] * 6
    sigma_px = max(1.0, 0.25 * px_per_mm) if px_per_mm else 2.0
    order = 2
    # OD_blue is fitted on the points the other five keep: it enters region means only, and the
    # blue channel, the darkest and coarsest on skin, must not decide what the skin is
    step = grid_step(skin.shape, FIT_POINTS)
    fit = fit_skin_surface(channels, skin, (1, 3, 4), order, step, FIT_ROUNDS, judged=5)
    if fit is not None and MAX_BASELINE_RANGE_HB < _index_range(fit[2]) <= UNEVEN_REFIT_RANGE_HB:
        # Bent a little past the limit: a lesion that is a large share of the skin, which the
        # clipping takes more rounds to leave out (each round drops the points above 2σ of what
        # is left). Bent further, the photo is refused as before: a pink towel or a red sleeve
        # taken for skin bends it 0.44-0.81 and more rounds would cut the skin out of it.
        fit = fit_skin_surface(channels, skin, (1, 3, 4), order, step, FIT_ROUNDS_UNEVEN, judged=5) or fit
    if fit is not None:
        coef, _, fitted = fit
        rows, cols = surface_factors(coef, skin.shape, order)
        # channel - surface in one pass (cv2.gemm: alpha * rows @ cols + beta * channel), in place
        # in the maps we own: every fresh full-frame array costs its page faults (732 at
        # 1000 x 750 px, ~1.8 ms on a 2-core VM, where this pass takes 0.12 ms). OpenCV's gemm
        # reads each element of its third operand before writing it: tests/imaging/
        # test_fast_paths.py checks the in-place result against a separate output.
        deltas = [cv2.gemm(rows, k, -1.0, ch, 1.0, dst=ch if mine else None)
                  for ch, k, mine in zip(channels, cols, own)]
        base_med = np.array([median(f) for f in fitted[:3]])
        baseline_range = _index_range(fitted)
    else:
        flat = flat_baselines(channels, skin)
        deltas = [ch - base for ch, base in zip(channels, flat)]
        base_med = np.array([float(b[0, 0]) for b in flat[:3]])
        baseline_range = 0.0
    step = grid_step(skin.shape, STATS_POINTS)
    grid = np.ascontiguousarray(skin[::step, ::step])
    if not grid.any():
        grid = np.ones_like(grid)
    # Only the maps read pixel by pixel are smoothed (L* for bump shading and its noise, a* for
    # the JND extent, the haemoglobin index for borders); b*, OD_red and OD_blue enter region means only.
    # In place: a fresh output costs its page faults, as much as the blur itself. The kernel is
    # cut at 3 σ (OpenCV's default for float32 reaches 4 σ): 13 taps instead of 17 at σ = 2 px,
    # 1.5 ms instead of 2.4 ms per map; the weight beyond 3 σ is 0.3 % of the kernel's.
    ksize = 2 * int(np.ceil(3 * sigma_px)) + 1
    for c in (0, 1, 3):
        cv2.GaussianBlur(deltas[c], (ksize, ksize), sigma_px, dst=deltas[c])
    # robust spread of the three maps whose σ is used, on a grid of skin pixels
    sigmas = {}
    for c in (0, 1, 3):
        sigmas[c] = mad_sigma(deltas[c][::step, ::step][grid])[1]
    return ExcessMaps(delta_l=deltas[0], delta_a=deltas[1], delta_b=deltas[2], delta_hb=deltas[3],
                      delta_od_red=deltas[4], delta_od_blue=deltas[5], sigma_a=max(sigmas[1], 0.05),
                      sigma_l=max(sigmas[0], 0.05),
                      sigma_hb=max(sigmas[3], 1e-4), baseline_lab=np.asarray(base_med, np.float64),
                      baseline_range_hb=baseline_range)


def _index_range(fitted: np.ndarray) -> float:
    """Range (1st to 99th percentile) of the fitted skin surface of the haemoglobin index, over
    the skin points it was fitted at (``fitted``: channels x points)."""
    return percentile(fitted[3], 99) - percentile(fitted[3], 1)
