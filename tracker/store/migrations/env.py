"""Alembic environment: uses the connection handed over by ``tracker.store.migrate``,
or, from the ``alembic`` command line, the URL from ``TRACKER_DATABASE_URL``."""

from __future__ import annotations

from alembic import context

from tracker.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from tracker import config as tracker_config
    from tracker.store.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or tracker_config.database_url())
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
