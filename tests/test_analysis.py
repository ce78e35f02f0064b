"""Whole photo series through the real pipeline and triage: the sample scenarios end where
the clinical guidance says (none missed, no false alarms)."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from tracker.analysis import analyze_series

SAMPLES = Path(__file__).resolve().parent.parent / "sample_images"
SERIES = sorted(SAMPLES.glob("*/series.json"))


@pytest.mark.slow
@pytest.mark.parametrize("path", SERIES, ids=[p.parent.name for p in SERIES])
def test_each_sample_series_is_flagged_exactly_when_it_is_concerning(path):
    doc = json.loads(path.read_text())
    photos = [path.parent / p["file"] for p in doc["photos"]]
    result = analyze_series(photos, injected_at=datetime.fromisoformat(doc["injected_at"]))
    flagged = result["assessment"]["level"] in ("contact", "urgent")
    assert flagged == (doc["expected"]["concern"] == "concerning"), result["assessment"]["reasons"]
    assert "not a diagnosis" in result["disclaimer"]


def test_photos_are_put_in_capture_order_whatever_order_they_are_given():
    doc = json.loads((SAMPLES / "needle_fading" / "series.json").read_text())
    photos = [SAMPLES / "needle_fading" / p["file"] for p in doc["photos"][:3]]
    result = analyze_series(list(reversed(photos)), injected_at=datetime.fromisoformat(doc["injected_at"]))
    hours = [p["hours_since_injection"] for p in result["photos"]]
    assert hours == sorted(hours) and hours[0] == pytest.approx(doc["photos"][0]["hours_since_injection"], abs=0.01)
