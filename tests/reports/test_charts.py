"""Trend charts: the Vega-Lite spec has the band, the measurement, the notes and the flags."""

from __future__ import annotations

import struct

import pytest

from tracker.reports.charts import trend_chart, trend_chart_png

ROWS = [
    {"day": 0.1, "area_mm2": 60.0, "mean_delta_a": 9.0, "usable": True, "level": "expected"},
    {"day": 1.0, "area_mm2": 45.0, "mean_delta_a": 7.5, "usable": True, "level": "expected"},
    {"day": 2.0, "area_mm2": None, "mean_delta_a": 7.0, "usable": True, "level": None},
    {"day": 4.0, "area_mm2": 30.0, "mean_delta_a": 3.0, "usable": False, "level": None, "problems": ["blurry"]},
    {"day": 5.0, "area_mm2": 80.0, "mean_delta_a": 10.5, "usable": True, "level": "contact"},
]
BANDS = [{"day": 0, "low": 0, "high": 80}, {"day": 2, "low": 0, "high": 25}, {"day": 6, "low": 0, "high": 4}]
FLAGS = [{"day": 5.0, "level": "contact"}]


def layer_values(spec: dict, layer: dict) -> list[dict]:
    """The inline data of one layer, whether Altair kept it inline or consolidated it."""
    data = layer["data"]
    return data["values"] if "values" in data else spec["datasets"][data["name"]]


def layers_by_mark(spec: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for layer in spec["layer"]:
        mark = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        out.setdefault(mark, []).append(layer)
    return out


def test_the_expected_course_is_an_area_layer_from_low_to_high_over_days():
    spec = trend_chart(ROWS, bands=BANDS, flags=FLAGS).to_dict()
    (band,) = layers_by_mark(spec)["area"]
    assert band["encoding"]["x"]["field"] == "day"
    assert band["encoding"]["y"]["field"] == "low"
    assert band["encoding"]["y2"]["field"] == "high"
    assert [v["high"] for v in layer_values(spec, band)] == [80.0, 25.0, 4.0]


def test_area_points_and_line_leave_out_unscaled_and_unusable_photos_and_note_them():
    spec = trend_chart(ROWS, bands=BANDS, flags=FLAGS).to_dict()
    marks = layers_by_mark(spec)
    (line,) = marks["line"]
    assert [v["value"] for v in layer_values(spec, line)] == [60.0, 45.0, 80.0]
    (rule,) = marks["rule"]
    notes = {v["day"]: v["note"] for v in layer_values(spec, rule)}
    assert notes[2.0] == "Not plotted: no reference card, so no mm²"
    assert notes[4.0] == "Not plotted: photo unusable (blurry)"
    assert rule["mark"]["strokeDash"] == [4, 3]
    assert any("1 without the card" in s for s in spec["title"]["subtitle"])


def test_points_carry_a_tooltip_with_day_area_redness_and_level_coloured_by_level():
    spec = trend_chart(ROWS).to_dict()
    points = [p for p in layers_by_mark(spec)["point"] if p["encoding"]["y"].get("field") == "value"][0]
    assert {t["field"] for t in points["encoding"]["tooltip"]} >= {"day", "area_mm2", "mean_delta_a", "level"}
    assert points["encoding"]["color"]["field"] == "level"
    assert points["encoding"]["color"]["scale"]["range"][0] == "#2e7d32"
    assert spec["layer"][0]["encoding"]["x"]["title"] == "Days since injection"


def test_flags_are_triangles_along_the_top_coloured_by_level():
    spec = trend_chart(ROWS, flags=FLAGS).to_dict()
    flag = [p for p in layers_by_mark(spec)["point"] if p["mark"].get("shape") == "triangle-down"][0]
    assert layer_values(spec, flag) == [{"day": 5.0, "level": "contact"}]
    assert flag["encoding"]["y"] == {"value": 6}


def test_the_redness_metric_plots_unscaled_photos_as_diamonds_and_still_skips_unusable_ones():
    spec = trend_chart(ROWS, metric="mean_delta_a").to_dict()
    marks = layers_by_mark(spec)
    (line,) = marks["line"]
    assert [v["value"] for v in layer_values(spec, line)] == [9.0, 7.5, 7.0, 10.5]
    points = [p for p in marks["point"] if p["encoding"]["y"].get("field") == "value"][0]
    assert points["encoding"]["shape"]["scale"]["range"] == ["circle", "diamond"]
    assert points["encoding"]["y"]["title"] == "Mean Δa*"
    assert spec["title"]["text"].startswith("Mean redness Δa*")


def test_no_rows_give_an_empty_chart_not_an_error_and_a_bad_metric_is_refused():
    assert trend_chart([]).to_dict()["layer"]
    with pytest.raises(ValueError, match="metric must be one of"):
        trend_chart(ROWS, metric="area")


def test_the_png_rendering_is_a_real_png_at_twice_the_chart_size():
    pytest.importorskip("vl_convert")
    png = trend_chart_png(ROWS, bands=BANDS, flags=FLAGS, width=400, height=200)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 800 and height > 400
