"""Known answers for the skin's variation at a scale: white noise averaged over a disk."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from tracker.imaging.scale import SkinAtScale


@pytest.mark.parametrize("radius", [8.0, 16.0, 32.0, 64.0])
def test_white_noise_averaged_over_a_disk_spreads_as_sigma_over_the_root_of_its_area(radius):
    # a disk of radius R holds pi R² independent pixels: their mean spreads by σ / (R sqrt(pi))
    noise = np.random.default_rng(0).normal(0, 1.0, (1200, 1200)).astype(np.float32)
    spread = SkinAtScale(noise, None, np.ones(noise.shape, bool))
    assert_allclose(spread.sigma(radius), 1.0 / (radius * np.sqrt(np.pi)), rtol=0.1)


def test_the_colour_covariance_at_a_scale_is_the_pixels_covariance_over_the_disk_area():
    cov = np.array([[4.0, 1.0, -0.5], [1.0, 2.0, 0.3], [-0.5, 0.3, 1.0]])
    lab = np.random.default_rng(1).multivariate_normal(np.zeros(3), cov, (800, 800)).astype(np.float32)
    planes = tuple(np.ascontiguousarray(lab[..., c]) for c in range(3))
    spread = SkinAtScale(planes[0], planes, np.ones(planes[0].shape, bool))
    radius = 16.0
    # the 0.05² floor keeps a flat map invertible; it is small against these values
    assert_allclose(spread.covariance(radius) - np.eye(3) * 0.05**2, cov / (np.pi * radius**2), rtol=0.15, atol=2e-4)


def test_pixels_off_the_skin_do_not_enter_the_statistics():
    rng = np.random.default_rng(2)
    noise = rng.normal(0, 1.0, (800, 800)).astype(np.float32)
    valid = np.ones(noise.shape, bool)
    valid[:, 400:] = False
    noise[:, 400:] = 50.0 * rng.normal(0, 1.0, (800, 400))  # the card, hair, background
    spread = SkinAtScale(noise, None, valid)
    assert_allclose(spread.sigma(16.0), 1.0 / (16.0 * np.sqrt(np.pi)), rtol=0.15)
