"""Calibration from the reference card: marker, skin-plane homography, white reference.

The card's ArUco marker (DICT_4X4_50, ids 0-3, black square ``marker_mm`` wide)
lies flat on the skin. Its four sub-pixel corners give the homography from the
photo to the skin plane in millimetres, so areas are measured *on the plane*
(perspective-corrected), not by scaling with the marker's side length: at 30°
tilt the side-length shortcut errs by about 14 % in area, the homography by
about 1 % (``tests/imaging/test_calibrate.py``).

Areas use the exact Jacobian of the homography: a pixel at (x, y) covers
``|det H| / w(x, y)**3`` mm² on the plane, with ``w = h31 x + h32 y + h33``
(Hartley & Zisserman 2004, ch. 2), so no image warp is needed to measure.

References
----------
.. [1] Garrido-Jurado S. et al., "Automatic generation and detection of highly
       reliable fiducial markers under occlusion", Pattern Recognition 47 (2014).
.. [2] Hartley R., Zisserman A., Multiple View Geometry, 2nd ed., CUP 2004.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from tracker.imaging.color import srgb_to_linear
from tracker.imaging.stats import percentile

ACCEPTED_IDS = (0, 1, 2, 3)
#: Card margin around the marker (mm), per shared/reference-card.md.
CARD_MARGIN_MM = 3.0
#: Below this many pixels per millimetre (original photo) sizes are not trusted.
MIN_PX_PER_MM = 8.0
#: Beyond this camera tilt the homography from a 20 mm marker is too uncertain.
MAX_TILT_DEG = 50.0


@dataclass(frozen=True)
class Calibration:
    """The card as found in one photo (working-resolution pixel frame)."""

    marker_id: int
    corners_px: np.ndarray  # (4, 2) float32, ArUco order: TL, TR, BR, BL of the marker
    homography: np.ndarray  # (3, 3) float64, working px -> mm on the skin plane
    px_per_mm: float  # working px per mm at the marker centre
    tilt_deg: float
    marker_mm: float
    white_linear: np.ndarray | None  # (3,) linear RGB of the white margin, None if not measurable
    white_status: str  # "ok", "clipped" (too bright to calibrate), "dark", or "hidden" (out of frame)
    edge_sharpness: float  # gradient / contrast across the marker's edges (1/px)


def _detector() -> cv2.aruco.ArucoDetector:
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    params.cornerRefinementWinSize = 5
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    return cv2.aruco.ArucoDetector(dictionary, params)


def find_card(rgb: np.ndarray, *, marker_mm: float = 20.0) -> Calibration | None:
    """Find the reference card's marker and calibrate the photo.

    Parameters
    ----------
    rgb : (M, N, 3) uint8 ndarray
        Upright photo at working resolution.
    marker_mm : float
        Printed side length of the marker's black square.

    Returns
    -------
    Calibration or None
        None when no accepted marker is visible.
    """
    if marker_mm <= 0:
        raise ValueError(f"marker_mm must be positive, got {marker_mm}")
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    best = _detect(grey)
    if best is None:
        return None
    marker_id, quad = best
    s = float(marker_mm)
    plane = np.array([[0, 0], [s, 0], [s, s], [0, s]], dtype=np.float32)
    h = cv2.getPerspectiveTransform(quad, plane).astype(np.float64)
    px_per_mm, tilt = _scale_and_tilt(h, quad)
    white, status = _white_reference(rgb, h, s)
    return Calibration(
        marker_id=marker_id, corners_px=quad, homography=h, px_per_mm=px_per_mm, tilt_deg=tilt,
        marker_mm=s, white_linear=white, white_status=status, edge_sharpness=_edge_sharpness(grey, quad),
    )


def _scale_and_tilt(h: np.ndarray, quad: np.ndarray) -> tuple[float, float]:
    """Pixels per mm and camera tilt (degrees) at the marker's centre."""
    jac = homography_jacobian(h, quad.mean(axis=0))
    px_per_mm = float(1.0 / np.sqrt(abs(np.linalg.det(jac))))
    sv = np.linalg.svd(np.linalg.inv(jac), compute_uv=False)
    return px_per_mm, float(np.degrees(np.arccos(np.clip(sv[1] / sv[0], 0.0, 1.0))))


def resized_calibration(cal: Calibration, old_size: tuple[int, int],
                        new_size: tuple[int, int]) -> Calibration:
    """The calibration of the same photo resized from ``old_size`` to ``new_size`` (width, height).

    Pixel coordinates follow ``cv2.resize``'s convention (pixel centres: x_new + 0.5 =
    (x_old + 0.5) * new_w / old_w); the homography, scale and tilt are those of the new
    frame exactly, as a detection there would give them up to its corner noise. The edge
    sharpness (1/px) is carried over so that the blur it stands for, in mm on the skin,
    stays the same: the reduced frame inherits the decoded frame's measurement.
    """
    ax, ay = old_size[0] / new_size[0], old_size[1] / new_size[1]
    new_to_old = np.array([[ax, 0.0, 0.5 * ax - 0.5], [0.0, ay, 0.5 * ay - 0.5], [0.0, 0.0, 1.0]])
    h = cal.homography @ new_to_old
    quad = ((cal.corners_px + 0.5) / np.array([ax, ay], np.float32) - 0.5).astype(np.float32)
    px_per_mm, tilt = _scale_and_tilt(h, quad)
    return replace(cal, corners_px=quad, homography=h, px_per_mm=px_per_mm, tilt_deg=tilt,
                   edge_sharpness=cal.edge_sharpness * cal.px_per_mm / px_per_mm)


#: The marker is first looked for at 1/LOCATE_FACTOR of the working resolution.
LOCATE_FACTOR = 4


def _detect(grey: np.ndarray) -> tuple[int, np.ndarray] | None:
    """The largest accepted marker: id and (4, 2) corners in ``grey``'s pixels.

    A defocused or shaken photo can hide the marker's bits at full resolution while they
    are still legible at half or a quarter of it, so detection is retried there. The card
    is then found, and the blur is *measured* on its edges and reported as such, instead of
    the photo passing as merely "no card".

    OpenCV's ArUco detection costs about 15-25 ms over a whole 1600 x 1200 frame, most of it
    thresholding and tracing contours far from the card. So the marker is first located on a
    quarter-resolution copy (about 1 ms), then detected at full resolution in a crop around
    it: thresholds, contours and corner refinement are all local, so the corners are those of
    the whole-frame search up to float32 rounding (1e-4 px on the sample photos). Only when
    that finds no accepted marker does the whole-frame search run.
    """
    found = _detect_around_located(grey)
    return found if found is not None else _detect_whole_frame(grey)


def _detect_whole_frame(grey: np.ndarray) -> tuple[int, np.ndarray] | None:
    """:func:`_detect` over the whole frame, at full, half, then quarter resolution."""
    for factor in (1, 2, 4):
        small = grey if factor == 1 else cv2.resize(grey, (grey.shape[1] // factor, grey.shape[0] // factor),
                                                  interpolation=cv2.INTER_AREA)
        corners, ids, _ = _detector().detectMarkers(small)
        if ids is None:
            continue
        found = [(int(i), c.reshape(4, 2).astype(np.float32) * factor)
                 for c, i in zip(corners, ids.ravel()) if int(i) in ACCEPTED_IDS]
        if found:
            return max(found, key=lambda t: cv2.arcLength(t[1], closed=True))
    return None


def _detect_around_located(grey: np.ndarray) -> tuple[int, np.ndarray] | None:
    """Markers located at 1/LOCATE_FACTOR resolution, detected at full resolution in a crop."""
    f = LOCATE_FACTOR
    hgt, wid = grey.shape
    if min(hgt, wid) < 64 * f:
        return None
    # the whole-step part of the frame: OpenCV's integer-factor area path (0.2 ms, where 750 rows
    # to 187 take its general path at 1 ms); it also makes the factor exact for the corners
    small = cv2.resize(grey[:hgt // f * f, :wid // f * f], (wid // f, hgt // f), interpolation=cv2.INTER_AREA)
    corners, ids, _ = _detector().detectMarkers(small)
    if ids is None:
        return None
    found = []
    for c, i in zip(corners, ids.ravel()):
        if int(i) not in ACCEPTED_IDS:
            continue
        quad = c.reshape(4, 2) * f
        # half a marker plus 32 px around it: well beyond the largest adaptive-threshold
        # window (23 px) and the corner refinement window, so the crop sees what the frame does
        margin = int(0.5 * max(np.ptp(quad[:, 0]), np.ptp(quad[:, 1]))) + 32
        x0, y0 = max(int(quad[:, 0].min()) - margin, 0), max(int(quad[:, 1].min()) - margin, 0)
        x1, y1 = min(int(quad[:, 0].max()) + margin + 1, wid), min(int(quad[:, 1].max()) + margin + 1, hgt)
        crop_corners, crop_ids, _ = _detector().detectMarkers(np.ascontiguousarray(grey[y0:y1, x0:x1]))
        if crop_ids is None:
            continue
        offset = np.array([x0, y0], np.float32)
        found += [(int(j), q.reshape(4, 2).astype(np.float32) + offset)
                  for q, j in zip(crop_corners, crop_ids.ravel()) if int(j) in ACCEPTED_IDS]
    return max(found, key=lambda t: cv2.arcLength(t[1], closed=True)) if found else None


def homography_jacobian(h: np.ndarray, point: np.ndarray) -> np.ndarray:
    """2x2 Jacobian of the homography ``h`` (px -> mm) at pixel ``point``."""
    x, y = float(point[0]), float(point[1])
    u = h[0, 0] * x + h[0, 1] * y + h[0, 2]
    v = h[1, 0] * x + h[1, 1] * y + h[1, 2]
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    return np.array([
        [(h[0, 0] * w - u * h[2, 0]) / w**2, (h[0, 1] * w - u * h[2, 1]) / w**2],
        [(h[1, 0] * w - v * h[2, 0]) / w**2, (h[1, 1] * w - v * h[2, 1]) / w**2],
    ])


def pixel_area_mm2(h: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Area on the skin plane (mm²) covered by each pixel (x, y), from the homography's Jacobian.

    Parameters
    ----------
    h : (3, 3) float ndarray
        Homography from working pixels to mm.
    ys, xs : (K,) int or float ndarray
        Pixel coordinates (pixel centres).
    """
    w = h[2, 0] * xs + h[2, 1] * ys + h[2, 2]
    return np.abs(np.linalg.det(h) / w**3)


def to_plane_mm(h: np.ndarray, points_xy: np.ndarray) -> np.ndarray:
    """Map (K, 2) pixel coordinates to (K, 2) millimetres on the skin plane."""
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(pts, h).reshape(-1, 2)


def card_polygon_px(cal: Calibration, *, extra_mm: float = 1.5) -> np.ndarray:
    """The whole card (marker plus white margin, plus ``extra_mm``) as a (4, 2) pixel polygon."""
    m = CARD_MARGIN_MM + extra_mm
    s = cal.marker_mm
    square = np.array([[-m, -m], [s + m, -m], [s + m, s + m], [-m, s + m]], dtype=np.float64)
    return to_plane_mm(np.linalg.inv(cal.homography), square).astype(np.float32)


def _white_reference(rgb: np.ndarray, h: np.ndarray, s: float) -> tuple[np.ndarray | None, str]:
    """Robust linear RGB of the card's white margin (a band 0.6-2.4 mm outside the marker).

    The brightest half of the samples is kept (median of the upper half of
    luminance), which ignores a finger or shadow over part of the margin.
    """
    t = np.linspace(-2.4, s + 2.4, 48)
    band = np.concatenate([np.linspace(-2.4, -0.6, 5), np.linspace(s + 0.6, s + 2.4, 5)])
    gx, gy = np.meshgrid(t, band)
    pts = np.concatenate([np.stack([gx.ravel(), gy.ravel()], 1), np.stack([gy.ravel(), gx.ravel()], 1)])
    px = to_plane_mm(np.linalg.inv(h), pts)
    hgt, wid = rgb.shape[:2]
    inside = (px[:, 0] >= 0) & (px[:, 0] < wid - 1) & (px[:, 1] >= 0) & (px[:, 1] < hgt - 1)
    if inside.sum() < 0.5 * len(px):
        return None, "hidden"
    xs = np.round(px[inside, 0]).astype(int)
    ys = np.round(px[inside, 1]).astype(int)
    lin = srgb_to_linear(rgb[ys, xs])
    lum = lin @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    top = lin[lum >= np.median(lum)]
    white = np.median(top, axis=0)
    if np.any(white >= 0.99):
        return None, "clipped"
    if np.any(white <= 0.02):
        return None, "dark"
    return white.astype(np.float64), "ok"


def gradient_magnitude(grey: np.ndarray) -> np.ndarray:
    """Grey-level change per pixel (Sobel, after a light 0.6 px Gaussian against noise).

    Parameters
    ----------
    grey : (M, N) float32 ndarray

    Returns
    -------
    grad : (M, N) float32 ndarray, in grey levels per pixel
    """
    grey = cv2.GaussianBlur(grey, (3, 3), 0.6)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.hypot(gx, gy)


#: Half-width (px) of the window over which an edge's own contrast is read: a step blurred by
#: σ = 3 px (0.35 mm at 8.5 px/mm, well past "blurry") still spans 96 % of its contrast in it.
EDGE_WINDOW = 7


def _edge_sharpness(grey: np.ndarray, quad: np.ndarray) -> float:
    """Sharpness of the marker's edges: max gradient / the edge's own contrast, in 1/px.

    A step edge blurred by a Gaussian of σ px has max gradient ≈ contrast / (σ √(2π)),
    so this figure is ≈ 0.4 / σ and independent of exposure and contrast. The contrast is
    each edge's own (the grey range within EDGE_WINDOW px), not the patch's: with a shadow
    across the card, the shaded edges step half as far as the lit white from the black,
    and against the patch's range a sharp photo read 0.29 instead of 0.42, "blurry"
    (benchmarks/independent.py --shadow seed 75). Where the range is under a quarter of the
    patch's (or 10 levels) there is no edge: noise on flat paper. The 99th percentile over
    the patch, as before, reads the centres of the sharpest edges.
    """
    x0, y0 = np.floor(quad.min(axis=0)).astype(int) - 6
    x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + 6
    x0, y0 = max(x0, 0), max(y0, 0)
    patch = grey[y0:y1, x0:x1].astype(np.float32)
    if patch.size < 100:
        return 0.0
    grad = gradient_magnitude(patch)
    flat = patch.ravel()
    contrast = percentile(flat, 95) - percentile(flat, 5)
    if contrast < 10:
        return 0.0
    window = np.ones((2 * EDGE_WINDOW + 1, 2 * EDGE_WINDOW + 1), np.uint8)
    local = cv2.dilate(patch, window) - cv2.erode(patch, window)
    ratio = np.where(local >= max(10.0, 0.25 * contrast), grad / np.maximum(local, 1.0), 0.0)
    return percentile(ratio.astype(np.float32).ravel(), 99)
