"""Physically motivated renderer of synthetic injection-site photos with exact ground truth.

The skin is a plane in millimetre coordinates (the injection site at the origin, v pointing
"up" on the skin). Its colour follows an optical-density model in linear RGB [1]_,

    reflectance_c = base_c * exp(-(melanin * eps_mel_c + oxy_hb * eps_oxy_c
                                   + deoxy_hb * eps_deoxy_c + bilirubin * eps_bili_c)),

with relative absorptions after [2]_, so the same excess haemoglobin gives a smaller CIELAB
a* excess on darker skin, as in real photos. Lesions add chromophore with a smooth profile
f in [0, 1]; the ground-truth border is the half-maximum contour {f >= 0.5}. A pinhole camera
maps the plane into the photo by a homography [3]_; illuminant, partial auto white balance,
blur, sensor noise and the sRGB tone curve follow.

References
----------
.. [1] Tsumura N. et al. (1999), "Independent-component analysis of skin color image",
   J. Opt. Soc. Am. A 16(9):2169-2176.
.. [2] Jacques S. L. (2013), "Optical properties of biological tissues: a review",
   Phys. Med. Biol. 58:R37.
.. [3] Hartley R., Zisserman A., "Multiple View Geometry in Computer Vision", 2nd ed.,
   sections 2.3 and 8.1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from sample_images import scene
from sample_images import truth as truth_mod
from sample_images.scene import (CARD_INK, CARD_MM, CARD_WHITE, MARKER_MM, Bump, Lesion, SkinSpec,
                                  card_corners_mm, local_px_per_mm, project)

FOCAL_PX = 1500.0
SUPERSAMPLE = 2
PLANE_OVERSAMPLE = 1.25
MAX_PLANE_PIXELS = 6_000_000

#: Illuminant colour in linear camera RGB (relative), warm incandescent to cool shade.
ILLUMINANTS: dict[str, tuple[float, float, float]] = {
    "incandescent_2700k": (1.00, 0.66, 0.36),
    "warm_white_3500k": (1.00, 0.80, 0.58),
    "daylight_5500k": (1.00, 0.98, 0.92),
    "overcast_6500k": (0.93, 0.98, 1.00),
    "shade_7000k": (0.84, 0.95, 1.10),
    "fluorescent_green": (0.86, 1.00, 0.74),
}


@dataclass(frozen=True)
class PhotoSpec:
    """Everything that determines one synthetic photo (same spec, same pixels).

    Geometry is on the skin plane in mm with the site at the origin. ``card_center_mm`` and
    ``card_angle_deg`` default to a seeded placement 1-3 cm from the site.
    """

    skin: SkinSpec = field(default_factory=SkinSpec)
    lesions: tuple[Lesion, ...] = ()
    bumps: tuple[Bump, ...] = ()
    has_card: bool = True
    marker_id: int = 0
    card_center_mm: tuple[float, float] | None = None
    card_angle_deg: float | None = None
    px_per_mm: float = 14.0
    tilt_deg: float = 0.0
    tilt_azimuth_deg: float = 0.0
    rotation_deg: float = 0.0
    illuminant: str = "daylight_5500k"
    exposure: float = 1.0
    awb_strength: float = 0.6
    light_azimuth_deg: float = 135.0
    light_falloff: float = 0.25
    gaussian_blur_px: float = 0.0
    defocus_px: float = 0.0
    noise: float = 1.0
    sheen: float = 0.0
    seed: int = 0
    width: int = 1600
    height: int = 1200

    def __post_init__(self) -> None:
        if self.illuminant not in ILLUMINANTS:
            raise ValueError(f"illuminant must be one of {sorted(ILLUMINANTS)}, got {self.illuminant!r}")
        if not 0 <= self.marker_id <= 49:
            raise ValueError(f"marker_id must be a DICT_4X4_50 id (0..49), got {self.marker_id}")


# --- camera ---------------------------------------------------------------------------

def camera_homography(spec: PhotoSpec, target_mm: np.ndarray, px_per_mm: float) -> np.ndarray:
    """Homography (3, 3) mapping skin-plane mm (u, v, 1) to upright image px (x, y, 1).

    The camera looks at ``target_mm`` from distance FOCAL_PX / px_per_mm, its axis tilted
    ``tilt_deg`` from the skin normal towards ``tilt_azimuth_deg``, rolled by ``rotation_deg``.
    """
    tilt, az, roll = np.radians([spec.tilt_deg, spec.tilt_azimuth_deg, spec.rotation_deg])
    dist = FOCAL_PX / px_per_mm
    target = np.array([target_mm[0], target_mm[1], 0.0])
    centre = target + dist * np.array([np.sin(tilt) * np.cos(az), np.sin(tilt) * np.sin(az), np.cos(tilt)])
    z_c = (target - centre) / dist
    x_c = np.array([1.0, 0.0, 0.0]) - z_c[0] * z_c
    x_c /= np.linalg.norm(x_c)
    y_c = np.cross(z_c, x_c)
    x_r, y_r = np.cos(roll) * x_c + np.sin(roll) * y_c, -np.sin(roll) * x_c + np.cos(roll) * y_c
    rot = np.stack([x_r, y_r, z_c])
    k = np.array([[FOCAL_PX, 0, (spec.width - 1) / 2], [0, FOCAL_PX, (spec.height - 1) / 2], [0, 0, 1]])
    homography = k @ np.column_stack([rot[:, 0], rot[:, 1], -rot @ centre])
    return homography / homography[2, 2]








def frame_camera(spec: PhotoSpec, card_center: np.ndarray, card_angle: float,
                 site_radius: float) -> tuple[np.ndarray, float]:
    """Choose the camera target and scale so site and card are fully in the frame."""
    ring = np.stack([np.cos(np.linspace(0, 2 * np.pi, 24)), np.sin(np.linspace(0, 2 * np.pi, 24))], 1)
    must_see = site_radius * ring
    if spec.has_card:
        must_see = np.vstack([must_see, card_corners_mm(card_center, card_angle, CARD_MM / 2 + 2)])
    rng = np.random.default_rng(spec.seed + 7)
    target = (card_center * 0.5 if spec.has_card else np.zeros(2)) + rng.normal(0, 2.0, 2)
    scale = spec.px_per_mm
    margin = 0.06 * spec.width
    for _ in range(40):
        homography = camera_homography(spec, target, scale)
        xy = project(homography, must_see)
        inside = (xy[:, 0] > margin) & (xy[:, 0] < spec.width - margin)
        inside &= (xy[:, 1] > margin) & (xy[:, 1] < spec.height - margin)
        if inside.all():
            return homography, scale
        scale *= 0.94
    raise ValueError("could not frame the site and the card; lower px_per_mm or tilt")


# --- the skin plane -------------------------------------------------------------------

def plane_grid(homography: np.ndarray, spec: PhotoSpec) -> tuple[np.ndarray, float]:
    """Origin (u0, v0) in mm and resolution (px/mm) of the plane raster covering the photo."""
    w, h = spec.width, spec.height
    border = np.array([[-8, -8], [w + 8, -8], [w + 8, h + 8], [-8, h + 8], [w / 2, h / 2]], float)
    corners = project(np.linalg.inv(homography), border)
    lo, hi = corners.min(0), corners.max(0)
    res = PLANE_OVERSAMPLE * local_px_per_mm(homography, corners).max()
    res = min(res, np.sqrt(MAX_PLANE_PIXELS / np.prod(hi - lo)))
    return np.array([lo, hi]), float(res)


def warp_to_image(plane: np.ndarray, homography: np.ndarray, lo: np.ndarray, res: float,
                  spec: PhotoSpec) -> np.ndarray:
    """Resample a plane raster into the photo frame (supersampled, then area-averaged)."""
    k = SUPERSAMPLE
    grid_to_mm = np.array([[1 / res, 0, lo[0]], [0, 1 / res, lo[1]], [0, 0, 1]])
    to_ss = np.array([[k, 0, (k - 1) / 2], [0, k, (k - 1) / 2], [0, 0, 1]])
    m = to_ss @ homography @ grid_to_mm
    big = cv2.warpPerspective(plane, m, (spec.width * k, spec.height * k), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)
    return cv2.resize(big, (spec.width, spec.height), interpolation=cv2.INTER_AREA)


def render_card(refl: np.ndarray, lo: np.ndarray, res: float, center: np.ndarray, angle: float,
                marker_id: int, light_az: float) -> None:
    """Draw the white card with its ArUco marker onto the plane reflectance, in place."""
    tex_res = int(np.ceil(res))  # integer texture px/mm keeps 26 mm and 20 mm exact
    n, m_px = int(CARD_MM * tex_res), int(MARKER_MM * tex_res)
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    cells = cv2.aruco.generateImageMarker(dictionary, marker_id, 6).astype(np.float32) / 255
    marker = cv2.resize(cells, (m_px, m_px), interpolation=cv2.INTER_NEAREST)
    tex = np.full((n, n), CARD_WHITE, np.float32)
    off = (n - m_px) // 2
    tex[off:off + m_px, off:off + m_px] = CARD_INK + (CARD_WHITE - CARD_INK) * marker
    # texture px -> card mm (y up) -> plane mm -> plane raster px
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    h = CARD_MM / 2
    tex_to_card = np.array([[1 / tex_res, 0, 0.5 / tex_res - h], [0, -1 / tex_res, h - 0.5 / tex_res], [0, 0, 1]])
    card_to_plane = np.array([[c, -s, center[0]], [s, c, center[1]], [0, 0, 1]])
    plane_to_grid = np.array([[res, 0, -lo[0] * res], [0, res, -lo[1] * res], [0, 0, 1]])
    pad = int(3 * res)
    corners = (card_corners_mm(center, angle, CARD_MM / 2) - lo) * res
    x0, y0 = np.floor(corners.min(0)).astype(int) - pad
    x1, y1 = np.ceil(corners.max(0)).astype(int) + pad
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]])
    m = (shift @ plane_to_grid @ card_to_plane @ tex_to_card)[:2]
    size = (x1 - x0, y1 - y0)
    card = cv2.warpAffine(tex, m, size, flags=cv2.INTER_LINEAR, borderValue=0)
    cover = cv2.warpAffine(np.ones_like(tex), m, size, flags=cv2.INTER_LINEAR, borderValue=0)
    dx, dy = -0.35 * res * np.cos(np.radians(light_az)), -0.35 * res * np.sin(np.radians(light_az))
    shadow = cv2.GaussianBlur(cv2.warpAffine(cover, np.float32([[1, 0, dx], [0, 1, dy]]), size),
                              (0, 0), 0.35 * res)
    ys, xs = slice(max(y0, 0), y1), slice(max(x0, 0), x1)
    win = refl[ys, xs]
    sub = (slice(ys.start - y0, ys.start - y0 + win.shape[0]), slice(xs.start - x0, xs.start - x0 + win.shape[1]))
    cov, shd, crd = cover[sub][..., None], shadow[sub][..., None], card[sub][..., None]
    win *= 1 - 0.35 * shd * (1 - cov)
    win[:] = win * (1 - cov) + crd * cov


def render_plane(spec: PhotoSpec, lesions: tuple[Lesion, ...], lo: np.ndarray, hi: np.ndarray, res: float,
                 card: tuple[np.ndarray, float] | None) -> np.ndarray:
    """Linear reflectance (rows along +v, cols along +u) of the lit skin plane, float32."""
    shape = (int(np.ceil((hi[1] - lo[1]) * res)), int(np.ceil((hi[0] - lo[0]) * res)))
    u = (lo[0] + np.arange(shape[1]) / res).astype(np.float32)[None, :]
    v = (lo[1] + np.arange(shape[0]) / res).astype(np.float32)[:, None]
    refl = scene.skin_reflectance(spec.skin, lesions, spec.bumps, u, v, res, spec.seed,
                                  spec.light_azimuth_deg)
    if card is not None:
        render_card(refl, lo, res, card[0], card[1], spec.marker_id, spec.light_azimuth_deg)
    az = np.radians(spec.light_azimuth_deg)
    falloff = 1 + spec.light_falloff * (u * np.cos(az) + v * np.sin(az)) / 100.0
    falloff = falloff - 0.35 * spec.light_falloff * ((u / 100.0) ** 2 + (v / 100.0) ** 2)
    refl *= np.clip(falloff, 0.35, 1.4)[..., None]
    return refl


# --- the camera pipeline --------------------------------------------------------------

def disk_kernel(radius_px: float) -> np.ndarray:
    """Normalised anti-aliased disk (defocus point-spread function)."""
    n = int(np.ceil(radius_px)) * 2 + 3
    yy, xx = np.mgrid[:n, :n] - (n - 1) / 2
    kernel = np.clip(radius_px + 0.5 - np.hypot(xx, yy), 0, 1).astype(np.float32)
    return kernel / kernel.sum()


def expose(scene_lin: np.ndarray, spec: PhotoSpec, rng: np.random.Generator) -> np.ndarray:
    """Illuminant, optics, sensor noise, partial AWB, auto exposure and sRGB encoding."""
    illum = np.asarray(ILLUMINANTS[spec.illuminant], np.float32)
    raw = scene_lin * illum
    h, w = spec.height, spec.width
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    r2 = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / (0.5 * np.hypot(w, h)) ** 2
    raw *= (1 - 0.22 * r2)[..., None]
    if spec.defocus_px > 0:
        raw = cv2.filter2D(raw, -1, disk_kernel(spec.defocus_px), borderType=cv2.BORDER_REFLECT)
    if spec.gaussian_blur_px > 0:
        raw = cv2.GaussianBlur(raw, (0, 0), spec.gaussian_blur_px)
    # Partial auto exposure: brightens dark scenes, but less than a full grey-world AE.
    luma = max(float(np.median(scene_lin @ np.float32([0.2, 0.7, 0.1]))), 1e-3)
    gain = (0.45 / luma) ** 0.35 / float(illum @ np.float32([0.2, 0.7, 0.1]))
    gain = min(gain, 0.97 / (CARD_WHITE * illum.max()))
    raw = raw * gain
    sigma = np.sqrt(0.0006 * spec.noise * np.clip(raw, 0, None) + (0.004 * spec.noise) ** 2)
    raw = raw + sigma * rng.standard_normal(raw.shape, dtype=np.float32)
    awb = (illum / illum[1]) ** -spec.awb_strength
    lin = raw * awb * spec.exposure
    lin = lin @ np.float32([[1.06, -0.04, -0.02], [-0.03, 1.05, -0.02], [-0.02, -0.04, 1.06]]).T
    return srgb_encode(lin, sharpen=0.5)


def srgb_encode(lin: np.ndarray, *, sharpen: float = 0.0) -> np.ndarray:
    """Linear RGB in [0, 1] (clipped) to sRGB uint8 (IEC 61966-2-1), with the unsharp
    masking phone cameras apply after the tone curve."""
    lin = np.clip(lin, 0, 1)
    enc = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.power(lin, 1 / 2.4) - 0.055)
    if sharpen:
        enc = enc + sharpen * (enc - cv2.GaussianBlur(enc, (0, 0), 1.2))
    return np.clip(enc * 255 + 0.5, 0, 255).astype(np.uint8)


def place_card(spec: PhotoSpec, site_radius: float) -> tuple[np.ndarray, float]:
    """Card centre (mm) and angle: given, or seeded 1-3 cm beside the site, never over it."""
    rng = np.random.default_rng(spec.seed + 3)
    angle = float(spec.card_angle_deg if spec.card_angle_deg is not None else rng.uniform(0, 360))
    if spec.card_center_mm is not None:
        return np.asarray(spec.card_center_mm, float), angle
    direction = rng.uniform(0, 2 * np.pi)
    dist = site_radius + CARD_MM / np.sqrt(2) + rng.uniform(8, 18)
    return dist * np.array([np.cos(direction), np.sin(direction)]), angle


def render_photo(spec: PhotoSpec) -> tuple[np.ndarray, dict, np.ndarray]:
    """Render one photo and its ground truth.

    Parameters
    ----------
    spec : PhotoSpec
        The scene, camera and light.

    Returns
    -------
    rgb : (height, width, 3) uint8 ndarray
        The upright photo (sRGB), before JPEG compression.
    truth : dict
        Ground truth in the upright frame (see :func:`sample_images.truth.photo_truth`).
    mask : (height, width) bool ndarray
        Pixels whose centre lies inside a lesion's half-maximum contour.

    Examples
    --------
    >>> rgb, truth, mask = render_photo(PhotoSpec(lesions=(Lesion("erythema", (0, 0), (5, 5)),)))
    >>> round(truth["area_mm2"], 2)
    78.54
    """
    lesions = spec.lesions + tuple(scene.bump_lesion(b) for b in spec.bumps)
    site_radius = max([8.0] + [scene.lesion_extent_mm(les) for les in lesions])
    card_center, card_angle = place_card(spec, site_radius)
    homography, px_per_mm = frame_camera(spec, card_center, card_angle, site_radius)
    (lo, hi), res = plane_grid(homography, spec)
    card = (card_center, card_angle) if spec.has_card else None
    plane = render_plane(spec, lesions, lo, hi, res, card)
    scene_lin = warp_to_image(plane, homography, lo, res, spec)
    rgb = expose(scene_lin, spec, np.random.default_rng(spec.seed + 11))
    mask = truth_mod.truth_mask(lesions, homography, spec.width, spec.height)
    truth = truth_mod.photo_truth(spec, lesions, homography, mask, card, px_per_mm)
    return rgb, truth, mask
