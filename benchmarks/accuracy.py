"""Accuracy of the measurement core against ground truth.

Two sets, both from the physically based generator in ``sample_images/``:

* **varied**: photos rendered on the fly (not committed) with every skin tone,
  illuminant, tilt, distance, noise level and JPEG quality drawn at random per seed,
  lesions of 10-600 mm² (erythema and bruise), plus clear-skin photos with moles,
  freckles and hair for false positives;
* **series**: the committed daily series in ``sample_images/*/series.json``.

Figures printed: median and 90th-percentile absolute area error for areas of
10 mm² and more, median Dice of the red-area mask, the largest false red area
on clear skin, detection rate per Fitzpatrick type, and the spread of the
intensity figure (mean Δa*) of one scene photographed under six illuminants,
with and without the card's white balance.

Each varied case also gets ``truth_z``: the mean excess inside the *true* mask in σ of the
skin's own variation at the lesion's size; the missed cases' values show whether they
could be told from healthy blotches at all. ``--mottling 0`` renders the same photos on
evenly coloured skin, to measure what the skin's own variation costs.

Run:  .venv/bin/python benchmarks/accuracy.py [--n 120] [--quick] [--jobs 2] [--cases cases.csv]
      [--varied-only] [--mottling 0]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from functools import partial
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_images.render import ILLUMINANTS, PhotoSpec, render_photo  # noqa: E402
from sample_images.scene import Lesion, SkinSpec  # noqa: E402
from tracker.imaging.load import load_photo  # noqa: E402
from tracker.imaging.pipeline import WORKING_MAX_SIDE, analyze_loaded, analyze_source  # noqa: E402


class _Serial:
    """Stand-in for a process pool when running in one process."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    @staticmethod
    def map(fn, items):
        return map(fn, items)


def _pool(jobs: int):
    if jobs <= 1:
        return _Serial()
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(jobs)


def dice(a: np.ndarray, b: np.ndarray) -> float:
    s = a.sum() + b.sum()
    return 1.0 if s == 0 else float(2 * (a & b).sum() / s)


def _jpeg_roundtrip(rgb: np.ndarray, quality: int):
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return load_photo(buf.tobytes(), name="render.jpg", max_side=WORKING_MAX_SIDE)


def _analyse(rgb: np.ndarray, quality: int):
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    analysis = analyze_source(buf.tobytes(), name="render.jpg")  # as analyze_photo decodes it
    return analysis, analysis.mask_full_resolution() > 0


def varied_spec(seed: int, *, clear: bool = False, mottling: float = 1.0) -> tuple[PhotoSpec, int]:
    rng = np.random.default_rng(1000 + seed)
    fitz = int(seed % 6) + 1
    lesions: tuple[Lesion, ...] = ()
    if not clear:
        area = float(np.exp(rng.uniform(np.log(10), np.log(600))))
        ratio = rng.uniform(0.6, 1.0)
        a = np.sqrt(area / np.pi / ratio)
        kind = "erythema" if rng.random() < 0.6 else "bruise"
        lesions = (Lesion(kind, (0.0, 0.0), (a, a * ratio), angle_deg=rng.uniform(0, 180),
                          amplitude=rng.uniform(0.25, 0.6), edge_order=rng.uniform(1.2, 3.0),
                          age=rng.uniform(0, 0.5) if kind == "bruise" else 0.0),)
    spec = PhotoSpec(
        skin=SkinSpec(fitzpatrick=fitz, seed=seed, moles=int(rng.integers(0, 5)), freckles=int(rng.integers(0, 30)),
                      hairs=int(rng.integers(0, 6)), mottling=mottling),
        lesions=lesions, px_per_mm=rng.uniform(9, 18), tilt_deg=rng.uniform(0, 35),
        tilt_azimuth_deg=rng.uniform(0, 360), rotation_deg=rng.uniform(0, 360),
        illuminant=list(ILLUMINANTS)[int(rng.integers(0, len(ILLUMINANTS)))], exposure=rng.uniform(0.75, 1.2),
        noise=rng.uniform(0.5, 2.0), seed=seed, light_azimuth_deg=rng.uniform(0, 360),
    )
    return spec, int(rng.integers(75, 96))


def _varied_case(seed: int, mottling: float = 1.0) -> dict:
    """One varied photo: its parameters and what was measured (a row of ``--cases``)."""
    spec, q = varied_spec(seed, mottling=mottling)
    rgb, truth, gt = render_photo(spec)
    analysis, mask = _analyse(rgb, q)
    m = analysis.measurement
    les = spec.lesions[0]
    return {"seed": seed, "fitzpatrick": spec.skin.fitzpatrick, "kind": les.kind, "amplitude": round(les.amplitude, 3),
            "edge_order": round(les.edge_order, 2), "illuminant": spec.illuminant, "tilt_deg": round(spec.tilt_deg, 1),
            "px_per_mm": round(spec.px_per_mm, 1), "noise": round(spec.noise, 2), "jpeg_quality": q,
            "true_mm2": round(truth["area_mm2"], 2), "measured_mm2": m.redness.area_mm2,
            "usable": m.quality.usable, "dice": round(dice(mask, gt), 4),
            "truth_z": round(_truth_z(analysis, gt), 1),
            "kinds_found": "+".join(r.kind for r in m.redness.regions)}


def _truth_z(analysis, gt: np.ndarray) -> float:
    """How far the true lesion stands out of the skin's own variation at its size.

    Mean excess haemoglobin index inside the *true* half-maximum mask, in σ of the skin's
    excess map averaged over an area of the lesion's size (the acceptance statistic of
    tracker.imaging.redness, given the perfect region). Under ``redness.ACCEPT_Z`` no
    region-based detector can accept the lesion without accepting healthy blotches of the
    same skin as well: it tells a missed lesion that was findable from one that was not.
    """
    from tracker.imaging.baseline import skin_baseline
    from tracker.imaging.color import haemoglobin_index
    from tracker.imaging.scale import SkinAtScale

    rgb = analysis.rgb
    truth = cv2.resize(gt.view(np.uint8), rgb.shape[1::-1], interpolation=cv2.INTER_NEAREST) > 0
    if truth.sum() < 10 or analysis.valid is None:
        return 0.0
    hb = haemoglobin_index(rgb)
    skin = analysis.valid & ~truth  # the pipeline's measurable skin, outside the lesion
    base = skin_baseline([hb], skin, clip_high=(0,))[0]
    excess = np.ascontiguousarray(hb - base, dtype=np.float32)
    spread = SkinAtScale(excess, None, skin)
    return float(excess[truth].mean()) / spread.sigma(float(np.sqrt(truth.sum() / np.pi)))


def _clear_case(seed: int, mottling: float = 1.0) -> float | None:
    spec, q = varied_spec(10_000 + seed, clear=True, mottling=mottling)
    rgb, _, _ = render_photo(spec)
    analysis, _ = _analyse(rgb, q)
    return analysis.measurement.redness.area_mm2


def run_varied(n: int, *, jobs: int = 1, cases_path: Path | None = None, mottling: float = 1.0) -> dict:
    errors, dices, by_tone = [], [], defaultdict(lambda: [0, 0])
    signed = []
    with _pool(jobs) as pool:
        rows = list(pool.map(partial(_varied_case, mottling=mottling), range(n)))
        false_area = [a for a in pool.map(partial(_clear_case, mottling=mottling), range(n // 3)) if a is not None]
    for row in rows:
        by_tone[row["fitzpatrick"]][1] += 1
        by_tone[row["fitzpatrick"]][0] += int(row["usable"] and row["dice"] > 0.3)
        if row["measured_mm2"] is not None and row["true_mm2"] >= 10:
            err = row["measured_mm2"] / row["true_mm2"] - 1
            row["area_error_pct"] = round(100 * err, 2)
            errors.append(abs(err))
            signed.append(err)
            dices.append(row["dice"])
    if cases_path is not None:
        with cases_path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]) + ["area_error_pct"])
            writer.writeheader()
            writer.writerows(rows)
    missed = [r for r in rows if not (r["usable"] and r["dice"] > 0.3)]
    return {
        "photos": n, "clear_photos": n // 3, "skin_mottling": mottling,
        "area_abs_error_median_pct": 100 * float(np.median(errors)),
        "area_abs_error_p90_pct": 100 * float(np.percentile(errors, 90)),
        "area_signed_error_median_pct": 100 * float(np.median(signed)),
        "dice_median": float(np.median(dices)),
        "dice_p10": float(np.percentile(dices, 10)),
        "max_false_area_clear_mm2": float(max(false_area) if false_area else 0.0),
        "clear_photos_with_any_false_area": int(sum(a > 0 for a in false_area)),
        "detection_rate_by_fitzpatrick": {t: round(d / max(c, 1), 3) for t, (d, c) in sorted(by_tone.items())},
        "missed_truth_z": sorted(r["truth_z"] for r in missed),
        "found_truth_z_min": min((r["truth_z"] for r in rows if r not in missed), default=None),
    }


def run_illuminant_spread(seeds: int = 6) -> dict:
    """Mean Δa* of one scene under each illuminant, with and without the card's white balance."""
    spreads_wb, spreads_raw = [], []
    for seed in range(seeds):
        values_wb, values_raw = [], []
        for name in ILLUMINANTS:
            spec = PhotoSpec(skin=SkinSpec(fitzpatrick=seed % 6 + 1, seed=seed),
                             lesions=(Lesion("erythema", (0, 0), (6, 5), amplitude=0.4),), illuminant=name,
                             tilt_deg=10, seed=seed)
            rgb, _, _ = render_photo(spec)
            loaded = _jpeg_roundtrip(rgb, 92)
            m = analyze_loaded(loaded).measurement
            values_wb.append(m.redness.mean_delta_a)
            values_raw.append(_mean_delta_a_without_white_balance(loaded))
        spreads_wb.append(np.std(values_wb))
        spreads_raw.append(np.std(values_raw))
    return {"illuminants": len(ILLUMINANTS), "scenes": seeds,
            "mean_delta_a_sd_with_card_wb": float(np.mean(spreads_wb)),
            "mean_delta_a_sd_without_wb": float(np.mean(spreads_raw))}


def _mean_delta_a_without_white_balance(loaded) -> float:
    from tracker.imaging import calibrate

    real = calibrate._white_reference
    calibrate._white_reference = lambda rgb, h, s: (None, "hidden")
    try:
        return analyze_loaded(loaded).measurement.redness.mean_delta_a
    finally:
        calibrate._white_reference = real


def run_series() -> dict:
    rows = []
    for path in sorted((ROOT / "sample_images").glob("*/series.json")):
        series = json.loads(path.read_text())
        for p in series["photos"]:
            photo = path.parent / p["file"]
            truth_mask = cv2.imread(str(path.parent / p["mask_file"]), cv2.IMREAD_GRAYSCALE) > 127
            analysis = analyze_source(photo)
            m = analysis.measurement
            mask = analysis.mask_full_resolution() > 0
            rows.append((series.get("fitzpatrick"), p.get("area_mm2", 0.0), m, dice(mask, truth_mask), p))
    if not rows:
        return {"series": 0}
    errs = [abs(m.redness.area_mm2 / a - 1) for _, a, m, _, _ in rows if a >= 10 and m.redness.area_mm2 is not None]
    dices = [d for _, a, m, d, _ in rows if a >= 10 and m.quality.usable]
    clear = [m.redness.area_mm2 or 0.0 for _, a, m, _, _ in rows if a == 0 and m.redness.area_mm2 is not None]
    return {"photos": len(rows), "scaled_photos_with_area_ge_10": len(errs),
            "area_abs_error_median_pct": 100 * float(np.median(errs)) if errs else None,
            "area_abs_error_p90_pct": 100 * float(np.percentile(errs, 90)) if errs else None,
            "dice_median": float(np.median(dices)) if dices else None,
            "max_false_area_clear_mm2": float(max(clear)) if clear else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120, help="varied photos (plus a third as many clear-skin photos)")
    parser.add_argument("--quick", action="store_true", help="30 varied photos, 2 illuminant scenes")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for the varied photos")
    parser.add_argument("--cases", type=Path, help="write one CSV row per varied photo here")
    parser.add_argument("--varied-only", action="store_true", help="skip the illuminant and series sets")
    parser.add_argument("--mottling", type=float, default=1.0,
                        help="scale of the skin's own melanin and blood mottling in the varied photos "
                             "(0: evenly coloured skin, to measure what the mottling costs)")
    args = parser.parse_args()
    n = 30 if args.quick else args.n
    varied = run_varied(n, jobs=args.jobs, cases_path=args.cases, mottling=args.mottling)
    if args.varied_only:
        print(json.dumps({"varied": varied}, indent=2))
        return
    result = {"varied": varied, "illuminant_spread": run_illuminant_spread(2 if args.quick else 6),
              "series": run_series()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
