"""The measurement core against the ground truth of the committed sample series."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tracker.imaging.pipeline import analyze_source

SAMPLES = Path(__file__).resolve().parents[2] / "sample_images"


def _photos(series):
    doc = json.loads((SAMPLES / series / "series.json").read_text())
    return [(SAMPLES / series / p["file"], SAMPLES / series / p["mask_file"], p) for p in doc["photos"]]


def _analyse(path):
    return analyze_source(path)  # as analyze_photo decodes it


def _dice(a, b):
    return 2 * (a & b).sum() / max(a.sum() + b.sum(), 1)


@pytest.mark.parametrize("series, index", [
    ("redness_persisting_light", 0), ("redness_persisting_dark", 0), ("redness_growing_dark", 6),
    ("bruise_persisting", 1), ("redness_delayed", 5),
])
def test_red_area_masks_match_the_ground_truth_on_light_and_dark_skin(series, index):
    photo, truth_mask, truth = _photos(series)[index]
    analysis = _analyse(photo)
    mask = analysis.mask_full_resolution() > 0
    gt = cv2.imread(str(truth_mask), cv2.IMREAD_GRAYSCALE) > 127
    # per photo, the skin's own blood mottling moves a soft border: see benchmarks/accuracy.py
    assert _dice(mask, gt) >= 0.80
    assert analysis.measurement.redness.area_mm2 == pytest.approx(truth["area_mm2"], rel=0.40)
    kinds = {r.kind for r in analysis.measurement.redness.regions}
    assert kinds == {r["kind"] for r in truth["regions"]}


def test_clear_skin_with_moles_freckles_and_hair_has_no_red_area():
    for photo, _, truth in _photos("clear_skin"):
        m = _analyse(photo).measurement
        assert m.redness.area_px == 0, photo.name


def test_a_photo_without_the_card_is_measured_unscaled_and_says_so():
    photo = next(p for p, _, t in _photos("redness_growing_light") if not t["has_card"])
    m = _analyse(photo).measurement
    assert "no_card" in m.quality.problems and m.quality.usable
    assert m.scale.mm_per_px is None and m.redness.area_mm2 is None and m.redness.area_px > 0


def test_the_defocused_photo_is_unusable_as_blurry_and_sharp_ones_are_not():
    for photo, _, truth in _photos("bruise_fading"):
        m = _analyse(photo).measurement
        assert ("blurry" in m.quality.problems) == truth["blurred"], photo.name


def test_a_persisting_bump_is_found_with_a_plausible_diameter():
    found = []
    for photo, _, truth in _photos("bump_persisting"):
        if truth["has_card"]:
            bumps = _analyse(photo).measurement.bumps
            found.append(bool(bumps))
            for b in bumps:
                assert 3.0 <= b.diameter_mm <= 10.0
    assert sum(found) >= 1


@pytest.mark.slow
def test_over_every_committed_photo_the_median_dice_is_at_least_0_85_and_no_false_region_exceeds_5_mm2():
    dices, false_regions = [], []
    for series in sorted(p.parent.name for p in SAMPLES.glob("*/series.json")):
        for photo, truth_mask, truth in _photos(series):
            analysis = _analyse(photo)
            if not analysis.measurement.quality.usable:
                continue
            gt = cv2.imread(str(truth_mask), cv2.IMREAD_GRAYSCALE) > 127
            # a region must touch the truth (dilated by a few pixels for its soft border), or be
            # within the goal for false red area (5 mm²)
            near = cv2.resize(cv2.dilate(gt.view(np.uint8), np.ones((9, 9), np.uint8)), analysis.mask.shape[::-1],
                              interpolation=cv2.INTER_NEAREST).astype(bool)
            false_regions += [(photo.name, region.kind, region.area_mm2)
                              for (_, mask), region in zip(analysis.region_masks, analysis.measurement.redness.regions)
                              if not (mask & near).any() and (region.area_mm2 is None or region.area_mm2 > 5.0)]
            if truth["area_mm2"] >= 10:
                dices.append(_dice(analysis.mask_full_resolution() > 0, gt))
    assert np.median(dices) >= 0.85
    assert false_regions == []
