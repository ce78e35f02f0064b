"""Migrations from an empty database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, inspect, select

from tests.store.fixtures import photo_bytes
from tracker import service
from tracker.store import make_engine, upgrade_to_head
from tracker.store.migrate import MIGRATIONS_DIR, current_revision, head_revision
from tracker.store.models import Base, PatientQueue


def test_upgrade_from_an_empty_database_reaches_head_and_matches_the_models(database_url):
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade_to_head(engine)
        assert current_revision(engine) == head_revision() == "0002"
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
        tables = set(inspect(engine).get_table_names())
        assert tables == set(Base.metadata.tables) | {"alembic_version"}
    finally:
        engine.dispose()


def test_running_the_migrations_twice_changes_nothing(database_url):
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        upgrade_to_head(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_the_migration_creates_the_indexes_the_queue_and_timeline_rely_on(database_url):
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        inspector = inspect(engine)
        names = {ix["name"] for t in ("assessments", "photos", "patient_queue") for ix in inspector.get_indexes(t)}
        assert {"ix_assessments_is_latest_patient_id", "ix_photos_patient_id_taken_at",
                "ix_photos_site_id_taken_at", "ix_patient_queue_clinic_id_priority_sort_at",
                "ix_patient_queue_clinic_id_injected_at"} <= names
    finally:
        engine.dispose()


def test_the_queue_backfill_of_migration_0002_gives_the_rows_the_use_cases_keep(store, fake_pipeline):
    now = datetime(2026, 11, 5, 12, 0, tzinfo=timezone.utc)
    sys_ = service.SYSTEM
    clinic = service.register_clinic(store, sys_, name="Clinic", timezone_name="Europe/Paris")
    patients = [service.register_patient(store, sys_, clinic_id=clinic.id, display_name=n) for n in "ABCD"]
    for i, p in enumerate(patients[:3]):
        t = service.record_treatment(store, sys_, patient_id=p.id, product="Botox", areas=["forehead", "glabella"],
                                     injected_at=now - timedelta(days=3), now=now)
        for k, site in enumerate(t.sites[:i + 1 if i < 2 else 1]):
            service.ingest_photo(store, sys_, site_id=site.id, source=photo_bytes(1 + k + 3 * i), now=now)
    service.record_symptoms(store, sys_, patient_id=patients[1].id, symptoms=["breathing_difficulty"], now=now)
    first_open = service.clinician_queue(store, sys_, clinic_id=clinic.id, now=now)[0].open_assessment_ids[0]
    service.acknowledge_flag(store, sys_, first_open, now=now)

    def queue_rows() -> list[tuple]:
        with store.transaction() as session:
            found = session.scalars(select(PatientQueue).order_by(PatientQueue.patient_id)).all()
            return [tuple(getattr(r, c.key) for c in PatientQueue.__table__.columns) for r in found]

    kept = queue_rows()
    assert len(kept) == 3  # D has neither an assessment nor an injection time
    spec = importlib.util.spec_from_file_location(
        "migration_0002", MIGRATIONS_DIR / "versions" / "0002_patient_queue_and_marker_size.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with store.engine.begin() as conn:
        conn.execute(delete(PatientQueue))
        migration._backfill(conn)
    assert queue_rows() == kept
