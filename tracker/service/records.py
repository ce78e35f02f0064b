"""A patient's records: symptom reports, the timeline, clinician notes and the CSV export."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tracker.errors import InvalidArgumentError, NotFoundError
from tracker.service._common import (
    _algorithm_version,
    _audit,
    _clinic_for,
    _names,
    _patient_for,
    _refresh_queue,
    _transaction,
    _utcnow,
)
from tracker.service.assessment import _assess_site
from tracker.store import Store
from tracker.store import repository as rows
from tracker.store.models import ClinicianNote, Measurement, SymptomReport
from tracker.store.views import Actor, ExportRow, NoteView, SymptomResult, Timeline, TimelineEntry


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
            chosen = next((m for m in ms if m.algorithm_version == _algorithm_version()), ms[-1] if ms else None)
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
