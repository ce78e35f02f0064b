"""Every session-state key of the app, declared here and initialised once per session."""

from __future__ import annotations

from typing import Any

import streamlit as st

from tracker.store.views import Actor

#: The signed-in user (``tracker.store.views.Actor``), or None.
ACTOR = "actor"
#: The photo whose result the patient is looking at (set by a check-in).
RESULT_PHOTO = "result_photo_id"
#: A message carried to the next page after a switch (e.g. "Photo saved").
FLASH = "flash"
#: Bumped after a check-in so the photo and symptom widgets start empty.
CHECKIN_ROUND = "checkin_round"
#: The patient a clinician is looking at (Patient and Export pages share it).
PATIENT = "clinician_patient_id"
#: The clinician's note being written on the Patient page (a widget key, cleared once saved).
NOTE = "clinician_note"

DEFAULTS: dict[str, Any] = {
    ACTOR: None, RESULT_PHOTO: None, FLASH: None, CHECKIN_ROUND: 0, PATIENT: None,
}


def init() -> None:
    """Set every key to its default, once per session."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = value


def actor() -> Actor | None:
    return st.session_state.get(ACTOR)


def sign_in(who: Actor) -> None:
    st.session_state.clear()
    init()
    st.session_state[ACTOR] = who


def sign_out() -> None:
    st.session_state.clear()
    init()


def flash(message: str | None = None) -> str | None:
    """Set a message for the next page (with ``message``), or take it (without)."""
    if message is not None:
        st.session_state[FLASH] = message
        return None
    taken, st.session_state[FLASH] = st.session_state.get(FLASH), None
    return taken
