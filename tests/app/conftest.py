"""A small clinic for the AppTest tests, seeded through tracker.service with rendered photos.

The clinic is seeded once per session into a template directory (SQLite + photo files)
and copied for each test, so every test starts from the same records and may change them.
Photos are rendered by the sample-image generator (a known red area beside the card) and
go through the real imaging and triage pipeline.
"""

from __future__ import annotations

import io
import shutil
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT
from tracker import service
from tracker.store import open_store

APP = ROOT / "app.py"
#: Every test's clock: the seeded records are relative to it.
NOW = datetime.now(timezone.utc).replace(microsecond=0)
PASSWORD = "test-password"


def render(*, area_semi_mm: float = 5.0, blur: float = 0.0, card: bool = True, seed: int = 0,
           taken_at: datetime | None = None) -> bytes:
    """A 1200 x 900 JPEG of fair skin with one red area, the card beside it (unless ``card=False``)."""
    from sample_images.generate import Lesion, PhotoSpec, SkinSpec, encode_jpeg, render_photo

    spec = PhotoSpec(skin=SkinSpec(fitzpatrick=2, seed=seed),
                     lesions=(Lesion("erythema", (0, 0), (area_semi_mm, area_semi_mm * 0.8)),),
                     has_card=card, gaussian_blur_px=blur, seed=seed, width=1200, height=900)
    rgb, _, _ = render_photo(spec)
    local = taken_at.astimezone(timezone.utc).replace(tzinfo=None) if taken_at else None
    return encode_jpeg(rgb, 90, taken_at=local, utc_offset="+00:00" if local else None)


def huge_png() -> bytes:
    """A tiny file declaring a 20000 x 20000 image (400 megapixels): a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


def as_heic(jpeg: bytes) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).save(out, format="HEIF", quality=90)
    return out.getvalue()


@dataclass(frozen=True)
class Photos:
    day1: bytes
    day2: bytes
    today: bytes
    blurry: bytes
    no_card: bytes


@pytest.fixture(scope="session")
def photos() -> Photos:
    injected = NOW - timedelta(days=2, hours=2)
    return Photos(
        day1=render(area_semi_mm=5.0, seed=1, taken_at=injected + timedelta(hours=3)),
        day2=render(area_semi_mm=4.0, seed=2, taken_at=injected + timedelta(hours=26)),
        today=render(area_semi_mm=3.0, seed=3),
        blurry=render(area_semi_mm=3.0, seed=4, blur=4.0),
        no_card=render(area_semi_mm=3.0, seed=5, card=False),
    )


@dataclass(frozen=True)
class Clinic:
    """Ids of the seeded records (the same in every copy)."""

    clinic_id: int
    ada: int  # two photos, injection two days ago: a result, a history, a trend
    bea: int  # a treatment without injection time: the check-in asks for it first
    cy: int   # reported an emergency symptom: urgent, top of the queue
    dee: int  # injected three days ago, never checked in: a missed check-in
    ada_site: int
    other_clinic_patient: int


@pytest.fixture(scope="session")
def clinic_template(tmp_path_factory: pytest.TempPathFactory, photos: Photos) -> tuple[Path, Clinic]:
    root = tmp_path_factory.mktemp("clinic-template")
    store = open_store(f"sqlite:///{root / 'tracker.sqlite3'}", root)
    try:
        sys_ = service.SYSTEM
        a = service.register_clinic(store, sys_, name="Test Clinic", timezone_name="UTC", now=NOW)
        b = service.register_clinic(store, sys_, name="Other Clinic", timezone_name="UTC", now=NOW)
        service.register_clinician(store, sys_, clinic_id=a.id, username="dr.test", password=PASSWORD,
                                   display_name="Dr Test", now=NOW)
        ids = {}
        for username, name in (("ada", "Ada Lovelace"), ("bea", "Bea Example"), ("cyd", "Cyd Urgent"),
                               ("dee", "Dee Silent")):
            ids[username] = service.register_patient(store, sys_, clinic_id=a.id, display_name=name,
                                                     username=username, password=PASSWORD, now=NOW).id
        other = service.register_patient(store, sys_, clinic_id=b.id, display_name="Zed Elsewhere",
                                         username="zed", password=PASSWORD, now=NOW).id
        injected = NOW - timedelta(days=2, hours=2)
        t = service.record_treatment(store, sys_, patient_id=ids["ada"], product="Botox", units=20,
                                     areas=["forehead"], injected_at=injected, now=NOW)
        for data, hours in ((photos.day1, 3), (photos.day2, 26)):
            service.ingest_photo(store, sys_, site_id=t.sites[0].id, source=data, name=f"day{hours}.jpg",
                                 now=injected + timedelta(hours=hours, minutes=5))
        service.record_treatment(store, sys_, patient_id=ids["bea"], product="Dysport", areas=["crow's feet"],
                                 now=NOW)
        tc = service.record_treatment(store, sys_, patient_id=ids["cyd"], product="Xeomin", areas=["forehead"],
                                      injected_at=NOW - timedelta(days=1), now=NOW)
        service.record_symptoms(store, sys_, patient_id=ids["cyd"], symptoms=["breathing_difficulty"],
                                site_id=tc.sites[0].id, now=NOW - timedelta(minutes=30))
        service.record_treatment(store, sys_, patient_id=ids["dee"], product="Botox", areas=["forehead"],
                                 injected_at=NOW - timedelta(days=3), now=NOW - timedelta(days=3))
    finally:
        store.dispose()
    return root, Clinic(clinic_id=a.id, ada=ids["ada"], bea=ids["bea"], cy=ids["cyd"], dee=ids["dee"],
                        ada_site=t.sites[0].id, other_clinic_patient=other)


@pytest.fixture
def clinic(clinic_template: tuple[Path, Clinic], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Clinic:
    """A fresh copy of the seeded clinic; the app finds it through TRACKER_DATA_DIR."""
    template, ids = clinic_template
    data = tmp_path / "data"
    shutil.copytree(template, data)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(data))
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    return ids


@pytest.fixture
def data_dir(clinic: Clinic) -> Path:
    import os

    return Path(os.environ["TRACKER_DATA_DIR"])


def new_app() -> "AppTest":
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=90)


def sign_in(username: str, password: str = PASSWORD) -> "AppTest":
    """The app after signing in through the sign-in form."""
    at = new_app().run()
    form = at.get("form")[0]
    form.text_input[0].input(username)
    form.text_input[1].input(password)
    form.button[0].click()
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    """Everything the page shows as text (markdown, captions, alerts, titles), one string."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "success", "info", "warning", "error",
                 "text"):
        parts.extend(str(e.value) for e in at.get(kind))
    return "\n".join(parts)
