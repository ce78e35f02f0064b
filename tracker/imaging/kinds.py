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
