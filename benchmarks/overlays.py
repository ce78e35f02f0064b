"""Contact sheet of what the segmentation found, against the ground truth, on every series.

For each committed series in ``sample_images/`` one photo (``--day-index``, default the
second) is analysed; the sheet shows the measured outlines (erythema amber, bruise cyan,
bumps white, card green) with the ground-truth half-maximum contour in magenta, and the
true and measured areas. Numbers alone hide nonsense: look at this after changing the core.

Run:  .venv/bin/python benchmarks/overlays.py docs/overlays.png [--day-index 1]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.imaging.pipeline import analyze_source  # noqa: E402

TILE = (640, 480)


def tile(series_dir: Path, index: int) -> np.ndarray:
    doc = json.loads((series_dir / "series.json").read_text())
    photo = doc["photos"][min(index, len(doc["photos"]) - 1)]
    analysis = analyze_source(series_dir / photo["file"])  # as analyze_photo decodes it
    image = analysis.overlay()
    truth = cv2.imread(str(series_dir / photo["mask_file"]), cv2.IMREAD_GRAYSCALE) > 127
    truth = cv2.resize(truth.view(np.uint8), image.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    contours, _ = cv2.findContours(truth, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(image, contours, -1, (255, 0, 255), 1, lineType=cv2.LINE_AA)
    image = cv2.resize(image, TILE, interpolation=cv2.INTER_AREA)
    m = analysis.measurement
    measured = "not measured" if not m.quality.usable else (
        f"{m.redness.area_mm2:.0f} mm2" if m.redness.area_mm2 is not None else f"{m.redness.area_px} px (no scale)")
    label = f"{series_dir.name} ({photo['file'][-15:-4]}): true {photo.get('area_mm2', 0):.0f} mm2, measured {measured}"
    cv2.rectangle(image, (0, 0), (TILE[0], 26), (0, 0, 0), -1)
    cv2.putText(image, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="PNG or JPEG to write")
    parser.add_argument("--day-index", type=int, default=1, help="which photo of each series (0 = first)")
    args = parser.parse_args()
    tiles = [tile(p.parent, args.day_index) for p in sorted((ROOT / "sample_images").glob("*/series.json"))]
    if len(tiles) % 2:
        tiles.append(np.zeros_like(tiles[0]))
    sheet = np.vstack([np.hstack(tiles[i:i + 2]) for i in range(0, len(tiles), 2)])
    cv2.imwrite(str(args.out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"wrote {args.out} ({len(tiles)} tiles)")


if __name__ == "__main__":
    main()
