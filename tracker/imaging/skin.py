"""Which pixels are skin we can measure: skin colour, minus card, glare and hair.

Skin is found by a deliberately broad colour rule in CIELAB (all skin tones,
white-balanced or not, sit in a hue wedge between red and yellow with some chroma),
then closed and hole-filled so that red patches and bruises *inside* the skin are
kept even when their own colour falls outside the wedge. What is excluded:

- the reference card (its polygon plus a safety margin);
- glare: specular highlights, nearly white and clipped;
- hair: thin dark strands, found with a morphological black-hat of L* at the
  scale of a hair's width (Lee et al. 1997, "DullRazor").

Moles and freckles are not removed here: they are recognised per region by
their colour (brown: darker and yellower, not redder) in :mod:`redness`.

References
----------
.. [1] Lee T. et al., "DullRazor: A software approach to hair removal from
       images", Computers in Biology and Medicine 27(6), 1997.
.. [2] Kakumanu P. et al., "A survey of skin-color modeling and detection
       methods", Pattern Recognition 40(3), 2007.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage as ndi

#: Hue wedge (degrees of atan2(b*, a*)) and minimum chroma of plausible skin.
SKIN_HUE_DEG = (-10.0, 100.0)
SKIN_MIN_CHROMA = 4.0
SKIN_L_RANGE = (6.0, 97.0)


def skin_mask(lab: np.ndarray, *, px_per_mm: float | None = None, min_fraction: float = 0.02) -> np.ndarray:
    """Plausible skin, closed and hole-filled, small islands removed.

    Parameters
    ----------
    lab : (M, N, 3) float32 ndarray
        CIELAB image.
    px_per_mm : float, optional
        Scale, to size the closing in millimetres; else a size relative to the image.
    min_fraction : float
        Connected skin areas smaller than this fraction of the image are dropped.

    Returns
    -------
    mask : (M, N) bool ndarray
    """
    # Skin borders need no sub-millimetre precision: decide at a quarter of the resolution
    # (16x fewer pixels for the colour test, closing and hole filling), then upsample.
    full_h, full_w = lab.shape[:2]
    step = 4 if min(full_h, full_w) >= 400 else 1
    small = cv2.resize(lab, (full_w // step, full_h // step), interpolation=cv2.INTER_AREA) if step > 1 else lab
    lum, a, b = small[..., 0], small[..., 1], small[..., 2]
    hue = np.degrees(np.arctan2(b, a))
    chroma = np.hypot(a, b)
    colour = ((hue >= SKIN_HUE_DEG[0]) & (hue <= SKIN_HUE_DEG[1]) & (chroma >= SKIN_MIN_CHROMA)
              & (lum >= SKIN_L_RANGE[0]) & (lum <= SKIN_L_RANGE[1]))
    radius = int(round(1.5 * px_per_mm / step)) if px_per_mm else max(1, min(small.shape[:2]) // 100)
    radius = max(radius, 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    closed = cv2.morphologyEx(colour.view(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)
    filled = ndi.binary_fill_holes(closed)
    labels, n = ndi.label(filled)
    if n:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        filled = (sizes >= min_fraction * filled.size)[labels]
    if step == 1:
        return filled
    return cv2.resize(filled.view(np.uint8), (full_w, full_h), interpolation=cv2.INTER_NEAREST).astype(bool)


def glare_mask(rgb: np.ndarray, lab: np.ndarray) -> np.ndarray:
    """Specular highlights: near-clipped and nearly colourless pixels, slightly dilated."""
    clipped = rgb.max(axis=2) >= 250
    pale = (lab[..., 0] > 88) & (np.hypot(lab[..., 1], lab[..., 2]) < 12)
    mask = (clipped & pale).view(np.uint8)
    return cv2.dilate(mask, np.ones((5, 5), np.uint8)).astype(bool)


def hair_mask(lum: np.ndarray, *, px_per_mm: float | None = None, min_depth: float = 10.0) -> np.ndarray:
    """Thin dark strands (hair) by morphological black-hat of L*.

    Parameters
    ----------
    lum : (M, N) float32 ndarray
        L* channel.
    px_per_mm : float, optional
        Scale; hair is up to ~0.5 mm wide, so the structuring element spans ~1 mm.
    min_depth : float
        How much darker than its surroundings (L* units) a strand must be.
    """
    size = int(round(1.2 * px_per_mm)) if px_per_mm else 9
    size = max(5, size | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    blackhat = cv2.morphologyEx(lum, cv2.MORPH_BLACKHAT, kernel)
    strands = (blackhat > min_depth).view(np.uint8)
    # a strand is long and thin: drop compact dots (pores, needle points) by opening along lines
    labels, n = ndi.label(strands)
    if n == 0:
        return strands.astype(bool)
    objects = ndi.find_objects(labels)
    keep = np.zeros(n + 1, bool)
    for i, sl in enumerate(objects, start=1):
        hgt, wid = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        keep[i] = max(hgt, wid) >= 3 * size
    mask = keep[labels].view(np.uint8)
    return cv2.dilate(mask, np.ones((3, 3), np.uint8)).astype(bool)
