"""What every use case shares: transactions, authorization and audit, the time, the
algorithm version, and small conversions.

A denial raises ``_Denied`` inside :func:`_transaction`, which rolls the transaction back,
audits the denial in a transaction of its own and raises
:class:`~tracker.errors.AccessDeniedError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from tracker import measurement
from tracker.errors import AccessDeniedError, InvalidArgumentError, NotFoundError
from tracker.store import Store
from tracker.store.models import AuditEvent, Clinic, Patient
from tracker.store.repository import Repository
from tracker.store.views import Actor


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _algorithm_version() -> str:
    """The current algorithm's version, read when it is used (a test pretends to a newer
    one by patching ``tracker.measurement.ALGORITHM_VERSION``)."""
    return measurement.ALGORITHM_VERSION


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


def _names(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in values if n and n.strip()))


def _refresh_queue(repo: Repository, patient: Patient) -> None:
    """Bring the patient's queue row up to date with what this transaction changed."""
    repo.refresh_queue([patient.id], _algorithm_version())
