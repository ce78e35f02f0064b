"""Accuracy on photos made differently from sample_images/: does the method generalise?

The world it renders is :mod:`benchmarks.independent_scene`'s (the Monk skin-tone scale, light
gradients and casts, four lesion profiles as excess optical density, tilted cameras, JPEG
70-95), with a third as many photos of clear skin for false red area.

Prints median / 90th-percentile area error (areas of 10 mm² and more, card found), median
Dice, detection per Monk tone, and the largest false red area on clear skin.

``--large`` renders lesions 30-80 mm across instead (spreading redness filling much of the
frame) and counts how many are measured, refused with advice (``uneven_skin``) or missed.

``--multi`` renders several injection points in one photo instead (3 to 6, 12-16 mm apart in
a grid, as on a forehead or around the eyes), each a small lesion 4-8 mm across of the photo's
profile with its own strength; the ground truth is the union of their half-maximum regions
(apart enough that their summed skirts stay under half of either's peak).

``--coarse`` renders the darkest half of the scale (Monk 6-10) at JPEG quality 70, as a
messaging app sends a photo: ``--n`` photos with one lesion and ``--n`` of clear skin, for what
the JPEG's own steps of colour fake or hide (tracker.imaging.redness.QUANTUM_SIGMA).

``--background`` puts the edge of the limb in the frame, and beyond it what a photo of an arm or
a face shows around it: a table, a wall, a sheet, a sleeve (:data:`~benchmarks.independent_scene.BACKGROUNDS`, under the photo's
own light). The skin darkens towards the edge as a cylinder of 35 mm radius turns away from the
light. ``--n`` photos with a lesion and the same scenes clear, the backgrounds in turn.

``--face`` adds what a photo of a forehead, the glabella or the corner of an eye shows besides
skin: expression lines (darker, more saturated furrows) and an eyebrow (dark strands on the
skin), clear of the lesion and the card (``independent_scene._face``). ``--n`` photos with a lesion and the
same scenes clear.

``--flash`` lights the same scenes with the phone's flash: fall-off from the frame's centre and
a sheen, the flash reflected by the skin's surface (``independent_scene._flash``), on the lesion
half of the time. ``--n`` photos with a lesion and a third as many clear: how many are measured,
refused with advice (``shine``) or passed as usable with the lesion missed.

``--shadow`` lays a soft cast shadow across the same scenes, the phone's or the hand's
(``independent_scene._shadow``), its edge through the lesion half of the time and the card on
either side of it: ``--n`` photos with a lesion and a third as many clear, counted as ``--flash``.

``--p3`` encodes the plain scenes a second and a third time as an iPhone does, in Display P3
(``independent_scene.render(colour_space=...)``): once with the ICC profile embedded, once without
it (what a reader that ignores the profile sees). For each, against the same scene in sRGB: the
median ratio of the mean excess redness (Δa*) and of the area, per Monk tone band, and detection.

Run:  .venv/bin/python benchmarks/independent.py --n 120 --jobs 2
      .venv/bin/python benchmarks/independent.py --large --n 60 --jobs 2
      .venv/bin/python benchmarks/independent.py --coarse --n 60 --jobs 2
      .venv/bin/python benchmarks/independent.py --multi --n 60 --jobs 2
      .venv/bin/python benchmarks/independent.py --background --n 64 --jobs 2
      .venv/bin/python benchmarks/independent.py --face --n 60 --jobs 2
      .venv/bin/python benchmarks/independent.py --flash --n 120 --jobs 2
      .venv/bin/python benchmarks/independent.py --shadow --n 120 --jobs 2
      .venv/bin/python benchmarks/independent.py --p3 --n 120 --jobs 2
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.independent_scene import BACKGROUNDS, render  # noqa: E402

#: A just-noticeable colour difference (CIELAB ΔE*ab): a lesion whose strongest point differs
#: from the skin by less cannot be seen in the photo, by the eye or by this project's tests of
#: visibility; detection is also counted without such lesions.
JND = 2.3


def measure(job: tuple[int, bool, dict]) -> dict:
    """Render and analyse one photo: ``job`` is (seed, lesion, other keywords of :func:`render`)."""
    from tracker.imaging.pipeline import analyze_source

    seed, lesion, options = job
    photo = render(seed, lesion=lesion, **options)
    analysis = analyze_source(photo.pop("jpeg"), name=f"independent{seed}.jpg")
    m = analysis.measurement
    found, truth = analysis.mask_full_resolution() > 0, photo.pop("mask")
    total = int(found.sum() + truth.sum())
    return dict(seed=seed, **photo, measured=m.redness.area_mm2, scaled=m.scale.mm_per_px is not None,
                usable=m.quality.usable, mean_delta_a=m.redness.mean_delta_a,
                dice=2 * float((found & truth).sum()) / total if total else 1.0,
                kinds=[r.kind for r in m.redness.regions], problems=list(m.quality.problems),
                background=options.get("background"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120, help="photos with a lesion (plus a third as many clear)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--cases", action="store_true", help="print one line per photo")
    parser.add_argument("--large", action="store_true",
                        help="lesions 30-80 mm across that fill much of the frame: measured, refused or missed?")
    parser.add_argument("--multi", action="store_true", help="3-6 injection points in each photo")
    parser.add_argument("--coarse", action="store_true",
                        help="Monk 6-10 at JPEG quality 70: --n photos with a lesion and --n clear")
    parser.add_argument("--background", action="store_true",
                        help="the limb's edge and a table, wall or sleeve beyond it: "
                             "--n photos with a lesion and --n clear")
    parser.add_argument("--face", action="store_true",
                        help="expression lines and an eyebrow in the frame: --n photos with a lesion and --n clear")
    parser.add_argument("--flash", action="store_true",
                        help="the phone's flash: fall-off and a sheen on the skin, often on the lesion")
    parser.add_argument("--shadow", action="store_true",
                        help="a soft cast shadow across the frame, often through the lesion")
    parser.add_argument("--p3", action="store_true",
                        help="the plain scenes in Display P3, with and without the profile, against sRGB")
    args = parser.parse_args()
    if args.p3:
        return _p3(args)
    if args.flash:
        return _lit(args, "flash", "shine")
    if args.shadow:
        return _lit(args, "shadow", "shine")
    if args.large:
        return _large(args)
    if args.background:
        return _background(args)
    jobs = [(s, True, dict(multi=args.multi, coarse=args.coarse, face=args.face)) for s in range(args.n)]
    if args.coarse or args.face:  # the clear photos of the same seeds: the same skin, light and camera
        jobs += [(s, False, dict(coarse=args.coarse, face=args.face)) for s in range(args.n)]
    else:
        clear = range(0 if args.multi else args.n // 3)
        jobs += [(100_000 + s, False, {}) for s in clear]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(measure, jobs, chunksize=2))
    lesions = [r for r in rows if r["shape"] != "clear"]
    clear = [r for r in rows if r["shape"] == "clear"]
    sized = [r for r in lesions if r["scaled"] and r["area"] >= 10]
    err = np.array([100 * ((r["measured"] or 0) / r["area"] - 1) for r in sized])
    detected, visible = defaultdict(list), defaultdict(list)
    for r in lesions:
        detected[r["tone"]].append(r["usable"] and r["dice"] > 0.3)
        if r["core_delta_e"] >= JND:
            visible[r["tone"]].append(r["usable"] and r["dice"] > 0.3)
    faint = [r["usable"] and r["dice"] > 0.3 for r in lesions if r["core_delta_e"] < JND]
    by_shape = defaultdict(list)
    for r, e in zip(sized, err):
        by_shape[r["shape"]].append(e)
    if args.cases:
        for r in rows:
            print(r["seed"], "Monk", r["tone"], r["kind"], r["shape"], f"amp {r['amplitude']:.2f}", r["cast"],
                  f"tilt {r['tilt']:.0f}", f"points {r['points']}", f"core dE {r['core_delta_e']:.1f}", f"true {r['area']:.0f}", "measured", r["measured"], f"dice {r['dice']:.2f}",
                  r["kinds"], "usable" if r["usable"] else "NOT usable")
    print(f"{len(lesions)} photos with a lesion, {len(clear)} clear; {len(sized)} sized (card found, >= 10 mm²)")
    print(f"median |area error| {np.median(np.abs(err)):.1f} %   90th percentile {np.percentile(np.abs(err), 90):.1f} %"
          f"   median signed {np.median(err):+.1f} %   median Dice {np.median([r['dice'] for r in lesions]):.2f}")
    print("median signed error by profile:", {k: round(float(np.median(v)), 1) for k, v in sorted(by_shape.items())})
    print("detection by Monk tone 1-10:", " / ".join(f"{np.mean(detected[t]):.2f}" for t in sorted(detected)))
    print(f"  of lesions whose core is visible (dE*ab >= {JND}):",
          " / ".join(f"{np.mean(visible[t]):.2f}" if visible[t] else "-" for t in sorted(detected)),
          f"; under a JND at the core: found {sum(faint)} of {len(faint)}")
    print("kind of the largest region found:", _kinds(lesions))
    print(f"largest false red area on clear skin: {max([r['measured'] or 0 for r in clear] + [0]):.1f} mm²"
          f"  (photos with any: {sum(1 for r in clear if r['measured'])} of {len(clear)})")
    print(f"photos not usable: {sum(not r['usable'] for r in rows)} of {len(rows)}")


def _kinds(lesions: list[dict]) -> str:
    """How often the largest region found on a detected lesion has the lesion's own kind: a bruise
    called erythema makes the stricter erythema clocks run, erythema called a bruise the laxer."""
    found = [r for r in lesions if r["usable"] and r["dice"] > 0.3 and r["kinds"]]
    parts = []
    for kind, other in (("erythema", "bruise"), ("bruise", "erythema")):
        group = [r for r in found if r["kind"] == kind]
        parts.append(f"{kind} called {other} {sum(r['kinds'][0] == other for r in group)} of {len(group)}")
    return "; ".join(parts)


def _background(args) -> None:
    """What a table, a wall or a sleeve beside the limb does to the measurement, per background."""
    names = list(BACKGROUNDS)
    jobs = [(s, lesion, dict(background=names[s % len(names)])) for s in range(args.n) for lesion in (True, False)]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(measure, jobs, chunksize=2))
    print(f"{args.n} photos with a lesion and the same {args.n} scenes clear, the limb's edge in the frame")
    print("background: lesions measured (median |area error|) / refused / missed;"
          " clear photos with false area (largest)")
    for name in names + [None]:
        group = [r for r in rows if name is None or r["background"] == name]
        lesions = [r for r in group if r["shape"] != "clear"]
        clear = [r for r in group if r["shape"] == "clear"]
        measured = [r for r in lesions if r["usable"] and r["dice"] > 0.3]
        refused = [r for r in lesions if not r["usable"]]
        err = [abs(100 * ((r["measured"] or 0) / r["area"] - 1))
               for r in measured if r["scaled"] and r["area"] >= 10]
        false = [r["measured"] for r in clear if r["measured"]]
        typical = np.median(err) if err else float("nan")
        print(f"  {name or 'all':12s} {len(measured)} of {len(lesions)} ({typical:.1f} %)"
              f" / {len(refused)} / {len(lesions) - len(measured) - len(refused)};"
              f" {len(false)} of {len(clear)} ({max(false, default=0):.0f} mm²)"
              f"; clear refused {sum(not r['usable'] for r in clear)}")
        if args.cases and name is not None:
            for r in group:
                print("   ", r["seed"], "Monk", r["tone"], r["kind"], r["shape"], f"amp {r['amplitude']:.2f}",
                      f"true {r['area']:.0f}", "measured", r["measured"], r["kinds"], r["problems"])


def _lit(args, option: str, refusal: str) -> None:
    """Under the flash's sheen (``option`` "flash") or a cast shadow ("shadow"): is a lesion
    measured, refused with ``refusal``'s advice, or missed on a photo passed as usable (the
    understatement the ``shine`` refusal is for)?"""
    jobs = [(s, True, {option: True}) for s in range(args.n)]
    jobs += [(100_000 + s, False, {option: True}) for s in range(args.n // 3)]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(measure, jobs, chunksize=2))
    lesions = [r for r in rows if r["shape"] != "clear"]
    clear = [r for r in rows if r["shape"] == "clear"]
    outcome = defaultdict(list)
    for r in lesions:
        key = _outcome(r, refusal, missed=r["dice"] <= 0.3)
        outcome[key].append(r)
        if args.cases:
            print(r["seed"], "Monk", r["tone"], r["kind"], r["shape"], f"amp {r['amplitude']:.2f}",
                  f"true {r['area']:.0f}", "measured", r["measured"], r["problems"], key)
    print(f"{len(lesions)} photos with a lesion, {option}, {len(clear)} clear")
    _print_outcomes(outcome, tones=True)
    false = [r["measured"] for r in clear if r["measured"]]
    print(f"clear photos: refused for {refusal} {sum(refusal in r['problems'] for r in clear)},"
          f" otherwise not usable {sum(not r['usable'] and refusal not in r['problems'] for r in clear)},"
          f" with false area {len(false)} (largest {max(false, default=0):.0f} mm²)")


def _p3(args) -> None:
    """An iPhone's Display P3 photos, the profile read or ignored, against the same scenes in sRGB."""
    spaces = ("sRGB", "display-p3", "display-p3-untagged")
    jobs = [(s, True, dict(colour_space=space)) for s in range(args.n) for space in spaces]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(measure, jobs, chunksize=3))
    by_seed = defaultdict(dict)
    for r, (seed, _, options) in zip(rows, jobs):
        by_seed[seed][options["colour_space"]] = r

    def found(r: dict) -> bool:
        return r["usable"] and r["dice"] > 0.3

    print(f"{args.n} scenes with a lesion, each encoded in sRGB and in Display P3 (profile embedded / not)")
    for space in spaces:
        pairs = [(v["sRGB"], v[space]) for v in by_seed.values()]
        line = f"  {space:20s} detected {sum(found(b) for _, b in pairs)} of {len(pairs)}"
        if space != "sRGB":
            both = [(a, b) for a, b in pairs if found(a) and found(b) and a["measured"] and b["measured"]]
            bands = (("Monk 1-4", range(1, 5)), ("Monk 5-7", range(5, 8)), ("Monk 8-10", range(8, 11)))
            for band, tones in bands:
                group = [(a, b) for a, b in both if a["tone"] in tones]
                intensity = np.median([b["mean_delta_a"] / a["mean_delta_a"] for a, b in group])
                line += f"; {band}: Δa* x {intensity:.3f}"
            ratios = np.array([b["measured"] / a["measured"] for a, b in both])
            line += f"; area x {np.median(ratios):.3f} (median of {len(both)} found in both)"
            lost = sum(1 for a, b in pairs if (a["measured"] or 0) >= 0.5 * a["area"] and not b["measured"])
            line += (f"\n    photo for photo: area within 20 % of the sRGB photo's {np.sum(np.abs(ratios - 1) <= 0.2)},"
                     f" 1.5 x larger {np.sum(ratios > 1.5)}, 1.5 x smaller {np.sum(ratios < 1 / 1.5)};"
                     f" missed where the sRGB photo measured half or more {lost}")
        print(line)
        if args.cases:
            for seed, v in by_seed.items():
                a, b = v["sRGB"], v[space]
                print("   ", seed, "Monk", a["tone"], a["kind"], f"amp {a['amplitude']:.2f}",
                      f"true {a['area']:.0f}",
                      f"sRGB {a['measured']} Δa* {a['mean_delta_a']:.2f}", f"{space} {b['measured']}"
                      f" Δa* {b['mean_delta_a']:.2f}", "usable" if b["usable"] else b["problems"])


def _large(args) -> None:
    """What becomes of a red or dark area too large for the skin around it to be a baseline."""
    with ProcessPoolExecutor(args.jobs) as pool:
        jobs = [(s, True, dict(large=True)) for s in range(args.n)]
        rows = list(pool.map(measure, jobs, chunksize=2))
    outcome = defaultdict(list)
    for r in rows:
        key = _outcome(r, "uneven_skin", missed=not r["measured"])
        outcome[key].append(r)
        if args.cases:
            print(r["seed"], "Monk", r["tone"], r["kind"], r["shape"], f"amp {r['amplitude']:.2f}",
                  f"true {r['area']:.0f}", "measured", r["measured"], key)
    print(f"{len(rows)} photos with a lesion 30-80 mm across")
    _print_outcomes(outcome, tones=False)


def _outcome(r: dict, refusal: str, *, missed: bool) -> str:
    """What became of one photo with a lesion: refused with ``refusal``'s advice, not usable for
    another reason, ``missed`` on a usable photo, or measured under / at least half its area."""
    if refusal in r["problems"]:
        return f"refused: {refusal}, with advice"
    if not r["usable"]:
        return "not usable: " + ", ".join(r["problems"])
    if missed:
        return "MISSED: usable, lesion not found"
    if (r["measured"] or 0) / r["area"] < 0.5:
        return "measured under half its area"
    return "measured, at least half its area"


def _print_outcomes(outcome: dict[str, list[dict]], *, tones: bool) -> None:
    for key, group in sorted(outcome.items()):
        errs = [100 * ((r["measured"] or 0) / r["area"] - 1) for r in group]
        where = f"; Monk {sorted(r['tone'] for r in group)}" if tones else ""
        print(f"  {key}: {len(group)} (median area error {np.median(errs):+.0f} %{where})")


if __name__ == "__main__":
    main()
