"""Configuration from the environment, in one place.

Nothing is read at import time: call :func:`load` (or the helpers) when needed,
so tests can set the environment first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str


def data_dir() -> Path:
    """``TRACKER_DATA_DIR``, default ``./data``."""
    return Path(os.environ.get("TRACKER_DATA_DIR", "data")).resolve()


def database_url() -> str:
    """``TRACKER_DATABASE_URL``, default a SQLite file in the data directory."""
    url = os.environ.get("TRACKER_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'tracker.sqlite3'}"


def load() -> Settings:
    return Settings(data_dir=data_dir(), database_url=database_url())
