"""The engine factory and the :class:`Store` handle (engine + sessions + photo files).

SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign keys
on, and every transaction starts with ``BEGIN IMMEDIATE``: writers queue on the busy
timeout instead of failing half-way when two of them meet (a deferred transaction
that reads and then writes cannot wait; it fails with "database is locked").
PostgreSQL goes through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from tracker import config
from tracker.store.files import PhotoFiles

#: How long a SQLite writer waits for another one before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str | URL) -> URL:
    """``postgresql://`` and ``postgres://`` mean psycopg 3, the driver we ship."""
    u = make_url(url) if isinstance(url, str) else url
    if u.drivername in {"postgresql", "postgres"}:
        u = u.set(drivername="postgresql+psycopg")
    return u


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with the settings this project relies on."""
    u = normalise_url(url)
    if u.get_backend_name() == "sqlite":
        return _sqlite_engine(u, echo=echo)
    if u.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database {u.get_backend_name()!r}: use SQLite or PostgreSQL")
    return create_engine(u, echo=echo, pool_pre_ping=True)


def _sqlite_engine(u: URL, *, echo: bool) -> Engine:
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(u, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@dataclass(frozen=True)
class Store:
    """What the service needs to reach the records: an engine, sessions and the photo files."""

    engine: Engine
    files: PhotoFiles
    sessions: sessionmaker[Session]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One database transaction: committed when the block ends, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(
    url: str | None = None,
    data_dir: Path | str | None = None,
    *,
    migrate: bool = True,
    sweep: bool = True,
) -> Store:
    """Open the records: make the engine, bring the schema to the newest migration, and
    remove photo files that a crash left without a database row.

    ``url`` and ``data_dir`` default to ``TRACKER_DATABASE_URL`` and ``TRACKER_DATA_DIR``.
    """
    from tracker.store.migrate import upgrade_to_head

    root = Path(data_dir) if data_dir is not None else config.data_dir()
    if url is None:
        url = config.database_url() if data_dir is None else f"sqlite:///{root / 'tracker.sqlite3'}"
    engine = make_engine(url)
    if migrate:
        upgrade_to_head(engine)
    store = Store(
        engine=engine,
        files=PhotoFiles(root / "photos"),
        sessions=sessionmaker(engine, expire_on_commit=False),
    )
    if sweep:
        from tracker.store.repository import Repository

        with store.transaction() as session:
            known = Repository(session).all_file_keys()
        store.files.sweep_orphans(known)
    return store
