"""Half-maximum regions of excess redness over the surrounding skin.

Steps, each a small pure function:

1. :func:`~tracker.imaging.excess.excess_maps` -- ΔL*, Δa*, Δb* and the haemoglobin index
   over the patient's own skin (a robust surface fitted to it, so the same thresholds work
   on every skin tone), smoothed at ~0.25 mm, with the skin's own spread (σ) of each.
2. :func:`segment_regions` -- seeds where the haemoglobin index clearly exceeds the
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
3. :func:`~tracker.imaging.kinds.classify_region` -- erythema (oxy-haemoglobin: absorbs green, not red),
   bruise (absorbs red too: darker, purple-blue then yellow-green) or a mole/freckle
   (melanin: absorbs red nearly as much as green, darker not redder: excluded).

References
----------
.. [1] Takiwaki H., "Measurement of skin color: practical application and
       theoretical considerations", J Med Invest 44 (1998) -- a* as erythema index.
.. [2] Clarys P. et al., "Skin color measurements: comparison between three
       instruments", Skin Res Technol 6 (2000) -- Δa* tracks erythema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from scipy.special import erfc, gammainccinv

from tracker.imaging.color import JND_LAB
from tracker.imaging.excess import ExcessMaps
from tracker.imaging.kinds import classify_region, oxygenated
from tracker.imaging.masks import Box, grow, grow_boxed, marked_components, padded_box, ring_around
from tracker.imaging.region_colour import colour_means, colour_z, region_blue_tilt, visible_bruise
from tracker.imaging.scale import SkinAtScale

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
#: Smallest seed worth a region, mm² (a needle-point spot is ~1 mm²).
MIN_SEED_MM2 = 0.4
#: Smallest region without a scale, working pixels.
MIN_SEED_PX = 24


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
    sigma_hb = max(maps.sigma_hb, SIGMA_HB_FLOOR)
    sigma_strong = max(sigma_hb, QUANTUM_SIGMA * quantum_hb)  # what the JPEG's steps can fake
    seeds_by_peak = _ranked_seeds(maps, valid, sigma_hb, px_per_mm, jnd)
    if not seeds_by_peak:
        return []
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
        kind, (dl, mean_da, db, ratio) = _kind(maps, region, level, peak, px_per_mm, box)
        if kind == "mole":
            moles |= region
            continue
        if not _visible(maps, region, kind, mean_da, ratio, strong, limb, valid & ~claimed | region,
                        px_per_mm, jnd, box):
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


def _ranked_seeds(maps: ExcessMaps, valid: np.ndarray, sigma_hb: float, px_per_mm: float | None,
                  jnd: float) -> list[tuple[float, float, np.ndarray, tuple[slice, slice]]]:
    """Seeds of regions, strongest first: (peak, ACCEPT_PERCENTILE-th percentile of the index if
    the seed is visibly redder else -inf, mask, box).

    Seeds where the index clearly exceeds the skin's variation and the colour is visibly redder
    (Δa* over 4σ and the JND): this keeps a mole next to a lesion a seed of its own. Plus the
    components of the index that are nowhere visibly redder: a faint bruise on dark skin is
    darker and bluer, hardly redder (Δa* 1.2-2.2 inside it, under the JND, while its index stood
    6-27σ out of the skin at its size: benchmarks/accuracy.py). Those are never accepted on their
    strongest pixels alone: what keeps mottling and vignetting out is the test of each region
    against the skin around it (ACCEPT_Z, ACCEPT_Z3) and the visibility test of
    :func:`segment_regions`.
    """
    hb = maps.delta_hb
    min_px = max(MIN_SEED_PX // 3, int(MIN_SEED_MM2 * px_per_mm**2)) if px_per_mm else MIN_SEED_PX
    bright = (hb > SEED_SIGMA * sigma_hb) & valid
    seeds = []
    for seed, box, red in marked_components(bright, maps.delta_a, max(SEED_SIGMA * maps.sigma_a, jnd), min_px):
        values = hb[box][seed[box]]
        top = float(np.percentile(values, ACCEPT_PERCENTILE)) if red else -np.inf
        seeds.append((_peak(values), top, seed, box))
    seeds.sort(key=lambda t: -t[0])
    return seeds


def _kind(maps: ExcessMaps, region: np.ndarray, level: float, peak: float, px_per_mm: float | None,
          box: Box) -> tuple[str, tuple[float, float, float, float]]:
    """The region's kind (:func:`~tracker.imaging.kinds.classify_region`) and its mean colour
    excess (ΔL*, Δa*, Δb*, red/green optical-density ratio).

    A mole with a pale halo of skin variation attached reads as a bruise on average: "mole" is
    judged on the region's core too (its strongest quarter of excess over ``level``).
    """
    dl, mean_da, db, ratio, area_mm2 = colour_means(maps, region, px_per_mm, box)
    kind = classify_region(dl, mean_da, db, ratio, area_mm2)
    core = region & (maps.delta_hb >= level + 0.75 * (peak - level))
    n_core = np.count_nonzero(core)
    if kind != "mole" and n_core >= 10:
        core_kind = classify_region(float(maps.delta_l[core].mean()), float(maps.delta_a[core].mean()),
                                    float(maps.delta_b[core].mean()), ratio,
                                    n_core / px_per_mm**2 if px_per_mm else None)
        if core_kind == "mole":
            kind = "mole"
    return kind, (dl, mean_da, db, ratio)


def _visible(maps: ExcessMaps, region: np.ndarray, kind: str, mean_da: float, ratio: float, strong: bool,
             limb: np.ndarray, around: np.ndarray, px_per_mm: float | None, jnd: float, box: Box) -> bool:
    """Whether a region is visibly different from the skin around it: erythema must be visibly
    redder on average (melanin mottling is not), a bruise visibly different in colour from the
    ring of skin (``around``) about it (which cancels vignetting), see
    :func:`~tracker.imaging.region_colour.visible_bruise` (``limb``: the skin's edge).

    Or its core is visibly redder, whatever its mean and its kind: ``strong``, a seed of
    MIN_SEED_MM2 or more over the JND and 4σ of Δa* whose index stands ACCEPT_SIGMA out there.
    Over a peaked spot's half-maximum region on dark skin the mean Δa* stays under the JND (the
    same blood moves a* about 3 times less at L* 13 than on mid-tone skin: 11 against ~35 Δa*
    per unit of the index). Four spots of 70-150 mm² on Monk 7 and 10 skin (mean Δa* 1.8-2.0,
    index 6-13σ out at their size) were missed on benchmarks/independent.py. Of the regions
    turned away by the mean's JND there, on --face and on benchmarks/accuracy.py (520 photos),
    none that was not a lesion had such a core (hundreds of JPEG-block and texture patches
    6-9σ out, none with a visibly redder seed); --coarse and --background found no new false
    area. Whatever the region's kind: the red/green ratio that tells a bruise is moved by the
    skin's texture, and a faint Gaussian spot on Monk 10 beside expression lines (--face seed
    29, core ΔE*ab 3.3) read 0.35, over the bruise line; as a "bruise" it had to differ visibly
    from its ring on average and was dropped. It is found (as erythema, by its blue tilt). On
    --shadow a faint 152 mm² spot on Monk 7 (seed 44, core ΔE*ab 3.5), missed before, is
    measured at 116 mm², as a "bruise" (the shadow tilts its ratio); no other photo of --face,
    the plain run, --background, --coarse, --shadow or benchmarks/accuracy.py changed.
    """
    if mean_da >= jnd or strong:
        return True
    return kind == "bruise" and visible_bruise(maps, region, limb, around, px_per_mm, jnd, box,
                                               red_od_ratio=ratio)


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
