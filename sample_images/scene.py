"""The skin plane: chromophore model, skin texture, lesions and bumps, in millimetres.

Every function here works on plane coordinates ``u`` (columns, mm) and ``v`` (rows, mm)
given as broadcastable float32 arrays; the raster resolution ``res`` (px/mm) is only used
to size fine texture, so the same skin (same ``SkinSpec.seed``) looks the same on every
photo of a series whatever the camera distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import cv2
import numpy as np

#: Per-channel (linear R, G, B) absorption of each chromophore, relative units [1], [2]
#: of :mod:`sample_images.render`. Melanin falls off towards red; oxy-haemoglobin absorbs
#: green and blue, hardly red; deoxy-haemoglobin (fresh bruise) also absorbs red, making
#: it darker and purple-blue; bilirubin (old bruise) absorbs blue, making it yellow.
EPS_MELANIN = np.array([1.0, 1.19, 1.32], np.float32)
EPS_OXY_HB = np.array([0.08, 1.0, 0.70], np.float32)
EPS_DEOXY_HB = np.array([0.55, 0.95, 0.45], np.float32)
EPS_BILIRUBIN = np.array([0.02, 0.22, 1.0], np.float32)
BASE_REFLECTANCE = np.array([0.99, 0.97, 0.62], np.float32)
BASELINE_HB = 0.45
#: Mean melanin optical density per Fitzpatrick type, fitted to typical skin colours
#: (type I about sRGB (238, 204, 184) to type VI about (80, 54, 40)).
MELANIN = {1: 0.03, 2: 0.21, 3: 0.53, 4: 1.0, 5: 1.65, 6: 2.36}
NOISE_DOMAIN_MM = 160.0
CARD_MM = 26.0
MARKER_MM = 20.0
CARD_WHITE = 0.85
CARD_INK = 0.035

LesionKind = Literal["erythema", "bruise"]


@dataclass(frozen=True)
class SkinSpec:
    """The patch of skin: type, texture seed, and distractors (moles, freckles, hair).

    ``mottling`` scales the skin's own melanin and blood variation (1: the default skin;
    0: evenly coloured skin, which benchmarks/accuracy.py uses to measure what that
    variation alone costs the measurement).
    """

    fitzpatrick: int = 2
    seed: int = 0
    moles: int = 3
    freckles: int = 20
    hairs: int = 0
    mottling: float = 1.0

    def __post_init__(self) -> None:
        if self.fitzpatrick not in MELANIN:
            raise ValueError(f"fitzpatrick must be 1..6, got {self.fitzpatrick}")


@dataclass(frozen=True)
class Lesion:
    """Excess chromophore with profile f = exp(-ln2 * rho**(2 * edge_order)).

    ``rho`` is the elliptical radius (semi-axes ``semi_axes_mm``, rotated ``angle_deg``)
    divided by the contour wobble 1 + sum_k wobble[k] cos((k + 2) theta + phase[k]), so the
    half-maximum contour {f >= 0.5} is exactly {rho <= 1}. ``amplitude`` is the peak optical
    density added; for bruises ``age`` runs from 0 (fresh, deoxy-Hb, purple-blue) to 1
    (yellow-green, bilirubin), keeping some haemoglobin while the bruise is counted.
    """

    kind: LesionKind
    center_mm: tuple[float, float]
    semi_axes_mm: tuple[float, float]
    angle_deg: float = 0.0
    amplitude: float = 0.5
    edge_order: float = 1.5
    wobble: tuple[float, ...] = ()
    wobble_phase: tuple[float, ...] = ()
    age: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("erythema", "bruise"):
            raise ValueError(f"kind must be 'erythema' or 'bruise', got {self.kind!r}")
        if min(self.semi_axes_mm) <= 0:
            raise ValueError(f"semi_axes_mm must be positive, got {self.semi_axes_mm}")
        if sum(abs(w) for w in self.wobble) >= 0.6:
            raise ValueError("sum of |wobble| must stay below 0.6 to keep the contour star-shaped")

    def rho(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Normalised radius; the half-maximum contour is rho == 1."""
        c, s = np.cos(np.radians(self.angle_deg)), np.sin(np.radians(self.angle_deg))
        du, dv = u - self.center_mm[0], v - self.center_mm[1]
        x = (du * c + dv * s) / self.semi_axes_mm[0]
        y = (-du * s + dv * c) / self.semi_axes_mm[1]
        return np.hypot(x, y) / self.contour(np.arctan2(y, x))

    def contour(self, theta: np.ndarray) -> np.ndarray:
        """Radial factor g(theta) of the half-maximum contour in normalised coordinates."""
        g = np.ones_like(theta)
        for k, (amp, phase) in enumerate(zip(self.wobble, self.wobble_phase or (0.0,) * 9)):
            g = g + amp * np.cos((k + 2) * theta + phase)
        return g

    def profile(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """f in [0, 1]: 1 at the centre, 0.5 on the border."""
        return np.exp(-np.log(2) * self.rho(u, v) ** (2 * self.edge_order)).astype(np.float32)


@dataclass(frozen=True)
class Bump:
    """A small dome (papule / wheal) with mild redness around it."""

    center_mm: tuple[float, float]
    diameter_mm: float = 5.0
    height_mm: float = 0.35
    redness: float = 0.3


def bump_lesion(bump: Bump) -> Lesion:
    """The mild erythema that comes with a bump (part of the red-area ground truth)."""
    r = 0.62 * bump.diameter_mm
    return Lesion("erythema", bump.center_mm, (r, r * 0.9), amplitude=bump.redness, edge_order=1.2)


def lesion_extent_mm(lesion: Lesion) -> float:
    """Distance from the origin that contains the visible lesion (1.6 x its border)."""
    reach = 1.6 * max(lesion.semi_axes_mm) * (1 + sum(abs(w) for w in lesion.wobble))
    return float(np.hypot(*lesion.center_mm) + reach)


def _noise(rng: np.random.Generator, n: int, sigma_px: float) -> np.ndarray:
    field = cv2.GaussianBlur(rng.standard_normal((n, n)).astype(np.float32), (0, 0), sigma_px)
    return field / (field.std() + 1e-6)


def _sample(field: np.ndarray, spacing_mm: float, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Sample a fixed noise raster (covering +-NOISE_DOMAIN_MM) at plane raster points."""
    res = 1.0 / float(u[0, 1] - u[0, 0]) if u.shape[1] > 1 else 1.0
    m = np.float32([[1 / (res * spacing_mm), 0, (u[0, 0] + NOISE_DOMAIN_MM) / spacing_mm],
                    [0, 1 / (res * spacing_mm), (v[0, 0] + NOISE_DOMAIN_MM) / spacing_mm]])
    return cv2.warpAffine(field, m, (u.shape[1], v.shape[0]), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT)


@lru_cache(maxsize=4)
def _mottling_fields(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Relative melanin and haemoglobin variation on a fixed 0.25 mm raster (+-160 mm)."""
    rng = np.random.default_rng(seed)
    n_lo, n_mid = int(2 * NOISE_DOMAIN_MM), int(2 * NOISE_DOMAIN_MM / 0.25)
    up = (n_mid, n_mid)
    lo_m = cv2.resize(_noise(rng, n_lo, 7.0), up, interpolation=cv2.INTER_CUBIC)
    lo_h = cv2.resize(_noise(rng, n_lo, 4.0), up, interpolation=cv2.INTER_CUBIC)
    mel = 0.07 * lo_m + 0.05 * _noise(rng, n_mid, 5.0)
    hb = 0.08 * lo_h + 0.05 * _noise(rng, n_mid, 3.0)
    return mel, hb


def _mottling(skin: SkinSpec, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relative melanin and haemoglobin variation (same on every photo of the skin)."""
    mel, hb = _mottling_fields(skin.seed)
    return _sample(mel, 0.25, u, v), _sample(hb, 0.25, u, v)


def _spots(skin: SkinSpec, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Extra melanin of moles (dark brown, 1-5 mm) and freckles (light brown, < 1.5 mm)."""
    rng = np.random.default_rng(skin.seed + 1)
    out = np.zeros((v.shape[0], u.shape[1]), np.float32)
    specs = [(rng.uniform(0.8, 2.4), rng.uniform(0.9, 1.8), 3.0) for _ in range(skin.moles)]
    specs += [(rng.uniform(0.25, 0.75), rng.uniform(0.15, 0.4), 1.5) for _ in range(skin.freckles)]
    for radius, amp, order in specs:
        dist, ang = rng.uniform(9, 45), rng.uniform(0, 2 * np.pi)
        c = (dist * np.cos(ang), dist * np.sin(ang))
        spot = Lesion("erythema", c, (radius, radius * rng.uniform(0.75, 1.0)), rng.uniform(0, 180),
                      edge_order=order)
        _add_windowed(out, spot, amp, u, v)
    return out


def _add_windowed(out: np.ndarray, lesion: Lesion, amp: float, u: np.ndarray, v: np.ndarray) -> None:
    """out += amp * f only inside the lesion's bounding window (fast for small spots)."""
    reach = 2.5 * max(lesion.semi_axes_mm) * (1 + sum(abs(w) for w in lesion.wobble))
    cols = np.flatnonzero(np.abs(u[0] - lesion.center_mm[0]) < reach)
    rows = np.flatnonzero(np.abs(v[:, 0] - lesion.center_mm[1]) < reach)
    if cols.size and rows.size:
        win = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
        out[win] += amp * lesion.profile(u[:, win[1]], v[win[0], :])


def _hair(skin: SkinSpec, u: np.ndarray, v: np.ndarray, res: float) -> np.ndarray:
    """Coverage (0..1) of thin dark hairs drawn as anti-aliased curves."""
    rng = np.random.default_rng(skin.seed + 2)
    cover = np.zeros((v.shape[0], u.shape[1]), np.uint8)
    flow = rng.uniform(0, np.pi)
    for _ in range(skin.hairs):
        start = rng.uniform(-50, 50, 2)
        length, bend = rng.uniform(6, 22), rng.normal(0, 0.06)
        heading = flow + rng.normal(0, 0.25) + np.cumsum(np.full(24, bend))
        pts = start + np.cumsum(np.stack([np.cos(heading), np.sin(heading)], 1) * length / 24, 0)
        px = ((pts - [u[0, 0], v[0, 0]]) * res * 16).astype(np.int32)
        thick = max(1, int(round(rng.uniform(0.05, 0.09) * res)))
        cv2.polylines(cover, [px], False, 255, thick, cv2.LINE_AA, shift=4)
    return cover.astype(np.float32) / 255


def _creases(rng: np.random.Generator, shape: tuple[int, int], res: float) -> np.ndarray:
    """Skin-line network (0..1): zero-crossings of two elongated random fields at ~65 deg."""
    out = np.zeros(shape, np.float32)
    angle0 = rng.uniform(0, 180)
    for angle in (angle0, angle0 + 65):
        field = cv2.GaussianBlur(rng.standard_normal(shape, dtype=np.float32), (0, 0),
                                 sigmaX=max(2.0, 0.8 * res), sigmaY=max(1.0, 0.15 * res))
        turn = cv2.getRotationMatrix2D((shape[1] / 2, shape[0] / 2), angle, 1.0)
        field = cv2.warpAffine(field, turn, (shape[1], shape[0]), borderMode=cv2.BORDER_REFLECT)
        field /= field.std() + 1e-6
        out += np.exp(-(field / 0.25) ** 2)
    return np.clip(out, 0, 1)


def _bump_shading(bumps: tuple[Bump, ...], u: np.ndarray, v: np.ndarray, res: float,
                  light_az: float) -> np.ndarray:
    """Lambertian shading factor of the domes (1 on flat skin), light 45 deg up."""
    shade = np.ones((v.shape[0], u.shape[1]), np.float32)
    light = np.array([np.cos(np.radians(light_az)), np.sin(np.radians(light_az)), 1.0]) / np.sqrt(2)
    for b in bumps:
        r = b.diameter_mm / 2
        cols = np.flatnonzero(np.abs(u[0] - b.center_mm[0]) < 1.3 * r)
        rows = np.flatnonzero(np.abs(v[:, 0] - b.center_mm[1]) < 1.3 * r)
        if not (cols.size and rows.size):
            continue
        win = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
        rr = np.hypot(u[:, win[1]] - b.center_mm[0], v[win[0], :] - b.center_mm[1]) / r
        height = b.height_mm * np.clip(1 - rr ** 2, 0, None) ** 1.5
        height = cv2.GaussianBlur(height.astype(np.float32), (0, 0), 0.08 * r * res)
        dv, du = np.gradient(height, 1 / res)
        n_dot_l = (-du * light[0] - dv * light[1] + light[2]) / np.sqrt(1 + du ** 2 + dv ** 2)
        shade[win] = np.clip(n_dot_l / light[2], 0.6, 1.3)
    return shade


def skin_reflectance(skin: SkinSpec, lesions: tuple[Lesion, ...], bumps: tuple[Bump, ...],
                     u: np.ndarray, v: np.ndarray, res: float, seed: int, light_az: float) -> np.ndarray:
    """Linear RGB reflectance (rows, cols, 3) float32 of the skin with its lesions."""
    mel_var, hb_var = _mottling(skin, u, v)
    if skin.mottling != 1.0:
        mel_var, hb_var = mel_var * skin.mottling, hb_var * skin.mottling
    rng = np.random.default_rng(seed + 5)
    shape = (v.shape[0], u.shape[1])
    fine = cv2.GaussianBlur(rng.standard_normal(shape, dtype=np.float32), (0, 0), max(0.6, 0.12 * res))
    fine /= fine.std() + 1e-6
    pores = cv2.GaussianBlur((rng.random(shape, dtype=np.float32) > 0.997).astype(np.float32), (0, 0),
                             max(0.5, 0.05 * res))
    pores /= pores.max() + 1e-6
    mean_mel = MELANIN[skin.fitzpatrick]
    mel = mean_mel * (1 + (mel_var + 0.03 * fine) / (1 + 0.6 * mean_mel)) + _spots(skin, u, v)
    oxy = BASELINE_HB * (1 + hb_var)
    deoxy = np.zeros(shape, np.float32)
    bili = np.zeros(shape, np.float32)
    for les in lesions:
        if les.kind == "erythema":
            _add_windowed(oxy, les, les.amplitude, u, v)
        else:
            _add_windowed(deoxy, les, les.amplitude * (1 - 0.6 * les.age), u, v)
            _add_windowed(oxy, les, les.amplitude * 0.25, u, v)
            _add_windowed(bili, les, les.amplitude * 1.5 * les.age, u, v)
    texture = 1 + 0.03 * fine - 0.15 * pores - 0.07 * _creases(rng, shape, res)
    refl = np.empty(shape + (3,), np.float32)
    for c in range(3):
        od = mel * EPS_MELANIN[c] + oxy * EPS_OXY_HB[c]
        if lesions:
            od += deoxy * EPS_DEOXY_HB[c] + bili * EPS_BILIRUBIN[c]
        np.exp(-od, out=od)
        refl[..., c] = od * (BASE_REFLECTANCE[c] * texture)
    if bumps:
        refl *= _bump_shading(bumps, u, v, res, light_az)[..., None]
    if skin.hairs:
        hair = _hair(skin, u, v, res)[..., None]
        refl = refl * (1 - 0.9 * hair) + 0.9 * hair * np.float32([0.035, 0.025, 0.02])
    return refl.astype(np.float32)


# --- plane geometry (shared by the renderer and the ground truth) ---------------------

def project(homography: np.ndarray, points_mm: np.ndarray) -> np.ndarray:
    """Map (N, 2) plane points through a homography to (N, 2) points."""
    pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 2)
    out = np.column_stack([pts, np.ones(len(pts))]) @ homography.T
    return out[:, :2] / out[:, 2:3]


def local_px_per_mm(homography: np.ndarray, points_mm: np.ndarray) -> np.ndarray:
    """Areal scale sqrt(|det J|) of the plane-to-image map at (N, 2) plane points."""
    pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 2)
    w = pts @ homography[2, :2] + homography[2, 2]
    xy = project(homography, pts)
    a = homography[:2, :2][None] - xy[:, :, None] * homography[2, :2][None, None, :]
    return np.sqrt(np.abs(np.linalg.det(a))) / np.abs(w)


def card_corners_mm(center: np.ndarray, angle_deg: float, half: float) -> np.ndarray:
    """Corners (4, 2) of a square of half-side ``half`` in ArUco order TL, TR, BR, BL."""
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    local = np.array([[-half, half], [half, half], [half, -half], [-half, -half]])
    return local @ np.array([[c, s], [-s, c]]) + center
