"""The command line as a clinician's script would use it: exit codes, JSON, masks, errors."""

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SERIES = ROOT / "sample_images" / "needle_fading"
ROTATED = SERIES / "needle_fading_day00_1600.jpg"  # stored with EXIF orientation 6


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "tracker", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_analyze_json_has_every_field_of_the_interface_and_a_truthful_mask(tmp_path):
    truth = json.loads((SERIES / "series.json").read_text())
    photo = next(p for p in truth["photos"] if p["file"] == ROTATED.name)
    out = run("analyze", ROTATED, "--injected-at", truth["injected_at"], "--json", "--mask-dir", tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert set(doc) >= {"injected_at", "photos", "assessment", "disclaimer"}
    p = doc["photos"][0]
    assert set(p) >= {"file", "taken_at", "hours_since_injection", "quality", "scale", "redness", "bumps"}
    assert set(p["redness"]) >= {"area_mm2", "area_px", "mean_delta_a", "peak_delta_a", "regions"}
    assert p["hours_since_injection"] == pytest.approx(photo["hours_since_injection"], abs=0.01)
    assert p["scale"]["source"] == "marker"
    assert p["redness"]["area_mm2"] == pytest.approx(photo["area_mm2"], rel=0.35)
    assert set(doc["assessment"]) >= {"level", "reasons", "fda_grade", "trend"}
    assert "not a diagnosis" in doc["disclaimer"]
    mask = cv2.imread(str(tmp_path / f"{ROTATED.stem}_mask.png"), cv2.IMREAD_UNCHANGED)
    gt = cv2.imread(str(SERIES / photo["mask_file"]), cv2.IMREAD_GRAYSCALE)
    assert mask.ndim == 2 and mask.shape == gt.shape  # the upright frame, not the stored one
    assert set(np.unique(mask)) <= {0, 255}
    overlap = ((mask > 0) & (gt > 0)).sum() / max((gt > 0).sum(), 1)
    assert overlap > 0.6


def test_a_pdf_renamed_jpg_is_one_line_on_stderr_and_exit_status_2(tmp_path):
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    out = run("analyze", fake)
    assert out.returncode == 2
    assert "photo.jpg" in out.stderr and "PDF" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_an_unknown_symptom_is_an_error_listing_the_known_keys():
    out = run("analyze", ROTATED, "--symptoms", "pain,headache")
    assert out.returncode == 2
    assert "headache" in out.stderr and "breathing_difficulty" in out.stderr and "Traceback" not in out.stderr


def test_a_bad_injection_time_and_a_missing_file_are_argument_errors(tmp_path):
    assert run("analyze", ROTATED, "--injected-at", "yesterday").returncode == 2
    out = run("analyze", tmp_path / "nope.jpg")
    assert out.returncode == 2 and "nope.jpg" in out.stderr and "Traceback" not in out.stderr


def test_without_an_injection_time_the_assessment_says_so_instead_of_guessing():
    out = run("analyze", ROTATED, "--json")
    doc = json.loads(out.stdout)
    assert doc["injected_at"] is None and doc["photos"][0]["hours_since_injection"] is None
    assert any("injection" in n.lower() for n in doc["assessment"].get("notes", []))


def test_emergency_symptoms_make_the_assessment_urgent_whatever_the_photo_shows():
    out = run("analyze", ROTATED, "--symptoms", "breathing_difficulty", "--json")
    assert json.loads(out.stdout)["assessment"]["level"] == "urgent"


def test_the_rules_table_names_every_guidance_point():
    out = run("rules")
    assert out.returncode == 0
    for g in ("G1", "G2", "G5", "G6", "G9", "G10", "G11"):
        assert g in out.stdout
