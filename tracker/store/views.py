"""Frozen views of the records: what the service hands to the UI and the CLI.

Plain values, safe to cache and to pass between threads; never ORM objects. Times
are timezone-aware, in the patient's (or clinic's) time zone where one applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from tracker.measurement import PhotoMeasurement

Role = Literal["system", "clinician", "patient"]


@dataclass(frozen=True)
class Actor:
    """Who is acting. Returned by ``service.authenticate``; every use case takes one.

    ``SYSTEM`` (role ``"system"``) is the operator's own tooling (CLI, demo seeding);
    never hand it to a signed-in user.
    """

    role: Role
    user_id: int | None = None
    clinic_id: int | None = None
    #: The patient record of a patient login.
    patient_id: int | None = None
    username: str | None = None
    display_name: str = ""


SYSTEM = Actor(role="system", display_name="system")


@dataclass(frozen=True)
class ClinicView:
    id: int
    name: str
    timezone: str


@dataclass(frozen=True)
class UserView:
    id: int
    clinic_id: int
    username: str
    role: Role
    display_name: str


@dataclass(frozen=True)
class PatientView:
    id: int
    clinic_id: int
    display_name: str
    timezone: str
    user_id: int | None
    last_checkin_at: datetime | None
    created_at: datetime
    #: The black square of their printed card as they measured it (mm); ``None``: as designed.
    marker_mm: float | None = None


@dataclass(frozen=True)
class InviteView:
    #: The code to give the patient. Shown once: only its hash is stored.
    code: str
    clinic_id: int
    patient_id: int | None
    expires_at: datetime


@dataclass(frozen=True)
class SiteView:
    id: int
    treatment_id: int
    patient_id: int
    name: str


@dataclass(frozen=True)
class TreatmentView:
    id: int
    patient_id: int
    injected_at: datetime | None
    product: str
    units: float | None
    areas: tuple[str, ...]
    sites: tuple[SiteView, ...]
    notes: str | None


@dataclass(frozen=True)
class PhotoView:
    id: int
    patient_id: int
    site_id: int
    taken_at: datetime
    #: ``"exif"`` (the camera's capture time) or ``"upload"`` (no capture time in the file).
    taken_at_source: str
    uploaded_at: datetime
    width: int
    height: int
    original_name: str | None
    has_overlay: bool


@dataclass(frozen=True)
class MeasurementView:
    id: int
    photo_id: int
    algorithm_version: str
    created_at: datetime
    usable: bool
    area_mm2: float | None
    area_px: int
    mean_delta_a: float
    hours_since_injection: float | None
    measurement: PhotoMeasurement


@dataclass(frozen=True)
class ReasonView:
    rule: str
    text: str
    clinician_text: str | None
    source: str | None


@dataclass(frozen=True)
class AssessmentView:
    id: int
    patient_id: int
    site_id: int | None
    photo_id: int | None
    created_at: datetime
    level: str
    fda_grade: int | None
    reasons: tuple[ReasonView, ...]
    #: ``Assessment.to_dict()`` as stored (trend, advice, disclaimer, ...).
    data: dict[str, Any]
    acknowledged_at: datetime | None
    acknowledged_by_user_id: int | None

    @property
    def advice(self) -> Any:
        return self.data.get("advice")

    @property
    def disclaimer(self) -> str | None:
        return self.data.get("disclaimer")


@dataclass(frozen=True)
class SymptomView:
    id: int
    patient_id: int
    site_id: int | None
    reported_at: datetime
    symptoms: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class NoteView:
    id: int
    patient_id: int
    assessment_id: int | None
    author_user_id: int | None
    author_name: str | None
    created_at: datetime
    text: str


@dataclass(frozen=True)
class TimelineEntry:
    """One photo with what was measured on it and the assessment it led to."""

    photo: PhotoView
    site_name: str
    hours_since_injection: float | None
    #: The measurement used for assessments: the current algorithm's if there is one.
    measurement: MeasurementView | None
    #: Every measurement of this photo, oldest algorithm version first.
    measurements: tuple[MeasurementView, ...]
    #: The assessment made when this photo arrived (``None`` for reanalysis-only rows).
    assessment: AssessmentView | None


@dataclass(frozen=True)
class Timeline:
    patient: PatientView
    treatments: tuple[TreatmentView, ...]
    #: Ordered by capture time, i.e. by hours since injection within a treatment.
    entries: tuple[TimelineEntry, ...]
    symptoms: tuple[SymptomView, ...]
    #: The newest assessment of each site (what the queue shows), most urgent first.
    current: tuple[AssessmentView, ...]
    #: Clinician notes; empty when a patient is looking.
    notes: tuple[NoteView, ...]


@dataclass(frozen=True)
class IngestResult:
    photo: PhotoView
    measurement: MeasurementView
    assessment: AssessmentView | None
    #: True when the same content was already stored: nothing new was written.
    duplicate: bool


@dataclass(frozen=True)
class SymptomResult:
    report: SymptomView
    assessments: tuple[AssessmentView, ...]


@dataclass(frozen=True)
class QueueFigures:
    """The newest photo of a queued patient, what was measured on it, and its site's trend."""

    photo_id: int
    hours_since_injection: float | None
    usable: bool
    area_mm2: float | None
    area_px: int
    mean_delta_a: float
    #: ``"growing"``, ``"shrinking"`` or ``"stable"`` from the site's newest assessment, if known.
    trend_direction: str | None
    #: Change of the red area per day (%), if known.
    trend_pct: float | None


@dataclass(frozen=True)
class QueueEntry:
    """One patient in the clinician's triage queue: everything the queue page shows."""

    patient_id: int
    patient_name: str
    #: Most urgent level among the newest assessment of each site; ``None`` if never assessed.
    level: str | None
    #: True when every one of those newest assessments has been acknowledged.
    acknowledged: bool
    #: The unacknowledged newest assessments, most urgent first (pass one to ``acknowledge_flag``).
    open_assessment_ids: tuple[int, ...]
    assessed_at: datetime | None
    reasons: tuple[ReasonView, ...]
    #: In the first 14 days after an injection and no check-in for over a day.
    missed_checkin: bool
    last_checkin_at: datetime | None
    #: The newest injection time, if one was given.
    injected_at: datetime | None
    #: The newest photo's figures (``latest.photo_id`` for the thumbnail); ``None`` before any photo.
    latest: QueueFigures | None = None


@dataclass(frozen=True)
class ExportRow:
    """One measurement, flat, for CSV (``dataclasses.asdict`` gives the row)."""

    patient_id: int
    patient_name: str
    treatment_id: int
    product: str
    injected_at: str | None
    site: str
    photo_id: int
    taken_at: str
    taken_at_source: str
    hours_since_injection: float | None
    algorithm_version: str
    usable: bool
    area_mm2: float | None
    area_px: int
    mean_delta_a: float
    level: str | None


@dataclass(frozen=True)
class ReanalysisReport:
    algorithm_version: str
    photos_seen: int
    measured: int
    already_current: int
    failed: tuple[tuple[int, str], ...]
