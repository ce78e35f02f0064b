"""Quality gate and bumps on photos from the physically based generator."""

import pytest

from sample_images.render import PhotoSpec, render_photo
from sample_images.scene import Bump, Lesion, SkinSpec
from tracker.imaging.load import LoadedPhoto
from tracker.imaging.pipeline import analyze_loaded


def _measure(**spec):
    rgb, truth, _ = render_photo(PhotoSpec(**spec))
    photo = LoadedPhoto(rgb, (rgb.shape[1], rgb.shape[0]), 1.0, None, "PNG", "render.png")
    return analyze_loaded(photo).measurement, truth


@pytest.mark.parametrize("fitzpatrick", [1, 6])
def test_a_defocused_photo_is_unusable_and_says_blurry_even_when_the_marker_is_hard_to_read(fitzpatrick):
    m, _ = _measure(skin=SkinSpec(fitzpatrick=fitzpatrick, seed=3), lesions=(Lesion("erythema", (0, 0), (5, 4)),),
                    defocus_px=8.0, seed=3)
    assert "blurry" in m.quality.problems and not m.quality.usable
    assert m.redness.area_px == 0 and m.redness.area_mm2 is None  # no guess on a blurry photo


def test_a_sharp_photo_passes_the_gate():
    m, _ = _measure(skin=SkinSpec(fitzpatrick=3, seed=4), lesions=(Lesion("erythema", (0, 0), (5, 4)),), seed=4)
    assert m.quality.usable and "blurry" not in m.quality.problems


def test_a_very_dark_photo_is_too_dark():
    m, _ = _measure(skin=SkinSpec(fitzpatrick=2, seed=5), exposure=0.06, seed=5)
    assert "too_dark" in m.quality.problems and not m.quality.usable


def test_every_problem_comes_with_retake_advice():
    m, _ = _measure(skin=SkinSpec(fitzpatrick=2, seed=6), has_card=False, defocus_px=9.0, seed=6)
    assert m.quality.problems and len(m.quality.advice) == len(m.quality.problems)
    assert all(len(a) > 20 for a in m.quality.advice)


@pytest.mark.parametrize("fitzpatrick", [2, 5])
def test_a_shaded_dome_is_reported_as_a_bump_near_its_true_place(fitzpatrick):
    m, truth = _measure(skin=SkinSpec(fitzpatrick=fitzpatrick, seed=3), bumps=(Bump((0, 0), 5.5),), seed=fitzpatrick,
                        tilt_deg=10)
    assert len(m.bumps) == 1
    bump, true = m.bumps[0], truth["bumps"][0]
    assert abs(bump.centroid_px[0] - true["centroid_px"][0]) < 15 and abs(bump.centroid_px[1] - true["centroid_px"][1]) < 15
    assert 4.0 <= bump.diameter_mm <= 9.0 and bump.estimate


def test_a_flat_red_patch_is_not_a_bump():
    m, _ = _measure(skin=SkinSpec(fitzpatrick=2, seed=7), lesions=(Lesion("erythema", (0, 0), (3, 3), edge_order=3),),
                    seed=7)
    assert m.redness.regions and not m.bumps
