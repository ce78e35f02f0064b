import numpy as np
import pytest
from numpy.testing import assert_allclose

from tests.imaging.planar import camera_homography, photograph, render_plane
from tracker.imaging.load import LoadedPhoto
from tracker.imaging.pipeline import analyze_loaded

SIZE = (1600, 1200)


def _loaded(rgb, scale=1.0):
    h, w = rgb.shape[:2]
    return LoadedPhoto(rgb=rgb, original_size=(round(w / scale), round(h / scale)), scale=scale, taken_at=None,
                       format="PNG", name="scene.png")


def _scene(tilt=0.0, noise=2.0, seed=0, **kw):
    plane, mask, ppm = render_plane(**kw)
    h = camera_homography(tilt_deg=tilt, rot_deg=20, distance_mm=200, focal_px=2000, size=SIZE, centre_mm=(5, -5))
    img = photograph(plane, ppm, 60.0, h, SIZE).astype(np.float32)
    img += np.random.default_rng(seed).normal(0, noise, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8), mask.sum() / ppm**2


@pytest.mark.parametrize("tilt", [0, 30])
def test_a_red_disk_measures_its_true_area_and_diameter_on_the_skin_plane(tilt):
    rgb, true_mm2 = _scene(tilt)
    m = analyze_loaded(_loaded(rgb)).measurement
    assert m.quality.usable and m.scale.source == "marker"
    assert len(m.redness.regions) == 1
    region = m.redness.regions[0]
    assert region.kind == "erythema"
    assert_allclose(region.area_mm2, true_mm2, rtol=0.02)
    assert_allclose(region.max_diameter_mm, 2 * np.sqrt(true_mm2 / np.pi), rtol=0.03)
    assert m.redness.mean_delta_a > 10


def test_without_the_card_the_area_is_in_pixels_and_the_mm_figures_are_null():
    rgb, _ = _scene(10, with_card=False)
    m = analyze_loaded(_loaded(rgb)).measurement
    assert "no_card" in m.quality.problems
    assert m.scale.mm_per_px is None
    assert m.redness.area_mm2 is None and m.redness.regions[0].area_mm2 is None
    assert m.redness.area_px > 5000


def test_clear_skin_has_no_red_area():
    rgb, _ = _scene(15, disk_radius_mm=0.0)
    m = analyze_loaded(_loaded(rgb)).measurement
    assert m.redness.area_mm2 == 0.0 and m.redness.regions == ()


def test_a_red_area_filling_most_of_the_skin_is_refused_with_advice_not_measured_as_nothing():
    # More red than normal skin: the skin surface bends towards the red area, and without the
    # guard this 5000 mm² patch measured 0 mm² ("no redness"), the worst answer there is.
    rgb, _ = _scene(10, disk_radius_mm=40, disk_centre_mm=(-12, 8), red_rgb=(205, 135, 125))
    m = analyze_loaded(_loaded(rgb)).measurement
    assert not m.quality.usable and "uneven_skin" in m.quality.problems
    assert m.redness.area_mm2 is None and m.redness.method == "not_measured"
    assert "contact your provider" in m.quality.advice[m.quality.problems.index("uneven_skin")]


def test_a_large_red_area_with_normal_skin_around_it_is_measured():
    rgb, true_mm2 = _scene(10, disk_radius_mm=30, disk_centre_mm=(-12, 8), red_rgb=(205, 135, 125))
    m = analyze_loaded(_loaded(rgb)).measurement
    assert m.quality.usable and m.quality.problems == ()
    assert_allclose(m.redness.area_mm2, true_mm2, rtol=0.03)


def test_pixel_figures_are_reported_in_the_original_photo_frame():
    rgb, _ = _scene(0)
    full = analyze_loaded(_loaded(rgb)).measurement
    half = analyze_loaded(_loaded(np.ascontiguousarray(rgb[::2, ::2]), scale=0.5)).measurement
    assert_allclose(half.redness.area_px, full.redness.area_px, rtol=0.03)
    assert_allclose(half.redness.regions[0].centroid_px, full.redness.regions[0].centroid_px, atol=3)
    assert_allclose(half.redness.area_mm2, full.redness.area_mm2, rtol=0.03)


def test_the_full_resolution_mask_matches_the_photo_size():
    rgb, _ = _scene(0)
    analysis = analyze_loaded(_loaded(np.ascontiguousarray(rgb[::2, ::2]), scale=0.5))
    mask = analysis.mask_full_resolution()
    assert mask.shape == (1200, 1600) and mask.dtype == np.uint8
    assert set(np.unique(mask)) == {0, 255}


def test_a_decoded_photo_is_measured_at_the_same_working_scale_as_analyze_photo():
    # the app decodes its stored copy once and measures it with analyze_working; it must give
    # the CLI's and the API's figures (analyze_photo decodes smaller and reduces the same way)
    from pathlib import Path

    from tracker.imaging.load import load_photo
    from tracker.imaging.pipeline import analyze_photo, analyze_working

    path = Path(__file__).resolve().parents[2] / "sample_images" / "redness_persisting_dark" / "redness_persisting_dark_day02_1130.jpg"
    direct = analyze_photo(path)
    working = analyze_working(load_photo(path, max_side=2048))
    assert working.measurement.scale.mm_per_px == pytest.approx(direct.scale.mm_per_px, rel=0.01)
    assert working.measurement.redness.area_mm2 == pytest.approx(direct.redness.area_mm2, rel=0.03)
    assert max(working.rgb.shape[:2]) < 1600  # reduced to the working scale, not measured at 2048


def test_the_analysis_keeps_the_measurable_skin_without_the_card():
    from pathlib import Path

    import cv2

    from tracker.imaging.pipeline import analyze_source

    path = Path(__file__).resolve().parents[2] / "sample_images" / "redness_persisting_dark" / "redness_persisting_dark_day02_1130.jpg"
    analysis = analyze_source(path)
    card = np.zeros(analysis.valid.shape, np.uint8)
    cv2.fillPoly(card, [np.round(analysis.card_polygon).astype(np.int32)], 1)
    assert analysis.valid.shape == analysis.mask.shape
    assert not (analysis.valid & (card > 0)).any()
    assert analysis.valid.mean() > 0.5  # the skin around the card is kept


def test_the_plateaus_of_a_coarse_jpeg_on_dark_skin_are_not_redness(monkeypatch):
    # Clear Monk 8 skin under cool light with a 2:1 light gradient, JPEG quality 70
    # (benchmarks/independent.py): the gradient crosses a chroma step of the JPEG along a line,
    # and the blocks beyond it stand 1.3-1.8 steps redder, all of them identically. That was a
    # 2,400 mm² "erythema"; now the photo is measured clear, with the advice to send the
    # original photo, since faint redness could hide in such steps.
    from benchmarks.independent_scene import render
    from tracker.imaging import redness
    from tracker.imaging.pipeline import analyze_source

    data = render(4, lesion=False)["jpeg"]
    m = analyze_source(data, name="clear.jpg").measurement
    assert m.quality.usable and "compressed" in m.quality.problems
    assert m.redness.area_mm2 == 0
    monkeypatch.setattr(redness, "QUANTUM_SIGMA", 0.0)
    assert analyze_source(data, name="clear.jpg").measurement.redness.area_mm2 > 1000


def test_a_sleeve_or_a_table_beside_the_arm_is_not_skin(monkeypatch):
    # The edge of the arm in the frame and a surface of a skin-like hue beyond it
    # (benchmarks/independent.py --background). A red sleeve beside clear Monk 5 skin was an
    # 1,887 mm² "erythema", and a bruise beside a wooden table was refused (uneven_skin): the
    # surface counted as skin, and the skin's fitted colour bent towards it.
    from benchmarks.independent_scene import render
    from tracker.imaging import pipeline
    from tracker.imaging.pipeline import analyze_source

    sleeve = render(6, lesion=False, background="red sleeve")["jpeg"]
    m = analyze_source(sleeve, name="sleeve.jpg").measurement
    assert m.quality.usable and m.redness.area_mm2 == 0
    table = render(24, background="wood")
    m = analyze_source(table["jpeg"], name="table.jpg").measurement
    assert m.quality.usable and [r.kind for r in m.redness.regions] == ["bruise"]
    assert m.redness.area_mm2 == pytest.approx(table["area"], rel=0.1)
    # the broad skin-colour rule alone, as before
    broad = pipeline.skin_mask
    monkeypatch.setattr(pipeline, "skin_mask",
                        lambda lab, px_per_mm, rgb, reference: broad(lab, px_per_mm=px_per_mm))
    assert not analyze_source(table["jpeg"], name="table.jpg").measurement.quality.usable
    assert analyze_source(sleeve, name="sleeve.jpg").measurement.redness.area_mm2 > 1000


def test_the_darkened_edge_of_the_arm_is_no_bruise_but_a_bruise_near_it_is(monkeypatch):
    # benchmarks/independent.py --background: the skin darkens as the arm turns from the light
    # (Monk 9 and 8 skin beside a navy sleeve). The darkened strip is as dark as a bruise and
    # a JPEG's chroma steps tint it, but it is no change of colour: it was an 865 mm² "bruise".
    from benchmarks.independent_scene import render
    from tracker.imaging import region_colour
    from tracker.imaging.pipeline import analyze_source

    edge = render(20, lesion=False, background="navy sleeve")["jpeg"]
    m = analyze_source(edge, name="edge.jpg").measurement
    assert m.quality.usable and m.redness.area_mm2 == 0
    beside = render(4, background="navy sleeve")
    m = analyze_source(beside["jpeg"], name="beside.jpg").measurement
    # found as a bruise-coloured region; its blue reads as oxy-haemoglobin's, so it is called
    # erythema (doubt goes to the stricter clock: tracker.imaging.kinds.oxygenated)
    assert len(m.redness.regions) == 1
    assert m.redness.area_mm2 == pytest.approx(beside["area"], rel=0.1)
    # away from the edge a faint bruise need not be more than darker: on Monk 7 at JPEG quality
    # 70 this one is hardly more off the line a shadow moves the colour along than the strip
    faint = render(24, coarse=True)
    m = analyze_source(faint["jpeg"], name="faint.jpg").measurement
    assert [r.kind for r in m.redness.regions] == ["bruise"]
    assert m.redness.area_mm2 == pytest.approx(faint["area"], rel=0.15)
    # with any visible colour difference making a bruise, as before
    monkeypatch.setattr(region_colour, "coloured_not_shaded", region_colour.visibly_different)
    assert analyze_source(edge, name="edge.jpg").measurement.redness.area_mm2 > 500


def test_an_eyebrow_on_dark_skin_is_no_bruise_but_a_bruise_below_it_is(monkeypatch):
    # benchmarks/independent.py --face: a dark eyebrow on Monk 10 skin. Its strands took too
    # little of the light for the hair mask's former 10 L* (on L* 8-20 skin), and between them
    # the brow darkens the skin as a shadow does (red/green optical density ~0.9, not blood's):
    # it was a "bruise" of 1,244 mm².
    from benchmarks.independent_scene import render
    from tracker.imaging import region_colour
    from tracker.imaging.pipeline import analyze_source

    brow = render(39, lesion=False, face=True)["jpeg"]
    m = analyze_source(brow, name="brow.jpg").measurement
    assert m.quality.usable and m.redness.area_mm2 == 0
    beside = render(55, face=True)  # a faint bruise on Monk 10 skin with a brow in the frame
    m = analyze_source(beside["jpeg"], name="beside.jpg").measurement
    assert [r.kind for r in m.redness.regions] == ["bruise"]
    assert m.redness.area_mm2 == pytest.approx(beside["area"], rel=0.15)
    # a neutral darkening judged as any bruise, as before: the brow, between its strands, is one
    monkeypatch.setattr(region_colour, "NEUTRAL_OD_RATIO", 2.0)
    assert analyze_source(brow, name="brow.jpg").measurement.redness.area_mm2 > 500


def test_a_dark_photos_jpeg_blocks_do_not_bend_the_skin_surface(monkeypatch):
    # Monk 10 skin at L* 13 (benchmarks/independent.py --face seed 52): the JPEG's blocks put the
    # skin on a few levels, and the sigma clipping of the skin surface kept 70 of 5,174 points,
    # to which it bent by 0.64 in the index: the clear photo was refused as uneven skin.
    from benchmarks.independent_scene import render
    from tracker.imaging import baseline
    from tracker.imaging.pipeline import analyze_source

    dark = render(52, lesion=False, face=True)["jpeg"]
    m = analyze_source(dark, name="dark.jpg").measurement
    assert m.quality.usable and m.redness.area_mm2 == 0
    monkeypatch.setattr(baseline, "MIN_KEPT_SHARE", 0.0)
    assert "uneven_skin" in analyze_source(dark, name="dark.jpg").measurement.quality.problems


def test_faint_erythema_with_a_visibly_redder_core_is_found_whatever_kind_its_ratio_says():
    # benchmarks/independent.py --face seed 29: a Gaussian spot of 70 mm² on Monk 10 skin (its
    # core ΔE*ab 3.3 from the skin: visible), mean Δa* 1.8 over its half maximum. Beside the
    # expression lines its red/green ratio read 0.35, over the bruise line; as a "bruise" it had
    # to differ visibly from the ring of skin around it on average, and was dropped: clear.
    from benchmarks.independent_scene import render
    from tracker.imaging.pipeline import analyze_source

    photo = render(29, face=True)
    m = analyze_source(photo["jpeg"], name="spot.jpg").measurement
    assert m.quality.usable and [r.kind for r in m.redness.regions] == ["erythema"]
    # found, but sized small: its peak is read where the noise lifted it (README, Known limits)
    assert 0.3 * photo["area"] < m.redness.area_mm2 < 1.1 * photo["area"]


def test_a_lesion_the_first_rounds_of_clipping_leave_in_the_skin_is_measured_not_refused(monkeypatch):
    # benchmarks/independent.py seed 72: visible erythema of 152 mm² (irregular blobs) on Monk 10
    # skin under a cool cast. Four rounds of clipping left part of it in the skin surface, bent
    # by 0.157 in the index (the limit is 0.15): refused as uneven skin, a retake that would
    # have fared no better. More rounds leave it out (0.067) and it is measured. A pink towel
    # taken for skin bends the surface much further (0.69), and is still refused: more rounds
    # there would cut the skin out of the towel and measure the towel.
    from benchmarks.independent_scene import render
    from tracker.imaging import excess
    from tracker.imaging.pipeline import analyze_source

    photo = render(72)
    towel = render(23, lesion=False, background="pink towel")["jpeg"]
    m = analyze_source(photo["jpeg"], name="blobs.jpg").measurement
    assert m.quality.usable and [r.kind for r in m.redness.regions] == ["erythema"]
    assert m.redness.area_mm2 == pytest.approx(photo["area"], rel=0.1)
    assert "uneven_skin" in analyze_source(towel, name="towel.jpg").measurement.quality.problems
    monkeypatch.setattr(excess, "UNEVEN_REFIT_RANGE_HB", np.inf)
    assert analyze_source(towel, name="towel.jpg").measurement.redness.area_mm2 > 1000
    monkeypatch.setattr(excess, "FIT_ROUNDS_UNEVEN", excess.FIT_ROUNDS)
    assert "uneven_skin" in analyze_source(photo["jpeg"], name="blobs.jpg").measurement.quality.problems


def test_erythema_whose_red_green_ratio_the_skin_lifts_is_no_bruise(monkeypatch):
    # benchmarks/independent.py: erythema (red/green optical density 0.18) on skin whose texture
    # under it is a little darker read a ratio of 0.33, over the bruise line (0.30), and ran the
    # bruise's two-week clock (G10) instead of the 48 h of G4. Its blue tilt is oxy-haemoglobin's.
    from benchmarks.independent_scene import render
    from tracker.imaging import kinds
    from tracker.imaging.pipeline import analyze_source

    photo = render(62)
    assert photo["kind"] == "erythema"
    m = analyze_source(photo["jpeg"], name="erythema.jpg").measurement
    assert [r.kind for r in m.redness.regions] == ["erythema"]
    assert m.redness.area_mm2 == pytest.approx(photo["area"], rel=0.05)
    monkeypatch.setattr(kinds, "OXY_BLUE_TILT", (9.0, 9.0))  # the ratio alone, as before
    before = analyze_source(photo["jpeg"], name="erythema.jpg").measurement
    assert [r.kind for r in before.redness.regions] == ["bruise"]


def test_faint_erythema_on_dark_skin_is_found_and_still_there_after_three_days_is_flagged():
    # benchmarks/independent.py seed 75: a Gaussian spot of 144 mm² on Monk 7 skin. Over its
    # half-maximum area the mean Δa* is 1.9, under the JND, while its core is plainly redder:
    # it was missed, and a photo of it 80 h after the injection said nothing (G7: contact).
    from datetime import datetime, timedelta

    from benchmarks.independent_scene import render
    from tracker.imaging.pipeline import analyze_source
    from tracker.triage import assess

    photo = render(75)
    assert (photo["tone"], photo["kind"]) == (7, "erythema")
    m = analyze_source(photo["jpeg"], name="spot.jpg").measurement
    assert [r.kind for r in m.redness.regions] == ["erythema"]
    region = m.redness.regions[0]
    assert region.mean_delta_a < 2.3 < region.peak_delta_a
    assert m.redness.area_mm2 == pytest.approx(photo["area"], rel=0.2)  # a peaked spot reads large
    injected = datetime(2026, 3, 2, 9, 0)
    later = m.with_time(hours_since_injection=80.0, taken_at=injected + timedelta(hours=80))
    assessment = assess([later], injected_at=injected)
    assert assessment.level == "contact" and "G7" in [r.source for r in assessment.reasons]


def test_a_sheen_that_hides_redness_is_refused_with_advice_not_called_clear(monkeypatch):
    # benchmarks/independent.py --flash seed 16: 133 mm² of erythema on Monk 6 skin under the
    # flash's sheen (the flash reflected at the skin's surface, grey on dark skin and unclipped,
    # so no glare). The photo passed as usable and nothing was found.
    import math

    from benchmarks.independent_scene import render
    from tracker.imaging import pipeline
    from tracker.imaging.pipeline import analyze_source

    flash = render(16, flash=True)["jpeg"]
    m = analyze_source(flash, name="flash.jpg").measurement
    assert not m.quality.usable and "shine" in m.quality.problems
    assert any("flash" in advice for advice in m.quality.advice)
    plain = render(16)  # the same scene without the flash
    m = analyze_source(plain["jpeg"], name="plain.jpg").measurement
    assert m.quality.usable and m.redness.area_mm2 == pytest.approx(plain["area"], rel=0.1)
    monkeypatch.setattr(pipeline, "SHINE_MAX_MM2", math.inf)
    before = analyze_source(flash, name="flash.jpg").measurement
    assert before.quality.usable and before.redness.area_mm2 < 5


def test_lit_skin_beside_a_card_in_shadow_is_measured_not_clipped_to_white(monkeypatch):
    # benchmarks/independent.py --shadow seed 112: a 137 mm² bruise on Monk 2 skin in the full
    # light, the card in the shadow of the phone. The card's gains, which also bring its white to
    # a set exposure, pushed the lit skin past white: "not skin", and the bruise was missed on a
    # photo passed as usable.
    from benchmarks.independent_scene import render
    from tracker.imaging import pipeline
    from tracker.imaging.pipeline import analyze_source

    photo = render(112, shadow=True)
    m = analyze_source(photo["jpeg"], name="shadow.jpg").measurement
    assert m.quality.usable and m.scale.white_balanced
    assert m.redness.area_mm2 == pytest.approx(photo["area"], rel=0.1)
    monkeypatch.setattr(pipeline, "unclipped_gains", lambda rgb, gains: gains)
    before = analyze_source(photo["jpeg"], name="shadow.jpg").measurement
    assert before.quality.usable and before.redness.area_mm2 < 5


@pytest.mark.slow  # 16 s: two renders of 2000 x 1500; tests/imaging/test_colorspace.py has the fast checks
def test_an_iphone_photo_in_display_p3_is_measured_as_its_srgb_twin(monkeypatch):
    # benchmarks/independent.py --p3 seed 15: a faint bruise (55 mm²) on Monk 10 skin, saved as an
    # iPhone saves it, in Display P3 with the profile embedded. Read as sRGB, its codes lose about
    # a fifth of every lesion's Δa*, and this bruise was missed on a photo passed as usable.
    from benchmarks.independent_scene import render
    from tracker.imaging import load
    from tracker.imaging.pipeline import analyze_source

    photo = render(15, colour_space="display-p3")
    twin = analyze_source(render(15)["jpeg"], name="srgb.jpg").measurement
    m = analyze_source(photo["jpeg"], name="p3.jpg").measurement
    assert m.quality.usable and twin.quality.usable
    assert m.redness.area_mm2 == pytest.approx(photo["area"], rel=0.25)
    assert m.redness.area_mm2 == pytest.approx(twin.redness.area_mm2, rel=0.2)
    # the profile ignored, as before
    monkeypatch.setattr(load, "to_srgb", lambda image, info: image)
    before = analyze_source(photo["jpeg"], name="p3.jpg").measurement
    assert before.quality.usable and before.redness.area_mm2 < 5
