"""The use cases: the only thing the UI and the CLI call for records.

Every use case takes the :class:`Store` (``tracker.store.open_store()``, cache it) and
the acting user (an :class:`Actor` from :func:`authenticate`, or :data:`SYSTEM` for the
operator's own tools), enforces who may reach which record (a patient only their own
records, a clinician only their clinic's), writes the audit log, and returns frozen
views, never ORM objects. A denial raises :class:`~tracker.errors.AccessDeniedError`
and is audited in its own transaction, so the audit survives the rollback.

Naive datetimes given to a use case (an injection time typed in a form, a capture
time from EXIF) are read in the patient's time zone (their own, else their clinic's);
views return aware datetimes in that zone.

One module per group of use cases, each beside the authorization rule it applies
(``_common`` holds the transaction, authorization and audit they share); the storage
work is in ``tracker.store``. Import from here: ``from tracker import service``.
"""

from __future__ import annotations

from tracker.measurement import ALGORITHM_VERSION
from tracker.service.accounts import (
    DEFAULT_MARKER_MM,
    LOCKOUT,
    MARKER_MM_RANGE,
    MAX_FAILED_LOGINS,
    authenticate,
    create_invite,
    list_patients,
    redeem_invite,
    register_clinic,
    register_clinician,
    register_patient,
    set_marker_size,
)
from tracker.service.assessment import SYMPTOM_WINDOW
from tracker.service.photos import ANALYSIS_MAX_SIDE, CLOCK_SKEW, PhotoKind, ingest_photo, read_photo, reanalyze
from tracker.service.queue import CHECKIN_GRACE, CHECKIN_PERIOD, acknowledge_flag, clinician_queue
from tracker.service.records import add_note, export_rows, record_symptoms, timeline
from tracker.service.treatments import record_treatment, set_injection_time
from tracker.store import Store, open_store
from tracker.store.passwords import MIN_PASSWORD_LENGTH
from tracker.store.views import SYSTEM, Actor, QueueFigures

__all__ = [
    "ALGORITHM_VERSION", "ANALYSIS_MAX_SIDE", "CHECKIN_GRACE", "CHECKIN_PERIOD", "CLOCK_SKEW", "DEFAULT_MARKER_MM",
    "LOCKOUT", "MARKER_MM_RANGE", "MAX_FAILED_LOGINS", "MIN_PASSWORD_LENGTH", "SYMPTOM_WINDOW", "SYSTEM", "Actor",
    "PhotoKind", "QueueFigures", "Store", "acknowledge_flag", "add_note", "authenticate", "clinician_queue",
    "create_invite", "export_rows", "ingest_photo", "list_patients", "open_store", "read_photo", "reanalyze",
    "record_symptoms", "record_treatment", "redeem_invite", "register_clinic", "register_clinician",
    "register_patient", "set_injection_time", "set_marker_size", "timeline",
]
