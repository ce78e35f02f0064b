"""The clinician's triage queue and acknowledging a flag."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tracker.errors import NotFoundError
from tracker.service._common import _audit, _clinic_for, _patient_for, _refresh_queue, _transaction, _utcnow
from tracker.store import Store
from tracker.store import repository as rows
from tracker.store.models import LEVEL_RANK
from tracker.store.repository import QueueRow, queue_priority
from tracker.store.views import Actor, AssessmentView, QueueEntry


#: The daily check-in period after an injection, and how late a check-in may be.
CHECKIN_PERIOD = timedelta(days=14)
CHECKIN_GRACE = timedelta(hours=24)


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
