"""How the records scale: the clinician queue and one patient's timeline with 150,000 measurements.

Seeds one clinic with 5,000 patients x 30 photos (each with a measurement and the
assessment made when it arrived; the newest per site is "latest") by bulk inserts, fills
the per-patient queue rows as migration 0002 does, then times ``service.clinician_queue``
(the whole queue, and the first 50 entries the app asks for) and ``service.timeline``
through the real use cases (authorization and audit included) on SQLite and, when a URL
is given, on PostgreSQL.

    .venv/bin/python benchmarks/store_scale.py                       # SQLite only
    source scripts/pg-throwaway.sh && pg_throwaway_start
    .venv/bin/python benchmarks/store_scale.py --no-sqlite --postgres "$TRACKER_TEST_POSTGRES_URL"
    pg_throwaway_stop

Goals: queue <= 300 ms, timeline <= 50 ms (median of repeated calls, warm).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker import service  # noqa: E402
from tracker.measurement import ALGORITHM_VERSION, PhotoMeasurement, Quality, Redness, Region, Scale  # noqa: E402
from tracker.store import open_store  # noqa: E402
from tracker.store.models import (  # noqa: E402
    LEVEL_RANK,
    LEVELS,
    Assessment,
    AssessmentReason,
    Clinic,
    Measurement,
    Patient,
    Photo,
    Site,
    Treatment,
    User,
)
from tracker.store.repository import Repository  # noqa: E402
from tracker.store.views import Actor  # noqa: E402

GOAL_QUEUE_MS = 300.0
GOAL_TIMELINE_MS = 50.0
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
CHUNK = 10_000


def _measurement_json(area_px: int, hours: float) -> dict:
    m = PhotoMeasurement(
        file=None, taken_at=None, quality=Quality(usable=True), scale=Scale(mm_per_px=0.07, source="marker"),
        redness=Redness(area_mm2=area_px * 0.0049, area_px=area_px, mean_delta_a=8.5, peak_delta_a=13.0,
                        regions=(Region(kind="erythema", area_px=area_px, area_mm2=area_px * 0.0049,
                                        max_diameter_mm=9.0, mean_delta_a=8.5, centroid_px=(800, 600)),)),
        hours_since_injection=hours, taken_at_source="exif", width=2048, height=1536,
    )
    return m.to_dict()


def seed(store, *, patients: int, per_patient: int, rng: random.Random) -> tuple[Actor, int]:
    """Bulk-insert the data set; returns a clinician actor and one patient id."""
    t0 = time.perf_counter()
    with store.transaction() as s:
        clinic_id = s.execute(insert(Clinic).returning(Clinic.id),
                              [{"name": "Bench clinic", "timezone": "UTC", "created_at": NOW}]).scalar_one()
        user_id = s.execute(insert(User).returning(User.id), [{
            "clinic_id": clinic_id, "username": f"bench-{uuid.uuid4().hex[:8]}", "password_hash": "x",
            "role": "clinician", "display_name": "Dr Bench", "active": True, "failed_logins": 0,
            "created_at": NOW}]).scalar_one()
    # Ids are assigned here (the database is fresh), so the inserts need no RETURNING.
    next_photo = next_assessment = 1
    for start in range(0, patients, 1000):
        n = min(1000, patients - start)
        ids = list(range(start + 1, start + n + 1))
        injected = {pid: NOW - timedelta(days=rng.uniform(1, 40)) for pid in ids}
        photos, measurements, assessments, reasons = [], [], [], []
        for pid in ids:
            for k in range(per_patient):
                taken = injected[pid] + timedelta(hours=2 + 24 * k)
                area_px = max(50, int(20000 * 0.85 ** k + rng.gauss(0, 500)))
                level = rng.choices(LEVELS, weights=(85, 10, 4, 1))[0]
                photos.append({
                    "id": next_photo, "patient_id": pid, "site_id": pid, "content_sha256": uuid.uuid4().hex * 2,
                    "taken_at": taken, "taken_at_source": "exif", "uploaded_at": taken, "width": 2048,
                    "height": 1536, "image_key": f"{pid}/{k}.jpg", "thumb_key": f"{pid}/{k}_thumb.jpg",
                    "overlay_key": f"{pid}/{k}_overlay.jpg"})
                measurements.append({
                    "photo_id": next_photo, "algorithm_version": ALGORITHM_VERSION, "created_at": taken, "usable": True,
                    "area_mm2": area_px * 0.0049, "area_px": area_px, "mean_delta_a": 8.5,
                    "hours_since_injection": 2.0 + 24 * k, "data": _measurement_json(area_px, 2.0 + 24 * k)})
                assessments.append({
                    "id": next_assessment, "patient_id": pid, "site_id": pid, "photo_id": next_photo,
                    "created_at": taken, "level": level, "level_rank": LEVEL_RANK[level], "fda_grade": 1,
                    "algorithm_version": ALGORITHM_VERSION, "is_latest": k == per_patient - 1,
                    "data": {"level": level, "trend": {"direction": "shrinking"}, "advice": ["Keep going."],
                             "disclaimer": "Not a diagnosis."},
                    "acknowledged_at": taken if rng.random() < 0.5 else None})
                if level != "expected":
                    reasons.append({"assessment_id": next_assessment, "position": 0, "rule": "redness-growing",
                                    "text": "The red area is growing.", "clinician_text": "Area +40 %/day.",
                                    "source": "G5"})
                next_photo += 1
                next_assessment += 1
        with store.transaction() as s:
            s.execute(insert(Patient), [
                {"id": pid, "clinic_id": clinic_id, "display_name": f"Patient {pid:05d}", "created_at": NOW,
                 "last_checkin_at": NOW - timedelta(hours=rng.choice([2, 10, 30, 50]))} for pid in ids])
            s.execute(insert(Treatment), [
                {"id": pid, "patient_id": pid, "injected_at": injected[pid], "product": "Botox", "units": 20.0,
                 "areas": ["glabella"], "created_at": NOW, "updated_at": NOW} for pid in ids])
            s.execute(insert(Site), [{"id": pid, "treatment_id": pid, "patient_id": pid, "name": "glabella"}
                                     for pid in ids])
            for rows_, model in ((photos, Photo), (measurements, Measurement), (assessments, Assessment),
                                 (reasons, AssessmentReason)):
                for c in range(0, len(rows_), CHUNK):
                    s.execute(insert(model), rows_[c:c + CHUNK])
        print(f"  seeded {start + n:>5} patients", end="\r", flush=True)
    print(f"  seeded {patients} patients x {per_patient} = {patients * per_patient} measurements "
          f"in {time.perf_counter() - t0:.0f} s")
    # The rows went in behind the use cases' back: fill the queue rows as migration 0002 does.
    t0 = time.perf_counter()
    with store.transaction() as s:
        Repository(s).refresh_queue(range(1, patients + 1), ALGORITHM_VERSION)
    print(f"  queue rows of {patients} patients rebuilt in {time.perf_counter() - t0:.1f} s")
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        if conn.dialect.name == "postgresql":  # sequences, after explicit ids
            for table in ("patients", "treatments", "sites", "photos", "assessments"):
                conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        conn.commit()
    clinician = Actor(role="clinician", user_id=user_id, clinic_id=clinic_id, display_name="Dr Bench")
    return clinician, 1


def _median_ms(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def run(name: str, url: str, data_dir: Path, *, patients: int, per_patient: int) -> dict:
    print(f"{name}:")
    store = open_store(url, data_dir, sweep=False)
    rng = random.Random(4)
    try:
        clinician, patient_id = seed(store, patients=patients, per_patient=per_patient, rng=rng)
        queue = service.clinician_queue(store, clinician, now=NOW)
        q_med, q_max = _median_ms(lambda: service.clinician_queue(store, clinician, now=NOW), 7)
        p_med, p_max = _median_ms(lambda: service.clinician_queue(store, clinician, now=NOW, limit=50), 15)
        ids = [patient_id + rng.randrange(patients) for _ in range(30)]
        it = iter(ids * 2)
        t_med, t_max = _median_ms(lambda: service.timeline(store, clinician, next(it)), 25)
        tl = service.timeline(store, clinician, patient_id)
    finally:
        store.dispose()
    print(f"  queue:    {len(queue)} patients, median {q_med:.0f} ms (max {q_max:.0f} ms), goal <= {GOAL_QUEUE_MS:.0f} ms"
          f" -> {'OK' if q_med <= GOAL_QUEUE_MS else 'OVER'}")
    print(f"  queue page (first 50, as the app asks): median {p_med:.1f} ms (max {p_max:.1f} ms)")
    print(f"  timeline: {len(tl.entries)} photos, median {t_med:.1f} ms (max {t_max:.1f} ms), goal <= "
          f"{GOAL_TIMELINE_MS:.0f} ms -> {'OK' if t_med <= GOAL_TIMELINE_MS else 'OVER'}")
    return {"engine": name, "queue_ms": q_med, "queue_page_ms": p_med, "timeline_ms": t_med}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--per-patient", type=int, default=30)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL; a fresh database is created there")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as tmp:
        if not args.no_sqlite:
            results.append(run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", Path(tmp) / "sqlite",
                               patients=args.patients, per_patient=args.per_patient))
        if args.postgres:
            base = make_url(args.postgres)
            name = f"tracker_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                results.append(run("PostgreSQL", base.set(database=name).render_as_string(hide_password=False),
                                   Path(tmp) / "pg", patients=args.patients, per_patient=args.per_patient))
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    ok = all(r["queue_ms"] <= GOAL_QUEUE_MS and r["timeline_ms"] <= GOAL_TIMELINE_MS for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
