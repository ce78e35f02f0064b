"""The skin surface fit: channels that only ride along do not decide what the skin is."""

import numpy as np
from numpy.testing import assert_allclose

from tracker.imaging.baseline import fit_skin_surface


def test_a_channel_left_out_of_the_judging_is_fitted_on_the_points_the_others_keep():
    rng = np.random.default_rng(2)
    yy, xx = np.mgrid[:200, :300].astype(np.float32)
    judged = (0.01 * xx + 0.02 * yy + rng.normal(0, 0.5, xx.shape)).astype(np.float32)
    judged[50:80, 100:140] += 20.0  # a lesion: clipped
    rider = (0.03 * xx + rng.normal(0, 0.5, xx.shape)).astype(np.float32)
    rider[150:190, 10:60] += 30.0  # a patch only this channel sees (the blue's coarse steps)
    skin = np.ones(xx.shape, bool)
    alone = fit_skin_surface([judged], skin, (), 2, 4, 4)
    both = fit_skin_surface([judged, rider], skin, (), 2, 4, 4, judged=1)
    assert_allclose(both[0][:, 0], alone[0][:, 0], rtol=1e-9, atol=1e-9)  # the same points kept
    # judged by all channels, the rider's patch is clipped too: the first surface moves
    everyone = fit_skin_surface([judged, rider], skin, (), 2, 4, 4)
    assert not np.allclose(everyone[0][:, 0], alone[0][:, 0], rtol=1e-9, atol=1e-9)
