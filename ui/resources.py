"""Shared resources of the app process, made once and cached by Streamlit."""

from __future__ import annotations

import streamlit as st

from tracker import config, service
from tracker.store import Store


@st.cache_resource(show_spinner=False)
def _open_store(database_url: str, data_dir: str) -> Store:
    return service.open_store(database_url, data_dir)


def store() -> Store:
    """The records of this deployment (``TRACKER_DATABASE_URL``, ``TRACKER_DATA_DIR``), opened once
    per database: the engine and its connection pool are shared by every session."""
    settings = config.load()
    return _open_store(settings.database_url, str(settings.data_dir))
