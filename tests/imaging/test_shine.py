from dataclasses import replace

import cv2
import numpy as np
import pytest

from tracker.imaging.color import (haemoglobin_index, linear_to_srgb, optical_density, rgb_to_lab,
                                  rgb_to_lab_planes, srgb_to_linear)
from tracker.imaging.excess import ExcessMaps, excess_maps
from tracker.imaging.shine import shine_area_mm2, shine_fall, shine_mask, skin_linear_rgb

PPM = 6.5
SHAPE = (520, 700)
#: Linear RGB of Monk 8 (604134) and Monk 4 (eadaba) skin.
MONK_8 = np.array([0.117, 0.052, 0.034])
MONK_4 = np.array([0.822, 0.701, 0.491])


def _skin_photo(colour, add):
    """A uint8 sRGB photo of even skin of linear ``colour`` plus ``add`` (M, N, 3) linear light, with a
    little texture and noise."""
    rng = np.random.default_rng(0)
    texture = 1 + 0.03 * cv2.GaussianBlur(rng.standard_normal(SHAPE).astype(np.float32), (0, 0), 8) * 8
    lin = colour[None, None, :] * texture[..., None] + add
    return np.clip(255 * linear_to_srgb(lin) + rng.normal(0, 1.5, lin.shape),
                   0, 255).astype(np.uint8)


def _maps(rgb):
    planes = cv2.split(rgb)
    od_red = optical_density(planes[0])
    hb = haemoglobin_index(rgb, channels=planes, od_red=od_red)
    return excess_maps(rgb_to_lab_planes(rgb), hb, od_red, optical_density(planes[2]),
                       np.ones(SHAPE, bool), px_per_mm=PPM)


def _disc(radius_mm, centre=(260, 350)):
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    return np.hypot(yy - centre[0], xx - centre[1]) / PPM


def test_a_sheen_of_the_lights_colour_on_dark_skin_is_shine():
    # the flash reflected at the skin's surface: white light added, a lobe 12 mm across at half maximum
    lobe = 0.06 * np.exp(-0.5 * (_disc(1.0) / 5.1) ** 2)
    maps = _maps(_skin_photo(MONK_8, lobe[..., None] * np.ones(3)))
    shine = shine_mask(maps, np.ones(SHAPE, bool), PPM)
    assert shine[260, 350] and not shine[20, 20]
    # where the sheen is a fifth of the green light: 0.06 g = 0.25 x 0.052, 8.9 mm from the centre
    radius = 5.1 * np.sqrt(2 * np.log(0.06 / (0.25 * MONK_8[1])))
    assert shine.sum() / PPM**2 == pytest.approx(np.pi * radius**2, rel=0.2)
    assert shine_area_mm2(shine, PPM) == pytest.approx(shine.sum() / PPM**2)


def test_even_dark_skin_shading_and_blood_are_not_shine():
    valid = np.ones(SHAPE, bool)
    assert not shine_mask(_maps(_skin_photo(MONK_8, 0.0)), valid, PPM).any()
    # a shadow scales every channel alike; blood (erythema) absorbs green and blue, not red
    darker = np.where(_disc(1.0)[..., None] < 15, -0.4 * MONK_8, 0.0)
    assert not shine_mask(_maps(_skin_photo(MONK_8, darker)), valid, PPM).any()
    blood = MONK_8 * (np.exp(-np.array([0.05, 0.5, 0.4])) - 1)
    red = np.where(_disc(1.0)[..., None] < 15, blood, 0.0)
    assert not shine_mask(_maps(_skin_photo(MONK_8, red)), valid, PPM).any()


def test_a_faint_sheen_on_pale_skin_is_no_shine():
    # pale skin is nearly white already: a sheen that does not clip hardly hides anything there
    lobe = 0.06 * np.exp(-0.5 * (_disc(1.0) / 5.1) ** 2)
    maps = _maps(_skin_photo(MONK_4, lobe[..., None] * np.ones(3)))
    assert not shine_mask(maps, np.ones(SHAPE, bool), PPM).any()


def _hand_maps(patch, green_share, dl, sigma=0.0):
    """Maps of skin of L* 30 with a sheen of ``green_share`` of the green light over ``patch``."""
    lab = np.array([30.0, 10.0, 12.0])
    rgb = skin_linear_rgb(lab)
    sheen = rgb[1] * green_share / (1 - green_share)
    od = [np.where(patch, -np.log1p(sheen / c), 0.0).astype(np.float32) for c in rgb]
    noise = (sigma * np.random.default_rng(1).standard_normal(SHAPE)).astype(np.float32)
    zeros = np.zeros(SHAPE, np.float32)
    return ExcessMaps(delta_l=dl.astype(np.float32), delta_a=zeros, delta_b=zeros, delta_hb=od[1] - od[0],
                      delta_od_red=od[0], delta_od_blue=od[2] + noise, sigma_a=0.3, sigma_l=0.3,
                      sigma_hb=0.01, baseline_lab=lab)


@pytest.mark.parametrize("case", ["brighter", "darker", "strip", "edge", "no_blue"])
def test_only_a_brighter_patch_moving_towards_the_lights_colour_is_shine(case):
    patch = _disc(1.0) < 10
    if case == "edge":  # a grey surface beyond the skin, taken for skin, at the frame's edge
        patch = _disc(1.0, centre=(SHAPE[0], 100)) < 20
    if case == "strip":  # the card's white bleeding into the skin beside it, 1 mm wide
        patch = np.zeros(SHAPE, bool)
        patch[100:400, 300:300 + round(PPM)] = True
    dl = np.where(patch, -4.0 if case == "darker" else 5.0, 0.0)  # darker: a blue tattoo, a vein
    maps = _hand_maps(patch, 0.5, dl)
    if case == "no_blue":
        maps = replace(maps, delta_od_blue=None)
    shine = shine_mask(maps, np.ones(SHAPE, bool), PPM)
    if case == "brighter":
        assert shine.sum() == pytest.approx(patch.sum(), rel=0.1)
    else:
        assert not shine.any()


def test_the_fall_asked_of_shine_grows_with_the_skins_own_variation():
    patch = _disc(1.0) < 10
    dl = np.where(patch, 5.0, 0.0)
    assert shine_fall(np.array([30.0, 10.0, 12.0]), 0.3) == pytest.approx(0.3, abs=0.05)
    assert shine_mask(_hand_maps(patch, 0.3, dl), np.ones(SHAPE, bool), PPM).any()
    # the same sheen on a map as noisy as a dark photo's blue channel can be (σ 0.1 after 1 mm of
    # smoothing)
    noisy = _hand_maps(patch, 0.3, dl, sigma=0.1 * 2 * np.sqrt(np.pi) * PPM)
    assert not shine_mask(noisy, np.ones(SHAPE, bool), PPM).any()


def test_skin_that_lost_its_melanin_is_no_shine():
    # vitiligo or a pale scar on Monk 8 skin: brighter, and less blue-absorbing, as under a sheen,
    # but the light it adds follows the skin's own transmission (blue most), not the light's colour
    melanin = np.array([0.5, 0.9, 1.6])  # excess OD of the melanin lost (ln), falling with wavelength
    pale = np.where(_disc(1.0)[..., None] < 8, MONK_8 * (np.exp(melanin) - 1), 0.0)
    maps = _maps(_skin_photo(MONK_8, pale))
    valid = np.ones(SHAPE, bool)
    assert not shine_mask(maps, valid, PPM).any()
    assert shine_mask(maps, valid, PPM, white_balanced=False).any()  # the colour test needs the card


def test_the_skins_linear_colour_inverts_the_pipelines_cielab():
    rgb = np.array([[[96, 65, 52], [234, 218, 186], [41, 36, 32]]], np.uint8)  # Monk 8, 4, 10
    lab = rgb_to_lab(rgb)
    for i in range(3):
        linear = srgb_to_linear(rgb[0, i])
        assert skin_linear_rgb(lab[0, i]) == pytest.approx(linear, rel=0.01, abs=2e-4)
