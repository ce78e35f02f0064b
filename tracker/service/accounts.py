"""Clinics, clinicians and patients: registration, invites, signing in, the patient list,
and each patient's measured card size.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tracker.errors import AuthenticationError, InvalidArgumentError
from tracker.service._common import (
    _audit,
    _clinic_for,
    _event,
    _patient_for,
    _require,
    _transaction,
    _utcnow,
    _zone,
)
from tracker.store import Store
from tracker.store import repository as rows
from tracker.store.models import Clinic, Invite, Patient, User
from tracker.store.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    invite_code_hash,
    needs_rehash,
    new_invite_code,
    verify_password,
)
from tracker.store.repository import Repository
from tracker.store.views import Actor, ClinicView, InviteView, PatientView, UserView


#: Consecutive wrong passwords before the account is locked, and for how long.
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
#: The card's black square as designed (``tracker.reports.card``), and the sizes a
#: patient's measurement of their print may take.
DEFAULT_MARKER_MM = 20.0
MARKER_MM_RANGE = (5.0, 100.0)


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
