"""What kind of colour change a red region is: erythema, bruise, or a mole to exclude.

Decided from the region's colour difference to the surrounding skin and the red/green
ratio of its excess optical density, i.e. from which chromophore absorbs the light.
"""

from __future__ import annotations

from typing import Literal

#: Red-to-green optical-density ratio of a region's excess above which red light is absorbed
#: too, i.e. not oxy-haemoglobin alone. Oxy-Hb: ~0.07 (ε 600 nm / 550 nm, Prahl 1999);
#: deoxy-Hb ~0.28; melanin ~0.7 (μa ∝ λ^-3.46, Jacques 1996). Melanin mottling on dark
#: skin pushes erythema up to ~0.25 (benchmarks/accuracy.py), so the line is drawn at 0.30:
#: a doubtful region is called erythema, whose clocks (G4, G7, G8) are the stricter ones.
BRUISE_MIN_RED_OD_RATIO = 0.30
#: Above this ratio a dark spot absorbs red nearly as much as green: melanin (~0.74 from
#: 550 to 600 nm, Jacques 1996) rather than blood (deoxy-Hb ~0.34, Prahl 1999; a bruise mixes
#: in oxy-Hb and reads lower still). Darkening also lowers chroma, so a mole's Δb* is often
#: negative: Δb* >= 0 alone missed moles next to a bruise-like halo.
MOLE_MIN_RED_OD_RATIO = 0.60
#: A bruise-coloured region (red/green ratio at least BRUISE_MIN_RED_OD_RATIO) is erythema after
#: all when its blue tilt (:func:`blue_tilt`) is oxy-haemoglobin's and its ratio is below this.
#: The ratio is read on the skin's own neutral texture and shading under the region, which add
#: the same optical density to every channel: erythema of ratio 0.07-0.18 read 0.09-0.35
#: (5th-95th percentile of the largest region found, benchmarks/independent.py --n 120) and
#: was called a bruise on 10 of 74 photos, running the bruise's two-week clock (G10) instead
#: of the 48 h of G4. The tilt is free of any neutral change but cannot tell oxy-haemoglobin
#: from an ageing bruise's mix of deoxy-haemoglobin and bilirubin (their sum points the same
#: way in it): from this ratio on, above that 95th percentile, the ratio's word stands.
OXY_MAX_RED_OD_RATIO = 0.36
#: Blue tilt band of oxy-haemoglobin (see :func:`blue_tilt`): Prahl's molar extinction near
#: 600, 550 and 470 nm gives about +0.5, deoxy-haemoglobin about -0.9; 0 is where
#: deoxy-haemoglobin is about 40 % of the excess (the tilt is a ratio of linear forms in the
#: two). Upwards the band is wider: melanin mottling (melanin alone about 3 for μa ∝ λ^-3.46,
#: Jacques 1996) and the JPEG's coarse blue lift the reading; bilirubin (a yellowing bruise)
#: lies far above. Measured on the largest region found: erythema 0.27 / 0.54 / 0.83 (5th /
#: 50th / 95th percentile), at most 1.07 (benchmarks/independent.py --n 120), at most 0.7 on
#: sample_images; fresh bruises -0.8 to -0.2, yellowing ones 2.4-3.0 (sample_images/bruise_*).
OXY_BLUE_TILT = (0.0, 1.5)


def classify_region(mean_dl: float, mean_da: float, mean_db: float, red_od_ratio: float,
                    area_mm2: float | None = None) -> Literal["erythema", "bruise", "mole"]:
    """Kind of a region from its colour difference to the surrounding skin.

    Parameters
    ----------
    mean_dl, mean_da, mean_db : float
        Mean ΔL*, Δa*, Δb* over the region.
    red_od_ratio : float
        ΔOD_red / ΔOD_green of the region's excess optical density.
    area_mm2 : float, optional
        Moles are small; a large dark patch is treated as a bruise, never dropped.

    Returns
    -------
    "erythema"
        Extra oxy-haemoglobin: absorbs green, hardly red (ratio below the threshold).
    "bruise"
        Absorbs red light as well (deoxy-haemoglobin, later bilirubin): darker, purple-blue
        then yellow-green.
    "mole"
        Melanin: much darker than it is redder, absorbing red nearly as much as green
        (ratio >= MOLE_MIN_RED_OD_RATIO) or browner (Δb* >= 0); small. Excluded.

    References
    ----------
    .. [1] Prahl S., "Optical absorption of hemoglobin", OMLC 1999.
    .. [2] Jacques S.L., "Origins of tissue optical properties in the UVA, visible and NIR
           regions", OSA TOPS 2 (1996).
    """
    darkness = -mean_dl
    small = area_mm2 is None or area_mm2 < 40.0
    if red_od_ratio >= BRUISE_MIN_RED_OD_RATIO:
        melanin_like = red_od_ratio >= MOLE_MIN_RED_OD_RATIO or mean_db >= 0.0
        if small and darkness > 2.0 * max(mean_da, 0.0) and melanin_like:
            return "mole"
        return "bruise"
    return "erythema"


def blue_tilt(d_od_red: float, d_od_green: float, d_od_blue: float) -> float:
    """(2 ΔOD_B - ΔOD_R - ΔOD_G) / (ΔOD_G - ΔOD_R) of a region's excess optical density.

    A neutral change (shading, the skin's own texture, a grey shadow: the same optical density
    in every channel) cancels in numerator and denominator alike, so the figure depends on the
    chromophores alone: oxy-haemoglobin about +0.5, deoxy-haemoglobin about -0.9 (Prahl 1999),
    bilirubin and melanin above 2. NaN when the region does not absorb green more than red.
    """
    hb = d_od_green - d_od_red
    return (2.0 * d_od_blue - d_od_red - d_od_green) / hb if hb > 1e-6 else float("nan")


def oxygenated(red_od_ratio: float, tilt: float | None) -> bool:
    """Whether a bruise-coloured region is erythema after all: its blue tilt is oxy-haemoglobin's
    (OXY_BLUE_TILT) and its red/green ratio is one that the skin's neutral texture can lift
    erythema to (below OXY_MAX_RED_OD_RATIO). ``tilt`` None: not measured, the ratio decides.

    Doubt goes to erythema, whose clocks (G4, G7, G8) are the stricter ones.
    """
    return (tilt is not None and red_od_ratio < OXY_MAX_RED_OD_RATIO
            and OXY_BLUE_TILT[0] <= tilt <= OXY_BLUE_TILT[1])
