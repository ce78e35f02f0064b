"""A tiny planar-scene renderer for known-answer tests of calibration and measurement.

Draws, on a skin-coloured plane in millimetres, the reference card and a red disk,
then photographs the plane with a pinhole camera at a given tilt. Self-contained on
purpose: the calibration tests must not depend on the sample-image generator they
help to validate.
"""

from __future__ import annotations

import cv2
import numpy as np


def camera_homography(*, tilt_deg: float, rot_deg: float, distance_mm: float, focal_px: float,
                      size: tuple[int, int], centre_mm: tuple[float, float]) -> np.ndarray:
    """Homography mapping plane mm (z = 0) to image px for a pinhole camera."""
    w, h = size
    k = np.array([[focal_px, 0, w / 2], [0, focal_px, h / 2], [0, 0, 1]])
    t, r = np.radians(tilt_deg), np.radians(rot_deg)
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(t), -np.sin(t)], [0, np.sin(t), np.cos(t)]])
    rot = rx @ rz
    cx, cy = centre_mm
    # camera looks at plane point (cx, cy) from `distance_mm` along its optical axis
    centre_cam = np.array([0.0, 0.0, distance_mm])
    tvec = centre_cam - rot @ np.array([cx, cy, 0.0])
    hmat = k @ np.column_stack([rot[:, 0], rot[:, 1], tvec])
    return hmat / hmat[2, 2]


def render_plane(*, disk_radius_mm: float = 5.64, disk_centre_mm=(0.0, 0.0), card_at_mm=(24.0, -20.0),
                 marker_mm: float = 20.0, marker_id: int = 0, px_per_mm_plane: int = 20,
                 extent_mm: float = 60.0, skin_rgb=(205, 160, 140), red_rgb=(200, 110, 105),
                 with_card: bool = True) -> tuple[np.ndarray, np.ndarray, float]:
    """Render the plane texture. Returns (rgb, disk mask, px_per_mm); plane origin at the centre."""
    n = int(2 * extent_mm * px_per_mm_plane)
    img = np.empty((n, n, 3), np.uint8)
    img[:] = skin_rgb

    def to_px(p):
        return ((p[0] + extent_mm) * px_per_mm_plane, (p[1] + extent_mm) * px_per_mm_plane)

    mask = np.zeros((n, n), np.uint8)
    cx, cy = to_px(disk_centre_mm)
    cv2.circle(mask, (int(round(cx * 16)), int(round(cy * 16))), int(round(disk_radius_mm * px_per_mm_plane * 16)),
               255, -1, lineType=cv2.LINE_AA, shift=4)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    img = (img * (1 - alpha) + np.array(red_rgb, np.float32) * alpha).astype(np.uint8)
    if with_card:
        card = 26.0
        x0, y0 = to_px((card_at_mm[0] - card / 2, card_at_mm[1] - card / 2))
        side = int(card * px_per_mm_plane)
        img[int(y0):int(y0) + side, int(x0):int(x0) + side] = 235
        dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
        mside = int(round(marker_mm * px_per_mm_plane))
        marker = cv2.aruco.generateImageMarker(dictionary, marker_id, mside)
        mx, my = to_px((card_at_mm[0] - marker_mm / 2, card_at_mm[1] - marker_mm / 2))
        img[int(round(my)):int(round(my)) + mside, int(round(mx)):int(round(mx)) + mside] = marker[..., None]
    return img, mask > 127, float(px_per_mm_plane)


def photograph(plane_rgb: np.ndarray, plane_px_per_mm: float, extent_mm: float, h_mm_to_img: np.ndarray,
               size: tuple[int, int]) -> np.ndarray:
    """Warp the plane texture into the camera image."""
    # plane texture px -> plane mm
    s = 1.0 / plane_px_per_mm
    tex_to_mm = np.array([[s, 0, -extent_mm], [0, s, -extent_mm], [0, 0, 1]])
    return cv2.warpPerspective(plane_rgb, h_mm_to_img @ tex_to_mm, size, flags=cv2.INTER_AREA,
                               borderMode=cv2.BORDER_REPLICATE)
