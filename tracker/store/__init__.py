"""Persistence: SQLAlchemy models, Alembic migrations, the repository and photo files.

Everything that touches the database or the photo files lives here. Other packages
see only :class:`Store` (made by :func:`open_store`) through :mod:`tracker.service`,
and the frozen views of :mod:`tracker.store.views`; ORM objects never leave the store.
"""

from __future__ import annotations

from tracker.store.db import Store, make_engine, open_store
from tracker.store.migrate import upgrade_to_head

__all__ = ["Store", "make_engine", "open_store", "upgrade_to_head"]
