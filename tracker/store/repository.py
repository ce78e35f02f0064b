"""The repository: every query the use cases need, and the rows-to-views mapping.

One :class:`Repository` wraps one session (one transaction). Queries that serve a list
(the queue, a timeline) are a fixed handful of indexed statements, never one per
patient or per photo.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from tracker.measurement import PhotoMeasurement
from tracker.store import views as v
from tracker.store.models import (
    Assessment,
    AssessmentReason,
    AuditEvent,
    Clinic,
    ClinicianNote,
    Invite,
    Measurement,
    Patient,
    PatientQueue,
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

    def marker_sizes(self, patient_ids: Iterable[int]) -> dict[int, float | None]:
        """Each patient's measured card size (``None`` when not given)."""
        out: dict[int, float | None] = {}
        for chunk in _chunks(sorted(set(patient_ids))):
            out.update(self.session.execute(
                select(Patient.id, Patient.marker_mm).where(Patient.id.in_(chunk))).all())
        return out

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

    # -- the clinician queue ------------------------------------------------------
    def queue_page(self, clinic_id: int, *, period_start: datetime, cutoff: datetime,
                   limit: int | None) -> list[QueueRow]:
        """Queue rows in queue order, leaving out the patients
        who missed a check-in (:meth:`missed_checkins`, whose order depends on ``now``).
        One scan of ``ix_patient_queue_clinic_id_priority_sort_at``, stopped at ``limit``."""
        q = PatientQueue
        stmt = (
            select(*_QUEUE_COLUMNS).join(Patient, Patient.id == q.patient_id)
            .where(q.clinic_id == clinic_id,
                   or_(q.assessment_id.is_not(None), q.injected_at >= period_start),
                   ~_missed(period_start, cutoff))
            .order_by(q.priority.desc(), q.sort_at.desc(), q.patient_id.desc())
        )
        if limit:
            stmt = stmt.limit(limit)
        return self._queue_rows(stmt)

    def missed_checkins(self, clinic_id: int, *, period_start: datetime, cutoff: datetime) -> list[QueueRow]:
        """Queue rows (as :meth:`queue_page`) of the patients injected between ``period_start``
        and ``cutoff`` with no check-in since ``cutoff`` (by ``ix_patient_queue_clinic_id_injected_at``)."""
        q = PatientQueue
        return self._queue_rows(
            select(*_QUEUE_COLUMNS).join(Patient, Patient.id == q.patient_id)
            .where(q.clinic_id == clinic_id, _missed(period_start, cutoff))
        )

    def _queue_rows(self, stmt: Select[Any]) -> list[QueueRow]:
        # Plain columns, run on the session's connection: the ORM's per-row work is not needed.
        return [QueueRow(*row) for row in self.session.connection().execute(stmt)]

    def refresh_queue(self, patient_ids: Iterable[int], algorithm_version: str) -> None:
        """Rewrite these patients' queue rows from their records (call it in the transaction
        that changed them). A fixed handful of statements per 500 patients.

        The patients' rows are locked first (PostgreSQL), so two transactions refreshing
        the same patient take turns and the second one reads what the first committed.
        Every use case locks sites before the patient, never the other way round."""
        self.session.flush()
        for chunk in _chunks(sorted(set(patient_ids))):
            self.session.execute(select(Patient.id).where(Patient.id.in_(chunk)).with_for_update())
            self.session.execute(delete(PatientQueue).where(PatientQueue.patient_id.in_(chunk)))
            rows = _QueueBuilder(self.session, chunk, algorithm_version).rows()
            if rows:
                self.session.execute(insert(PatientQueue), rows)

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


class QueueRow(NamedTuple):
    """One patient's ``patient_queue`` row and name, as a plain tuple (the queue reads
    thousands of them: no ORM objects, no per-column lookups by name)."""

    patient_id: int
    patient_name: str
    priority: int
    sort_at: datetime
    assessment_id: int | None
    level: str | None
    level_rank: int | None
    assessed_at: datetime | None
    open_assessment_ids: list[int] | None
    reasons: list[dict[str, Any]] | None
    last_checkin_at: datetime | None
    injected_at: datetime | None
    photo_id: int | None
    photo_hours_since_injection: float | None
    photo_usable: bool | None
    area_mm2: float | None
    area_px: int | None
    mean_delta_a: float | None
    trend_direction: str | None
    trend_pct: float | None


_QUEUE_COLUMNS = tuple(Patient.display_name if name == "patient_name" else PatientQueue.__table__.c[name]
                       for name in QueueRow._fields)


def queue_priority(waiting: bool, level_rank: int | None) -> int:
    """The queue's first sort key, higher first: patients waiting for a clinician (an open
    flag, or a missed check-in) before the others, then by level (never assessed: lowest)."""
    return (10 if waiting else 0) + (-1 if level_rank is None else level_rank) + 1


def _missed(period_start: datetime, cutoff: datetime):  # type: ignore[no-untyped-def]
    """Injected inside the check-in period, at least a day ago, and no check-in for a day."""
    q = PatientQueue
    return and_(q.injected_at >= period_start, q.injected_at <= cutoff,
                or_(q.last_checkin_at.is_(None), q.last_checkin_at <= cutoff))


class _QueueBuilder:
    """The queue rows of a few hundred patients, computed from their records."""

    def __init__(self, session: Session, patient_ids: Sequence[int], algorithm_version: str) -> None:
        self.session, self.ids, self.version = session, patient_ids, algorithm_version

    def rows(self) -> list[dict[str, Any]]:
        latest = defaultdict(list)
        for a in self.session.execute(
            select(Assessment.patient_id, Assessment.id, Assessment.site_id, Assessment.level,
                   Assessment.level_rank, Assessment.created_at, Assessment.acknowledged_at, Assessment.data)
            .where(Assessment.patient_id.in_(self.ids), Assessment.is_latest.is_(True))
        ):
            latest[a.patient_id].append(a)
        injected = dict(self.session.execute(
            select(Treatment.patient_id, func.max(Treatment.injected_at))
            .where(Treatment.patient_id.in_(self.ids)).group_by(Treatment.patient_id)
        ).all())
        photos = self._latest_photos()
        tops = {pid: min(found, key=lambda a: (a.acknowledged_at is not None, -a.level_rank, -a.id))
                for pid, found in latest.items()}
        reasons = self._reasons([a.id for a in tops.values()])
        out = []
        for p in self.session.execute(
            select(Patient.id, Patient.clinic_id, Patient.last_checkin_at, Patient.created_at)
            .where(Patient.id.in_(self.ids))
        ):
            top, when = tops.get(p.id), _utc(injected.get(p.id))
            if top is None and when is None:
                continue
            found = latest.get(p.id, [])
            open_ = sorted((a for a in found if a.acknowledged_at is None), key=lambda a: (-a.level_rank, -a.id))
            assessed_at = max((a.created_at for a in found), default=None)
            photo = photos.get(p.id)
            trend = next((a.data.get("trend") or {} for a in found if photo and a.site_id == photo["site_id"]), {})
            out.append({
                "patient_id": p.id, "clinic_id": p.clinic_id,
                "priority": queue_priority(bool(open_), top.level_rank if top else None),
                "sort_at": max((t for t in (assessed_at, p.last_checkin_at) if t is not None), default=p.created_at),
                "assessment_id": top.id if top else None, "level": top.level if top else None,
                "level_rank": top.level_rank if top else None, "assessed_at": assessed_at,
                "open_assessment_ids": [a.id for a in open_] or None, "reasons": reasons.get(top.id) if top else None,
                "last_checkin_at": p.last_checkin_at, "injected_at": when,
                "photo_id": photo["photo_id"] if photo else None,
                "photo_hours_since_injection": photo["hours_since_injection"] if photo else None,
                "photo_usable": photo["usable"] if photo else None,
                "area_mm2": photo["area_mm2"] if photo else None, "area_px": photo["area_px"] if photo else None,
                "mean_delta_a": photo["mean_delta_a"] if photo else None,
                "trend_direction": trend.get("direction"), "trend_pct": trend.get("area_change_per_day_pct"),
            })
        return out

    def _latest_photos(self) -> dict[int, dict[str, Any]]:
        """Each patient's newest photo (by capture time) with the figures of its measurement
        by ``algorithm_version``, else its newest one."""
        pos = func.row_number().over(partition_by=Photo.patient_id,
                                     order_by=(Photo.taken_at.desc(), Photo.id.desc())).label("pos")
        ranked = select(Photo.id, Photo.patient_id, Photo.site_id, pos).where(
            Photo.patient_id.in_(self.ids)).subquery()
        newest = select(ranked.c.id, ranked.c.patient_id, ranked.c.site_id).where(ranked.c.pos == 1).subquery()
        out: dict[int, dict[str, Any]] = {}
        for photo_id, patient_id, site_id, m in self.session.execute(
            select(newest.c.id, newest.c.patient_id, newest.c.site_id, Measurement)
            .join(Measurement, Measurement.photo_id == newest.c.id)
            .order_by(Measurement.created_at, Measurement.id)
        ):
            current = out.get(patient_id)
            if current is None or current["algorithm_version"] != self.version:
                out[patient_id] = {
                    "photo_id": photo_id, "site_id": site_id, "algorithm_version": m.algorithm_version,
                    "hours_since_injection": m.hours_since_injection, "usable": m.usable,
                    "area_mm2": m.area_mm2, "area_px": m.area_px, "mean_delta_a": m.mean_delta_a,
                }
        return out

    def _reasons(self, assessment_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in self.session.execute(
            select(AssessmentReason.assessment_id, AssessmentReason.rule, AssessmentReason.text,
                   AssessmentReason.clinician_text, AssessmentReason.source)
            .where(AssessmentReason.assessment_id.in_(assessment_ids))
            .order_by(AssessmentReason.assessment_id, AssessmentReason.position)
        ):
            out[r.assessment_id].append({"rule": r.rule, "text": r.text, "clinician_text": r.clinician_text,
                                         "source": r.source})
        return out


def _utc(when: datetime | None) -> datetime | None:
    """An aggregate's datetime (SQLite returns it as naive UTC, or even as text) made aware."""
    if when is None or isinstance(when, datetime) and when.tzinfo is not None:
        return when
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return when.replace(tzinfo=timezone.utc)


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
        marker_mm=p.marker_mm,
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


def queue_entry_view(r: QueueRow, *, missed_checkin: bool, zone: ZoneInfo) -> v.QueueEntry:
    figures = None if r.photo_id is None else v.QueueFigures(
        photo_id=r.photo_id, hours_since_injection=r.photo_hours_since_injection, usable=bool(r.photo_usable),
        area_mm2=r.area_mm2, area_px=r.area_px or 0, mean_delta_a=r.mean_delta_a or 0.0,
        trend_direction=r.trend_direction, trend_pct=r.trend_pct)
    return v.QueueEntry(
        patient_id=r.patient_id, patient_name=r.patient_name, level=r.level,
        acknowledged=r.assessment_id is not None and not r.open_assessment_ids,
        open_assessment_ids=tuple(r.open_assessment_ids or ()), assessed_at=local(r.assessed_at, zone),
        reasons=tuple(v.ReasonView(**reason) for reason in r.reasons or ()), missed_checkin=missed_checkin,
        last_checkin_at=local(r.last_checkin_at, zone), injected_at=local(r.injected_at, zone), latest=figures,
    )


def hours_between(start: datetime | None, end: datetime) -> float | None:
    if start is None:
        return None
    return (end - start) / timedelta(hours=1)
