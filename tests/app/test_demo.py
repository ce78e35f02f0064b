"""The demo clinic's time shift: sample photos moved to end today, bytes rewritten in place."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.app.conftest import render
from tracker import demo
from tracker.imaging.load import load_photo


def test_moving_a_photo_in_time_rewrites_its_capture_time_and_nothing_else():
    jpeg = render(seed=7, taken_at=datetime(2026, 3, 2, 11, 0).astimezone())
    moved = demo.shifted_jpeg(jpeg, timedelta(days=263))
    assert len(moved) == len(jpeg)
    assert sum(a != b for a, b in zip(jpeg, moved)) <= 2 * 19  # only the date-time strings
    before, after = load_photo(jpeg), load_photo(moved)
    assert after.taken_at - before.taken_at == timedelta(days=263)
    assert (after.rgb == before.rgb).all()


def test_every_demo_patient_can_sign_in_with_a_valid_username():
    names = [p.username for p in demo.DEMO_PATIENTS]
    assert len(set(names)) == len(names) and all(len(n) >= 3 for n in names)
    assert {p.level for p in demo.DEMO_PATIENTS} >= {"expected", "monitor", "contact", "urgent"}
    text = demo.logins_text()
    assert "dr.demo" in text and all(n in text for n in names)


def test_the_photo_left_for_a_check_in_by_hand_is_not_dated_after_now(tmp_path, monkeypatch):
    # It was: Pat's queue card read "10 h since injection · latest photo (20 h after injection)"
    # once the photo was uploaded, its EXIF time a day ahead of the seeded series.
    from argon2 import PasswordHasher

    from tracker.store import open_store, passwords

    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    now = datetime(2026, 11, 21, 19, 15, tzinfo=timezone.utc)
    pat = next(p for p in demo.DEMO_PATIENTS if p.keep_next)
    store = open_store(f"sqlite:///{tmp_path / 'demo.sqlite3'}", tmp_path / "data")
    try:
        demo.seed(store, now=now, patients=[pat], out_dir=tmp_path / "demo")
    finally:
        store.dispose()
    kept = load_photo((tmp_path / "demo" / f"{pat.username}-next-photo.jpg").read_bytes())
    assert kept.taken_at is not None and now - pat.ends_ago < kept.taken_at <= now  # after the series
