"""The repository: every query the use cases need, and the rows-to-views mapping.

One :class:`Repository` wraps one session (one transaction). Queries that serve a list
(the queue, a timeline) are a fixed handful of indexed statements, never one per
patient or per photo.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from tracker.measurement import PhotoMeasurement
from tracker.store import views as v
from tracker.store.types import UTCDateTime
from tracker.store.models import (
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


@dataclass(frozen=True)
class SeriesItem:
    """One photo of a site's series with the measurement chosen for assessment."""

    photo: Photo
    measurement: Measurement


class QueueRow(NamedTuple):
    """One patient of the clinician queue, before ordering (see ``Repository.queue_rows``)."""

    patient_id: int
    patient_name: str
    last_checkin_at: datetime | None
    #: The top newest-per-site assessment: ``None`` when the patient was never assessed.
    assessment_id: int | None
    level: str | None
    level_rank: int | None
    assessed_at: datetime | None
    #: How many newest-per-site assessments are unacknowledged.
    n_open: int
    #: Newest injection inside the check-in period, if any.
    injected_at: datetime | None


def _chunks(ids: Sequence[int], size: int = 500) -> Iterator[Sequence[int]]:
    ids = list(ids)
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- writing ---------------------------------------------------------------
    def add(self, *rows: object) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def audit(self, event: AuditEvent) -> None:
        self.session.add(event)

    # -- single records --------------------------------------------------------
    def user(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def user_by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).one_or_none()

    def patient_of_user(self, user_id: int) -> Patient | None:
        return self.session.scalars(select(Patient).where(Patient.user_id == user_id)).one_or_none()

    def clinic(self, clinic_id: int) -> Clinic | None:
        return self.session.get(Clinic, clinic_id)

    def patient(self, patient_id: int) -> Patient | None:
        return self.session.get(Patient, patient_id)

    def treatment(self, treatment_id: int) -> Treatment | None:
        return self.session.get(Treatment, treatment_id)

    def site(self, site_id: int, *, lock: bool = False) -> Site | None:
        """The site; with ``lock`` its row is locked (PostgreSQL) so one site's ingests
        and assessments happen one after another and each sees the whole series."""
        stmt = select(Site).where(Site.id == site_id)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).one_or_none()

    def photo(self, photo_id: int) -> Photo | None:
        return self.session.get(Photo, photo_id)

    def assessment(self, assessment_id: int) -> Assessment | None:
        return self.session.get(Assessment, assessment_id)

    def invite_by_code(self, code_sha256: str) -> Invite | None:
        """The invite, its row locked (PostgreSQL) so it is redeemed at most once."""
        return self.session.scalars(
            select(Invite).where(Invite.code_sha256 == code_sha256).with_for_update()
        ).one_or_none()

    def count_photos(self, patient_id: int | None = None) -> int:
        stmt = select(func.count(Photo.id))
        if patient_id is not None:
            stmt = stmt.where(Photo.patient_id == patient_id)
        return int(self.session.scalar(stmt) or 0)

    def photo_by_content(self, patient_id: int, content_sha256: str) -> Photo | None:
        return self.session.scalars(
            select(Photo).where(Photo.patient_id == patient_id, Photo.content_sha256 == content_sha256)
        ).one_or_none()

    def zone(self, patient: Patient) -> ZoneInfo:
        """The patient's time zone (their own, else their clinic's)."""
        name = patient.timezone or self.session.scalar(
            select(Clinic.timezone).where(Clinic.id == patient.clinic_id)
        )
        return ZoneInfo(name or "UTC")

    # -- series and assessments ------------------------------------------------
    def site_series(self, site_id: int, algorithm_version: str) -> list[SeriesItem]:
        """The site's photos by capture time, each with the current algorithm's
        measurement when there is one, else its newest."""
        rows = self.session.execute(
            select(Photo, Measurement)
            .join(Measurement, Measurement.photo_id == Photo.id)
            .where(Photo.site_id == site_id)
            .order_by(Photo.taken_at, Photo.id, Measurement.created_at, Measurement.id)
        ).all()
        chosen: dict[int, SeriesItem] = {}
        for photo, m in rows:
            current = chosen.get(photo.id)
            if current is None or current.measurement.algorithm_version != algorithm_version:
                chosen[photo.id] = SeriesItem(photo, m)
        return list(chosen.values())

    def symptoms_since(self, patient_id: int, site_id: int | None, since: datetime) -> list[str]:
        """Symptom keys reported for this site (or for no particular site) since ``since``."""
        stmt = select(SymptomReport.symptoms).where(
            SymptomReport.patient_id == patient_id, SymptomReport.reported_at >= since
        )
        if site_id is not None:
            stmt = stmt.where((SymptomReport.site_id == site_id) | SymptomReport.site_id.is_(None))
        keys: dict[str, None] = {}
        for symptoms in self.session.scalars(stmt):
            keys.update(dict.fromkeys(symptoms))
        return list(keys)

    def supersede_assessments(self, patient_id: int, site_id: int | None) -> None:
        """Mark the site's (or the patient-level) newest assessment as no longer newest."""
        site_clause = Assessment.site_id.is_(None) if site_id is None else Assessment.site_id == site_id
        self.session.execute(
            update(Assessment)
            .where(Assessment.patient_id == patient_id, site_clause, Assessment.is_latest.is_(True))
            .values(is_latest=False)
        )

    def sites_of_latest_treatment(self, patient_id: int) -> list[Site]:
        latest = self.session.scalars(
            select(Treatment).where(Treatment.patient_id == patient_id)
            .order_by(Treatment.injected_at.desc().nulls_last(), Treatment.id.desc()).limit(1)
        ).one_or_none()
        return list(latest.sites) if latest is not None else []

    def sites_of_treatment(self, treatment_id: int) -> list[Site]:
        return list(self.session.scalars(select(Site).where(Site.treatment_id == treatment_id).order_by(Site.id)))

    def measurements_of_sites(self, site_ids: Sequence[int]) -> list[tuple[Measurement, Photo]]:
        return list(self.session.execute(
            select(Measurement, Photo).join(Photo, Photo.id == Measurement.photo_id)
            .where(Photo.site_id.in_(site_ids))
        ))

    # -- lists -----------------------------------------------------------------
    def patients_of_clinic(self, clinic_id: int) -> list[Patient]:
        return list(self.session.scalars(
            select(Patient).where(Patient.clinic_id == clinic_id).order_by(Patient.display_name, Patient.id)
        ))

    def treatments_of(self, patient_id: int) -> list[Treatment]:
        return list(self.session.scalars(
            select(Treatment).options(selectinload(Treatment.sites))
            .where(Treatment.patient_id == patient_id).order_by(Treatment.injected_at, Treatment.id)
        ))

    def photos_of(self, patient_id: int) -> list[Photo]:
        return list(self.session.scalars(
            select(Photo).where(Photo.patient_id == patient_id).order_by(Photo.taken_at, Photo.id)
        ))

    def measurements_of_patient(self, patient_id: int) -> list[Measurement]:
        return list(self.session.scalars(
            select(Measurement).join(Photo, Photo.id == Measurement.photo_id)
            .where(Photo.patient_id == patient_id).order_by(Measurement.created_at, Measurement.id)
        ))

    def assessments_of(self, patient_id: int) -> list[Assessment]:
        return list(self.session.scalars(
            select(Assessment).options(selectinload(Assessment.reasons))
            .where(Assessment.patient_id == patient_id).order_by(Assessment.created_at, Assessment.id)
        ))

    def symptoms_of(self, patient_id: int) -> list[SymptomReport]:
        return list(self.session.scalars(
            select(SymptomReport).where(SymptomReport.patient_id == patient_id)
            .order_by(SymptomReport.reported_at, SymptomReport.id)
        ))

    def notes_of(self, patient_id: int) -> list[tuple[ClinicianNote, str | None]]:
        return list(self.session.execute(
            select(ClinicianNote, User.display_name)
            .outerjoin(User, User.id == ClinicianNote.author_user_id)
            .where(ClinicianNote.patient_id == patient_id).order_by(ClinicianNote.created_at, ClinicianNote.id)
        ))

    def all_file_keys(self) -> set[str]:
        keys: set[str] = set()
        for image, thumb, overlay in self.session.execute(
            select(Photo.image_key, Photo.thumb_key, Photo.overlay_key)
        ):
            keys.update(k for k in (image, thumb, overlay) if k)
        return keys

    def photos_needing(self, algorithm_version: str, patient_id: int | None = None) -> list[Photo]:
        """Photos without a measurement by ``algorithm_version``."""
        has_current = select(Measurement.id).where(
            Measurement.photo_id == Photo.id, Measurement.algorithm_version == algorithm_version
        ).exists()
        stmt = select(Photo).where(~has_current).order_by(Photo.id)
        if patient_id is not None:
            stmt = stmt.where(Photo.patient_id == patient_id)
        return list(self.session.scalars(stmt))

    # -- the clinician queue (three queries, whatever the number of patients) ---
    def queue_rows(self, clinic_id: int, injected_after: datetime) -> list[QueueRow]:
        """One row per patient of the clinic who has an assessment or an injection after
        ``injected_after``: their top newest-per-site assessment (unacknowledged before
        acknowledged, then most urgent, then newest), how many of those are open, and
        their newest recent injection. One statement, whatever the number of patients."""
        unacknowledged_first = case((Assessment.acknowledged_at.is_(None), 0), else_=1)
        per_patient = {"partition_by": Assessment.patient_id}
        ranked = (
            select(
                Assessment.patient_id, Assessment.id, Assessment.level, Assessment.level_rank,
                func.row_number().over(**per_patient, order_by=(
                    unacknowledged_first, Assessment.level_rank.desc(), Assessment.id.desc())).label("pos"),
                func.max(Assessment.created_at).over(**per_patient).label("assessed_at"),
                func.count(case((Assessment.acknowledged_at.is_(None), 1))).over(**per_patient).label("n_open"),
            )
            .join(Patient, Patient.id == Assessment.patient_id)
            .where(Assessment.is_latest.is_(True), Patient.clinic_id == clinic_id)
        ).subquery()
        top = select(ranked).where(ranked.c.pos == 1).subquery()
        injected = (
            select(Treatment.patient_id, func.max(Treatment.injected_at).label("injected_at"))
            .join(Patient, Patient.id == Treatment.patient_id)
            .where(Patient.clinic_id == clinic_id, Treatment.injected_at >= injected_after)
            .group_by(Treatment.patient_id)
        ).subquery()
        stmt = (
            select(Patient.id, Patient.display_name, Patient.last_checkin_at, top.c.id, top.c.level,
                   top.c.level_rank, top.c.assessed_at, top.c.n_open, injected.c.injected_at)
            .outerjoin(top, top.c.patient_id == Patient.id)
            .outerjoin(injected, injected.c.patient_id == Patient.id)
            .where(Patient.clinic_id == clinic_id, or_(top.c.id.is_not(None), injected.c.patient_id.is_not(None)))
        )
        utc = UTCDateTime()
        return [QueueRow(pid, name, last, aid, level, rank, utc.process_result_value(assessed, self._dialect), n_open or 0,
                         injected_at)
                for pid, name, last, aid, level, rank, assessed, n_open, injected_at in self.session.execute(stmt)]

    @property
    def _dialect(self):  # type: ignore[no-untyped-def]
        return self.session.get_bind().dialect

    def open_latest_assessment_ids(self, patient_ids: Sequence[int]) -> dict[int, list[int]]:
        """Unacknowledged newest-per-site assessment ids of these patients, most urgent first."""
        out: dict[int, list[int]] = defaultdict(list)
        for chunk in _chunks(patient_ids):
            for pid, aid in self.session.execute(
                select(Assessment.patient_id, Assessment.id)
                .where(Assessment.patient_id.in_(chunk), Assessment.is_latest.is_(True),
                       Assessment.acknowledged_at.is_(None))
                .order_by(Assessment.level_rank.desc(), Assessment.id.desc())
            ):
                out[pid].append(aid)
        return out

    def reasons_of(self, assessment_ids: Sequence[int]) -> dict[int, list[v.ReasonView]]:
        by_assessment: dict[int, list[v.ReasonView]] = defaultdict(list)
        for chunk in _chunks(assessment_ids):
            for assessment_id, rule, text, clinician_text, source in self.session.execute(
                select(AssessmentReason.assessment_id, AssessmentReason.rule, AssessmentReason.text,
                       AssessmentReason.clinician_text, AssessmentReason.source)
                .where(AssessmentReason.assessment_id.in_(chunk))
                .order_by(AssessmentReason.assessment_id, AssessmentReason.position)
            ):
                by_assessment[assessment_id].append(v.ReasonView(rule, text, clinician_text, source))
        return by_assessment

    # -- export ----------------------------------------------------------------
    def export_rows(self, *, clinic_id: int | None, patient_id: int | None
                    ) -> list[tuple[Measurement, Photo, Site, Treatment, Patient, str | None]]:
        """Measurements with their photo, site, treatment, patient, and the level of the
        assessment made when the photo arrived."""
        stmt = (
            select(Measurement, Photo, Site, Treatment, Patient, Assessment.level)
            .join(Photo, Photo.id == Measurement.photo_id)
            .outerjoin(Assessment, Assessment.photo_id == Photo.id)
            .join(Site, Site.id == Photo.site_id)
            .join(Treatment, Treatment.id == Site.treatment_id)
            .join(Patient, Patient.id == Photo.patient_id)
            .order_by(Patient.id, Photo.taken_at, Photo.id, Measurement.created_at)
        )
        if clinic_id is not None:
            stmt = stmt.where(Patient.clinic_id == clinic_id)
        if patient_id is not None:
            stmt = stmt.where(Patient.id == patient_id)
        return list(self.session.execute(stmt))


# -- rows to views -----------------------------------------------------------------
def local(when: datetime | None, zone: ZoneInfo) -> datetime | None:
    return when.astimezone(zone) if when is not None else None


def clinic_view(c: Clinic) -> v.ClinicView:
    return v.ClinicView(id=c.id, name=c.name, timezone=c.timezone)


def user_view(u: User) -> v.UserView:
    return v.UserView(id=u.id, clinic_id=u.clinic_id, username=u.username, role=u.role,  # type: ignore[arg-type]
                      display_name=u.display_name)


def patient_view(p: Patient, zone: ZoneInfo) -> v.PatientView:
    return v.PatientView(
        id=p.id, clinic_id=p.clinic_id, display_name=p.display_name, timezone=str(zone.key),
        user_id=p.user_id, last_checkin_at=local(p.last_checkin_at, zone), created_at=local(p.created_at, zone),
    )


def site_view(s: Site) -> v.SiteView:
    return v.SiteView(id=s.id, treatment_id=s.treatment_id, patient_id=s.patient_id, name=s.name)


def treatment_view(t: Treatment, zone: ZoneInfo, sites: Iterable[Site] | None = None) -> v.TreatmentView:
    return v.TreatmentView(
        id=t.id, patient_id=t.patient_id, injected_at=local(t.injected_at, zone), product=t.product,
        units=t.units, areas=tuple(t.areas or ()), notes=t.notes,
        sites=tuple(site_view(s) for s in (t.sites if sites is None else sites)),
    )


def photo_view(p: Photo, zone: ZoneInfo) -> v.PhotoView:
    return v.PhotoView(
        id=p.id, patient_id=p.patient_id, site_id=p.site_id, taken_at=local(p.taken_at, zone),
        taken_at_source=p.taken_at_source, uploaded_at=local(p.uploaded_at, zone), width=p.width,
        height=p.height, original_name=p.original_name, has_overlay=p.overlay_key is not None,
    )


def measurement_view(m: Measurement, zone: ZoneInfo) -> v.MeasurementView:
    measured = PhotoMeasurement.from_dict(m.data).with_time(hours_since_injection=m.hours_since_injection)
    return v.MeasurementView(
        id=m.id, photo_id=m.photo_id, algorithm_version=m.algorithm_version,
        created_at=local(m.created_at, zone), usable=m.usable, area_mm2=m.area_mm2, area_px=m.area_px,
        mean_delta_a=m.mean_delta_a, hours_since_injection=m.hours_since_injection, measurement=measured,
    )


def reason_view(r: AssessmentReason) -> v.ReasonView:
    return v.ReasonView(rule=r.rule, text=r.text, clinician_text=r.clinician_text, source=r.source)


def assessment_view(a: Assessment, zone: ZoneInfo) -> v.AssessmentView:
    return v.AssessmentView(
        id=a.id, patient_id=a.patient_id, site_id=a.site_id, photo_id=a.photo_id,
        created_at=local(a.created_at, zone), level=a.level, fda_grade=a.fda_grade,
        reasons=tuple(reason_view(r) for r in a.reasons), data=dict(a.data),
        acknowledged_at=local(a.acknowledged_at, zone), acknowledged_by_user_id=a.acknowledged_by_user_id,
    )


def symptom_view(s: SymptomReport, zone: ZoneInfo) -> v.SymptomView:
    return v.SymptomView(id=s.id, patient_id=s.patient_id, site_id=s.site_id,
                         reported_at=local(s.reported_at, zone), symptoms=tuple(s.symptoms), note=s.note)


def note_view(n: ClinicianNote, author_name: str | None, zone: ZoneInfo) -> v.NoteView:
    return v.NoteView(id=n.id, patient_id=n.patient_id, assessment_id=n.assessment_id,
                      author_user_id=n.author_user_id, author_name=author_name,
                      created_at=local(n.created_at, zone), text=n.text)


def hours_between(start: datetime | None, end: datetime) -> float | None:
    if start is None:
        return None
    return (end - start) / timedelta(hours=1)
