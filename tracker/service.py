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

This module is longer than the house limit because every use case sits beside the
authorization rule it applies; the storage work is in ``tracker.store``.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from sqlalchemy.exc import IntegrityError

from tracker.errors import AccessDeniedError, AuthenticationError, InvalidArgumentError, NotFoundError
from tracker.measurement import ALGORITHM_VERSION, PhotoMeasurement
from tracker.store import Store, open_store
from tracker.store import repository as rows
from tracker.store.files import StagedFiles
from tracker.store.encode import STORED_MAX_SIDE, jpeg_bytes, thumbnail_bytes
from tracker.store.models import (
    LEVEL_RANK,
    Assessment,
    AssessmentReason,
    AuditEvent,
    Clinic,
    ClinicianNote,
    Invite,
    Measurement,
    Patient,
    Photo,
    Site,
    SymptomReport,
    Treatment,
    User,
)
from tracker.store.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    invite_code_hash,
    needs_rehash,
    new_invite_code,
    verify_password,
)
from tracker.store.repository import QueueRow, Repository, hours_between, queue_priority
from tracker.store.views import (
    SYSTEM,
    Actor,
    AssessmentView,
    ClinicView,
    ExportRow,
    IngestResult,
    InviteView,
    NoteView,
    PatientView,
    QueueEntry,
    QueueFigures,
    ReasonView,
    ReanalysisReport,
    SymptomResult,
    Timeline,
    TimelineEntry,
    TreatmentView,
    UserView,
)

#: Consecutive wrong passwords before the account is locked, and for how long.
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
#: The daily check-in period after an injection, and how late a check-in may be.
CHECKIN_PERIOD = timedelta(days=14)
CHECKIN_GRACE = timedelta(hours=24)
#: Symptom reports this recent count towards an assessment.
SYMPTOM_WINDOW = timedelta(hours=24)
#: The working resolution of the analysis (imaging's default).
ANALYSIS_MAX_SIDE = 2048
#: A camera clock this far ahead of the upload is wrong; the upload time is used instead.
CLOCK_SKEW = timedelta(hours=24)
#: The card's black square as designed (``tracker.reports.card``), and the sizes a
#: patient's measurement of their print may take.
DEFAULT_MARKER_MM = 20.0
MARKER_MM_RANGE = (5.0, 100.0)

PhotoKind = Literal["image", "thumbnail", "overlay"]

__all__ = [
    "SYSTEM", "Actor", "Store", "acknowledge_flag", "add_note", "authenticate", "clinician_queue",
    "create_invite", "export_rows", "ingest_photo", "list_patients", "open_store", "read_photo",
    "reanalyze", "record_symptoms", "record_treatment", "redeem_invite", "register_clinic",
    "register_clinician", "register_patient", "set_injection_time", "set_marker_size", "timeline",
]


# -- seams to the pure packages (imported on first use; tests may replace them) --------
def _load_photo(source: Any, *, name: str | None, max_side: int) -> Any:
    from tracker.imaging.load import load_photo

    return load_photo(source, name=name, max_side=max_side)


def _analyze_loaded(photo: Any, *, marker_mm: float) -> Any:
    from tracker.imaging.pipeline import analyze_loaded

    return analyze_loaded(photo, marker_mm=marker_mm)


def _assess(measurements: Sequence[PhotoMeasurement], *, injected_at: datetime | None,
            symptoms: Sequence[str], now: datetime) -> Any:
    from tracker.triage import assess

    return assess(measurements, injected_at=injected_at, symptoms=tuple(symptoms), now=now)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


# -- transactions, authorization, audit -------------------------------------------------
class _Denied(Exception):
    def __init__(self, action: str, target_type: str, target_id: int | None,
                 patient_id: int | None, message: str) -> None:
        super().__init__(message)
        self.action, self.target_type, self.target_id = action, target_type, target_id
        self.patient_id, self.message = patient_id, message


@contextmanager
def _transaction(store: Store, actor: Actor | None) -> Iterator[Repository]:
    """One transaction; a denial inside it is rolled back, audited, then raised."""
    try:
        with store.transaction() as session:
            yield Repository(session)
    except _Denied as denied:
        with store.transaction() as session:
            Repository(session).audit(_event(actor, denied.action, denied.target_type, denied.target_id,
                                             denied.patient_id, allowed=False, detail=denied.message))
        raise AccessDeniedError(denied.message) from None


def _event(actor: Actor | None, action: str, target_type: str, target_id: int | None,
           patient_id: int | None, *, allowed: bool = True, detail: str | None = None) -> AuditEvent:
    return AuditEvent(
        at=_utcnow(), actor_user_id=actor.user_id if actor else None,
        actor_role=actor.role if actor else "anonymous", action=action, target_type=target_type,
        target_id=target_id, patient_id=patient_id, allowed=allowed, detail=detail,
    )


def _audit(repo: Repository, actor: Actor, action: str, target_type: str, target_id: int | None,
           patient_id: int | None, detail: str | None = None) -> None:
    repo.audit(_event(actor, action, target_type, target_id, patient_id, detail=detail))


def _check_actor(repo: Repository, actor: Actor, action: str) -> None:
    """The login behind ``actor`` still exists, is active, and has the role it claims."""
    if actor.role == "system":
        return
    user = repo.user(actor.user_id) if actor.user_id is not None else None
    if user is None or not user.active or user.role != actor.role or user.clinic_id != actor.clinic_id:
        raise _Denied(action, "user", actor.user_id, None, "Your sign-in is no longer valid. Sign in again.")
    if actor.role == "patient":
        patient = repo.patient_of_user(user.id)
        if patient is None or patient.id != actor.patient_id:
            raise _Denied(action, "user", actor.user_id, None, "Your sign-in is no longer valid. Sign in again.")


def _require(repo: Repository, actor: Actor, action: str, *roles: str) -> None:
    _check_actor(repo, actor, action)
    if actor.role != "system" and actor.role not in roles:
        raise _Denied(action, "use_case", None, None, f"A {actor.role} account may not {action.replace('_', ' ')}.")


def _may_reach(actor: Actor, patient: Patient) -> bool:
    if actor.role == "system":
        return True
    if actor.role == "clinician":
        return patient.clinic_id == actor.clinic_id
    return actor.role == "patient" and patient.id == actor.patient_id


def _patient_for(repo: Repository, actor: Actor, patient_id: int, action: str,
                 *roles: str) -> Patient:
    """The patient, if ``actor`` (with one of ``roles``, default any) may reach their records."""
    _require(repo, actor, action, *(roles or ("clinician", "patient")))
    patient = repo.patient(patient_id)
    if patient is None:
        raise NotFoundError(f"There is no patient {patient_id}.")
    if not _may_reach(actor, patient):
        raise _Denied(action, "patient", patient_id, patient_id, "You may not see or change this patient's records.")
    return patient


def _clinic_for(repo: Repository, actor: Actor, clinic_id: int | None, action: str) -> Clinic:
    """The clinic ``actor`` acts for: a clinician's own, or the one SYSTEM names."""
    _require(repo, actor, action, "clinician")
    if actor.role == "clinician":
        if clinic_id is not None and clinic_id != actor.clinic_id:
            raise _Denied(action, "clinic", clinic_id, None, "You may not act for another clinic.")
        clinic_id = actor.clinic_id
    if clinic_id is None:
        raise InvalidArgumentError("Say which clinic (clinic_id).")
    clinic = repo.clinic(clinic_id)
    if clinic is None:
        raise NotFoundError(f"There is no clinic {clinic_id}.")
    return clinic


# -- small helpers ---------------------------------------------------------------------
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgumentError(f"{name!r} is not a time zone; use an IANA name such as 'Europe/Paris'.") from None


def _aware(when: datetime, zone: ZoneInfo) -> datetime:
    """``when`` as an instant: naive times are read in ``zone``."""
    return when.replace(tzinfo=zone) if when.tzinfo is None else when


def _naive_local(when: datetime | None, zone: ZoneInfo) -> datetime | None:
    """What the pure triage code works in: naive local time (as EXIF and the CLI give it)."""
    return when.astimezone(zone).replace(tzinfo=None) if when is not None else None


def _username(username: str) -> str:
    name = username.strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9._@+-]{2,79}", name):
        raise InvalidArgumentError(
            "A username has 3 to 80 characters: letters, digits and . _ @ + - (starting with a letter or digit)."
        )
    return name


def _password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidArgumentError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    return password


def _new_user(repo: Repository, *, clinic_id: int, username: str, password: str, role: str,
              display_name: str, now: datetime) -> User:
    name = _username(username)
    if repo.user_by_username(name) is not None:
        raise InvalidArgumentError(f"The username {name!r} is taken; choose another.")
    user = User(clinic_id=clinic_id, username=name, password_hash=hash_password(_password(password)), role=role,
                display_name=display_name.strip() or name, active=True, failed_logins=0, created_at=now)
    repo.add(user)
    return user


def _plain(value: Any) -> Any:
    """JSON-ready copy: NumPy scalars to Python numbers, tuples to lists, datetimes to ISO."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


# -- accounts --------------------------------------------------------------------------
def register_clinic(store: Store, actor: Actor, *, name: str, timezone_name: str = "UTC",
                    now: datetime | None = None) -> ClinicView:
    """A new clinic (the operator's tools only: ``actor`` must be :data:`SYSTEM`)."""
    zone = _zone(timezone_name)
    with _transaction(store, actor) as repo:
        _require(repo, actor, "register_clinic")
        if not name.strip():
            raise InvalidArgumentError("A clinic needs a name.")
        clinic = Clinic(name=name.strip(), timezone=zone.key, created_at=now or _utcnow())
        repo.add(clinic)
        _audit(repo, actor, "register_clinic", "clinic", clinic.id, None)
        return rows.clinic_view(clinic)


def register_clinician(store: Store, actor: Actor, *, clinic_id: int, username: str, password: str,
                       display_name: str, now: datetime | None = None) -> UserView:
    """A clinician login, by SYSTEM or by a clinician of the same clinic."""
    with _transaction(store, actor) as repo:
        clinic = _clinic_for(repo, actor, clinic_id, "register_clinician")
        user = _new_user(repo, clinic_id=clinic.id, username=username, password=password, role="clinician",
                         display_name=display_name, now=now or _utcnow())
        _audit(repo, actor, "register_clinician", "user", user.id, None)
        return rows.user_view(user)


def register_patient(store: Store, actor: Actor, *, display_name: str, clinic_id: int | None = None,
                     username: str | None = None, password: str | None = None,
                     timezone_name: str | None = None, now: datetime | None = None) -> PatientView:
    """A patient record in the clinician's clinic, with a login when ``username`` is given
    (otherwise give the patient an invite from :func:`create_invite`)."""
    zone_name = _zone(timezone_name).key if timezone_name else None
    now = now or _utcnow()
    with _transaction(store, actor) as repo:
        clinic = _clinic_for(repo, actor, clinic_id, "register_patient")
        patient = Patient(clinic_id=clinic.id, display_name=display_name.strip(), timezone=zone_name, created_at=now)
        if not patient.display_name:
            raise InvalidArgumentError("A patient needs a name.")
        if username is not None:
            user = _new_user(repo, clinic_id=clinic.id, username=username, password=password or "",
                             role="patient", display_name=display_name, now=now)
            patient.user_id = user.id
        repo.add(patient)
        _audit(repo, actor, "register_patient", "patient", patient.id, patient.id)
        return rows.patient_view(patient, repo.zone(patient))


def create_invite(store: Store, actor: Actor, *, patient_id: int | None = None, clinic_id: int | None = None,
                  valid_for: timedelta = timedelta(days=14), now: datetime | None = None) -> InviteView:
    """A one-time sign-up code. With ``patient_id`` the new login claims that patient
    record; without, redeeming it creates a new patient in the clinic."""
    now = now or _utcnow()
    with _transaction(store, actor) as repo:
        if patient_id is not None:
            patient = _patient_for(repo, actor, patient_id, "create_invite", "clinician")
            if patient.user_id is not None:
                raise InvalidArgumentError("This patient already has a login.")
            clinic_id = patient.clinic_id
        clinic = _clinic_for(repo, actor, clinic_id, "create_invite")
        code = new_invite_code()
        invite = Invite(clinic_id=clinic.id, patient_id=patient_id, code_sha256=invite_code_hash(code),
                        created_by_user_id=actor.user_id, created_at=now, expires_at=now + valid_for)
        repo.add(invite)
        _audit(repo, actor, "create_invite", "invite", invite.id, patient_id)
        return InviteView(code=code, clinic_id=clinic.id, patient_id=patient_id,
                          expires_at=rows.local(invite.expires_at, ZoneInfo(clinic.timezone)))


def redeem_invite(store: Store, code: str, *, username: str, password: str, display_name: str | None = None,
                  timezone_name: str | None = None, now: datetime | None = None) -> Actor:
    """Sign up with an invite code; returns the new patient's :class:`Actor` (signed in)."""
    now = now or _utcnow()
    zone_name = _zone(timezone_name).key if timezone_name else None
    with store.transaction() as session:
        repo = Repository(session)
        invite = repo.invite_by_code(invite_code_hash(code))
        if invite is None or invite.used_at is not None or invite.expires_at < now:
            raise AuthenticationError("This invite code is not valid (wrong, used, or expired). Ask your clinic for a new one.")
        if invite.patient_id is not None:
            patient = repo.patient(invite.patient_id)
            assert patient is not None
            if patient.user_id is not None:
                raise AuthenticationError("This patient already has a login. Sign in instead.")
        else:
            if not (display_name or "").strip():
                raise InvalidArgumentError("Give your name.")
            patient = Patient(clinic_id=invite.clinic_id, display_name=display_name.strip(), created_at=now)
        user = _new_user(repo, clinic_id=invite.clinic_id, username=username, password=password, role="patient",
                         display_name=display_name or patient.display_name, now=now)
        patient.user_id = user.id
        if zone_name:
            patient.timezone = zone_name
        repo.add(patient)
        invite.used_at, invite.used_by_user_id = now, user.id
        actor = _actor(user, patient)
        _audit(repo, actor, "redeem_invite", "invite", invite.id, patient.id)
        return actor


def _actor(user: User, patient: Patient | None) -> Actor:
    return Actor(role=user.role, user_id=user.id, clinic_id=user.clinic_id,  # type: ignore[arg-type]
                 patient_id=patient.id if patient else None, username=user.username,
                 display_name=user.display_name)


def authenticate(store: Store, username: str, password: str, *, now: datetime | None = None) -> Actor:
    """Check a username and password. After :data:`MAX_FAILED_LOGINS` wrong passwords in a
    row the account is locked for :data:`LOCKOUT`; the error says until when."""
    now = now or _utcnow()
    failure: str | None = None
    with store.transaction() as session:
        repo = Repository(session)
        user = repo.user_by_username(username.strip().lower())
        if user is not None and user.locked_until is not None and user.locked_until > now:
            failure = _locked_message(user.locked_until, now)
            repo.audit(_event(None, "authenticate", "user", user.id, None, allowed=False, detail="locked"))
        elif not verify_password(user.password_hash if user else None, password) or not user or not user.active:
            failure = "Wrong username or password."
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILED_LOGINS:
                    user.locked_until, user.failed_logins = now + LOCKOUT, 0
                    failure = "Wrong username or password. " + _locked_message(user.locked_until, now)
                repo.audit(_event(None, "authenticate", "user", user.id, None, allowed=False, detail="wrong password"))
        else:
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            patient = repo.patient_of_user(user.id) if user.role == "patient" else None
            actor = _actor(user, patient)
            _audit(repo, actor, "authenticate", "user", user.id, patient.id if patient else None)
    if failure is not None:
        raise AuthenticationError(failure)
    return actor


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (f"Too many wrong passwords: this account is locked. Try again after "
            f"{until:%H:%M} UTC (in about {minutes} minute{'s' if minutes != 1 else ''}).")


def list_patients(store: Store, actor: Actor, *, clinic_id: int | None = None) -> tuple[PatientView, ...]:
    """A clinician's patients (a patient gets only themselves)."""
    with _transaction(store, actor) as repo:
        if actor.role == "patient":
            patient = _patient_for(repo, actor, actor.patient_id or -1, "list_patients")
            return (rows.patient_view(patient, repo.zone(patient)),)
        clinic = _clinic_for(repo, actor, clinic_id, "list_patients")
        zone = ZoneInfo(clinic.timezone)
        _audit(repo, actor, "list_patients", "clinic", clinic.id, None)
        return tuple(rows.patient_view(p, ZoneInfo(p.timezone) if p.timezone else zone)
                     for p in repo.patients_of_clinic(clinic.id))


def set_marker_size(store: Store, actor: Actor, *, patient_id: int, marker_mm: float | None) -> PatientView:
    """Keep the size of the black square on the patient's printed card, as measured with a
    ruler (``None``: as designed, :data:`DEFAULT_MARKER_MM`). Their photos are measured with
    it from now on (:func:`ingest_photo`, :func:`reanalyze`)."""
    low, high = MARKER_MM_RANGE
    if marker_mm is not None:
        if not isinstance(marker_mm, (int, float)) or not low <= float(marker_mm) <= high:
            raise InvalidArgumentError(
                f"The marker size must be between {low:g} and {high:g} mm, not {marker_mm!r}: "
                "measure the black square of one card with a ruler.")
        marker_mm = float(marker_mm)
    with _transaction(store, actor) as repo:
        patient = _patient_for(repo, actor, patient_id, "set_marker_size")
        patient.marker_mm = marker_mm
        _audit(repo, actor, "set_marker_size", "patient", patient.id, patient.id,
               detail="as designed" if marker_mm is None else f"{marker_mm:g} mm")
        return rows.patient_view(patient, repo.zone(patient))


def _marker_mm(patient: Patient) -> float:
    return patient.marker_mm if patient.marker_mm is not None else DEFAULT_MARKER_MM


# -- treatments ------------------------------------------------------------------------
def record_treatment(store: Store, actor: Actor, *, patient_id: int, product: str,
                     injected_at: datetime | None = None, units: float | None = None,
                     areas: Sequence[str] = (), sites: Sequence[str] = (), notes: str | None = None,
                     now: datetime | None = None) -> TreatmentView:
    """A treatment and its photographed sites (default: one per treated area, else one
    site called "injection site"). ``injected_at`` may be set later."""
    now = now or _utcnow()
    area_names = _names(areas)
    site_names = _names(sites) or area_names or ["injection site"]
    if units is not None and not units > 0:
        raise InvalidArgumentError("Units must be a positive number.")
    with _transaction(store, actor) as repo:
        patient = _patient_for(repo, actor, patient_id, "record_treatment")
        zone = repo.zone(patient)
        treatment = Treatment(patient_id=patient.id, product=product.strip() or "unspecified", units=units,
                              areas=area_names, notes=notes, created_by_user_id=actor.user_id,
                              injected_at=_injection_time(injected_at, zone, now), created_at=now, updated_at=now)
        repo.add(treatment)
        site_rows = [Site(treatment_id=treatment.id, patient_id=patient.id, name=n) for n in site_names]
        repo.add(*site_rows)
        _refresh_queue(repo, patient)
        _audit(repo, actor, "record_treatment", "treatment", treatment.id, patient.id)
        return rows.treatment_view(treatment, zone, site_rows)


def _names(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in values if n and n.strip()))


def _injection_time(injected_at: datetime | None, zone: ZoneInfo, now: datetime) -> datetime | None:
    if injected_at is None:
        return None
    when = _aware(injected_at, zone)
    if when > now + timedelta(hours=1):
        raise InvalidArgumentError(f"The injection time {when:%Y-%m-%d %H:%M} is in the future.")
    return when


def set_injection_time(store: Store, actor: Actor, *, treatment_id: int, injected_at: datetime,
                       now: datetime | None = None) -> TreatmentView:
    """Set or correct when the injection was given. Hours since injection are recomputed
    and each photographed site is assessed again (a new assessment; old ones are kept)."""
    now = now or _utcnow()
    with _transaction(store, actor) as repo:
        treatment = repo.treatment(treatment_id)
        if treatment is None:
            raise NotFoundError(f"There is no treatment {treatment_id}.")
        patient = _patient_for(repo, actor, treatment.patient_id, "set_injection_time")
        zone = repo.zone(patient)
        sites = [repo.site(s.id, lock=True) for s in repo.sites_of_treatment(treatment.id)]
        treatment.injected_at, treatment.updated_at = _injection_time(injected_at, zone, now), now
        pairs = repo.measurements_of_sites([s.id for s in sites if s is not None])
        for measurement, photo in pairs:
            measurement.hours_since_injection = hours_between(treatment.injected_at, photo.taken_at)
        repo.session.flush()
        for site_id in sorted({photo.site_id for _, photo in pairs}):
            site = repo.site(site_id)
            assert site is not None
            _assess_site(repo, patient, site, treatment, zone, now, photo_id=None)
        _refresh_queue(repo, patient)
        _audit(repo, actor, "set_injection_time", "treatment", treatment.id, patient.id)
        return rows.treatment_view(treatment, zone, repo.sites_of_treatment(treatment.id))


# -- assessment ------------------------------------------------------------------------
def _for_triage(m: Measurement, photo: Photo, zone: ZoneInfo) -> PhotoMeasurement:
    return PhotoMeasurement.from_dict(m.data).with_time(
        hours_since_injection=m.hours_since_injection, taken_at=_naive_local(photo.taken_at, zone),
        taken_at_source=photo.taken_at_source,
    )


def _assess_site(repo: Repository, patient: Patient, site: Site | None, treatment: Treatment | None,
                 zone: ZoneInfo, now: datetime, *, photo_id: int | None) -> Assessment:
    """Assess the site's whole series (or, with no site, the patient's symptoms alone)
    and store the result as the site's newest assessment."""
    series = repo.site_series(site.id, ALGORITHM_VERSION) if site is not None else []
    measurements = [_for_triage(item.measurement, item.photo, zone) for item in series]
    symptoms = repo.symptoms_since(patient.id, site.id if site else None, now - SYMPTOM_WINDOW)
    result = _assess(measurements, injected_at=_naive_local(treatment.injected_at if treatment else None, zone),
                     symptoms=symptoms, now=_naive_local(now, zone))  # type: ignore[arg-type]
    level = str(_field(result, "level"))
    if level not in LEVEL_RANK:
        raise ValueError(f"triage returned the unknown level {level!r}")
    data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    repo.supersede_assessments(patient.id, site.id if site else None)
    assessment = Assessment(
        patient_id=patient.id, site_id=site.id if site else None, photo_id=photo_id, created_at=now,
        level=level, level_rank=LEVEL_RANK[level], fda_grade=_field(result, "fda_grade"),
        algorithm_version=ALGORITHM_VERSION, is_latest=True, data=_plain(data),
        reasons=[
            AssessmentReason(position=i, rule=str(_field(r, "rule")), text=str(_field(r, "text") or ""),
                             clinician_text=_field(r, "clinician_text"), source=_field(r, "source"))
            for i, r in enumerate(_field(result, "reasons") or ())
        ],
    )
    repo.add(assessment)
    return assessment


# -- photos ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Prepared:
    """A decoded, measured photo and its stored forms, ready to be written."""

    taken_at: datetime | None
    format: str | None
    width: int
    height: int
    image: bytes
    thumbnail: bytes
    overlay: bytes | None
    measurement: PhotoMeasurement


def _read_source(source: bytes | str | Path | BinaryIO) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        return Path(source).read_bytes()
    return source.read()


def _prepare(data: bytes, *, name: str | None, marker_mm: float) -> _Prepared:
    """Decode, strip, measure. The analysis runs on the stored copy, so reanalysing a
    stored photo with the same algorithm version gives the same figures."""
    full = _load_photo(data, name=name, max_side=STORED_MAX_SIDE)
    image = jpeg_bytes(np.ascontiguousarray(full.rgb))
    working = _load_photo(image, name=name, max_side=ANALYSIS_MAX_SIDE)
    analysis = _analyze_loaded(working, marker_mm=marker_mm)
    overlay = analysis.overlay() if hasattr(analysis, "overlay") else None
    height, width = full.rgb.shape[:2]
    return _Prepared(
        taken_at=full.taken_at, format=full.format, width=int(width), height=int(height), image=image,
        thumbnail=thumbnail_bytes(np.ascontiguousarray(full.rgb)),
        overlay=jpeg_bytes(np.ascontiguousarray(overlay), quality=90) if overlay is not None else None,
        measurement=analysis.measurement,
    )


def _capture_time(exif_time: datetime | None, zone: ZoneInfo, now: datetime) -> tuple[datetime, str]:
    if exif_time is not None:
        when = _aware(exif_time, zone)
        if when <= now + CLOCK_SKEW:
            return when, "exif"
    return now, "upload"


def _measurement_row(photo_id: int, m: PhotoMeasurement, hours: float | None, now: datetime) -> Measurement:
    return Measurement(
        photo_id=photo_id, algorithm_version=m.algorithm_version, created_at=now, usable=bool(m.quality.usable),
        area_mm2=None if m.redness.area_mm2 is None else float(m.redness.area_mm2),
        area_px=int(m.redness.area_px), mean_delta_a=float(m.redness.mean_delta_a),
        hours_since_injection=hours, data=_plain(m.to_dict()),
    )


def ingest_photo(store: Store, actor: Actor, *, site_id: int, source: bytes | str | Path | BinaryIO,
                 name: str | None = None, symptoms: Sequence[str] = (), note: str | None = None,
                 marker_mm: float | None = None, now: datetime | None = None) -> IngestResult:
    """Store one photo of a site: decode, measure, write the files, assess the site's
    whole series, all in one transaction (all of it is stored, or none of it). The same
    content uploaded again by the same patient returns the existing record. The capture
    time comes from EXIF when present, else the upload time (``photo.taken_at_source``).
    ``symptoms`` (keys) reported with the photo are stored and count in the assessment.
    ``marker_mm`` defaults to the patient's measured card (:func:`set_marker_size`)."""
    now = now or _utcnow()
    data = _read_source(source)
    digest = hashlib.sha256(data).hexdigest()
    with _transaction(store, actor) as repo:
        site = repo.site(site_id)
        if site is None:
            raise NotFoundError(f"There is no injection site {site_id}.")
        patient = _patient_for(repo, actor, site.patient_id, "ingest_photo")
        existing = repo.photo_by_content(patient.id, digest)
        if existing is not None:
            return _duplicate(repo, actor, existing)
        if marker_mm is None:
            marker_mm = _marker_mm(patient)
    prepared = _prepare(data, name=name, marker_mm=marker_mm)
    with store.files.staged() as staged:
        try:
            with _transaction(store, actor) as repo:
                return _store_photo(repo, actor, staged, site_id, digest, prepared, name=name,
                                    symptoms=symptoms, note=note, now=now)
        except IntegrityError as error:
            staged.discard()  # the same content was committed meanwhile: keep that one
            conflict = error
    with _transaction(store, actor) as repo:
        existing = repo.photo_by_content(site.patient_id, digest)
        if existing is None:
            raise conflict
        return _duplicate(repo, actor, existing)


def _store_photo(repo: Repository, actor: Actor, staged: StagedFiles, site_id: int, digest: str, prepared: _Prepared,
                 *, name: str | None, symptoms: Sequence[str], note: str | None, now: datetime) -> IngestResult:
    site = repo.site(site_id, lock=True)
    assert site is not None
    patient = _patient_for(repo, actor, site.patient_id, "ingest_photo")
    existing = repo.photo_by_content(patient.id, digest)
    if existing is not None:
        return _duplicate(repo, actor, existing)
    zone = repo.zone(patient)
    treatment = repo.treatment(site.treatment_id)
    taken_at, taken_at_source = _capture_time(prepared.taken_at, zone, now)
    hours = hours_between(treatment.injected_at if treatment else None, taken_at)
    base = staged.files.new_key(patient.id, "")
    photo = Photo(
        patient_id=patient.id, site_id=site.id, content_sha256=digest, taken_at=taken_at,
        taken_at_source=taken_at_source, uploaded_at=now, uploaded_by_user_id=actor.user_id,
        original_name=(name or None) and Path(name).name[:255], original_format=prepared.format,
        width=prepared.width, height=prepared.height,
        image_key=staged.write(f"{base}.jpg", prepared.image),
        thumb_key=staged.write(f"{base}_thumb.jpg", prepared.thumbnail),
        overlay_key=staged.write(f"{base}_overlay.jpg", prepared.overlay) if prepared.overlay is not None else None,
    )
    repo.add(photo)
    measured = prepared.measurement.with_time(hours_since_injection=hours, taken_at=taken_at.astimezone(zone),
                                              taken_at_source=taken_at_source)
    measurement = _measurement_row(photo.id, measured, hours, now)
    repo.add(measurement)
    if symptoms or note:
        repo.add(SymptomReport(patient_id=patient.id, site_id=site.id, reported_at=now, symptoms=list(symptoms),
                               note=note, reported_by_user_id=actor.user_id))
    assessment = _assess_site(repo, patient, site, treatment, zone, now, photo_id=photo.id)
    patient.last_checkin_at = max(patient.last_checkin_at or now, now)
    _refresh_queue(repo, patient)
    _audit(repo, actor, "ingest_photo", "photo", photo.id, patient.id)
    return IngestResult(photo=rows.photo_view(photo, zone), measurement=rows.measurement_view(measurement, zone),
                        assessment=rows.assessment_view(assessment, zone), duplicate=False)


def _duplicate(repo: Repository, actor: Actor, photo: Photo) -> IngestResult:
    patient = repo.patient(photo.patient_id)
    assert patient is not None
    zone = repo.zone(patient)
    measurements = [m for m in repo.measurements_of_patient(patient.id) if m.photo_id == photo.id]
    chosen = next((m for m in measurements if m.algorithm_version == ALGORITHM_VERSION), measurements[-1])
    assessments = [a for a in repo.assessments_of(patient.id) if a.photo_id == photo.id]
    _audit(repo, actor, "ingest_photo_duplicate", "photo", photo.id, patient.id)
    return IngestResult(
        photo=rows.photo_view(photo, zone), measurement=rows.measurement_view(chosen, zone),
        assessment=rows.assessment_view(assessments[-1], zone) if assessments else None, duplicate=True,
    )


def read_photo(store: Store, actor: Actor, photo_id: int, *, kind: PhotoKind = "image") -> bytes:
    """The JPEG bytes of a stored photo (``"image"``), its ``"thumbnail"`` or its ``"overlay"``
    (outlines drawn; may be missing: :class:`NotFoundError`)."""
    with _transaction(store, actor) as repo:
        photo = repo.photo(photo_id)
        if photo is None:
            raise NotFoundError(f"There is no photo {photo_id}.")
        _patient_for(repo, actor, photo.patient_id, "read_photo")
        key = {"image": photo.image_key, "thumbnail": photo.thumb_key, "overlay": photo.overlay_key}.get(kind)
        if kind not in {"image", "thumbnail", "overlay"}:
            raise InvalidArgumentError(f"kind must be 'image', 'thumbnail' or 'overlay', not {kind!r}.")
        if key is None:
            raise NotFoundError(f"Photo {photo_id} has no {kind}.")
        _audit(repo, actor, "read_photo", "photo", photo.id, photo.patient_id, detail=kind)
        return store.files.read(key)


# -- symptoms, timeline ----------------------------------------------------------------
def record_symptoms(store: Store, actor: Actor, *, patient_id: int, symptoms: Sequence[str],
                    site_id: int | None = None, note: str | None = None,
                    now: datetime | None = None) -> SymptomResult:
    """Store a symptom report and assess again: the given site, else every site of the
    patient's latest treatment (or the patient alone when there is none)."""
    now = now or _utcnow()
    with _transaction(store, actor) as repo:
        patient = _patient_for(repo, actor, patient_id, "record_symptoms")
        zone = repo.zone(patient)
        if site_id is not None:
            site = repo.site(site_id, lock=True)
            if site is None or site.patient_id != patient.id:
                raise NotFoundError(f"Patient {patient_id} has no injection site {site_id}.")
            sites = [site]
        else:
            sites = [repo.site(s.id, lock=True) for s in repo.sites_of_latest_treatment(patient.id)]
        report = SymptomReport(patient_id=patient.id, site_id=site_id, reported_at=now,
                               symptoms=_names(symptoms), note=note, reported_by_user_id=actor.user_id)
        repo.add(report)
        assessments = [_assess_site(repo, patient, s, repo.treatment(s.treatment_id), zone, now, photo_id=None)
                       for s in sites if s is not None]
        if not assessments:
            assessments = [_assess_site(repo, patient, None, None, zone, now, photo_id=None)]
        patient.last_checkin_at = max(patient.last_checkin_at or now, now)
        _refresh_queue(repo, patient)
        _audit(repo, actor, "record_symptoms", "symptom_report", report.id, patient.id)
        return SymptomResult(report=rows.symptom_view(report, zone),
                             assessments=tuple(rows.assessment_view(a, zone) for a in assessments))


def timeline(store: Store, actor: Actor, patient_id: int) -> Timeline:
    """A patient's photos with their measurements and assessments, by capture time (hours
    since injection), plus treatments, symptoms, the current assessment of each site, and
    (for clinicians) the notes. A fixed handful of queries, whatever the series length."""
    with _transaction(store, actor) as repo:
        patient = _patient_for(repo, actor, patient_id, "view_timeline")
        zone = repo.zone(patient)
        treatments = repo.treatments_of(patient.id)
        site_names = {s.id: s.name for t in treatments for s in t.sites}
        by_photo: dict[int, list[Measurement]] = {}
        for m in repo.measurements_of_patient(patient.id):
            by_photo.setdefault(m.photo_id, []).append(m)
        assessments = repo.assessments_of(patient.id)
        made_by_photo = {a.photo_id: a for a in assessments if a.photo_id is not None}
        entries = []
        for photo in repo.photos_of(patient.id):
            ms = [rows.measurement_view(m, zone) for m in by_photo.get(photo.id, [])]
            chosen = next((m for m in ms if m.algorithm_version == ALGORITHM_VERSION), ms[-1] if ms else None)
            made = made_by_photo.get(photo.id)
            entries.append(TimelineEntry(
                photo=rows.photo_view(photo, zone), site_name=site_names.get(photo.site_id, ""),
                hours_since_injection=chosen.hours_since_injection if chosen else None,
                measurement=chosen, measurements=tuple(ms),
                assessment=rows.assessment_view(made, zone) if made else None,
            ))
        current = sorted((a for a in assessments if a.is_latest), key=lambda a: (-a.level_rank, a.created_at))
        notes = () if actor.role == "patient" else tuple(
            rows.note_view(n, author, zone) for n, author in repo.notes_of(patient.id))
        _audit(repo, actor, "view_timeline", "patient", patient.id, patient.id)
        return Timeline(
            patient=rows.patient_view(patient, zone),
            treatments=tuple(rows.treatment_view(t, zone) for t in treatments),
            entries=tuple(entries),
            symptoms=tuple(rows.symptom_view(s, zone) for s in repo.symptoms_of(patient.id)),
            current=tuple(rows.assessment_view(a, zone) for a in current),
            notes=notes,
        )


# -- the clinician's side --------------------------------------------------------------
def clinician_queue(store: Store, actor: Actor, *, clinic_id: int | None = None, now: datetime | None = None,
                    limit: int | None = None) -> tuple[QueueEntry, ...]:
    """The triage queue: one entry per patient with their most urgent current level.
    Unacknowledged flags first (most urgent, then most recent), then acknowledged ones.
    Patients in their first 14 days after an injection who have not checked in for over
    a day are included (``missed_checkin``) and rank at least with "monitor".
    ``limit`` returns only the first entries. Two indexed statements over the queue rows
    that every use case keeps up to date, whatever the number of patients."""
    now = now or _utcnow()
    period_start, cutoff = now - CHECKIN_PERIOD, now - CHECKIN_GRACE
    with _transaction(store, actor) as repo:
        clinic = _clinic_for(repo, actor, clinic_id, "view_queue")
        zone = ZoneInfo(clinic.timezone)
        found = [(row, False) for row in repo.queue_page(clinic.id, period_start=period_start, cutoff=cutoff,
                                                         limit=limit)]
        found += [(row, True) for row in repo.missed_checkins(clinic.id, period_start=period_start, cutoff=cutoff)]
        found.sort(key=lambda f: _queue_order(f[0], missed=f[1]))
        entries = tuple(rows.queue_entry_view(row, missed_checkin=missed, zone=zone)
                        for row, missed in found[:limit or None])
        _audit(repo, actor, "view_queue", "clinic", clinic.id, None)
        return entries


def _queue_order(row: QueueRow, *, missed: bool) -> tuple[int, float, int]:
    """The queue's order (``ix_patient_queue_clinic_id_priority_sort_at``, descending), with
    a missed check-in counting as waiting with at least "monitor"."""
    priority = row.priority
    if missed:
        open_rank = row.level_rank if row.open_assessment_ids else None
        priority = queue_priority(True, max(LEVEL_RANK["monitor"], -1 if open_rank is None else open_rank))
    return (-priority, -row.sort_at.timestamp(), -row.patient_id)


def _refresh_queue(repo: Repository, patient: Patient) -> None:
    """Bring the patient's queue row up to date with what this transaction changed."""
    repo.refresh_queue([patient.id], ALGORITHM_VERSION)


def acknowledge_flag(store: Store, actor: Actor, assessment_id: int, *, now: datetime | None = None) -> AssessmentView:
    """A clinician has seen this assessment. Acknowledging twice keeps the first time."""
    now = now or _utcnow()
    with _transaction(store, actor) as repo:
        assessment = repo.assessment(assessment_id)
        if assessment is None:
            raise NotFoundError(f"There is no assessment {assessment_id}.")
        patient = _patient_for(repo, actor, assessment.patient_id, "acknowledge_flag", "clinician")
        if assessment.acknowledged_at is None:
            assessment.acknowledged_at, assessment.acknowledged_by_user_id = now, actor.user_id
            _refresh_queue(repo, patient)
        _audit(repo, actor, "acknowledge_flag", "assessment", assessment.id, patient.id)
        return rows.assessment_view(assessment, repo.zone(patient))


def add_note(store: Store, actor: Actor, *, patient_id: int, text: str, assessment_id: int | None = None,
             now: datetime | None = None) -> NoteView:
    """A clinician's note on a patient (optionally about one assessment). Patients do not see notes."""
    with _transaction(store, actor) as repo:
        patient = _patient_for(repo, actor, patient_id, "add_note", "clinician")
        if not text.strip():
            raise InvalidArgumentError("A note needs some text.")
        if assessment_id is not None:
            assessment = repo.assessment(assessment_id)
            if assessment is None or assessment.patient_id != patient.id:
                raise NotFoundError(f"Patient {patient_id} has no assessment {assessment_id}.")
        note = ClinicianNote(patient_id=patient.id, assessment_id=assessment_id, author_user_id=actor.user_id,
                             created_at=now or _utcnow(), text=text.strip())
        repo.add(note)
        _audit(repo, actor, "add_note", "note", note.id, patient.id)
        return rows.note_view(note, actor.display_name, repo.zone(patient))


def export_rows(store: Store, actor: Actor, *, patient_id: int | None = None,
                clinic_id: int | None = None) -> tuple[ExportRow, ...]:
    """Every measurement (all algorithm versions) as flat rows for CSV: one patient, or
    (for a clinician) the whole clinic. ``level`` is the assessment made when the photo arrived."""
    with _transaction(store, actor) as repo:
        if patient_id is not None or actor.role == "patient":
            patient = _patient_for(repo, actor, patient_id or actor.patient_id or -1, "export")
            found = repo.export_rows(clinic_id=None, patient_id=patient.id)
        else:
            clinic = _clinic_for(repo, actor, clinic_id, "export")
            found = repo.export_rows(clinic_id=clinic.id, patient_id=None)
        out = tuple(
            ExportRow(
                patient_id=p.id, patient_name=p.display_name, treatment_id=t.id, product=t.product,
                injected_at=t.injected_at.isoformat() if t.injected_at else None, site=s.name, photo_id=photo.id,
                taken_at=photo.taken_at.isoformat(), taken_at_source=photo.taken_at_source,
                hours_since_injection=m.hours_since_injection, algorithm_version=m.algorithm_version,
                usable=m.usable, area_mm2=m.area_mm2, area_px=m.area_px, mean_delta_a=m.mean_delta_a,
                level=level,
            )
            for m, photo, s, t, p, level in found
        )
        _audit(repo, actor, "export", "patient" if patient_id else "clinic", patient_id, patient_id,
               detail=f"{len(out)} rows")
        return out


def reanalyze(store: Store, actor: Actor = SYSTEM, *, patient_id: int | None = None,
              marker_mm: float | None = None, now: datetime | None = None) -> ReanalysisReport:
    """Measure stored photos again with the current algorithm. New measurement rows are
    added beside the old ones (never replacing them) and each affected site is assessed
    again. Photos already measured by this version are skipped, so it can be rerun.
    ``marker_mm`` defaults to each patient's measured card (:func:`set_marker_size`)."""
    now = now or _utcnow()
    with _transaction(store, actor) as repo:
        if patient_id is not None:
            _patient_for(repo, actor, patient_id, "reanalyze", "clinician")
        else:
            _require(repo, actor, "reanalyze")  # the whole database: the operator only
        photos = repo.photos_needing(ALGORITHM_VERSION, patient_id)
        markers = repo.marker_sizes({p.patient_id for p in photos})
        pending = [(p.id, p.site_id, p.image_key, p.original_name,
                    marker_mm if marker_mm is not None else markers.get(p.patient_id) or DEFAULT_MARKER_MM)
                   for p in photos]
        seen = repo.count_photos(patient_id)
    by_site: dict[int, list[tuple[int, PhotoMeasurement]]] = {}
    failed: list[tuple[int, str]] = []
    for photo_id, site_id, key, name, marker in pending:
        try:
            loaded = _load_photo(store.files.read(key), name=name, max_side=ANALYSIS_MAX_SIDE)
            by_site.setdefault(site_id, []).append((photo_id, _analyze_loaded(loaded, marker_mm=marker).measurement))
        except Exception as error:  # one unreadable file must not stop the others
            failed.append((photo_id, f"{type(error).__name__}: {error}"))
    measured = 0
    for site_id, results in by_site.items():
        with _transaction(store, actor) as repo:
            site = repo.site(site_id, lock=True)
            assert site is not None
            patient = repo.patient(site.patient_id)
            treatment = repo.treatment(site.treatment_id)
            zone = repo.zone(patient)
            existing = {p.id for p in repo.photos_needing(ALGORITHM_VERSION, patient.id)}
            for photo_id, m in results:
                if photo_id not in existing:
                    continue  # another run got there first
                photo = repo.photo(photo_id)
                hours = hours_between(treatment.injected_at if treatment else None, photo.taken_at)
                repo.add(_measurement_row(photo_id, m.with_time(
                    hours_since_injection=hours, taken_at=photo.taken_at.astimezone(zone),
                    taken_at_source=photo.taken_at_source), hours, now))
                measured += 1
            _assess_site(repo, patient, site, treatment, zone, now, photo_id=None)
            _refresh_queue(repo, patient)
            _audit(repo, actor, "reanalyze", "site", site.id, patient.id, detail=ALGORITHM_VERSION)
    return ReanalysisReport(algorithm_version=ALGORITHM_VERSION, photos_seen=seen, measured=measured,
                            already_current=seen - len(pending), failed=tuple(failed))
