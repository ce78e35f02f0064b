"""The world of benchmarks/independent.py: photos made differently from sample_images/.

The sample series and the segmentation were built side by side, so their agreement can hide
what a different world would expose. This renderer shares no code with the sample-image
generator (only the camera model of tests/imaging/planar.py) and differs from it on purpose:

- skin: the ten colours of the Monk skin-tone scale (sRGB, from its palest f6ede4 to its
  darkest 292420), with neutral texture (luminance only) and no blood mottling at all;
- light: a linear gradient of up to 2:1 across the skin plane and a colour cast (warm,
  neutral, cool or fluorescent green);
- lesions: excess optical density on linear RGB (erythema absorbs green and blue, a bruise
  also red) with four profiles: Gaussian, flat-topped, hard-edged (0.6 mm ramp) and
  irregular blobs (a blurred union of ellipses). The ground truth is {f >= max f / 2};
- camera: 0-35° tilt, any rotation, 9-15 px/mm at the card, 1600 or 2000 px wide, noise
  1-4 levels, JPEG quality 70-95;
- a third as many photos of clear skin (no lesion) for false red area.

:func:`render` makes one photo (a JPEG, its ground-truth mask and what it was made of); its
keywords add the scenes of the benchmark's modes: ``large`` lesions, ``multi`` injection
points (:func:`_injection_points`), ``coarse`` JPEGs of the darkest half of the scale,
``background`` beyond the limb's edge (:func:`_limb_edge`, :data:`BACKGROUNDS`) and ``face``
lines and an eyebrow (:func:`_face`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.imaging.planar import camera_homography  # noqa: E402

#: Monk skin-tone scale (Monk E., 2019), sRGB.
MONK = ("f6ede4", "f3e7db", "f7ead0", "eadaba", "d7bd96", "a07e56", "825c43", "604134", "3a312a", "292420")
#: Excess optical density (log10) per unit amplitude, linear R, G, B.
ERYTHEMA_OD = np.array([0.10, 0.55, 0.45], np.float32)
BRUISE_OD = np.array([0.20, 0.55, 0.35], np.float32)
CASTS = {"warm": (1.0, 0.80, 0.58), "neutral": (1.0, 1.0, 1.0), "cool": (0.88, 0.97, 1.1),
         "fluorescent": (0.95, 1.0, 0.85)}
#: Backgrounds beyond the limb's edge, sRGB under a neutral light: the usual surroundings of a
#: photo of an arm or a face, several of them of a skin-like hue (wood, beige, pink, red).
BACKGROUNDS = {"wood": (150, 100, 62), "beige wall": (222, 205, 182), "white sheet": (238, 238, 235),
               "grey desk": (120, 120, 118), "navy sleeve": (38, 44, 78), "green towel": (70, 120, 80),
               "red sleeve": (165, 38, 44), "pink towel": (226, 162, 168)}
PLANE_PX_PER_MM = 10.0
EXTENT_MM = 100.0
#: Linear sRGB to linear Display P3 (both D65), the published matrix (e.g. W3C CSS Color 4's
#: sRGB and display-p3 matrices combined), written here rather than derived by the code under test.
SRGB_TO_DISPLAY_P3 = np.array([[0.8225, 0.1774, 0.0000], [0.0332, 0.9669, 0.0000], [0.0171, 0.0724, 0.9108]],
                              np.float32)
COLOUR_SPACES = ("sRGB", "display-p3", "display-p3-untagged")


# The sRGB transfer functions and the noise field are written here again on purpose
# (tracker.imaging.color and sample_images.scene have their own): a renderer that borrowed the
# code under test would cancel that code's errors instead of exposing them.
def _to_linear(srgb) -> np.ndarray:
    x = np.asarray(srgb, np.float32) / 255
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def _to_srgb(lin: np.ndarray) -> np.ndarray:
    x = np.clip(lin, 0, 1)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055) * 255


def core_delta_e(base_linear: np.ndarray, od: np.ndarray) -> float:
    """CIELAB ΔE*ab (D65, OpenCV's conversion) between the skin and the skin under a lesion's
    strongest excess optical density ``od``: how visible its core is, in the white-balanced photo,
    to an eye (a just-noticeable difference is about 2.3)."""
    pair = np.stack([base_linear, base_linear * 10 ** (-od)]).astype(np.float32)[None]
    lab = cv2.cvtColor((_to_srgb(pair) / 255).astype(np.float32), cv2.COLOR_RGB2Lab)[0]
    return float(np.linalg.norm(lab[1] - lab[0]))


def _noise(rng: np.random.Generator, n: int, sigma_px: float) -> np.ndarray:
    field = cv2.GaussianBlur(rng.standard_normal((n, n)).astype(np.float32), (0, 0), sigma_px)
    return field / (field.std() + 1e-6)


def _lesion_profile(rng, xx, yy, shape: str, radius: float, centre) -> np.ndarray:
    cx, cy = centre
    ppm = PLANE_PX_PER_MM
    if shape == "blobs":
        mask = np.zeros(xx.shape, np.uint8)
        for _ in range(int(rng.integers(2, 5))):
            c = (int((cx + rng.uniform(-radius / 2, radius / 2) + EXTENT_MM) * ppm),
                 int((cy + rng.uniform(-radius / 2, radius / 2) + EXTENT_MM) * ppm))
            axes = (int(radius * ppm * rng.uniform(0.4, 0.8)), int(radius * ppm * rng.uniform(0.3, 0.7)))
            cv2.ellipse(mask, c, axes, float(rng.uniform(0, 180)), 0, 360, 255, -1)
        return cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), radius * ppm * 0.15)
    squash, angle = rng.uniform(0.6, 1.0), rng.uniform(0, np.pi)
    u = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
    v = (-(xx - cx) * np.sin(angle) + (yy - cy) * np.cos(angle)) / squash
    rho = np.hypot(u, v) / radius
    if shape == "gauss":
        return np.exp(-np.log(2) * rho**2)
    if shape == "flat":
        return np.exp(-np.log(2) * rho**6)
    return np.clip(0.5 - (rho - 1) * radius / 0.6, 0, 1)  # hard edge: a 0.6 mm linear ramp


def _injection_points(rng, xx, yy, shape: str, centre) -> tuple[np.ndarray, np.ndarray, int]:
    """Several small lesions in a grid (3 to 6 points, 12-16 mm apart): their summed profile
    (each scaled by its own strength, 0.6-1 of the photo's amplitude), the union of their
    half-maximum regions, and their count."""
    cols, rows = (3, 1) if rng.random() < 0.3 else (int(rng.integers(2, 4)), 2)
    spacing = rng.uniform(12, 16)
    total, truth = np.zeros(xx.shape, np.float32), np.zeros(xx.shape, bool)
    for i in range(cols):
        for j in range(rows):
            # the grid runs diagonally, so that it stays clear of the card in either corner
            u, v = (i - (cols - 1) / 2) * spacing / np.sqrt(2), (j - (rows - 1) / 2) * spacing / np.sqrt(2)
            at = (centre[0] * 0.3 + u - v + rng.uniform(-1.5, 1.5),
                  centre[1] * 0.3 + u + v + rng.uniform(-1.5, 1.5))
            f = _lesion_profile(rng, xx, yy, shape, float(rng.uniform(2, 4)), at).astype(np.float32)
            truth |= f >= 0.5 * f.max()
            total += float(rng.uniform(0.6, 1.0)) * f
    return total, truth, cols * rows


def _limb_edge(rng, xx, yy, view_centre, keep: list[tuple[float, float, float]]
               ) -> tuple[np.ndarray, np.ndarray]:
    """The edge of the limb: a line across the frame clear of ``keep`` (x, y, radius in mm).

    Returns the distance inside the limb (mm, negative beyond its edge) and the light its skin
    still gets there: a cylinder of 35 mm radius whose silhouette is the edge (cos of the angle
    its surface turns away, plus a quarter of ambient light).
    """
    choices = []
    for angle in np.linspace(0, 2 * np.pi, 36, endpoint=False):
        n = np.array([np.cos(angle), np.sin(angle)])
        # how far from the view's centre the edge must lie to clear the card and the lesion by 12 mm
        need = max(float(np.dot(np.subtract(c[:2], view_centre), n)) + c[2] + 12.0 for c in keep)
        choices.append((max(need, 15.0), n))
    fits = [c for c in choices if c[0] <= 38.0] or [min(choices, key=lambda c: c[0])]
    offset, n = fits[int(rng.integers(len(fits)))]
    inside = offset - ((xx - view_centre[0]) * n[0] + (yy - view_centre[1]) * n[1])
    radius = 35.0
    depth = np.clip(inside, 0, radius)
    cos_turn = np.sqrt(np.clip(1 - ((radius - depth) / radius) ** 2, 0, 1))
    return inside, 0.25 + 0.75 * cos_turn


def _face(rng, xx, yy, base: np.ndarray, keep: list[tuple[float, float, float]]
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a photo of a forehead, the glabella or the corner of an eye shows besides skin:
    expression lines and an eyebrow. Returns the light the skin gets (per channel), and the
    eyebrow's coverage and colour (linear RGB).

    - Lines: 3-5 shallow furrows 0.4-1.2 mm wide across a forehead, or 2-3 upright ones between
      the brows (the "11s"), wavy, 7-14 mm apart, 8-35 % darker in their groove and
      brighter on the wall that faces the light. Light reaching the groove's floor has
      bounced off the skin on its walls: it takes the skin's own colour (inter-reflection),
      so a groove is also more saturated, not only darker: ``bounce`` 0-0.5 of a second
      reflection off the skin.
    - Eyebrow: a band 10-16 mm wide along one side of the frame, clear of ``keep`` (x, y,
      radius in mm), of 900-1,600 hair strands 0.08-0.15 mm thick and 5-12 mm long, dark
      brown to black, slanting outwards.
    """
    ppm = PLANE_PX_PER_MM
    n = xx.shape[0]
    vertical = rng.random() < 0.35
    u, v = (xx, yy) if vertical else (yy, xx)  # u across the lines, v along them
    spacing = rng.uniform(7, 14)
    count = int(rng.integers(2, 4) if vertical else rng.integers(3, 6))
    offset = rng.uniform(-spacing / 2, spacing / 2)
    groove = np.zeros(xx.shape, np.float32)
    wall = np.zeros(xx.shape, np.float32)
    for i in range(count):
        at = offset + (i - (count - 1) / 2) * spacing
        phase, wave, period = rng.uniform(0, 2 * np.pi), rng.uniform(0.5, 2.5), rng.uniform(25, 60)
        width = rng.uniform(0.4, 1.2)
        d = u - at - wave * np.sin(2 * np.pi * v / period + phase)
        fade = np.clip(1 - np.abs(v - rng.uniform(-40, 40)) / rng.uniform(40, 90), 0, 1)  # lines end
        depth = rng.uniform(0.08, 0.35)
        groove += depth * fade * np.exp(-(d / width) ** 2)
        wall += 0.4 * depth * fade * np.exp(-((d + 1.6 * width) / width) ** 2)
    bounce = rng.uniform(0, 0.5)
    tint = base / base.max()
    light = (1 - groove + wall)[..., None] * (1 - bounce * groove[..., None] * (1 - tint)[None, None, :])
    # the eyebrow on the side where it can lie nearest the view's centre, clear of ``keep``
    normals = [np.array([np.cos(a), np.sin(a)]) for a in np.linspace(0, 2 * np.pi, 8, endpoint=False)]
    clear_at = [max(float(np.dot(c[:2], nrm)) + c[2] for c in keep) + 3.0 for nrm in normals]
    normal, brow_at = normals[int(np.argmin(clear_at))], max(min(clear_at), 15.0)
    width = rng.uniform(10, 16)
    cover = np.zeros((n, n), np.uint8)
    tangent = np.array([-normal[1], normal[0]])
    slant = rng.choice([-1.0, 1.0])
    for _ in range(int(rng.integers(900, 1600))):
        along, across = rng.uniform(-70, 70), rng.uniform(0, width)
        start = normal * (brow_at + across) + tangent * along
        direction = slant * tangent * 0.95 + normal * 0.3 * rng.uniform(-1, 1)
        end = start + direction / np.linalg.norm(direction) * rng.uniform(5, 12)
        p0 = tuple(int((c + EXTENT_MM) * ppm * 4) for c in start)
        p1 = tuple(int((c + EXTENT_MM) * ppm * 4) for c in end)
        thick = max(1, int(round(rng.uniform(0.08, 0.15) * ppm)))
        cv2.line(cover, p0, p1, 255, thick, lineType=cv2.LINE_AA, shift=2)
    alpha = np.minimum(cover.astype(np.float32) / 255 * 0.9, 0.95)
    skin_g = float(_to_srgb(base)[1])
    level = rng.uniform(15, min(75.0, 0.8 * skin_g))  # black to mid brown, darker than the skin
    hair = _to_linear([level, level * rng.uniform(0.78, 0.88), level * rng.uniform(0.6, 0.75)])
    return light.astype(np.float32), alpha, hair


def _on_the_lesion_half_the_time(rng, plane_to_image: np.ndarray, centre, size: tuple[int, int],
                                 middle: tuple[float, float]) -> tuple[float, float]:
    """Image point of the lesion's centre half of the time, else a point drawn in the ``middle``
    shares of the frame's width and height (``size``)."""
    if rng.random() < 0.5:
        px = plane_to_image @ np.array([(centre[0] + EXTENT_MM) * PLANE_PX_PER_MM,
                                        (centre[1] + EXTENT_MM) * PLANE_PX_PER_MM, 1.0])
        return px[0] / px[2], px[1] / px[2]
    return size[0] * rng.uniform(*middle), size[1] * rng.uniform(*middle)


def _flash(rng, img: np.ndarray, plane_to_image: np.ndarray, centre, light_colour: np.ndarray) -> np.ndarray:
    """The phone's flash: light falling off away from the frame's centre (to 0.45-0.75 at the
    edge of the frame's width) and a sheen, the flash reflected by the skin's surface, which keeps
    the light's colour: a broad Gaussian lobe of 2-20 % of the light a white surface would
    return, 4-12 % of the frame's width across, on the lesion half of the time (the patient
    centres the site), elsewhere in the middle of the frame otherwise, mottled as oily skin is."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w * rng.uniform(0.35, 0.65), h * rng.uniform(0.35, 0.65)
    fall = 1.0 / (1.0 + rng.uniform(0.2, 0.6) * ((xx - cx) ** 2 + (yy - cy) ** 2) / (0.5 * w) ** 2) ** 2
    sx, sy = _on_the_lesion_half_the_time(rng, plane_to_image, centre, (w, h), (0.3, 0.7))
    radius = w * rng.uniform(0.04, 0.12)
    oily = 1 + 0.5 * cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 3) * 3
    lobe = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * radius**2))
    sheen = rng.uniform(0.02, 0.2) * lobe * oily.clip(0)
    return img * fall[..., None] + sheen[..., None] * light_colour[None, None, :].astype(np.float32)


def _shadow(rng, img: np.ndarray, plane_to_image: np.ndarray, centre) -> np.ndarray:
    """A soft cast shadow, the phone's or the hand's between the light and the skin: 30-65 % of
    the light blocked beyond a straight edge with a penumbra 2-10 % of the frame's width, the edge
    through the lesion half of the time, elsewhere in the middle of the frame otherwise. The card
    lies on either side of it."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ex, ey = _on_the_lesion_half_the_time(rng, plane_to_image, centre, (w, h), (0.25, 0.75))
    across = (xx - ex) * np.cos(angle) + (yy - ey) * np.sin(angle)
    penumbra, blocked = w * rng.uniform(0.02, 0.1), rng.uniform(0.3, 0.65)
    shade = 1 - blocked / (1 + np.exp(-across / (0.25 * penumbra)))
    return img * shade[..., None].astype(np.float32)


def display_p3_icc() -> bytes:
    """Display P3's ICC profile: only the tag (the pixels are converted above by the published
    matrix); tests/imaging/test_colorspace.py checks this builder against that matrix."""
    from tracker.imaging.colorspace import DISPLAY_P3_PRIMARIES, matrix_shaper_icc

    return matrix_shaper_icc(DISPLAY_P3_PRIMARIES, description="Display P3")


def with_icc(jpeg: bytes, icc: bytes) -> bytes:
    """``jpeg`` with ``icc`` embedded as one APP2 ICC_PROFILE segment after SOI (ICC.1 Annex B.4)."""
    body = b"ICC_PROFILE\0" + bytes([1, 1]) + icc
    if len(body) + 2 > 0xFFFF:
        raise ValueError("a profile this large needs several APP2 segments")
    return jpeg[:2] + b"\xff\xe2" + (len(body) + 2).to_bytes(2, "big") + body + jpeg[2:]


def render(seed: int, *, lesion: bool = True, large: bool = False, multi: bool = False,
           coarse: bool = False, background: str | None = None, face: bool = False,
           flash: bool = False, shadow: bool = False, colour_space: str = "sRGB") -> dict:
    """One photo: JPEG bytes, true area (mm²), the true mask in the image, and its parameters.

    ``large``: a lesion 30-80 mm across (half-maximum radius 15-40 mm) instead of 5-24 mm, in a
    frame 110-180 mm wide: spreading redness that fills much of the photo. ``multi``: several
    injection points (see :func:`_injection_points`) instead of one lesion. ``coarse``: Monk 6-10
    only, JPEG quality 70. ``background``: a key of :data:`BACKGROUNDS` beyond the limb's edge
    (see :func:`_limb_edge`). ``flash``: the phone's flash, its fall-off and a sheen on the skin
    (see :func:`_flash`). ``shadow``: a soft cast shadow across the frame (see :func:`_shadow`).
    ``colour_space``: "display-p3" encodes the photo as an iPhone does, in Display P3 with its
    ICC profile embedded; "display-p3-untagged" the same pixels without the profile (what a
    reader that ignores the profile sees). Every draw is the same in the three.
    ``core_delta_e`` in the result: how visible the lesion's strongest point is (see
    :func:`core_delta_e`; 0 without a lesion).
    """
    rng = np.random.default_rng(seed)
    n = int(2 * EXTENT_MM * PLANE_PX_PER_MM)
    yy, xx = (np.mgrid[0:n, 0:n].astype(np.float32) + 0.5) / PLANE_PX_PER_MM - EXTENT_MM
    palette = MONK[5:] if coarse else MONK
    tone = int(rng.integers(0, len(palette))) + len(MONK) - len(palette)
    base = _to_linear([int(MONK[tone][i:i + 2], 16) for i in (0, 2, 4)])
    texture = 1 + 0.04 * _noise(rng, n, 6 * PLANE_PX_PER_MM) + 0.02 * _noise(rng, n, 0.3 * PLANE_PX_PER_MM)
    plane = base[None, None, :] * texture[..., None]
    kind = "bruise" if rng.random() < 0.3 else "erythema"
    shape = str(rng.choice(["gauss", "flat", "hard", "blobs"]))
    radius = float(rng.uniform(15, 40) if large else rng.uniform(2.5, 12))
    centre = rng.uniform(-8, 8, 2)
    amplitude = float(rng.uniform(0.12, 0.5))
    points = 1
    if lesion and multi:
        # the points draw from a generator of their own (the photo's later draws, light and
        # camera, are not those of the single-lesion photo of the same seed: that one's
        # profile drew from the main generator)
        f, truth, points = _injection_points(np.random.default_rng([seed, 1]), xx, yy, shape, centre)
    elif lesion:
        f = _lesion_profile(rng, xx, yy, shape, radius, centre).astype(np.float32)
        truth = f >= 0.5 * f.max()
    else:
        truth = np.zeros((n, n), bool)
    visibility = 0.0
    if lesion:
        od = (ERYTHEMA_OD if kind == "erythema" else BRUISE_OD) * amplitude
        plane = plane * 10 ** (-f[..., None] * od[None, None, :])
        visibility = core_delta_e(base, od * float(f.max()))
    # the card: 26 mm of paper, a 20 mm marker
    card_c = (-28.0, 22.0) if rng.random() < 0.5 else (26.0, -24.0)
    if face:  # lines and an eyebrow under the card, which lies on them; draws of their own
        light_face, brow, hair = _face(np.random.default_rng([seed, 4]), xx, yy, base,
                                       [(card_c[0], card_c[1], 18.4), (centre[0], centre[1], 1.5 * radius)])
        plane = plane * light_face
        plane = plane * (1 - brow[..., None]) + hair[None, None, :] * brow[..., None]
    paper = _to_linear([240, 240, 236])
    x0, y0 = (int((c - 13 + EXTENT_MM) * PLANE_PX_PER_MM) for c in card_c)
    side = int(26 * PLANE_PX_PER_MM)
    plane[y0:y0 + side, x0:x0 + side] = paper
    marker = cv2.aruco.generateImageMarker(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50),
                                           int(rng.integers(0, 4)), int(20 * PLANE_PX_PER_MM))
    mx, my = (int((c - 10 + EXTENT_MM) * PLANE_PX_PER_MM) for c in card_c)
    plane[my:my + marker.shape[0], mx:mx + marker.shape[1]] = np.where(marker[..., None] > 0, paper,
                                                                       _to_linear([20, 20, 20]))
    if background is not None:
        view_centre = ((centre[0] + card_c[0]) / 2, (centre[1] + card_c[1]) / 2)
        # draws of their own, so that the lesion, light and camera stay those of the plain photo
        inside, shade = _limb_edge(np.random.default_rng([seed, 2]), xx, yy, view_centre,
                                   [(card_c[0], card_c[1], 18.4), (centre[0], centre[1], 1.5 * radius)])
        behind = _to_linear(BACKGROUNDS[background])[None, None, :] * (
            1 + 0.03 * _noise(np.random.default_rng([seed, 3]), n, 0.5 * PLANE_PX_PER_MM))[..., None]
        plane = np.where((inside < 0)[..., None], behind, plane * shade[..., None])
    cast = str(rng.choice(list(CASTS)))
    gradient, direction = rng.uniform(0.0, 0.5), rng.uniform(0, 2 * np.pi)
    light = 1 - gradient * (0.5 + 0.5 * (xx * np.cos(direction) + yy * np.sin(direction)) / EXTENT_MM)
    exposure = rng.uniform(0.7, 1.1)
    lin = plane * light[..., None] * np.array(CASTS[cast], np.float32) * exposure
    white = np.array(CASTS[cast], np.float32) * exposure  # what a white surface returns
    tilt, rot, dist = float(rng.uniform(0, 35)), float(rng.uniform(0, 360)), float(rng.uniform(150, 260))
    w, h = (1600, 1200) if rng.random() < 0.7 else (2000, 1500)
    px_per_mm = float(rng.uniform(9, 15))
    hmat = camera_homography(tilt_deg=tilt, rot_deg=rot, distance_mm=dist, focal_px=px_per_mm * dist, size=(w, h),
                             centre_mm=((centre[0] + card_c[0]) / 2, (centre[1] + card_c[1]) / 2))
    to_mm = np.array([[1 / PLANE_PX_PER_MM, 0, -EXTENT_MM], [0, 1 / PLANE_PX_PER_MM, -EXTENT_MM], [0, 0, 1]])
    img = cv2.warpPerspective(lin.astype(np.float32), hmat @ to_mm, (w, h), flags=cv2.INTER_AREA,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(0.02, 0.02, 0.02))
    if flash:
        img = _flash(np.random.default_rng([seed, 5]), img, hmat @ to_mm, centre, white)
    if shadow:
        img = _shadow(np.random.default_rng([seed, 6]), img, hmat @ to_mm, centre)
    if colour_space not in COLOUR_SPACES:
        raise ValueError(f"colour_space must be one of {COLOUR_SPACES}, not {colour_space!r}")
    if colour_space != "sRGB":  # same tone curve, the P3 primaries
        img = cv2.transform(img, SRGB_TO_DISPLAY_P3)
    srgb = _to_srgb(img) + rng.normal(0, rng.uniform(1, 4), img.shape)
    quality = int(rng.integers(70, 96))
    if coarse:
        quality = 70
    jpeg = cv2.imencode(".jpg", cv2.cvtColor(np.clip(srgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()
    if colour_space == "display-p3":
        jpeg = with_icc(jpeg, display_p3_icc())
    mask = cv2.warpPerspective(truth.astype(np.uint8) * 255, hmat @ to_mm, (w, h), flags=cv2.INTER_LINEAR) > 127
    return dict(jpeg=jpeg, area=float(truth.sum() / PLANE_PX_PER_MM**2), mask=mask, tone=tone + 1, kind=kind,
                shape=shape if lesion else "clear", amplitude=amplitude, cast=cast, tilt=tilt, points=points,
                core_delta_e=visibility)
