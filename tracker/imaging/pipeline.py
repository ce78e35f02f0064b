"""One photo in, one measurement out: the chain of small imaging steps.

load -> find the card (scale, skin plane, white) -> CIELAB after white balance ->
measurable skin -> quality gate -> excess redness over the surrounding skin ->
half-maximum regions -> bumps -> physical measurement on the skin plane.

Pixel figures in the output (``area_px``, ``centroid_px``, ``diameter_px``) are in
the photo's upright full-resolution frame, like the ``--mask-dir`` masks; the
analysis itself runs at a working resolution. :func:`analyze_photo` decodes at a long
side of :data:`WORKING_MIN_SIDE` to :data:`WORKING_MAX_SIDE` (a phone JPEG at 1/4 or 1/8
by DCT scaling, with no resampling) and finds the card there; then it either reduces
that frame to about :data:`WORKING_PX_PER_MM` at the card, or, when the card shows
fewer than :data:`MIN_WORKING_PX_PER_MM` (a distant shot), decodes the photo again
larger, up to :data:`REFINED_MAX_SIDE` (coarse to fine: a second decode for such
photos only).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from tracker.imaging import bumps as bumps_mod
from tracker.imaging import excess as excess_mod
from tracker.imaging import redness as redness_mod
from tracker.imaging.calibrate import (
    MAX_TILT_DEG, MIN_PX_PER_MM, Calibration, card_polygon_px, find_card, pixel_area_mm2, resized_calibration,
    to_plane_mm,
)
from tracker.imaging.color import (
    haemoglobin_index, jpeg_step_index, optical_density, rgb_to_lab_planes, unclipped_gains,
    white_balance_gains,
)
from tracker.imaging.load import LoadedPhoto, load_photo
from tracker.imaging.quality import assess_quality
from tracker.imaging.shine import SHINE_MAX_MM2, shine_area_mm2, shine_mask
from tracker.imaging.skin import glare_mask, hair_mask, skin_mask
from tracker.measurement import Bump, PhotoMeasurement, Quality, Redness, Region, Scale

#: Long side of the working resolution. A 12 MP phone JPEG (4000 or 4032 px wide) decodes at 1/4
#: by DCT scaling to 1000-1008 px, 48-50 MP ones (8064-8160 px) at 1/8, with no resize: the
#: decode costs a third of a full one. Measured on 150 generated photos (benchmarks/accuracy.py
#: cases) analysed at 1000 instead of 1600 px: median |area error| 5.2 % against 5.1 %, 90th
#: percentile 17.4 % against 17.7 %, Dice 0.94 both, detection per skin tone equal or better,
#: no false area on 40 clear photos; twice as fast.
WORKING_MAX_SIDE = 1024
#: A DCT-scaled decode (or integer reduction) down to this long side is used as it is.
WORKING_MIN_SIDE = 768
#: Fewer working pixels per mm at the card than this, when the photo holds more, and the photo
#: is decoded again at a larger size (at most REFINED_MAX_SIDE, the former working size whose
#: memory bound is known): a distant shot keeps the detail its lesions' borders need.
MIN_WORKING_PX_PER_MM = 6.0
REFINED_MAX_SIDE = 1600
#: More than 1.1 times this many working pixels per mm at the card, and the decoded photo is
#: reduced to it (area averaging; long side at least REDUCED_MIN_SIDE, short side at least
#: REDUCED_MIN_SHORT_SIDE): the analysis costs what the measurement needs, not what the phone
#: gave. Measured on 150 varied + 40 clear generated photos (benchmarks/accuracy.py cases,
#: analysed from 640 to 1258 px wide, 6 to 7.2 px/mm): median |area error| 5.20 %, 90th
#: percentile 17.45 %, Dice 0.942, detection per skin tone and false area as at 1600 px
#: (10-15 px/mm: 5.06 %, 17.7 %, 0.942). A 12 MP photo of a 12.5 cm wide field (8 px/mm at its
#: 1/4 decode) is analysed at 812 px: two thirds of the pixels, two thirds of the time.
WORKING_PX_PER_MM = 6.5
REDUCED_MIN_SIDE = 640
REDUCED_MIN_SHORT_SIDE = 400

OUTLINE_RGB = {"erythema": (255, 196, 0), "bruise": (0, 220, 255)}


@dataclass(frozen=True)
class PhotoAnalysis:
    """The measurement plus what the UI and CLI need to show it."""

    measurement: PhotoMeasurement
    rgb: np.ndarray  # (M, N, 3) uint8 working-resolution upright photo
    mask: np.ndarray  # (M, N) bool: erythema + bruise, working resolution
    region_masks: tuple[tuple[str, np.ndarray], ...]
    homography: np.ndarray | None  # working px -> mm on the skin plane; None when unscaled
    card_polygon: np.ndarray | None  # (4, 2) working px
    scale: float  # working px per original px
    valid: np.ndarray | None = None  # (M, N) bool: the measurable skin (skin minus card, glare, hair)

    def overlay(self) -> np.ndarray:
        """The photo with the measured outlines (erythema amber, bruise cyan), bumps and card drawn."""
        out = self.rgb.copy()
        thickness = max(2, round(max(out.shape[:2]) / 600))
        for kind, mask in self.region_masks:
            contours, _ = cv2.findContours(mask.view(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(out, contours, -1, (0, 0, 0), thickness + 2, lineType=cv2.LINE_AA)
            cv2.drawContours(out, contours, -1, OUTLINE_RGB[kind], thickness, lineType=cv2.LINE_AA)
        for b in self.measurement.bumps:
            c = (round(b.centroid_px[0] * self.scale), round(b.centroid_px[1] * self.scale))
            r = max(3, round(b.diameter_px * self.scale / 2))
            cv2.circle(out, c, r, (255, 255, 255), thickness, lineType=cv2.LINE_AA)
        if self.card_polygon is not None:
            cv2.polylines(out, [self.card_polygon.astype(np.int32)], True, (120, 200, 120), thickness)
        return out

    def mask_full_resolution(self) -> np.ndarray:
        """uint8 mask (255 = red area) in the photo's upright full-resolution frame."""
        w, h = self.measurement.width, self.measurement.height
        small = self.mask.view(np.uint8) * np.uint8(255)
        if small.shape[::-1] == (w, h):
            return small.copy()
        big = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        return np.where(big >= 128, np.uint8(255), np.uint8(0))


def analyze_photo(source, *, marker_mm: float = 20.0) -> PhotoMeasurement:
    """Measure redness, bruises and bumps in one photo.

    Parameters
    ----------
    source : str, pathlib.Path, bytes or binary file-like
        The photo (JPEG, PNG, WebP, HEIC/HEIF, TIFF).
    marker_mm : float
        Printed side of the card's marker in mm.

    Returns
    -------
    PhotoMeasurement

    Raises
    ------
    tracker.errors.UnreadableImageError
        When the data is not a readable image.

    Examples
    --------
    >>> m = analyze_photo("sample_images/redness_persisting_dark/redness_persisting_dark_day02_1130.jpg")  # doctest: +SKIP
    >>> m.redness.area_mm2  # doctest: +SKIP
    82.25
    """
    return analyze_source(source, marker_mm=marker_mm).measurement


def analyze_source(source, *, marker_mm: float = 20.0, name: str | None = None) -> PhotoAnalysis:
    """Decode a photo at the working resolution and analyse it (see :func:`analyze_photo`).

    The card is looked for on the first decode; when it shows fewer than
    MIN_WORKING_PX_PER_MM working pixels per mm and the photo holds more, the photo is
    decoded again at the size that gives that many (at most REFINED_MAX_SIDE); when it
    shows more than 1.1 x WORKING_PX_PER_MM, the decoded frame is reduced to that, and the
    card's calibration carried over (no second detection).
    """
    cards: list[tuple[LoadedPhoto, Calibration | None]] = []

    def refine(photo: LoadedPhoto) -> int | None:
        cal = find_card(photo.rgb, marker_mm=marker_mm)
        cards.append((photo, cal))
        return _refined_side(photo, cal)

    photo = load_photo(source, name=name, max_side=WORKING_MAX_SIDE, min_side=WORKING_MIN_SIDE, refine=refine)
    if photo is not cards[0][0]:  # decoded again, larger
        return analyze_loaded(photo, marker_mm=marker_mm)
    photo, cal = _reduced(photo, cards[0][1])
    return analyze_loaded(photo, marker_mm=marker_mm, card=cal)


def analyze_working(photo: LoadedPhoto, *, marker_mm: float = 20.0) -> PhotoAnalysis:
    """Analyse an already decoded photo at the same working scale as :func:`analyze_source`.

    For callers that decode once for several uses (the app stores the photo, then measures
    it): the frame is reduced to about WORKING_PX_PER_MM at the card, as analyze_photo does,
    so that the app, the CLI and the API give the same figures for the same photo.
    """
    photo, cal = _reduced(photo, find_card(photo.rgb, marker_mm=marker_mm))
    return analyze_loaded(photo, marker_mm=marker_mm, card=cal)


def _reduced(photo: LoadedPhoto, cal: Calibration | None) -> tuple[LoadedPhoto, Calibration | None]:
    """The photo reduced to about WORKING_PX_PER_MM at the card, with its calibration; else as it is."""
    hgt, wid = photo.rgb.shape[:2]
    if cal is None or cal.px_per_mm <= 1.1 * WORKING_PX_PER_MM:
        return photo, cal
    factor = max(WORKING_PX_PER_MM / cal.px_per_mm, REDUCED_MIN_SIDE / max(hgt, wid),
                 REDUCED_MIN_SHORT_SIDE / min(hgt, wid))
    size = (round(wid * factor), round(hgt * factor))
    if factor > 0.9 or min(size) < 1:
        return photo, cal
    # Bilinear (OpenCV, 0.9 ms from 1000 x 750 to 812 x 609): a weighted mean of 2 x 2 pixels,
    # which cannot overshoot (no halo along edges), and enough against aliasing for a reduction
    # by less than 2 of a frame the DCT-scaled decode has already averaged. OpenCV's area
    # averaging took 6.4 ms (its non-integer path), Pillow's box filter 8.4 ms with the copies.
    rgb = cv2.resize(photo.rgb, size, interpolation=cv2.INTER_LINEAR)
    rgb.flags.writeable = False
    reduced = replace(photo, rgb=rgb, scale=max(size) / max(photo.original_size))
    return reduced, resized_calibration(cal, (wid, hgt), size)


def _refined_side(photo: LoadedPhoto, cal: Calibration | None) -> int | None:
    """A larger working long side when the card is too few pixels per mm, else None."""
    long_side = max(photo.rgb.shape[:2])
    if cal is None or cal.px_per_mm >= MIN_WORKING_PX_PER_MM or photo.scale >= 1.0:
        return None
    side = min(int(np.ceil(long_side * MIN_WORKING_PX_PER_MM / cal.px_per_mm)), REFINED_MAX_SIDE,
               max(photo.original_size))
    return side if side > 1.1 * long_side else None  # a few % more pixels are not worth a decode


_FIND = object()


def analyze_loaded(photo: LoadedPhoto, *, marker_mm: float = 20.0, card=_FIND) -> PhotoAnalysis:
    """Analyse a decoded photo (see :func:`analyze_photo`), keeping masks for display.

    ``card`` is the :class:`~tracker.imaging.calibrate.Calibration` (or None) already found
    on this very photo with this ``marker_mm``; by default it is looked for here.
    """
    rgb = photo.rgb
    cal = find_card(rgb, marker_mm=marker_mm) if card is _FIND else card
    gains = white_balance_gains(cal.white_linear) if cal is not None and cal.white_linear is not None else None
    if gains is not None:  # skin lit more brightly than the card is not pushed past white
        gains = unclipped_gains(rgb, gains)
    lab = rgb_to_lab_planes(rgb, gains=gains)  # L*, a*, b* planes: no interleaved copy, no split
    ppm = cal.px_per_mm if cal is not None else None
    original_ppm = ppm / photo.scale if ppm else None
    scaled = cal is not None and original_ppm >= MIN_PX_PER_MM and cal.tilt_deg <= MAX_TILT_DEG

    card_poly = card_polygon_px(cal) if cal is not None else None
    # the card lies on the skin: a ring 3-15 mm around it shows the patient's skin colour
    ring = None
    if cal is not None:
        ring = (card_polygon_px(cal, extra_mm=15.0), card_polygon_px(cal, extra_mm=3.0))
    skin = skin_mask(lab, px_per_mm=ppm, rgb=rgb, reference=ring)
    if card_poly is not None:  # clear the card's pixels in place (no full-frame temporaries)
        skin = np.ascontiguousarray(skin)
        cv2.fillPoly(skin.view(np.uint8), [np.round(card_poly).astype(np.int32)], 0)
    planes = cv2.split(rgb)  # once, for glare, the haemoglobin index, OD_red and OD_blue
    glare = glare_mask(rgb, lab, channels=planes)
    quality = assess_quality(rgb, cal=cal, skin=skin, glare=glare, original_px_per_mm=original_ppm)
    valid = skin & ~glare & ~hair_mask(lab[0], px_per_mm=ppm)

    h = cal.homography if scaled else None
    scale_info = Scale(
        mm_per_px=(1.0 / original_ppm) if scaled else None, source="marker" if scaled else None,
        marker_id=cal.marker_id if cal else None, tilt_deg=round(cal.tilt_deg, 1) if cal else None,
        white_balanced=gains is not None,
        marker_corners_px=tuple((round(float(x) / photo.scale, 2), round(float(y) / photo.scale, 2))
                                for x, y in cal.corners_px) if cal is not None else None,
        marker_mm=marker_mm if cal is not None else None,
    )
    empty = np.zeros(valid.shape, bool)

    def not_measured(quality: Quality) -> PhotoAnalysis:
        measurement = _measurement(photo, quality, scale_info, Redness(None, 0, 0.0, 0.0, method="not_measured"), ())
        return PhotoAnalysis(measurement, rgb, empty, (), h, card_poly, photo.scale, valid)

    if not quality.usable:
        return not_measured(quality)

    od_red, od_blue = optical_density(planes[0]), optical_density(planes[2])
    hb = haemoglobin_index(rgb, channels=planes, od_red=od_red)
    # lab's planes, hb, od_red and od_blue are this function's temporaries: the maps are made in them
    maps = excess_mod.excess_maps(lab, hb, od_red, od_blue, valid, px_per_mm=ppm, overwrite_input=True)
    del lab, hb, od_red, od_blue
    refused = []
    if maps.baseline_range_hb > excess_mod.MAX_BASELINE_RANGE_HB:
        # a large red or dark area bends the skin surface: no normal skin to measure it against
        refused.append("uneven_skin")
    shine_ppm = ppm or WORKING_PX_PER_MM  # unscaled: the scale the pipeline aims at
    if shine_area_mm2(shine_mask(maps, valid, shine_ppm, white_balanced=gains is not None),
                      shine_ppm) >= SHINE_MAX_MM2:
        # a sheen hides the redness under it: not "clear", a retake without it (tracker/imaging/shine.py)
        refused.append("shine")
    if refused:  # each with its advice (uneven_skin's says when to contact the provider)
        return not_measured(Quality.from_problems(quality.problems + tuple(refused),
                                                  sharpness=quality.sharpness))
    quantum_hb = _jpeg_quantum(photo, valid)
    if redness_mod.compression_limited(maps, quantum_hb):
        quality = Quality.from_problems(quality.problems + ("compressed",), sharpness=quality.sharpness)
    raw_regions = redness_mod.segment_regions(maps, valid, px_per_mm=ppm, quantum_hb=quantum_hb, skin=skin)
    regions = tuple(_measure_region(r, maps, h, photo.scale) for r in raw_regions)
    raw_bumps = bumps_mod.find_bumps((r.mask for r in raw_regions), maps.delta_l, valid, px_per_mm=ppm,
                                     sigma_l=maps.sigma_l)
    mask = empty.copy()
    jnd = empty.copy()
    for r in raw_regions:
        mask |= r.mask
        jnd |= r.jnd_mask
    redness = _total_redness(regions, mask, jnd, maps, h, photo.scale)
    bumps = tuple(_measure_bump(b, h, photo.scale) for b in raw_bumps)
    measurement = _measurement(photo, quality, scale_info, redness, bumps)
    return PhotoAnalysis(measurement, rgb, mask, tuple((r.kind, r.mask) for r in raw_regions), h, card_poly,
                         photo.scale, valid)


def _jpeg_quantum(photo: LoadedPhoto, valid: np.ndarray) -> float:
    """One step of the photo's JPEG at its median skin colour, in the haemoglobin index."""
    if not any(photo.jpeg_steps):
        return 0.0
    skin = photo.rgb[::8, ::8][valid[::8, ::8]]  # 1 pixel in 64 (~1 ms): a median to a level
    if len(skin) == 0:
        return 0.0
    return jpeg_step_index(np.median(skin, axis=0), photo.jpeg_steps)


def _measurement(photo: LoadedPhoto, quality: Quality, scale: Scale, redness: Redness,
                 bumps: tuple[Bump, ...]) -> PhotoMeasurement:
    width, height = photo.original_size
    return PhotoMeasurement(
        file=photo.name, taken_at=photo.taken_at, quality=quality, scale=scale, redness=redness, bumps=bumps,
        taken_at_source="exif" if photo.taken_at else None, width=width, height=height,
    )


def _pixels(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero(mask)`` -- same arrays, same order -- searched within the mask's bounding box.

    A region covers a small part of the frame: cv2.boundingRect finds its box in 0.3 ms where
    np.nonzero scans the whole 1600 x 1200 frame in 4.5 ms, several times per region.
    """
    mask = np.ascontiguousarray(mask)
    x, y, w, h = cv2.boundingRect(mask.view(np.uint8))
    ys, xs = np.nonzero(mask[y:y + h, x:x + w])
    return ys + y, xs + x


def _area_mm2(mask: np.ndarray, h: np.ndarray | None, pixels: tuple[np.ndarray, np.ndarray] | None = None
              ) -> float | None:
    """Area on the skin plane; ``pixels`` is ``_pixels(mask)`` when the caller already has it."""
    if h is None:
        return None
    ys, xs = _pixels(mask) if pixels is None else pixels
    return round(float(pixel_area_mm2(h, ys.astype(np.float64), xs.astype(np.float64)).sum()), 2)


def _max_diameter(mask: np.ndarray, h: np.ndarray | None) -> tuple[float, float | None]:
    """Greatest diameter (Feret) in working px and, when scaled, in mm on the skin plane."""
    contours, _ = cv2.findContours(mask.view(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return 0.0, None
    hull = cv2.convexHull(np.concatenate(contours)).reshape(-1, 2).astype(np.float64)
    d_px = float(np.max(np.linalg.norm(hull[:, None] - hull[None], axis=2))) + 1.0 if len(hull) > 1 else 1.0
    if h is None:
        return d_px, None
    mm = to_plane_mm(h, hull)
    d_mm = float(np.max(np.linalg.norm(mm[:, None] - mm[None], axis=2))) if len(mm) > 1 else 0.0
    return d_px, d_mm + d_mm / max(d_px - 1.0, 1.0)  # add one pixel's width, as for d_px


def _measure_region(r: redness_mod.RawRegion, maps: excess_mod.ExcessMaps, h: np.ndarray | None,
                    scale: float) -> Region:
    ys, xs = _pixels(r.mask)
    d_px, d_mm = _max_diameter(r.mask, h)
    return Region(
        kind=r.kind, area_px=int(round(len(ys) / scale**2)), area_mm2=_area_mm2(r.mask, h, (ys, xs)),
        max_diameter_mm=round(d_mm, 2) if d_mm is not None else None,
        mean_delta_a=round(r.mean_delta_a, 2), peak_delta_a=round(r.peak_delta_a, 2),
        centroid_px=(int(round(xs.mean() / scale)), int(round(ys.mean() / scale))),
        max_diameter_px=round(d_px / scale, 1), jnd_area_px=int(round(_count(r.jnd_mask) / scale**2)),
        jnd_area_mm2=_area_mm2(r.jnd_mask, h), mean_delta_l=round(r.mean_delta_l, 2),
        mean_delta_b=round(r.mean_delta_b, 2),
    )


def _total_redness(regions: tuple[Region, ...], mask: np.ndarray, jnd: np.ndarray,
                   maps: excess_mod.ExcessMaps, h: np.ndarray | None, scale: float) -> Redness:
    if not regions:
        return Redness(area_mm2=0.0 if h is not None else None, area_px=0, mean_delta_a=0.0, peak_delta_a=0.0,
                       jnd_area_mm2=0.0 if h is not None else None)
    ys, xs = _pixels(mask)
    return Redness(
        area_mm2=_area_mm2(mask, h, (ys, xs)), area_px=int(round(len(ys) / scale**2)),
        mean_delta_a=round(float(maps.delta_a[ys, xs].mean()), 2),
        peak_delta_a=round(max(r.peak_delta_a for r in regions), 2), regions=regions,
        jnd_area_px=int(round(_count(jnd) / scale**2)), jnd_area_mm2=_area_mm2(jnd, h),
    )


def _count(mask: np.ndarray) -> int:
    """Pixels set in a bool mask (cv2.countNonZero: 0.05 ms, against 0.6 ms for ndarray.sum)."""
    return cv2.countNonZero(np.ascontiguousarray(mask).view(np.uint8))


def _measure_bump(b: bumps_mod.RawBump, h: np.ndarray | None, scale: float) -> Bump:
    d_mm = None
    if h is not None:
        cx, cy = b.centre_xy
        ends = to_plane_mm(h, np.array([[cx - b.diameter_px / 2, cy], [cx + b.diameter_px / 2, cy]]))
        d_mm = round(float(np.linalg.norm(ends[1] - ends[0])), 2)
    return Bump(diameter_mm=d_mm, diameter_px=round(b.diameter_px / scale, 1),
                centroid_px=(int(round(b.centre_xy[0] / scale)), int(round(b.centre_xy[1] / scale))))
