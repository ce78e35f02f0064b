"""The tables, as typed SQLAlchemy 2.0 models.

Every record that belongs to a patient carries ``patient_id`` (directly, or through
its photo), so authorization is one comparison and nothing is ever mixed between
patients. Times are instants in UTC (:class:`~tracker.store.types.UTCDateTime`).
The schema itself is created and changed only by the Alembic migrations in
``tracker/store/migrations``; a test checks that they match these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.store.types import UTCDateTime

#: Stable constraint names on both engines, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("clinician", "patient")
LEVELS = ("expected", "monitor", "contact", "urgent")
#: Sort key for triage levels: higher is more urgent.
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Clinic(Base):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: IANA zone used to read naive times (EXIF capture times, typed injection times).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime]


class User(Base):
    """A login: a clinician, or a patient (then ``patients.user_id`` points here)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('clinician', 'patient')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    #: IANA zone of the patient's phone; ``None`` means the clinic's.
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: Last photo or symptom report, for the missed-check-in part of the queue.
    last_checkin_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    #: The black square of the patient's printed card as they measured it (mm); ``None``
    #: means as designed (``service.DEFAULT_MARKER_MM``). Photos are measured with it.
    marker_mm: Mapped[float | None] = mapped_column(Float)


class Invite(Base):
    """A one-time sign-up code. Only its SHA-256 is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Treatment(Base):
    __tablename__ = "treatments"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    #: ``None`` until someone says when the injection was given.
    injected_at: Mapped[datetime | None]
    product: Mapped[str] = mapped_column(String(120))
    units: Mapped[float | None] = mapped_column(Float)
    areas: Mapped[list[str]]
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    sites: Mapped[list[Site]] = relationship(back_populates="treatment", order_by="Site.id")


class Site(Base):
    """One photographed injection site of one treatment; photos form a series per site."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("treatment_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    treatment_id: Mapped[int] = mapped_column(ForeignKey("treatments.id"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))

    treatment: Mapped[Treatment] = relationship(back_populates="sites")


class Photo(Base):
    """A stored photo: upright, metadata stripped, plus thumbnail and overlay files."""

    __tablename__ = "photos"
    __table_args__ = (
        UniqueConstraint("patient_id", "content_sha256"),
        Index("ix_photos_site_id_taken_at", "site_id", "taken_at"),
        Index("ix_photos_patient_id_taken_at", "patient_id", "taken_at"),
        CheckConstraint("taken_at_source IN ('exif', 'upload')", name="taken_at_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    #: SHA-256 of the uploaded bytes: the same upload twice is one record.
    content_sha256: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime]
    taken_at_source: Mapped[str] = mapped_column(String(8))
    uploaded_at: Mapped[datetime]
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    original_name: Mapped[str | None] = mapped_column(String(255))
    original_format: Mapped[str | None] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    image_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    overlay_key: Mapped[str | None] = mapped_column(String(200))


class Measurement(Base):
    """What one version of the algorithm measured on one photo. Never rewritten."""

    __tablename__ = "measurements"
    __table_args__ = (UniqueConstraint("photo_id", "algorithm_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    algorithm_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    usable: Mapped[bool] = mapped_column(Boolean)
    area_mm2: Mapped[float | None] = mapped_column(Float)
    area_px: Mapped[int] = mapped_column(Integer)
    mean_delta_a: Mapped[float] = mapped_column(Float)
    #: Derived from the photo's capture time and the treatment's injection time;
    #: updated (with the JSON left as measured) when the injection time is corrected.
    hours_since_injection: Mapped[float | None] = mapped_column(Float)
    #: ``PhotoMeasurement.to_dict()``.
    data: Mapped[dict[str, Any]]


class SymptomReport(Base):
    __tablename__ = "symptom_reports"
    __table_args__ = (Index("ix_symptom_reports_patient_id_reported_at", "patient_id", "reported_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    reported_at: Mapped[datetime]
    symptoms: Mapped[list[str]]
    note: Mapped[str | None] = mapped_column(Text)
    reported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Assessment(Base):
    """A triage result for one site's whole series (or the patient, when no site)."""

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_is_latest_patient_id", "is_latest", "patient_id"),
        Index("ix_assessments_site_id_created_at", "site_id", "created_at"),
        Index("ix_assessments_patient_id_created_at", "patient_id", "created_at"),
        CheckConstraint("level IN ('expected', 'monitor', 'contact', 'urgent')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    #: The photo whose arrival caused this assessment, if any.
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    created_at: Mapped[datetime]
    level: Mapped[str] = mapped_column(String(16))
    level_rank: Mapped[int] = mapped_column(SmallInteger)
    fda_grade: Mapped[int | None] = mapped_column(SmallInteger)
    algorithm_version: Mapped[str] = mapped_column(String(32))
    #: True for the newest assessment of its site (or patient, when no site).
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)
    #: ``Assessment.to_dict()``.
    data: Mapped[dict[str, Any]]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    reasons: Mapped[list[AssessmentReason]] = relationship(
        order_by="AssessmentReason.position", cascade="all, delete-orphan"
    )


class AssessmentReason(Base):
    __tablename__ = "assessment_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    rule: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    clinician_text: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(32))


class ClinicianNote(Base):
    __tablename__ = "clinician_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


class PatientQueue(Base):
    """Each patient's place in the clinician queue, denormalised from assessments, photos,
    measurements and treatments, and rewritten in the same transaction by every use case
    that changes one of them (``Repository.refresh_queue``). The queue is then one scan of
    ``ix_patient_queue_clinic_id_priority_sort_at`` instead of a window over all assessments.

    A patient has a row once they have an assessment or an injection time.
    """

    __tablename__ = "patient_queue"
    __table_args__ = (
        Index("ix_patient_queue_clinic_id_priority_sort_at", "clinic_id", "priority", "sort_at", "patient_id"),
        Index("ix_patient_queue_clinic_id_injected_at", "clinic_id", "injected_at"),
    )

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id"))
    #: ``queue_priority(n_open > 0, level_rank)``: waiting patients first, then most urgent.
    priority: Mapped[int] = mapped_column(SmallInteger)
    #: The newest assessment or check-in (else the patient's creation): most recent first.
    sort_at: Mapped[datetime]
    #: The top newest-per-site assessment: unacknowledged first, then most urgent, then newest.
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    level: Mapped[str | None] = mapped_column(String(16))
    level_rank: Mapped[int | None] = mapped_column(SmallInteger)
    assessed_at: Mapped[datetime | None]
    #: Unacknowledged newest-per-site assessments, most urgent first. ``NULL``, not ``[]``,
    #: when there is none (and below): most rows have none, and decoding JSON for
    #: thousands of rows is a good part of what the whole queue costs.
    open_assessment_ids: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    #: The top assessment's reasons (``ReasonView`` fields), in order; ``NULL`` when none.
    reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    last_checkin_at: Mapped[datetime | None]
    #: The patient's newest injection time.
    injected_at: Mapped[datetime | None]
    #: The newest photo (by capture time), its current measurement and its site's trend.
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    photo_hours_since_injection: Mapped[float | None] = mapped_column(Float)
    photo_usable: Mapped[bool | None] = mapped_column(Boolean)
    area_mm2: Mapped[float | None] = mapped_column(Float)
    area_px: Mapped[int | None] = mapped_column(Integer)
    mean_delta_a: Mapped[float | None] = mapped_column(Float)
    trend_direction: Mapped[str | None] = mapped_column(String(16))
    trend_pct: Mapped[float | None] = mapped_column(Float)


class AuditEvent(Base):
    """Who viewed or changed which record, when, and whether it was allowed.

    No foreign keys: the log must accept any id a request named, including ones
    that do not exist, and must outlive the records it mentions.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_patient_id_at", "patient_id", "at"),
        Index("ix_audit_log_actor_user_id_at", "actor_user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(24))
    target_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer)
    allowed: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str | None] = mapped_column(Text)
