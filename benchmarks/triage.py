"""Triage benchmark over the generated sample series: missed alarms and false alarms.

For every ``sample_images/<series>/series.json`` with an expected level, it runs
the assessment two ways and counts, among *concerning* series (expected
``contact`` or ``urgent``), how many were flagged ``contact`` or higher (goal:
all), and among *benign* ones (``expected`` or ``monitor``) how many were (goal: none):

- ``truth``: the series' ground-truth measurements fed straight to triage (no
  imaging; always runs), isolating the rules from measurement error;
- ``pipeline``: every photo through ``tracker.imaging.pipeline.analyze_photo``,
  the real path (skipped with a message when imaging is not available).

Usage: ``python benchmarks/triage.py [--samples DIR] [--mode truth|pipeline|both] [--strict]``.
``--strict`` exits 1 when a concerning series is missed or a benign one is flagged.

series.json, as read here (extra fields are ignored; alternatives in brackets)::

    {"name": "...", "expected_level": "contact" [or "level", or {"expected": {"level": ...}}],
     "injected_at": "2026-11-02T10:00:00" | null, "symptoms": ["pain", ...],
     "photos": [{"file": "day00.jpg", "taken_at": "..." | null, "hours_since_injection": 2.0 | null,
                 "symptoms": [...], "truth": {<sample_images.truth.photo_truth record>}}]}
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.measurement import Bump, PhotoMeasurement, Quality, Redness, Region, Scale  # noqa: E402
from tracker.triage import assess  # noqa: E402

CONCERNING = frozenset({"contact", "urgent"})
RANK = {"expected": 0, "monitor": 1, "contact": 2, "urgent": 3}


@dataclass(frozen=True)
class Outcome:
    name: str
    expected: str
    got: str
    rules: tuple[str, ...]

    @property
    def concerning(self) -> bool:
        return self.expected in CONCERNING

    @property
    def flagged(self) -> bool:
        return self.got in CONCERNING


def expected_level(doc: dict[str, Any]) -> str | None:
    for value in (doc.get("expected_level"), doc.get("level"), (doc.get("expected") or {}).get("level")
                  if isinstance(doc.get("expected"), dict) else doc.get("expected")):
        if isinstance(value, str) and value in RANK:
            return value
    return None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def measurement_from_truth(photo: dict[str, Any]) -> PhotoMeasurement:
    """What a perfect imaging pipeline would report for one photo of the series."""
    truth = photo.get("truth", photo)
    scaled = bool(truth.get("has_card", True)) and truth.get("mm_per_px") is not None
    regions = tuple(
        Region(
            kind=r["kind"], area_px=int(round(r.get("area_px", 0))),
            area_mm2=r["area_mm2"] if scaled else None,
            max_diameter_mm=r.get("max_diameter_mm") if scaled else None,
            mean_delta_a=(r.get("peak_delta_a", 0.0) + r.get("border_delta_a", r.get("peak_delta_a", 0.0))) / 2,
            centroid_px=tuple(int(round(c)) for c in r.get("centroid_px", (0, 0))),
            peak_delta_a=r.get("peak_delta_a", 0.0),
        )
        for r in truth.get("regions", ())
    )
    area_px = sum(r.area_px for r in regions)
    problems = (["blurry"] if truth.get("blurred") else []) + ([] if scaled else ["no_card"])
    return PhotoMeasurement(
        file=photo.get("file"),
        taken_at=_time(photo.get("taken_at")),
        quality=Quality.from_problems(problems),
        scale=Scale(mm_per_px=truth.get("mm_per_px"), source="marker") if scaled else Scale(None, None),
        redness=Redness(
            area_mm2=sum(r.area_mm2 or 0.0 for r in regions) if scaled else None, area_px=area_px,
            mean_delta_a=sum(r.mean_delta_a * r.area_px for r in regions) / area_px if area_px else 0.0,
            peak_delta_a=max((r.peak_delta_a for r in regions), default=0.0), regions=regions,
        ),
        bumps=tuple(Bump(diameter_mm=b.get("diameter_mm") if scaled else None, diameter_px=b.get("diameter_px", 0.0),
                         centroid_px=tuple(int(round(c)) for c in b.get("centroid_px", (0, 0))))
                    for b in truth.get("bumps", ())),
        hours_since_injection=photo.get("hours_since_injection"),
    )


def measurement_from_pipeline(series_dir: Path) -> Callable[[dict[str, Any]], PhotoMeasurement]:
    from tracker.imaging.pipeline import analyze_photo

    def run(photo: dict[str, Any]) -> PhotoMeasurement:
        m = analyze_photo(series_dir / photo["file"])
        if m.hours_since_injection is None and photo.get("hours_since_injection") is not None:
            m = m.with_time(hours_since_injection=photo["hours_since_injection"])
        return m

    return run


def run_series(doc: dict[str, Any], measure: Callable[[dict[str, Any]], PhotoMeasurement]) -> tuple[str, list[str]]:
    photos = doc.get("photos", [])
    symptoms = list(doc.get("symptoms", []))
    for p in photos:
        symptoms += [s for s in p.get("symptoms", []) if s not in symptoms]
    a = assess([measure(p) for p in photos], injected_at=_time(doc.get("injected_at")), symptoms=symptoms)
    return a.level, [r.rule for r in a.reasons]


def report(mode: str, outcomes: list[Outcome]) -> bool:
    concerning = [o for o in outcomes if o.concerning]
    benign = [o for o in outcomes if not o.concerning]
    missed = [o for o in concerning if not o.flagged]
    false_alarms = [o for o in benign if o.flagged]
    print(f"\n[{mode}] {len(outcomes)} series")
    for o in outcomes:
        mark = "MISSED" if o in missed else "FALSE ALARM" if o in false_alarms else "ok"
        print(f"  {o.name:32s} expected {o.expected:8s} got {o.got:8s} {mark:11s} {', '.join(o.rules)}")
    print(f"[{mode}] concerning series flagged contact or higher: {len(concerning) - len(missed)}/{len(concerning)}"
          f" (missed {len(missed)})")
    print(f"[{mode}] benign series flagged contact or higher: {len(false_alarms)}/{len(benign)}")
    return not missed and not false_alarms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "sample_images")
    parser.add_argument("--mode", choices=("truth", "pipeline", "both"), default="both")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)

    series = []
    for path in sorted(args.samples.glob("*/series.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        level = expected_level(doc)
        if level is not None:
            series.append((path.parent, doc, level))
    if not series:
        print(f"no series.json with an expected level under {args.samples}; run `make samples` first")
        return 0

    ok = True
    modes = ("truth", "pipeline") if args.mode == "both" else (args.mode,)
    for mode in modes:
        if mode == "pipeline":
            try:
                import tracker.imaging.pipeline  # noqa: F401
            except ImportError as exc:
                print(f"\n[pipeline] skipped: the imaging pipeline is not available ({exc})")
                continue
        outcomes = []
        for folder, doc, level in series:
            measure = measurement_from_truth if mode == "truth" else measurement_from_pipeline(folder)
            got, rules = run_series(doc, measure)
            outcomes.append(Outcome(doc.get("name", folder.name), level, got, tuple(rules)))
        ok = report(mode, outcomes) and ok
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    raise SystemExit(main())
