"""Excess redness over the surrounding skin, and its half-maximum regions.

Steps, each a small pure function:

1. :func:`~tracker.imaging.baseline.skin_baseline` -- the patient's own skin colour at
   every pixel: a low-order polynomial surface fitted robustly (iteratively sigma-clipped)
   to L*, a*, b* of the skin, so red patches, bruises and moles do not pull it.
   Relative to *this* skin, so the same threshold works on every skin tone.
2. :func:`excess_maps` -- ΔL*, Δa*, Δb* and the haemoglobin index (smoothed at
   ~0.25 mm), with the skin's own spread (σ) of each.
3. :func:`segment_regions` -- seeds where the haemoglobin index clearly exceeds the
   skin's variation (where Δa* also exceeds one just-noticeable difference, and the
   index's components that are nowhere visibly redder); each seed grows
   to the **half-maximum contour** of its own peak excess over a ring of surrounding
   skin (a full width at half maximum: area stays put while a spot fades evenly, so
   size and intensity are separate figures), and to the just-noticeable-difference
   extent (an extra field). A region counts when its strongest pixels stand out, or
   when its mean excess stands out from the skin's variation averaged over an area of
   its own size (a matched-filter test: faint large patches are found), or, for a region
   coloured like a bruise, when its colour stands out of the skin's own colour variation
   at its size (faint bruises on dark skin, darker and bluer but hardly redder).
4. :func:`classify_region` -- erythema (oxy-haemoglobin: absorbs green, not red),
   bruise (absorbs red too: darker, purple-blue then yellow-green) or a mole/freckle
   (melanin: absorbs red nearly as much as green, darker not redder: excluded).

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
from scipy.special import erfc, gammainccinv

from tracker.imaging.baseline import (
    FIT_POINTS, STATS_POINTS, fit_skin_surface, flat_baselines, grid_step, mad_sigma, surface_factors,
)
from tracker.imaging.color import JND_LAB
from tracker.imaging.kinds import classify_region, oxygenated
from tracker.imaging.masks import Box, grow, grow_boxed, padded_box, ring_around
from tracker.imaging.region_colour import colour_means, colour_z, region_blue_tilt, visible_bruise
from tracker.imaging.scale import SkinAtScale
from tracker.imaging.stats import median, percentile

#: Seeds start where the haemoglobin index exceeds this many σ of the skin's own variation.
SEED_SIGMA = 4.0
#: A region counts only if its peak reaches this many σ. The skin's natural blood mottling
#: reaches 3.8-5.2 σ on the generated series while the faintest true lesions reach 6.1 σ
#: (benchmarks/accuracy.py); 6 σ keeps pink blotches of healthy skin from becoming "redness".
ACCEPT_SIGMA = 6.0
#: A region whose strongest pixels stay under ACCEPT_SIGMA is still accepted when its mean
#: excess stands this many σ above the skin's own variation averaged over an area of its
#: size (see :class:`~tracker.imaging.scale.SkinAtScale`). Measured (benchmarks/accuracy.py,
#: tracker's sample series): clear skin reached 4.2 σ on 40 photos, but a healthy pink blotch at the edge of
#: a fair-skinned frame reached 5.4 σ (blood mottling is correlated at large scales, so
#: averaging lowers its spread less than for white noise); faint large lesions reached
#: 6.5-7.3 σ. At 6 σ the test finds those, with no false area on any sample photo.
ACCEPT_Z = 6.0
#: ...or when its mean colour excess (ΔL*, Δa*, Δb*) is as far out of the skin's own colour
#: variation at its size, in the Mahalanobis metric of that variation (see
#: :class:`~tracker.imaging.scale.SkinAtScale`), as ACCEPT_Z is in one dimension: the same false-alarm probability (Gaussian tail beyond
#: 6 σ, 1e-9) for a chi distribution with 3 degrees of freedom, 6.70. Why: the haemoglobin
#: index is blind to what sets a bruise apart from the skin's blood mottling. Mottling varies
#: along the skin's own colour directions (oxy-haemoglobin and melanin); a bruise adds deoxy-
#: haemoglobin and bilirubin, darker and bluer, off those directions. Measured on
#: benchmarks/accuracy.py: faint bruises the index put at 2.9-4.4 σ stood 6.7-14.6 out in
#: colour; no candidate on 40 clear photos passed 6.0.
ACCEPT_Z3 = float(np.sqrt(2 * gammainccinv(1.5, 0.5 * erfc(ACCEPT_Z / np.sqrt(2)))))  # scipy.special: scipy.stats costs 50 MB to import
#: Percentile of the seed's haemoglobin index taken as the peak that sets its half-maximum
#: border. A textured plateau reads high at its top percentiles: on benchmarks/accuracy.py the
#: 98th percentile gave a median area error of -6.8 %, the 90th -2.9 % (both with LOCAL_BASELINE).
PEAK_PERCENTILE = 90.0
#: ...unless the smoothed map's maximum over the seed, less this many σ of the skin's own
#: variation at the smoothing scale (what that variation can lift a maximum by: the expected
#: largest of ~100 independent values is 2.5 σ, of ~1000 3.2 σ), reads higher. On mottled skin
#: the lift is large and the percentile stands (benchmarks/accuracy.py: every figure the same
#: at 2 and 3 σ). On even skin the maximum is trusted, and a peaked spot is no longer read low:
#: on benchmarks/independent.py Gaussian spots measured +19.8 % in median (the 90th percentile
#: of a Gaussian seed lies near 0.87 of its peak), now +4.9 %, median |error| 24 % -> 11.5 %,
#: no other profile moved more than 0.2 %. At 2 σ: +1.6 %, but flat and blob patches read
#: 0.4-0.6 % smaller; 3 σ keeps the error of a peaked spot on the side of caution.
PEAK_LIFT_SIGMA = 3.0
#: Percentile compared with ACCEPT_SIGMA to accept a region (its strongest part).
ACCEPT_PERCENTILE = 98.0
#: Refine each border against the skin in a ring around the region (the "surrounding skin"),
#: which follows the blood mottling near the site that the smooth skin surface cannot.
LOCAL_BASELINE = True
#: Borders of a region are drawn on the excess map smoothed at this fraction of the region's
#: equivalent radius (when that exceeds the 0.25 mm map smoothing): pixel noise, which on
#: dark skin lifts the peak and frays a faint border into fragments, averages out while the
#: half-maximum contour of a smooth patch moves by about sigma² / 2R (under 1 % in area).
#: On benchmarks/accuracy.py (150 photos) it took the 90th-percentile area error from 20.9 %
#: to 17.7 % and the median error on Fitzpatrick VI from 8.7 % to 6.3 % (I-III: +0.5 %).
REGION_SMOOTH = 0.1
#: A weaker region reaching only moles is a lesion around them (kept without the moles' pixels)
#: when it is more than this many times the moles' area inside it, else the moles' halo.
MOLE_INSIDE_RATIO = 4.0
#: Likewise a weaker region reaching only stronger lesions is a lesion around them (the 430 mm²
#: faint bruise on type VI skin of benchmarks/accuracy.py, around a small strong spot that was
#: a seed of its own) when it is more than this many times their area inside it,
#: else their skirt. A skirt outgrows its lesion only slowly: for a Gaussian profile of peak P
#: the half-maximum area of a weaker seed p is ln(2P/p) / ln 2 times the lesion's, and P / p
#: would have to exceed 500 for a ratio of 10.
LESION_INSIDE_RATIO = 10.0
#: Least spreads of the skin's variation, whatever the photo measures. Skin rendered perfectly
#: even in haemoglobin (benchmarks/independent.py) measured a spread of 0.001-0.007 in the index
#: (the sample series' mottled skin: 0.04), and there the camera itself, its tone curve under a
#: shading gradient and JPEG's quantised chroma, moved the index of even skin by ~0.01 over
#: centimetres: 6 σ of that was "significant" and the shaded half of a frame became a 980 mm²
#: "bruise". At the floor, 6 σ (0.06 in the index, where Δa* runs ~35 times the index) is
#: about the just-noticeable difference, so nothing fainter than what a person can see is
#: significant for its strongest pixels alone.
SIGMA_HB_FLOOR = 0.01
#: ... averaged over a region (the matched-filter test, ACCEPT_Z): a third of the pixel floor.
SIGMA_HB_FLOOR_AT_SCALE = 0.0035
#: ... of each of ΔL*, Δa*, Δb* averaged over a region (the colour test, ACCEPT_Z3), added to
#: the measured covariance. Kept small: the faint type V bruises of tests/imaging/
#: test_redness.py stand just past ACCEPT_Z3, and a floor of 0.2 lost one of them. The index
#: floors alone removed the false regions of even skin on benchmarks/independent.py.
COLOUR_FLOOR_AT_SCALE = 0.1
#: Least spread of the index, in steps of the JPEG (tracker.imaging.color.jpeg_step_index),
#: for a region to be "strong" on its strongest pixels (ACCEPT_SIGMA) or significant over its
#: area (ACCEPT_Z). A plateau of blocks one step up is as flat and as wide as a faint patch, and
#: no average over an area shrinks it, so a step is a spread at every size. Plateaus stood
#: 0.7-1.8 steps out of the fitted skin; at a third of a step, 6 σ is two steps.
#: benchmarks/independent.py --coarse (Monk 6-10 at JPEG quality 70, 60 clear photos): false
#: regions on 5 of 60 before, 4 now; and the 2,400 mm² "erythema" of --multi seed 4 is gone. Lesions on the same skin at quality 70: the
#: same detection (0.917), two areas closer to the truth. What is left is "bruises" (up to
#: 296 mm²): a Cb step is bluer, like a bruise, and the colour test (ACCEPT_Z3) still finds them.
#: A floor there too (a third of each step's CIELAB vector added to the colour covariance)
#: removed them all, but lost a visible 100 mm² bruise on Monk 7 (ΔL* -3.5) and one on Monk 10
#: (detection 0.883): not worth it. Seeds keep the skin's own floor (SIGMA_HB_FLOOR) for the
#: same reason. A phone's own JPEG (quality 90-95: a step of 0.25-0.4 levels) is unchanged.
QUANTUM_SIGMA = 1.0 / 3.0
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


def segment_regions(maps: ExcessMaps, valid: np.ndarray, *, px_per_mm: float | None,
                    jnd: float = JND_LAB, quantum_hb: float = 0.0, skin: np.ndarray | None = None
                    ) -> list[RawRegion]:
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
    quantum_hb : float
        One step of the JPEG in the index (tracker.imaging.color.jpeg_step_index): what
        compression can fake (QUANTUM_SIGMA).
    skin : (M, N) bool ndarray, optional
        The skin with hair and glare in it (minus the card): its edge is the limb's or the
        card's, along which a darker strip must be coloured to be a bruise
        (:func:`~tracker.imaging.region_colour.visible_bruise`). Default: ``valid``.

    Returns
    -------
    list of RawRegion, largest first. Moles are already excluded.
    """
    da, hb = maps.delta_a, maps.delta_hb
    limb = valid if skin is None else skin
    # Seeds where the index clearly exceeds the skin's variation and the colour is visibly redder
    # (Δa* over 4σ and the JND): this keeps a mole next to a lesion a seed of its own. Plus
    # the components of the index that are nowhere visibly redder: a faint bruise on dark skin
    # is darker and bluer, hardly redder (Δa* 1.2-2.2 inside it, under the JND, while its index
    # stood 6-27σ out of the skin at its size: benchmarks/accuracy.py). Those are never
    # accepted on their strongest pixels alone: what keeps mottling and vignetting out is the
    # test of each region against the skin around it (ACCEPT_Z, ACCEPT_Z3) and the visibility
    # test below.
    min_px = max(MIN_SEED_PX // 3, int(MIN_SEED_MM2 * px_per_mm**2)) if px_per_mm else MIN_SEED_PX
    sigma_hb = max(maps.sigma_hb, SIGMA_HB_FLOOR)
    sigma_strong = max(sigma_hb, QUANTUM_SIGMA * quantum_hb)  # what the JPEG's steps can fake
    bright = (hb > SEED_SIGMA * sigma_hb) & valid
    seeds_by_peak = []
    for seed, box, red in _seeds(bright, da, max(SEED_SIGMA * maps.sigma_a, jnd), min_px):
        values = hb[box][seed[box]]
        top = float(np.percentile(values, ACCEPT_PERCENTILE)) if red else -np.inf
        seeds_by_peak.append((_peak(values), top, seed, box))
    if not seeds_by_peak:
        return []
    seeds_by_peak.sort(key=lambda t: -t[0])
    claimed = np.zeros(hb.shape, bool)  # regions and spent seeds: no seed, ring or JND extent there
    taken = np.zeros(hb.shape, bool)  # regions kept (lesions and moles): a weaker region reaching one is its skirt
    moles = np.zeros(hb.shape, bool)  # regions told to be moles: excluded, but not a lesion's border
    regions: list[RawRegion] = []
    noise_floor = 2.0 * sigma_hb
    at_scale = SkinAtScale(hb, (maps.delta_l, maps.delta_a, maps.delta_b), valid,
                           sigma_floor=SIGMA_HB_FLOOR_AT_SCALE, colour_floor=COLOUR_FLOOR_AT_SCALE)
    for peak, top, seed, seed_box in seeds_by_peak:
        if (claimed[seed_box] & seed[seed_box]).any():
            continue
        strong = top >= ACCEPT_SIGMA * sigma_strong
        region, box = grow_boxed(seed, (hb >= max(peak / 2.0, noise_floor)) & valid, seed_box)
        if not region.any():
            continue
        level = 0.0
        if LOCAL_BASELINE:
            ring = _surrounding_level(hb, region, valid & ~claimed, px_per_mm, box)
            if ring is not None and ring < peak / 2.0:
                level = ring
        region, peak, box = _resegment(hb, valid, seed, region, level, peak, noise_floor, at_scale, taken,
                                       box)
        if not region.any():
            continue
        if not strong and not _significant(maps, region, level, valid & ~claimed, px_per_mm, at_scale, box,
                                           sigma_floor=QUANTUM_SIGMA * quantum_hb):
            claimed |= seed  # mottling: not a region, and not a seed for anything else
            continue
        if (region & taken).any():
            touched_moles = int(np.count_nonzero(region & moles))
            touched_lesions = int(np.count_nonzero(region & taken)) - touched_moles
            if np.count_nonzero(region) <= MOLE_INSIDE_RATIO * touched_moles + LESION_INSIDE_RATIO * touched_lesions:
                # A weaker seed whose half-maximum reaches a stronger region is that region's skirt
                # (or a mole's halo merging into it): the stronger region's border stands.
                claimed |= seed
                continue
            # a lesion with a mole inside it (a mole is stronger in the index on dark skin), or a
            # large faint one around a small strong spot (a needle mark in a bruise): the lesion
            # stands, without the pixels of what is inside it
            region = region & ~taken
        jnd_region = grow(seed, (da >= jnd) & valid & ~claimed) | region
        claimed |= region
        taken |= region
        dl, mean_da, db, ratio, area_mm2 = colour_means(maps, region, px_per_mm, box)
        kind = classify_region(dl, mean_da, db, ratio, area_mm2)
        # A mole with a pale halo of skin variation attached reads as a bruise on average:
        # judge "mole" on the region's core too (its strongest quarter of excess).
        core = region & (hb >= level + 0.75 * (peak - level))
        n_core = np.count_nonzero(core)
        if kind != "mole" and n_core >= 10:
            core_kind = classify_region(float(maps.delta_l[core].mean()), float(da[core].mean()),
                                        float(maps.delta_b[core].mean()), ratio,
                                        n_core / px_per_mm**2 if px_per_mm else None)
            if core_kind == "mole":
                kind = "mole"
        if kind == "mole":
            moles |= region
            continue
        # A region whose core is visibly redder (a seed of MIN_SEED_MM2 or more over the JND and
        # 4σ of Δa*) and whose index stands ACCEPT_SIGMA out there is visible, whatever its mean:
        # over a peaked spot's half-maximum region on dark skin the mean Δa* stays under the JND
        # (the same blood moves a* about 3 times less at L* 13 than on mid-tone skin: 11 against
        # ~35 Δa* per unit of the index). Four spots of 70-150 mm² on Monk 7 and 10 skin (mean
        # Δa* 1.8-2.0, index 6-13σ out at their size) were missed on benchmarks/independent.py.
        # Of the regions turned away by the mean's JND there, on --face and on benchmarks/
        # accuracy.py (520 photos), none that was not a lesion had such a core (hundreds of
        # JPEG-block and texture patches 6-9σ out, none with a visibly redder seed); --coarse and
        # --background found no new false area. Whatever the region's kind: the red/green ratio
        # that tells a bruise is moved by the skin's texture, and a faint Gaussian spot on Monk 10
        # beside expression lines (--face seed 29, core ΔE*ab 3.3) read 0.35, over the bruise
        # line; as a "bruise" it had to differ visibly from its ring on average and was dropped.
        # It is found (as erythema, by its blue tilt). On --shadow a faint 152 mm² spot on Monk 7
        # (seed 44, core ΔE*ab 3.5), missed before, is measured at 116 mm², as a "bruise" (the
        # shadow tilts its ratio); no other photo of --face, the plain run, --background,
        # --coarse, --shadow or benchmarks/accuracy.py changed.
        visible_core = strong
        if mean_da < jnd and not visible_core and not (kind == "bruise" and visible_bruise(
                maps, region, limb, valid & ~claimed | region, px_per_mm, jnd, box, red_od_ratio=ratio)):
            # Not visibly different from the skin around it: erythema must be visibly redder
            # (melanin mottling is not), a bruise visibly different in colour from the ring of
            # skin around it (which cancels vignetting).
            continue
        if kind == "bruise" and oxygenated(ratio, region_blue_tilt(maps, region, box)):
            # coloured like a bruise in the ratio, which the skin's texture under the region moves,
            # but absorbing blue as oxy-haemoglobin does: erythema, on the stricter clocks. (The
            # tests above, that let a bruise-coloured region stand, have run: what is found is
            # the same; only its kind changes.)
            kind = "erythema"
        regions.append(RawRegion(kind=kind, mask=region, jnd_mask=jnd_region, peak_delta_a=float(da[region].max()),
                                 mean_delta_a=mean_da, mean_delta_l=dl, mean_delta_b=db))
    regions.sort(key=lambda r: -np.count_nonzero(r.mask))
    return regions


def compression_limited(maps: ExcessMaps, quantum_hb: float) -> bool:
    """Whether the JPEG's steps, more than the skin's own variation, set the faintest redness
    :func:`segment_regions` can find in this photo (the photo then says so: ``compressed``)."""
    return QUANTUM_SIGMA * quantum_hb > max(maps.sigma_hb, SIGMA_HB_FLOOR)


def _peak(values: np.ndarray) -> float:
    """Peak excess of a seed from its values: their PEAK_PERCENTILE-th percentile.

    The maximum of a textured plateau reads high (the skin's own mottling rides on it:
    -6.8 % median area at the 98th percentile, -9.4 % for the maximum after smoothing at a
    twentieth of the seed's radius); the 90th percentile measured best (-2.9 %). Its cost:
    on a strongly peaked, Gaussian-like spot it reads low and the border lay ~20 % (in area)
    outside the true half maximum, which :func:`_resegment` now corrects where the skin's
    variation allows (PEAK_LIFT_SIGMA). Also measured and rejected (benchmarks/accuracy.py,
    150 photos): a least-squares fit of the level-set areas of a bell/plateau profile (median
    error 6.0 % against 5.0 %: mottling smears the plateau's areas), and the top of a
    quadratic fitted to the core (5.8 %; 6.3 % against 5.2 % when fitted to the smoothed map
    above 3/4 of the peak: on mottled skin it reads the peak higher still).
    """
    return float(np.percentile(values, PEAK_PERCENTILE))


def _significant(maps: ExcessMaps, region: np.ndarray, level: float, skin: np.ndarray,
                 px_per_mm: float | None, at_scale: SkinAtScale, box: Box | None = None, *,
                 sigma_floor: float = 0.0) -> bool:
    """Whether a region whose strongest pixels stay within the skin's variation still stands
    out of it at its own size: in the haemoglobin index (ACCEPT_Z) or in colour (ACCEPT_Z3).
    ``sigma_floor``: least spread of the index at any size (what the JPEG's steps can fake)."""
    radius = np.sqrt(np.count_nonzero(region) / np.pi)
    if float(maps.delta_hb[region].mean() - level) / max(at_scale.sigma(radius), sigma_floor) >= ACCEPT_Z:
        return True
    # the colour test is for what the index is blind to: a region coloured like a bruise. A
    # redder-only blotch is the index's to judge: a pink blotch of healthy skin on a committed
    # sample photo (redness_persisting_dark day 2: Δa* 2.7, ΔL* -0.8) stood 7.2 out in colour.
    if classify_region(*colour_means(maps, region, px_per_mm, box)) != "bruise":
        return False
    return colour_z(maps, region, skin, px_per_mm, at_scale.covariance(radius), box) >= ACCEPT_Z3


def _resegment(hb: np.ndarray, valid: np.ndarray, seed: np.ndarray, region: np.ndarray, level: float,
               peak: float, noise_floor: float, at_scale: SkinAtScale, taken: np.ndarray,
               box: Box | None = None) -> tuple[np.ndarray, float, Box | None]:
    """Final half-maximum region of a seed, above the surrounding ``level``.

    Small regions are cut on the map as it is; larger ones on the map smoothed (within the
    measurable skin only) at REGION_SMOOTH times their equivalent radius, whose peak is
    re-read from the smoothed values: their PEAK_PERCENTILE-th percentile over the seed, or
    their maximum less PEAK_LIFT_SIGMA times the skin's variation at that scale (``at_scale``)
    when that is higher; the maximum without the regions already ``taken`` (a mole or a
    needle mark next to the seed would lift it). Returns the region, its peak and a box
    holding it (``box`` holds ``region``, as :func:`~tracker.imaging.masks.grow_boxed` gives).
    """
    radius = np.sqrt(np.count_nonzero(region) / np.pi)
    sigma = REGION_SMOOTH * radius
    if sigma < 1.0:
        if level:
            region, box = grow_boxed(seed, (hb >= max(level + (peak - level) / 2.0, noise_floor)) & valid)
        return region, peak, box
    y0, y1, x0, x1 = padded_box(region, int(3 * sigma + radius) + 2, box)
    weight = valid[y0:y1, x0:x1].astype(np.float32)
    # card, background and hair neither pull the border nor leak in
    smooth = _normalised_blur(hb[y0:y1, x0:x1], weight, sigma)
    seed_box = seed[y0:y1, x0:x1]
    others = taken[y0:y1, x0:x1]
    top_map = _normalised_blur(hb[y0:y1, x0:x1], weight * ~others, sigma) if others.any() else smooth
    # a disk of radius 2 sigma averages like a Gaussian of sigma (SkinAtScale)
    lifted = float(top_map[seed_box].max()) - PEAK_LIFT_SIGMA * at_scale.sigma(2.0 * sigma)
    peak = max(_peak(smooth[seed_box]), lifted)
    threshold = max(level + (peak - level) / 2.0, noise_floor)
    out = np.zeros(hb.shape, bool)
    out[y0:y1, x0:x1], (by0, by1, bx0, bx1) = grow_boxed(seed_box, (smooth >= threshold) & (weight > 0))
    return out, peak, (y0 + by0, y0 + by1, x0 + bx0, x0 + bx1)


def _normalised_blur(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian average of ``values`` over the pixels of non-zero ``weight`` only (normalised
    convolution): what is outside them neither pulls the average nor leaks into it."""
    out = cv2.GaussianBlur(values * weight, (0, 0), sigma)
    out /= np.maximum(cv2.GaussianBlur(weight, (0, 0), sigma), 1e-3)
    return out


def _surrounding_level(hb: np.ndarray, region: np.ndarray, skin: np.ndarray,
                       px_per_mm: float | None, box: Box | None = None) -> float | None:
    """Median excess in a ring of skin around ``region`` (from 0.5 to 1.5 equivalent radii,
    at least 1 to 3 mm, outside it), or None when too little skin is there. ``box``, when
    given, holds the region (see :func:`~tracker.imaging.masks.padded_box`)."""
    ring = ring_around(region, skin, px_per_mm, box)
    return None if ring is None else float(np.median(hb[ring[0]][ring[1]]))


def _seeds(bright: np.ndarray, da: np.ndarray, red_level: float, min_px: int
           ) -> list[tuple[np.ndarray, tuple[slice, slice], bool]]:
    """Seeds of regions, each as a mask, its bounding box and whether it is visibly redder.

    The red seeds are the 4-connected components of ``bright & (da > red_level)`` with at
    least ``min_px`` pixels; the faint seeds are the components of ``bright`` that hold none of
    those (themselves of ``min_px`` pixels or more). Hand-written rather than labelling the frame
    twice with statistics (cv2.connectedComponentsWithStats, 2.3 ms a frame at 812 x 609 px,
    most of it the statistics of the background) and scipy's find_objects (1-2 ms): the frame
    is labelled once without statistics (0.3 ms), and the rest works on the coordinates of
    the bright pixels, a few percent of the frame.
    """
    bright8 = np.ascontiguousarray(bright).view(np.uint8)
    points = cv2.findNonZero(bright8)
    if points is None:
        return []
    xs, ys = points.reshape(-1, 2).T
    n, labels = cv2.connectedComponents(bright8, connectivity=4, ltype=cv2.CV_32S)
    ids = labels[ys, xs]
    counts = np.bincount(ids, minlength=n)
    order = np.argsort(ids, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)))
    red = da[ys, xs] > red_level
    seeds = []
    for c in np.nonzero(counts >= min_px)[0]:
        at = order[starts[c]:starts[c + 1]]
        y, x, r = ys[at], xs[at], red[at]
        y0, x0 = int(y.min()), int(x.min())
        box = (slice(y0, int(y.max()) + 1), slice(x0, int(x.max()) + 1))
        found = False
        if np.count_nonzero(r) >= min_px:
            local = np.zeros((box[0].stop - y0, box[1].stop - x0), np.uint8)
            local[y[r] - y0, x[r] - x0] = 1
            k, local_labels, stats, _ = cv2.connectedComponentsWithStats(local, connectivity=4)
            for j in np.nonzero(stats[:, cv2.CC_STAT_AREA] >= min_px)[0]:
                if j:
                    seed = np.zeros(bright.shape, bool)
                    seed[box] = local_labels == j
                    seeds.append((seed, box, True))
                    found = True
        if not found:
            seed = np.zeros(bright.shape, bool)
            seed[y, x] = True
            seeds.append((seed, box, False))
    return seeds
