"""Treatments, their photographed sites, and when the injection was given."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tracker import measurement
from tracker.errors import InvalidArgumentError, NotFoundError
from tracker.service._common import (
    _audit,
    _aware,
    _names,
    _patient_for,
    _refresh_queue,
    _transaction,
    _utcnow,
)
from tracker.service.assessment import _assess_site
from tracker.store import Store
from tracker.store import repository as rows
from tracker.store.models import Site, Treatment
from tracker.store.repository import hours_between
from tracker.store.views import Actor, TreatmentView


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
