"""Fixtures shared by the storage and service tests.

``store`` runs every test that uses it twice: on SQLite (a file in tmp_path) and on a
real PostgreSQL server (a fresh database per test, via TRACKER_TEST_POSTGRES_URL; when
that is unset the PostgreSQL half skips locally and fails under CI=true).

``fake_pipeline`` stands in for the imaging and triage packages with tiny functions of
the same signatures, so the storage tests are fast and their figures are exact;
tests/test_service.py also has a test that runs the real ones end to end.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageOps
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import skip_or_fail
from tracker import service
from tracker.measurement import PhotoMeasurement, Quality, Redness, Scale
from tracker.store import Store, open_store

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def postgres_url_or_skip() -> str:
    url = os.environ.get("TRACKER_TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("TRACKER_TEST_POSTGRES_URL is not set (run `make test`, or "
                     "`source scripts/pg-throwaway.sh && pg_throwaway_start` first)")
    return url  # type: ignore[return-value]


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of the engine the test is parametrised with."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
        return
    base = make_url(postgres_url_or_skip())
    name = f"tracker_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(database_url, tmp_path / "data")
    try:
        yield opened
    finally:
        opened.dispose()


# -- photos --------------------------------------------------------------------------
def photo_bytes(red_blocks: int = 1, *, taken_at: datetime | None = None, gps: bool = True,
                size: tuple[int, int] = (128, 96), orientation: int = 1, seed: int = 0) -> bytes:
    """A JPEG with ``red_blocks`` pure-red 16 x 16 blocks (256 px each) on grey, with EXIF
    camera make, GPS position, an orientation tag and (optionally) DateTimeOriginal.
    ``seed`` changes one grey pixel, to make otherwise equal photos differ."""
    w, h = size
    rgb = np.full((h, w, 3), 128, np.uint8)
    rgb[-1, -1] = (128, 128, 128 - seed % 100)
    for i in range(red_blocks):
        y, x = divmod(i, w // 16)
        rgb[16 * y:16 * y + 16, 16 * x:16 * x + 16] = (250, 0, 0)
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "Model X-1"  # Model
    exif[0x0112] = orientation
    if taken_at is not None:
        exif.get_ifd(0x8769)[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=100, subsampling=0, exif=exif)
    return out.getvalue()


# -- stand-ins for imaging and triage ---------------------------------------------------
@dataclass(frozen=True)
class FakeLoaded:
    rgb: np.ndarray
    original_size: tuple[int, int]
    scale: float
    taken_at: datetime | None
    format: str
    name: str | None


@dataclass(frozen=True)
class FakeAnalysis:
    measurement: PhotoMeasurement
    mask: np.ndarray
    homography: Any = None

    def overlay(self) -> np.ndarray:
        rgb = np.zeros((*self.mask.shape, 3), np.uint8)
        rgb[self.mask] = (0, 255, 0)
        return rgb


def fake_load_photo(source: Any, *, name: str | None = None, max_side: int = 2048) -> FakeLoaded:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    image = Image.open(io.BytesIO(data))
    taken = image.getexif().get_ifd(0x8769).get(0x9003)
    fmt = image.format
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((max_side, max_side))
    return FakeLoaded(rgb=np.asarray(image), original_size=image.size, scale=1.0,
                      taken_at=datetime.strptime(taken, "%Y:%m:%d %H:%M:%S") if taken else None,
                      format=fmt, name=name)


def fake_analyze_loaded(photo: FakeLoaded, *, marker_mm: float = 20.0) -> FakeAnalysis:
    """Red pixels (r > 200, g < 80) are the red area; 0.01 mm2 per pixel."""
    rgb = photo.rgb.astype(int)
    mask = (rgb[..., 0] > 200) & (rgb[..., 1] < 80)
    area_px = int(mask.sum())
    m = PhotoMeasurement(
        file=photo.name, taken_at=photo.taken_at, quality=Quality(usable=True),
        scale=Scale(mm_per_px=0.1, source="marker"),
        redness=Redness(area_mm2=area_px * 0.01, area_px=np.int64(area_px), mean_delta_a=np.float32(9.5),
                        peak_delta_a=12.0),
        width=photo.rgb.shape[1], height=photo.rgb.shape[0],
    )
    return FakeAnalysis(measurement=m, mask=mask)


@dataclass(frozen=True)
class FakeAssessment:
    level: str
    reasons: tuple[dict[str, str], ...]
    fda_grade: int | None
    n_photos: int
    hours: tuple[float | None, ...]
    symptoms: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "reasons": list(self.reasons), "fda_grade": self.fda_grade,
                "n_photos": self.n_photos, "hours": list(self.hours), "symptoms": list(self.symptoms),
                "advice": ["Keep taking a photo every day."], "disclaimer": "Not a diagnosis."}


def fake_assess(measurements: Any, *, injected_at: datetime | None, symptoms: Any = (), rules: Any = None,
                now: datetime | None = None) -> FakeAssessment:
    """urgent for breathing difficulty; contact when the red area at least doubled; else expected."""
    ms = sorted(measurements, key=lambda m: m.taken_at)
    areas = [m.redness.area_px for m in ms]
    symptoms = tuple(symptoms)
    if "breathing_difficulty" in symptoms:
        level, reasons = "urgent", ({"rule": "emergency-symptom", "text": "Call emergency services.",
                                     "clinician_text": "Possible anaphylaxis.", "source": "G11"},)
    elif len(areas) >= 2 and areas[-1] >= 2 * max(areas[0], 1):
        level, reasons = "contact", ({"rule": "redness-growing", "text": "The red area is growing.",
                                      "clinician_text": "Area doubled.", "source": "G5"},)
    else:
        level, reasons = "expected", ()
    return FakeAssessment(level=level, reasons=reasons, fda_grade=1 if areas else None, n_photos=len(ms),
                          hours=tuple(m.hours_since_injection for m in ms), symptoms=symptoms)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with small cost parameters so that tests do not take minutes."""
    from argon2 import PasswordHasher

    from tracker.store import passwords

    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Patched where the use cases look them up.
    monkeypatch.setattr("tracker.service.photos._load_photo", fake_load_photo)
    monkeypatch.setattr("tracker.service.photos._analyze_loaded", fake_analyze_loaded)
    monkeypatch.setattr("tracker.service.assessment._assess", fake_assess)
