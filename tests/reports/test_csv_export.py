"""CSV export: one parsable line per photo, empty cells for unknowns, no formula injection."""

from __future__ import annotations

import csv
import dataclasses
import io

from tracker.reports.csv_export import COLUMNS, measurements_csv


def parse(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_the_csv_has_the_header_and_one_line_per_photo(sample_report):
    data = measurements_csv(sample_report.rows)
    header = next(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert tuple(header) == COLUMNS
    assert len(parse(data)) == len(sample_report.rows)


def test_values_round_trip_with_units_kinds_and_problems(sample_report):
    rows = parse(measurements_csv(sample_report.rows))
    first, unscaled, mixed, blurry = rows[0], rows[2], rows[3], rows[4]
    assert first["taken_at"] == "2026-11-02T12:00:00"
    assert float(first["hours_since_injection"]) == 2.0
    assert float(first["days_since_injection"]) == round(2 / 24, 4)
    assert first["usable"] == "true" and first["problems"] == ""
    assert float(first["area_mm2"]) == 60.0 and int(first["area_px"]) == 9000
    assert float(first["peak_delta_a"]) == 13.5 and first["level"] == "expected"
    assert first["algorithm_version"] and first["file"] == "day00.jpg"
    assert unscaled["area_mm2"] == "" and unscaled["max_diameter_mm"] == "" and unscaled["problems"] == "no_card"
    assert mixed["kinds"] == "erythema;bruise" and mixed["n_regions"] == "2"
    assert float(mixed["max_diameter_mm"]) == 9.4 and mixed["fda_grade"] == "0"
    assert rows[5]["fda_grade"] == "1" and unscaled["fda_grade"] == "" and blurry["fda_grade"] == ""
    assert blurry["usable"] == "false" and blurry["level"] == ""


def test_negative_numbers_stay_numbers(sample_report):
    blurry = parse(measurements_csv(sample_report.rows))[4]
    assert float(blurry["mean_delta_a"]) == -1.5


def test_text_cells_that_start_like_a_formula_are_prefixed_with_a_quote(sample_report):
    row = sample_report.rows[0]
    evil = [dataclasses.replace(row, measurement={**row.measurement, "file": name}, level=level)
            for name, level in [("=HYPERLINK(\"http://x\")", "@SUM(A1)"), ("+1+1", "-2+3"), ("café.jpg", None)]]
    parsed = parse(measurements_csv(evil))
    assert [p["file"] for p in parsed] == ["'=HYPERLINK(\"http://x\")", "'+1+1", "café.jpg"]
    assert [p["level"] for p in parsed] == ["'@SUM(A1)", "'-2+3", ""]


def test_no_rows_give_just_the_header():
    assert measurements_csv([]).decode("utf-8").splitlines() == [",".join(COLUMNS)]
