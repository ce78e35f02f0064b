"""How well one figure of a lesion's excess optical density tells erythema from a bruise.

A probe for the next change to tracker.imaging.kinds, not a benchmark of the pipeline: the
figures are taken inside the *true* mask of each photo of benchmarks/independent.py (mean excess
optical density -ln(linear light) of R, G, B over the median of a ring 2-6 mm outside it), so
they show what the figure itself can do, before any segmentation.

- ``r/g``: OD_R / OD_G, what tracker.imaging.kinds.classify_region reads now. A neutral change
  (the skin's own texture and shading under the lesion: the same OD in R, G and B) moves it.
- ``F``: (2 OD_B - OD_R - OD_G) / (OD_G - OD_R), in which a neutral change cancels exactly. By
  Prahl's (1999) molar extinction near 600, 550 and 470 nm, oxy-haemoglobin absorbs R, G, B as
  about 0.07 : 1 : 0.77 (F about 0.5), deoxy-haemoglobin about 0.28 : 1 : 0.30 (F about -0.9).

Prints the 5th / 50th / 95th percentiles of each figure per kind and the fewest photos a single
threshold on each gets wrong (the threshold fitted here: an optimistic figure for both).

Run:  .venv/bin/python benchmarks/kind_features.py --n 120
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.independent_scene import _to_linear, render  # noqa: E402


def features(seed: int) -> tuple[str, float, float] | None:
    """(true kind, r/g, F) of the lesion of one photo of benchmarks/independent.py."""
    photo = render(seed)
    rgb = cv2.imdecode(np.frombuffer(photo["jpeg"], np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    od = -np.log(np.maximum(_to_linear(rgb).astype(np.float64), 1e-4))
    inside = photo["mask"]
    if inside.sum() < 50:
        return None
    dist = cv2.distanceTransform((~inside).view(np.uint8), cv2.DIST_L2, 3)
    ring = (dist > 20) & (dist < 60)
    r, g, b = (od[..., c][inside].mean() - np.median(od[..., c][ring]) for c in range(3))
    return photo["kind"], r / g, (2 * b - r - g) / (g - r)


def _fewest_wrong(values: np.ndarray, is_bruise: np.ndarray, bruise_above: bool) -> tuple[int, float]:
    best = (len(values) + 1, float("nan"))
    for t in np.unique(values):
        said_bruise = values >= t if bruise_above else values < t
        best = min(best, (int(np.sum(said_bruise != is_bruise)), float(t)))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120)
    args = parser.parse_args()
    rows = [f for f in map(features, range(args.n)) if f is not None]
    kinds = np.array([k for k, _, _ in rows])
    ratio, neutral_free = np.array([r for _, r, _ in rows]), np.array([f for _, _, f in rows])
    for kind in ("erythema", "bruise"):
        pick = kinds == kind
        spread = [np.round(np.percentile(v[pick], [5, 50, 95]), 3) for v in (ratio, neutral_free)]
        print(f"{kind:8s} {pick.sum():3d}  r/g at percentiles 5/50/95: {spread[0]}  F: {spread[1]}")
    is_bruise = kinds == "bruise"
    wrong, at = _fewest_wrong(ratio, is_bruise, bruise_above=True)
    print(f"r/g: fewest wrong {wrong} of {len(rows)} (bruise from {at:.3f})")
    wrong, at = _fewest_wrong(neutral_free, is_bruise, bruise_above=False)
    print(f"F:   fewest wrong {wrong} of {len(rows)} (bruise below {at:.3f})")


if __name__ == "__main__":
    main()
