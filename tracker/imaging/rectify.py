"""Rectified views: any photo of the series re-projected onto the skin plane at one scale.

With the marker's corners and printed size, every scaled photo maps to the same
millimetre grid, so a clinician compares days at a glance: same scale, same
orientation (the card's edges horizontal), perspective undone. Uses the card-based
homography of :mod:`tracker.imaging.calibrate` and ``cv2.warpPerspective``.
"""

from __future__ import annotations

import cv2
import numpy as np


def plane_homography(corners_px, marker_mm: float) -> np.ndarray:
    """Homography (3, 3) from pixels of the frame the corners are given in to mm on the skin plane."""
    quad = np.asarray(corners_px, dtype=np.float32).reshape(4, 2)
    s = float(marker_mm)
    plane = np.array([[0, 0], [s, 0], [s, s], [0, s]], dtype=np.float32)
    return cv2.getPerspectiveTransform(quad, plane).astype(np.float64)


def rectified_view(rgb: np.ndarray, corners_px, marker_mm: float, *, centre_mm: tuple[float, float],
                   size_mm: float = 60.0, px_per_mm: float = 8.0, image_scale: float = 1.0) -> np.ndarray:
    """A square crop of the skin plane around ``centre_mm``, at ``px_per_mm``.

    Parameters
    ----------
    rgb : (M, N, 3) uint8 ndarray
        The photo (any resolution).
    corners_px : (4, 2) array_like
        Marker corners in the *original* upright frame (``Scale.marker_corners_px``).
    marker_mm : float
        Printed marker side.
    centre_mm : (float, float)
        Centre of the view on the plane (mm, marker top-left corner at the origin).
    size_mm : float
        Side of the square view in mm.
    px_per_mm : float
        Output resolution: every view of a series at the same scale.
    image_scale : float
        ``rgb`` pixels per original pixel (a stored copy may be smaller than the original).

    Returns
    -------
    view : (K, K, 3) uint8 ndarray with K = round(size_mm * px_per_mm)
    """
    h_px_to_mm = plane_homography(np.asarray(corners_px, dtype=np.float64) * image_scale, marker_mm)
    k = int(round(size_mm * px_per_mm))
    cx, cy = centre_mm
    mm_to_view = np.array([[px_per_mm, 0, (size_mm / 2 - cx) * px_per_mm],
                           [0, px_per_mm, (size_mm / 2 - cy) * px_per_mm], [0, 0, 1]])
    return cv2.warpPerspective(rgb, mm_to_view @ h_px_to_mm, (k, k), flags=cv2.INTER_AREA,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=(235, 235, 235))


def centre_on_plane(corners_px, marker_mm: float, point_px: tuple[float, float]) -> tuple[float, float]:
    """Where a pixel of the original frame (e.g. a region's centroid) lies on the plane, in mm."""
    h = plane_homography(corners_px, marker_mm)
    p = cv2.perspectiveTransform(np.array([[point_px]], dtype=np.float64), h)[0, 0]
    return float(p[0]), float(p[1])
