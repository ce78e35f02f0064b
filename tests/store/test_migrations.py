"""Migrations from an empty database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tracker.store import make_engine, upgrade_to_head
from tracker.store.migrate import current_revision, head_revision
from tracker.store.models import Base


def test_upgrade_from_an_empty_database_reaches_head_and_matches_the_models(database_url):
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade_to_head(engine)
        assert current_revision(engine) == head_revision() == "0001"
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
        names = {ix["name"] for t in ("assessments", "photos") for ix in inspector.get_indexes(t)}
        assert {"ix_assessments_is_latest_patient_id", "ix_photos_patient_id_taken_at",
                "ix_photos_site_id_taken_at"} <= names
    finally:
        engine.dispose()
