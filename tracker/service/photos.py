"""Photos: ingest (decode, measure, store, assess, in one transaction), reading the stored
files, and measuring stored photos again with the current algorithm.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Literal
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.exc import IntegrityError

from tracker import measurement
from tracker.errors import InvalidArgumentError, NotFoundError
from tracker.measurement import PhotoMeasurement
from tracker.service._common import (
    _algorithm_version,
    _audit,
    _aware,
    _patient_for,
    _plain,
    _refresh_queue,
    _require,
    _transaction,
    _utcnow,
)
from tracker.service.accounts import DEFAULT_MARKER_MM, _marker_mm
from tracker.service.assessment import _assess_site
from tracker.store import Store
from tracker.store import repository as rows
from tracker.store.encode import STORED_MAX_SIDE, jpeg_bytes, thumbnail_bytes
from tracker.store.files import StagedFiles
from tracker.store.models import Measurement, Photo, SymptomReport
from tracker.store.repository import Repository, hours_between
from tracker.store.views import SYSTEM, Actor, IngestResult, ReanalysisReport


#: Decoding size of the stored copy for the analysis, which then reduces it to its own working
#: scale (tracker.imaging.pipeline.analyze_working, as analyze_photo does).
ANALYSIS_MAX_SIDE = 2048
#: A camera clock this far ahead of the upload is wrong; the upload time is used instead.
CLOCK_SKEW = timedelta(hours=24)
PhotoKind = Literal["image", "thumbnail", "overlay"]


# The seams to the imaging package: imported on first use; tests replace them here.
def _load_photo(source: Any, *, name: str | None, max_side: int) -> Any:
    from tracker.imaging.load import load_photo

    return load_photo(source, name=name, max_side=max_side)


def _jpeg_steps_comment(steps: tuple[float, float]) -> bytes:
    from tracker.imaging.load import jpeg_steps_comment

    return jpeg_steps_comment(steps)


def _analyze_loaded(photo: Any, *, marker_mm: float) -> Any:
    from tracker.imaging.pipeline import analyze_working  # the working scale of analyze_photo

    return analyze_working(photo, marker_mm=marker_mm)


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
    # the copy records what the upload's compression did to its colours (its JPEG steps), for
    # this analysis and every reanalysis of the copy
    steps = getattr(full, "jpeg_steps", (0.0, 0.0))
    image = jpeg_bytes(np.ascontiguousarray(full.rgb),
                       comment=_jpeg_steps_comment(steps) if any(steps) else None)
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
    chosen = next((m for m in measurements if m.algorithm_version == _algorithm_version()), measurements[-1])
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
        photos = repo.photos_needing(_algorithm_version(), patient_id)
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
            existing = {p.id for p in repo.photos_needing(_algorithm_version(), patient.id)}
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
            _audit(repo, actor, "reanalyze", "site", site.id, patient.id, detail=_algorithm_version())
    return ReanalysisReport(algorithm_version=_algorithm_version(), photos_seen=seen, measured=measured,
                            already_current=seen - len(pending), failed=tuple(failed))
