"""Pure image analysis: load, calibrate, redness maps, segment, measure, quality.

Import the submodules directly (``from tracker.imaging.load import load_photo``);
nothing is imported or computed here, so ``import tracker`` stays light.
"""
