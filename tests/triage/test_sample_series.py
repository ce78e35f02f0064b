"""The generated sample series (sample_images/<series>/series.json), from their ground-truth measurements:
every concerning series reaches contact, no benign one does, and no photo along the way raises a false alarm.

TRACKER_SAMPLES_DIR points the tests at another rendering of the series (default: sample_images)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

from tracker.triage import assess

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(os.environ.get("TRACKER_SAMPLES_DIR", ROOT / "sample_images"))
SERIES = sorted(SAMPLES.glob("*/series.json"))


def _benchmark():
    """benchmarks/triage.py as a module (it holds the series.json reader the benchmark uses)."""
    if "triage_benchmark" not in sys.modules:
        spec = importlib.util.spec_from_file_location("triage_benchmark", ROOT / "benchmarks" / "triage.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return sys.modules["triage_benchmark"]


@pytest.mark.skipif(not SERIES, reason="no generated sample series yet (make samples)")
@pytest.mark.parametrize("path", SERIES, ids=[p.parent.name for p in SERIES])
def test_the_sample_series_gets_its_expected_level_from_ground_truth(path: Path) -> None:
    bench = _benchmark()
    doc = json.loads(path.read_text(encoding="utf-8"))
    expected = bench.expected_level(doc)
    level, rules = bench.run_series(doc, bench.measurement_from_truth)
    concerning = expected in ("contact", "urgent")
    assert (level in ("contact", "urgent")) is concerning, (level, rules)


BENIGN = [p for p in SERIES
          if json.loads(p.read_text(encoding="utf-8"))["expected"]["level"] not in ("contact", "urgent")]


@pytest.mark.skipif(not BENIGN, reason="no generated sample series yet (make samples)")
@pytest.mark.parametrize("path", BENIGN, ids=[p.parent.name for p in BENIGN])
def test_a_benign_sample_series_never_reaches_contact_photo_by_photo(path: Path) -> None:
    bench = _benchmark()
    doc = json.loads(path.read_text(encoding="utf-8"))
    measurements = [bench.measurement_from_truth(p) for p in doc["photos"]]
    injected_at = bench._time(doc.get("injected_at"))
    levels = [assess(measurements[: i + 1], injected_at=injected_at).level for i in range(len(measurements))]
    assert not {"contact", "urgent"} & set(levels), levels
