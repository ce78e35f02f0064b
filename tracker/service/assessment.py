"""Assessing a site's whole photo series (or a patient's symptoms alone) with the triage
rules, and storing the result as the site's newest assessment.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tracker.measurement import PhotoMeasurement
from tracker.service._common import _algorithm_version, _field, _naive_local, _plain
from tracker.store.models import (
    LEVEL_RANK,
    Assessment,
    AssessmentReason,
    Measurement,
    Patient,
    Photo,
    Site,
    Treatment,
)
from tracker.store.repository import Repository


#: Symptom reports this recent count towards an assessment.
SYMPTOM_WINDOW = timedelta(hours=24)


# The seam to the triage package: imported on first use; tests replace it here.
def _assess(measurements: Sequence[PhotoMeasurement], *, injected_at: datetime | None,
            symptoms: Sequence[str], now: datetime) -> Any:
    from tracker.triage import assess

    return assess(measurements, injected_at=injected_at, symptoms=tuple(symptoms), now=now)


def _for_triage(m: Measurement, photo: Photo, zone: ZoneInfo) -> PhotoMeasurement:
    return PhotoMeasurement.from_dict(m.data).with_time(
        hours_since_injection=m.hours_since_injection, taken_at=_naive_local(photo.taken_at, zone),
        taken_at_source=photo.taken_at_source,
    )


def _assess_site(repo: Repository, patient: Patient, site: Site | None, treatment: Treatment | None,
                 zone: ZoneInfo, now: datetime, *, photo_id: int | None) -> Assessment:
    """Assess the site's whole series (or, with no site, the patient's symptoms alone)
    and store the result as the site's newest assessment."""
    series = repo.site_series(site.id, _algorithm_version()) if site is not None else []
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
        algorithm_version=_algorithm_version(), is_latest=True, data=_plain(data),
        reasons=[
            AssessmentReason(position=i, rule=str(_field(r, "rule")), text=str(_field(r, "text") or ""),
                             clinician_text=_field(r, "clinician_text"), source=_field(r, "source"))
            for i, r in enumerate(_field(result, "reasons") or ())
        ],
    )
    repo.add(assessment)
    return assessment
