"""Exact ground truth of a synthetic photo: half-maximum areas on the skin plane, masks, regions.

The border of a lesion is its half-maximum contour {f >= 0.5} (the project's border
definition). Areas are measured on the skin plane in mm²: exactly (shoelace formula on a
4096-vertex contour) for a lesion that touches no other, else by counting a 40 samples/mm
raster of the union. The image mask is the same set seen through the camera: a pixel is in
when its centre maps (through the inverse homography) inside a lesion's contour.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull
from skimage.color import xyz2lab

from sample_images import scene
from sample_images.scene import Lesion

SAMPLES_PER_MM = 40
CONTOUR_VERTICES = 4096
BLURRED_DEFOCUS_PX = 3.0
BLURRED_GAUSSIAN_PX = 2.5
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])


def contour_mm(lesion: Lesion, n: int = CONTOUR_VERTICES) -> np.ndarray:
    """Vertices (n, 2) of the half-maximum contour on the skin plane, counter-clockwise."""
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    g = lesion.contour(theta)
    x, y = lesion.semi_axes_mm[0] * g * np.cos(theta), lesion.semi_axes_mm[1] * g * np.sin(theta)
    c, s = np.cos(np.radians(lesion.angle_deg)), np.sin(np.radians(lesion.angle_deg))
    return np.column_stack([c * x - s * y, s * x + c * y]) + lesion.center_mm


def polygon_area(points: np.ndarray) -> float:
    """Shoelace area of a simple polygon (N, 2)."""
    x, y = points[:, 0], points[:, 1]
    return float(0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def max_diameter(points: np.ndarray) -> float:
    """Largest distance between two of the points (maximum Feret diameter)."""
    hull = points[ConvexHull(points).vertices] if len(points) > 3 else points
    hull = hull[:: max(1, len(hull) // 600)]
    d = hull[:, None, :] - hull[None, :, :]
    return float(np.sqrt((d ** 2).sum(-1)).max())


def truth_mask(lesions: tuple[Lesion, ...], homography: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bool (height, width) mask: pixel centres inside any lesion's half-maximum contour."""
    mask = np.zeros((height, width), bool)
    inverse = np.linalg.inv(homography)
    for les in lesions:
        xy = scene.project(homography, contour_mm(les, 256))
        x0, y0 = np.maximum(np.floor(xy.min(0)).astype(int) - 2, 0)
        x1, y1 = np.minimum(np.ceil(xy.max(0)).astype(int) + 3, [width, height])
        if x1 <= x0 or y1 <= y0:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        uv = scene.project(inverse, np.column_stack([xx.ravel(), yy.ravel()]))
        inside = les.rho(uv[:, 0], uv[:, 1]) <= 1.0
        mask[y0:y1, x0:x1] |= inside.reshape(yy.shape)
    return mask


def _union_raster(lesions: tuple[Lesion, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Label raster of the lesions' union at SAMPLES_PER_MM, with its u and v sample axes."""
    pts = np.vstack([contour_mm(les, 512) for les in lesions])
    lo, hi = pts.min(0) - 0.5, pts.max(0) + 0.5
    step = 1.0 / SAMPLES_PER_MM
    u = np.arange(lo[0] + step / 2, hi[0], step)
    v = np.arange(lo[1] + step / 2, hi[1], step)
    owner = np.full((v.size, u.size), -1, int)
    for i, les in enumerate(lesions):
        owner[les.rho(u[None, :], v[:, None]) <= 1.0] = i
    labels, _ = ndimage.label(owner >= 0)
    return labels, owner, np.stack(np.meshgrid(u, v), -1)


def lab_of_linear(rgb_lin: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of linear sRGB values (..., 3), not clipped."""
    return xyz2lab(np.asarray(rgb_lin, float) @ _SRGB_TO_XYZ.T)


def delta_a(lesion: Lesion, fitzpatrick: int, level: float) -> float:
    """a* excess where f == level over the same skin without the lesion (white = the card).

    Noise-free, under D65 with perfect white balance on the card white (0.85).
    """
    base_od = scene.MELANIN[fitzpatrick] * scene.EPS_MELANIN + scene.BASELINE_HB * scene.EPS_OXY_HB
    amp = lesion.amplitude * level
    if lesion.kind == "erythema":
        extra = amp * scene.EPS_OXY_HB
    else:
        extra = (amp * (1 - 0.6 * lesion.age) * scene.EPS_DEOXY_HB + amp * 0.25 * scene.EPS_OXY_HB
                 + amp * 1.5 * lesion.age * scene.EPS_BILIRUBIN)
    skin = scene.BASE_REFLECTANCE * np.exp(-base_od) / scene.CARD_WHITE
    lesioned = scene.BASE_REFLECTANCE * np.exp(-(base_od + extra)) / scene.CARD_WHITE
    return float(lab_of_linear(lesioned)[1] - lab_of_linear(skin)[1])


def _region(lesions: tuple[Lesion, ...], members: list[int], pts_mm: np.ndarray,
            homography: np.ndarray, fitzpatrick: int) -> dict:
    """Truth of one connected red region."""
    if len(members) == 1:
        contour = contour_mm(lesions[members[0]])
        area_mm2, method = polygon_area(contour), "analytic_contour"
        diameter = max_diameter(contour[::4])
    else:
        area_mm2 = pts_mm.shape[0] / SAMPLES_PER_MM ** 2
        diameter, method = max_diameter(pts_mm) + 1.0 / SAMPLES_PER_MM, f"raster_{SAMPLES_PER_MM}_per_mm"
    sub = pts_mm[:: max(1, pts_mm.shape[0] // 20000)]
    weight = scene.local_px_per_mm(homography, sub) ** 2
    centroid = (scene.project(homography, sub) * weight[:, None]).sum(0) / weight.sum()
    main = max(members, key=lambda i: np.prod(lesions[i].semi_axes_mm))
    kinds = {lesions[i].kind for i in members}
    return {
        "kind": "bruise" if "bruise" in kinds else "erythema",
        "area_mm2": round(area_mm2, 4),
        "area_px": round(float(weight.mean()) * area_mm2, 1),
        "max_diameter_mm": round(diameter, 3),
        "centroid_px": [round(float(c), 2) for c in centroid],
        "centroid_mm": [round(float(c), 3) for c in pts_mm.mean(0)],
        "peak_delta_a": round(delta_a(lesions[main], fitzpatrick, 1.0), 2),
        "border_delta_a": round(delta_a(lesions[main], fitzpatrick, 0.5), 2),
        "area_method": method,
    }


def regions(lesions: tuple[Lesion, ...], homography: np.ndarray, fitzpatrick: int) -> list[dict]:
    """One truth record per connected component of the union of half-maximum sets."""
    if not lesions:
        return []
    labels, owner, uv = _union_raster(lesions)
    out = []
    for k in range(1, labels.max() + 1):
        sel = labels == k
        members = sorted(set(owner[sel].tolist()))
        out.append(_region(lesions, members, uv[sel], homography, fitzpatrick))
    return sorted(out, key=lambda r: -r["area_mm2"])


def photo_truth(spec, lesions: tuple[Lesion, ...], homography: np.ndarray,
                mask: np.ndarray, card: tuple[np.ndarray, float] | None, px_per_mm: float) -> dict:
    """The ground-truth record of one rendered photo (upright frame, JSON-ready)."""
    regs = regions(lesions, homography, spec.skin.fitzpatrick)
    site_scale = float(scene.local_px_per_mm(homography, np.zeros((1, 2)))[0])
    truth = {
        "fitzpatrick": spec.skin.fitzpatrick,
        "has_card": spec.has_card,
        "marker_id": spec.marker_id if card else None,
        "marker_mm": scene.MARKER_MM if card else None,
        "mm_per_px": None,
        "mm_per_px_at_site": round(1 / site_scale, 6),
        "tilt_deg": round(spec.tilt_deg, 3),
        "tilt_azimuth_deg": round(spec.tilt_azimuth_deg, 3),
        "rotation_deg": round(spec.rotation_deg, 3),
        "illuminant": spec.illuminant,
        "exposure": round(spec.exposure, 3),
        "awb_strength": round(spec.awb_strength, 3),
        "gaussian_blur_px": round(spec.gaussian_blur_px, 3),
        "defocus_px": round(spec.defocus_px, 3),
        "blurred": spec.defocus_px >= BLURRED_DEFOCUS_PX or spec.gaussian_blur_px >= BLURRED_GAUSSIAN_PX,
        "area_mm2": round(sum(r["area_mm2"] for r in regs), 4),
        "area_px": int(mask.sum()),
        "regions": regs,
        "bumps": [_bump(b, homography) for b in spec.bumps],
        "site_center_px": [round(float(c), 2) for c in scene.project(homography, np.zeros((1, 2)))[0]],
        "homography": [[float(x) for x in row] for row in homography],
        "border_definition": "half-maximum contour {f >= 0.5} of each lesion's excess profile, on the skin plane",
    }
    if card is not None:
        center, angle = card
        scale = float(scene.local_px_per_mm(homography, center[None])[0])
        truth["mm_per_px"] = round(1 / scale, 6)
        truth["marker_corners_px"] = _rounded(scene.project(
            homography, scene.card_corners_mm(center, angle, scene.MARKER_MM / 2)))
        truth["card_center_px"] = _rounded(scene.project(homography, center[None]))[0]
    return truth


def _bump(bump: "scene.Bump", homography: np.ndarray) -> dict:
    c = np.asarray(bump.center_mm, float)[None]
    scale = float(scene.local_px_per_mm(homography, c)[0])
    return {"diameter_mm": bump.diameter_mm, "diameter_px": round(bump.diameter_mm * scale, 2),
            "height_mm": bump.height_mm, "centroid_px": _rounded(scene.project(homography, c))[0],
            "centroid_mm": list(bump.center_mm)}


def _rounded(points: np.ndarray) -> list[list[float]]:
    return [[round(float(x), 2) for x in p] for p in points]
