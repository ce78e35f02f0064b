"""The use cases, on SQLite and on real PostgreSQL (see tests/store/fixtures.py)."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.store.fixtures import (  # noqa: F401  (fixtures)
    cheap_password_hashing,
    database_url,
    fake_analyze_loaded,
    fake_assess,
    fake_pipeline,
    photo_bytes,
    store,
)
import tracker.measurement
from tracker import service
from tracker.service import photos
from tracker.errors import AccessDeniedError, AuthenticationError, InvalidArgumentError
from tracker.store import Store
from tracker.store.models import Assessment, AuditEvent, Measurement, Photo, SymptomReport, User

UTC = timezone.utc
#: Clinic clock: Paris is UTC+1 in November.
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
INJECTED_LOCAL = datetime(2026, 11, 2, 10, 0)  # naive: read in the clinic's zone


def count(store: Store, model: type, *where) -> int:
    with store.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def files_on_disk(store: Store) -> list[str]:
    return sorted(k for k, _ in store.files.all_keys())


@pytest.fixture
def world(store: Store, fake_pipeline) -> SimpleNamespace:
    """Two clinics; clinic A has a clinician and two patients with logins, one treated."""
    sys = service.SYSTEM
    a = service.register_clinic(store, sys, name="Clinic A", timezone_name="Europe/Paris")
    b = service.register_clinic(store, sys, name="Clinic B", timezone_name="Europe/Paris")
    service.register_clinician(store, sys, clinic_id=a.id, username="dr.a", password="clinician-a-pw",
                               display_name="Dr A")
    service.register_clinician(store, sys, clinic_id=b.id, username="dr.b", password="clinician-b-pw",
                               display_name="Dr B")
    dr_a = service.authenticate(store, "dr.a", "clinician-a-pw")
    dr_b = service.authenticate(store, "dr.b", "clinician-b-pw")
    p1 = service.register_patient(store, dr_a, display_name="Ada", username="ada", password="ada-password")
    p2 = service.register_patient(store, dr_a, display_name="Bea", username="bea", password="bea-password")
    ada = service.authenticate(store, "ada", "ada-password")
    bea = service.authenticate(store, "bea", "bea-password")
    treatment = service.record_treatment(store, dr_a, patient_id=p1.id, product="Botox", units=20,
                                         areas=["glabella"], injected_at=INJECTED_LOCAL, now=NOW)
    return SimpleNamespace(clinic_a=a, clinic_b=b, dr_a=dr_a, dr_b=dr_b, p1=p1, p2=p2, ada=ada, bea=bea,
                           treatment=treatment, site=treatment.sites[0])


def local(*args: int) -> datetime:
    return datetime(*args)


def analyze_v2(photo, *, marker_mm=20.0):
    """The fake analysis, as if the algorithm were version 2.0.0."""
    analysis = fake_analyze_loaded(photo, marker_mm=marker_mm)
    return replace(analysis, measurement=replace(analysis.measurement, algorithm_version="2.0.0"))


# -- accounts --------------------------------------------------------------------------
def test_passwords_are_stored_as_argon2_hashes_never_as_plain_text(store, world):
    with store.transaction() as session:
        hashes = dict(session.execute(select(User.username, User.password_hash)).all())
    assert set(hashes) == {"dr.a", "dr.b", "ada", "bea"}
    assert all(h.startswith("$argon2id$") for h in hashes.values())
    assert "ada-password" not in hashes["ada"] and "clinician-a-pw" not in hashes["dr.a"]


def test_signing_in_returns_the_patient_actor_with_their_own_patient_record(store, world):
    assert world.ada.role == "patient"
    assert world.ada.patient_id == world.p1.id
    assert world.ada.clinic_id == world.clinic_a.id
    assert world.dr_a.role == "clinician" and world.dr_a.patient_id is None


def test_five_wrong_passwords_lock_the_account_and_say_when_to_retry(store, world):
    for _ in range(service.MAX_FAILED_LOGINS - 1):
        with pytest.raises(AuthenticationError, match="Wrong username or password"):
            service.authenticate(store, "ada", "wrong", now=NOW)
    with pytest.raises(AuthenticationError, match=r"locked\. Try again after 12:15 UTC \(in about 15 minutes\)"):
        service.authenticate(store, "ada", "wrong", now=NOW)
    # the right password does not help while locked
    with pytest.raises(AuthenticationError, match="locked"):
        service.authenticate(store, "ada", "ada-password", now=NOW + timedelta(minutes=10))
    actor = service.authenticate(store, "ada", "ada-password", now=NOW + timedelta(minutes=16))
    assert actor.patient_id == world.p1.id
    assert count(store, AuditEvent, AuditEvent.action == "authenticate", AuditEvent.allowed.is_(False)) == 6


def test_an_unknown_username_gets_the_same_message_as_a_wrong_password(store, world):
    with pytest.raises(AuthenticationError, match="^Wrong username or password.$"):
        service.authenticate(store, "nobody", "whatever")


def test_an_invite_code_signs_a_patient_up_exactly_once(store, world):
    invite = service.create_invite(store, world.dr_a, now=NOW)
    actor = service.redeem_invite(store, invite.code.lower().replace("-", " "), username="cleo",
                                  password="cleo-password", display_name="Cleo", now=NOW)
    assert actor.role == "patient" and actor.clinic_id == world.clinic_a.id
    assert [p.display_name for p in service.list_patients(store, world.dr_a)] == ["Ada", "Bea", "Cleo"]
    with pytest.raises(AuthenticationError, match="not valid"):
        service.redeem_invite(store, invite.code, username="cleo2", password="cleo-password",
                              display_name="Cleo again", now=NOW)


def test_an_expired_invite_is_refused(store, world):
    invite = service.create_invite(store, world.dr_a, now=NOW, valid_for=timedelta(days=1))
    with pytest.raises(AuthenticationError, match="expired"):
        service.redeem_invite(store, invite.code, username="late", password="late-password",
                              display_name="Late", now=NOW + timedelta(days=2))


# -- ingest ----------------------------------------------------------------------------
def test_ingest_stores_the_photo_its_measurement_and_the_assessment(store, world):
    data = photo_bytes(1, taken_at=local(2026, 11, 3, 12, 0))
    result = service.ingest_photo(store, world.ada, site_id=world.site.id, source=data, name="day1.jpg", now=NOW)
    assert not result.duplicate
    assert result.photo.taken_at_source == "exif"
    assert result.photo.taken_at == datetime(2026, 11, 3, 11, 0, tzinfo=UTC)
    assert result.measurement.hours_since_injection == pytest.approx(26.0)
    assert (result.measurement.area_px, result.measurement.area_mm2) == (256, pytest.approx(2.56))
    assert result.measurement.mean_delta_a == pytest.approx(9.5)
    assert result.measurement.algorithm_version == tracker.measurement.ALGORITHM_VERSION
    assert result.measurement.measurement.redness.area_px == 256
    assert result.assessment.level == "expected" and result.assessment.data["n_photos"] == 1
    assert len(files_on_disk(store)) == 3  # image, thumbnail, overlay


def test_the_stored_photo_is_upright_and_keeps_no_exif_gps_or_camera_details(store, world):
    data = photo_bytes(1, taken_at=local(2026, 11, 3, 12, 0), orientation=6)
    result = service.ingest_photo(store, world.ada, site_id=world.site.id, source=data, now=NOW)
    for kind in ("image", "thumbnail", "overlay"):
        stored = service.read_photo(store, world.ada, result.photo.id, kind=kind)
        image = Image.open(io.BytesIO(stored))
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert b"SecretCam" not in stored and b"Exif" not in stored
    image = Image.open(io.BytesIO(service.read_photo(store, world.ada, result.photo.id)))
    assert image.size == (96, 128)  # orientation 6 applied: portrait
    assert (result.photo.width, result.photo.height) == (96, 128)


def test_the_stored_copy_records_how_coarsely_the_upload_was_compressed(store, world, monkeypatch):
    # The copy is re-encoded at quality 92, but its pixels keep the upload's coarser JPEG steps;
    # the analysis of the copy, and every reanalysis, must know them (tracker.imaging.load).
    from tracker.imaging.load import load_photo

    monkeypatch.setattr(photos, "_load_photo", lambda source, *, name, max_side: load_photo(
        source, name=name, max_side=max_side))
    buf = io.BytesIO()
    Image.open(io.BytesIO(photo_bytes(1))).save(buf, "JPEG", quality=60)
    result = service.ingest_photo(store, world.ada, site_id=world.site.id, source=buf.getvalue(), now=NOW)
    stored = service.read_photo(store, world.ada, result.photo.id)
    assert load_photo(stored).jpeg_steps == load_photo(buf.getvalue()).jpeg_steps > (0.5, 0.5)


def test_without_a_capture_time_in_the_file_the_upload_time_is_used_and_recorded(store, world):
    data = photo_bytes(1, taken_at=None)
    result = service.ingest_photo(store, world.ada, site_id=world.site.id, source=data, now=NOW)
    assert result.photo.taken_at_source == "upload"
    assert result.photo.taken_at == NOW
    assert result.measurement.hours_since_injection == pytest.approx(75.0)


def test_a_failure_after_the_photo_files_are_written_leaves_no_rows_and_no_files(store, world, monkeypatch):
    written: list[str] = []
    original_write = type(store.files).write

    def spy(self, key, data):
        original_write(self, key, data)
        written.append(key)

    def exploding_assess(*args, **kwargs):
        assert len(written) == 3 and all(store.files.path(k).exists() for k in written)
        raise RuntimeError("power cut")

    monkeypatch.setattr(type(store.files), "write", spy)
    monkeypatch.setattr("tracker.service.assessment._assess", exploding_assess)
    with pytest.raises(RuntimeError, match="power cut"):
        service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(1), now=NOW)
    assert len(written) == 3
    assert (count(store, Photo), count(store, Measurement), count(store, Assessment)) == (0, 0, 0)
    assert files_on_disk(store) == []


def test_a_failure_at_the_very_end_of_the_transaction_also_leaves_nothing(store, world, monkeypatch):
    real_audit = photos._audit

    def failing_audit(repo, actor, action, *args, **kwargs):
        if action == "ingest_photo":
            raise OSError("disk full")
        return real_audit(repo, actor, action, *args, **kwargs)

    monkeypatch.setattr(photos, "_audit", failing_audit)  # where ingest_photo looks it up
    with pytest.raises(OSError, match="disk full"):
        service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(1),
                             symptoms=["itch"], now=NOW)
    assert (count(store, Photo), count(store, SymptomReport), count(store, Assessment)) == (0, 0, 0)
    assert files_on_disk(store) == []


def test_uploading_the_same_photo_twice_keeps_one_record(store, world):
    data = photo_bytes(1, taken_at=local(2026, 11, 3, 12, 0))
    first = service.ingest_photo(store, world.ada, site_id=world.site.id, source=data, now=NOW)
    again = service.ingest_photo(store, world.ada, site_id=world.site.id, source=io.BytesIO(data),
                                 now=NOW + timedelta(hours=1))
    assert again.duplicate and not first.duplicate
    assert again.photo.id == first.photo.id and again.measurement.id == first.measurement.id
    assert again.assessment.id == first.assessment.id
    assert (count(store, Photo), count(store, Measurement), count(store, Assessment)) == (1, 1, 1)
    assert len(files_on_disk(store)) == 3


def test_two_threads_ingesting_different_photos_at_the_same_moment_both_store(store, world, monkeypatch):
    barrier = threading.Barrier(2)

    def analyze_together(photo, *, marker_mm=20.0):
        barrier.wait(timeout=10)  # both analyses finish together, so both writes race
        return fake_analyze_loaded(photo, marker_mm=marker_mm)

    monkeypatch.setattr("tracker.service.photos._analyze_loaded", analyze_together)
    photos = [photo_bytes(1, taken_at=local(2026, 11, 3, 12, 0)), photo_bytes(3, taken_at=local(2026, 11, 4, 12, 0))]
    results, errors = [], []

    def upload(data: bytes) -> None:
        try:
            results.append(service.ingest_photo(store, world.ada, site_id=world.site.id, source=data, now=NOW))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(d,)) for d in photos]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(r.measurement.area_px for r in results) == [256, 768]
    assert (count(store, Photo), count(store, Measurement)) == (2, 2)
    assert len(files_on_disk(store)) == 6
    # the site's newest assessment saw the whole series: the second writer waited for the first
    current = service.timeline(store, world.dr_a, world.p1.id).current
    assert len(current) == 1 and current[0].data["n_photos"] == 2 and current[0].level == "contact"


# -- authorization ---------------------------------------------------------------------
def test_a_patient_asking_for_another_patients_timeline_is_denied_and_audited(store, world):
    with pytest.raises(AccessDeniedError, match="may not"):
        service.timeline(store, world.bea, world.p1.id)
    with store.transaction() as session:
        denied = session.scalars(select(AuditEvent).where(AuditEvent.allowed.is_(False))).all()
    assert [(e.actor_user_id, e.action, e.target_type, e.target_id, e.patient_id) for e in denied] == [
        (world.bea.user_id, "view_timeline", "patient", world.p1.id, world.p1.id)]


def test_a_clinician_of_another_clinic_is_denied_everything_about_a_patient(store, world):
    result = service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(1), now=NOW)
    attempts = [
        lambda: service.timeline(store, world.dr_b, world.p1.id),
        lambda: service.read_photo(store, world.dr_b, result.photo.id, kind="thumbnail"),
        lambda: service.acknowledge_flag(store, world.dr_b, result.assessment.id),
        lambda: service.add_note(store, world.dr_b, patient_id=world.p1.id, text="hello"),
        lambda: service.export_rows(store, world.dr_b, patient_id=world.p1.id),
        lambda: service.clinician_queue(store, world.dr_b, clinic_id=world.clinic_a.id),
    ]
    for attempt in attempts:
        with pytest.raises(AccessDeniedError):
            attempt()
    assert count(store, AuditEvent, AuditEvent.allowed.is_(False), AuditEvent.actor_user_id == world.dr_b.user_id) == 6
    assert service.clinician_queue(store, world.dr_b) == ()


def test_a_patient_may_not_upload_to_another_patients_site_or_see_the_queue(store, world):
    with pytest.raises(AccessDeniedError):
        service.ingest_photo(store, world.bea, site_id=world.site.id, source=photo_bytes(1), now=NOW)
    with pytest.raises(AccessDeniedError):
        service.clinician_queue(store, world.ada)
    assert count(store, Photo) == 0 and files_on_disk(store) == []


def test_a_forged_actor_for_a_deleted_or_different_login_is_denied(store, world):
    forged = replace(world.ada, patient_id=world.p2.id)
    with pytest.raises(AccessDeniedError, match="no longer valid"):
        service.timeline(store, forged, world.p2.id)


# -- timeline, symptoms, injection time ------------------------------------------------
def test_the_timeline_is_ordered_by_hours_since_injection_whatever_the_upload_order(store, world):
    for day, blocks in ((3, 3), (1, 1), (2, 2)):
        service.ingest_photo(store, world.ada, site_id=world.site.id, now=NOW,
                             source=photo_bytes(blocks, taken_at=local(2026, 11, 2 + day, 10, 0)))
    tl = service.timeline(store, world.ada, world.p1.id)
    assert [e.hours_since_injection for e in tl.entries] == [24.0, 48.0, 72.0]
    assert [e.measurement.area_px for e in tl.entries] == [256, 512, 768]
    assert [e.site_name for e in tl.entries] == ["glabella"] * 3
    assert tl.treatments[0].injected_at == datetime(2026, 11, 2, 10, 0, tzinfo=tl.treatments[0].injected_at.tzinfo)
    assert tl.current[0].level == "contact" and tl.notes == ()


def test_an_emergency_symptom_makes_the_patient_urgent_at_once(store, world):
    service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(1), now=NOW)
    result = service.record_symptoms(store, world.ada, patient_id=world.p1.id,
                                     symptoms=["breathing_difficulty"], now=NOW + timedelta(hours=1))
    assert [a.level for a in result.assessments] == ["urgent"]
    assert result.assessments[0].reasons[0].rule == "emergency-symptom"
    queue = service.clinician_queue(store, world.dr_a, now=NOW + timedelta(hours=1))
    assert (queue[0].patient_id, queue[0].level) == (world.p1.id, "urgent")


def test_correcting_the_injection_time_recomputes_hours_and_keeps_the_old_assessment(store, world):
    service.ingest_photo(store, world.ada, site_id=world.site.id, now=NOW,
                         source=photo_bytes(1, taken_at=local(2026, 11, 3, 10, 0)))
    service.set_injection_time(store, world.ada, treatment_id=world.treatment.id,
                               injected_at=local(2026, 11, 3, 8, 0), now=NOW)
    tl = service.timeline(store, world.ada, world.p1.id)
    assert tl.entries[0].hours_since_injection == pytest.approx(2.0)
    assert tl.current[0].data["hours"] == [pytest.approx(2.0)]
    assert count(store, Assessment) == 2 and count(store, Assessment, Assessment.is_latest.is_(True)) == 1


def test_an_injection_time_in_the_future_is_refused(store, world):
    with pytest.raises(InvalidArgumentError, match="in the future"):
        service.set_injection_time(store, world.ada, treatment_id=world.treatment.id,
                                   injected_at=NOW + timedelta(days=2), now=NOW)


# -- the clinician's side --------------------------------------------------------------
def test_the_queue_puts_unacknowledged_urgent_first_then_the_most_recent(store, world):
    t2 = service.record_treatment(store, world.dr_a, patient_id=world.p2.id, product="Botox",
                                  injected_at=INJECTED_LOCAL, now=NOW)
    p3 = service.register_patient(store, world.dr_a, display_name="Cal")
    t3 = service.record_treatment(store, world.dr_a, patient_id=p3.id, product="Botox",
                                  injected_at=INJECTED_LOCAL, now=NOW)
    service.ingest_photo(store, world.dr_a, site_id=world.site.id, source=photo_bytes(1, seed=1),
                         now=NOW - timedelta(hours=3))
    service.ingest_photo(store, world.dr_a, site_id=t2.sites[0].id, source=photo_bytes(1, seed=2),
                         now=NOW - timedelta(hours=2), symptoms=["breathing_difficulty"])
    service.ingest_photo(store, world.dr_a, site_id=t3.sites[0].id, source=photo_bytes(1, seed=3),
                         now=NOW - timedelta(hours=1))
    queue = service.clinician_queue(store, world.dr_a, now=NOW)
    assert [(e.patient_name, e.level, e.acknowledged, e.missed_checkin) for e in queue] == [
        ("Bea", "urgent", False, False), ("Cal", "expected", False, False), ("Ada", "expected", False, False)]
    service.acknowledge_flag(store, world.dr_a, queue[0].open_assessment_ids[0], now=NOW)
    after = service.clinician_queue(store, world.dr_a, now=NOW)
    assert [(e.patient_name, e.acknowledged) for e in after] == [("Cal", False), ("Ada", False), ("Bea", True)]
    assert after[2].reasons[0].source == "G11"


def test_the_queue_includes_a_patient_in_the_first_14_days_who_missed_a_daily_check_in(store, world):
    service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(1),
                         now=NOW - timedelta(hours=30))
    queue = service.clinician_queue(store, world.dr_a, now=NOW)
    assert [(e.patient_name, e.missed_checkin) for e in queue] == [("Ada", True)]
    service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(5), now=NOW)
    assert [e.missed_checkin for e in service.clinician_queue(store, world.dr_a, now=NOW)] == [False]
    # after the 14 days nobody is chased
    late = NOW + timedelta(days=20)
    assert [e.missed_checkin for e in service.clinician_queue(store, world.dr_a, now=late)] == [False]


def test_clinician_notes_are_shown_to_clinicians_and_never_to_the_patient(store, world):
    note = service.add_note(store, world.dr_a, patient_id=world.p1.id, text="Called; all fine.", now=NOW)
    assert note.author_name == "Dr A"
    assert [n.text for n in service.timeline(store, world.dr_a, world.p1.id).notes] == ["Called; all fine."]
    assert service.timeline(store, world.ada, world.p1.id).notes == ()
    with pytest.raises(AccessDeniedError):
        service.add_note(store, world.ada, patient_id=world.p1.id, text="I am a clinician now")


def test_export_gives_one_row_per_measurement_with_its_figures(store, world):
    service.ingest_photo(store, world.ada, site_id=world.site.id, now=NOW,
                         source=photo_bytes(1, taken_at=local(2026, 11, 3, 10, 0)))
    service.ingest_photo(store, world.ada, site_id=world.site.id, now=NOW,
                         source=photo_bytes(4, taken_at=local(2026, 11, 4, 10, 0)))
    out = service.export_rows(store, world.dr_a)
    assert [(r.patient_name, r.site, r.hours_since_injection, r.area_px, r.area_mm2, r.level) for r in out] == [
        ("Ada", "glabella", 24.0, 256, 2.56, "expected"), ("Ada", "glabella", 48.0, 1024, 10.24, "contact")]
    assert service.export_rows(store, world.ada) == out


def test_reanalysis_adds_the_new_algorithm_version_beside_the_old(store, world, monkeypatch):
    first = service.ingest_photo(store, world.ada, site_id=world.site.id, now=NOW,
                                 source=photo_bytes(1, taken_at=local(2026, 11, 3, 10, 0)))
    current = tracker.measurement.ALGORITHM_VERSION

    monkeypatch.setattr("tracker.measurement.ALGORITHM_VERSION", "2.0.0")
    monkeypatch.setattr("tracker.service.photos._analyze_loaded", analyze_v2)
    report = service.reanalyze(store, service.SYSTEM, now=NOW)
    assert (report.photos_seen, report.measured, report.already_current, report.failed) == (1, 1, 0, ())
    entry = service.timeline(store, world.dr_a, world.p1.id).entries[0]
    assert [m.algorithm_version for m in entry.measurements] == [current, "2.0.0"]
    assert entry.measurement.algorithm_version == "2.0.0"
    assert entry.measurements[0].id == first.measurement.id
    assert entry.measurement.area_px == 256 and entry.measurement.hours_since_injection == pytest.approx(24.0)
    again = service.reanalyze(store, service.SYSTEM, now=NOW)
    assert (again.measured, again.already_current) == (0, 1)
    with pytest.raises(AccessDeniedError):
        service.reanalyze(store, world.dr_a)


# -- the real imaging and triage, end to end ---------------------------------------------
def test_the_real_pipeline_ingests_a_photo_end_to_end(store, monkeypatch):
    pytest.importorskip("tracker.imaging.pipeline")
    pytest.importorskip("tracker.triage")
    import numpy as np

    sys = service.SYSTEM
    clinic = service.register_clinic(store, sys, name="Real", timezone_name="UTC")
    patient = service.register_patient(store, sys, clinic_id=clinic.id, display_name="Dee")
    treatment = service.record_treatment(store, sys, patient_id=patient.id, product="Botox",
                                         injected_at=datetime(2026, 11, 2, 9, 0), now=NOW)
    yy, xx = np.mgrid[0:600, 0:800]
    rgb = np.empty((600, 800, 3), np.uint8)
    rgb[...] = (224, 172, 150)  # skin
    disk = (yy - 300) ** 2 + (xx - 400) ** 2 < 60 ** 2
    rgb[disk] = (214, 120, 110)  # a redder patch
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=95)
    result = service.ingest_photo(store, sys, site_id=treatment.sites[0].id, source=buf.getvalue(),
                                  name="day1.jpg", now=NOW)
    assert result.measurement.algorithm_version == service.ALGORITHM_VERSION
    assert result.assessment.level in {"expected", "monitor", "contact", "urgent"}
    assert result.measurement.hours_since_injection == pytest.approx(75.0)
    assert result.photo.taken_at_source == "upload" and (result.photo.width, result.photo.height) == (800, 600)
    assert "disclaimer" in result.assessment.data
    assert Image.open(io.BytesIO(service.read_photo(store, sys, result.photo.id, kind="overlay"))).size[0] > 0


def test_the_reanalyze_command_measures_stored_photos_with_the_current_version(
        database_url, tmp_path, monkeypatch, capsys, fake_pipeline):
    monkeypatch.setenv("TRACKER_DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "cli-data"))
    opened = service.open_store()
    try:
        sys = service.SYSTEM
        clinic = service.register_clinic(opened, sys, name="CLI clinic")
        patient = service.register_patient(opened, sys, clinic_id=clinic.id, display_name="Eve")
        treatment = service.record_treatment(opened, sys, patient_id=patient.id, product="Botox", now=NOW)
        service.ingest_photo(opened, sys, site_id=treatment.sites[0].id, source=photo_bytes(2), now=NOW)
    finally:
        opened.dispose()

    monkeypatch.setattr("tracker.measurement.ALGORITHM_VERSION", "2.0.0")
    monkeypatch.setattr("tracker.service.photos._analyze_loaded", analyze_v2)
    from tracker.cli import main

    assert main(["reanalyze"]) == 0
    assert "algorithm 2.0.0: 1 photos, 1 measured now, 0 already measured by this version, 0 failed" in (
        capsys.readouterr().out)
    assert main(["reanalyze"]) == 0
    assert "0 measured now, 1 already measured" in capsys.readouterr().out


# -- the queue's figures, kept up to date by every use case --------------------------------
def test_a_queue_entry_carries_the_newest_photo_its_figures_and_the_sites_trend(store, world, monkeypatch):
    service.ingest_photo(store, world.ada, site_id=world.site.id, now=NOW,
                         source=photo_bytes(1, taken_at=local(2026, 11, 3, 10, 0)))
    newest = service.ingest_photo(store, world.ada, site_id=world.site.id, now=NOW,
                                  source=photo_bytes(3, taken_at=local(2026, 11, 4, 10, 0)))
    # an older photo sent later does not replace the newest one
    service.ingest_photo(store, world.ada, site_id=world.site.id, now=NOW,
                         source=photo_bytes(1, seed=9, taken_at=local(2026, 11, 2, 22, 0)))

    (entry,) = service.clinician_queue(store, world.dr_a, now=NOW)
    assert entry.latest == service.QueueFigures(
        photo_id=newest.photo.id, hours_since_injection=pytest.approx(48.0), usable=True,
        area_mm2=pytest.approx(7.68), area_px=768, mean_delta_a=pytest.approx(9.5), trend_direction=None,
        trend_pct=None)
    assert (entry.level, entry.acknowledged, entry.missed_checkin) == ("contact", False, False)
    assert [r.rule for r in entry.reasons] == ["redness-growing"]
    assert entry.injected_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    current = service.timeline(store, world.dr_a, world.p1.id).current
    assert entry.open_assessment_ids == (current[0].id,)

    service.acknowledge_flag(store, world.dr_a, entry.open_assessment_ids[0], now=NOW)
    (after,) = service.clinician_queue(store, world.dr_a, now=NOW)
    assert (after.acknowledged, after.open_assessment_ids, after.level) == (True, (), "contact")

    monkeypatch.setattr("tracker.measurement.ALGORITHM_VERSION", "2.0.0")
    monkeypatch.setattr("tracker.service.photos._analyze_loaded", analyze_v2)
    service.reanalyze(store, service.SYSTEM, now=NOW + timedelta(minutes=5))
    (reanalysed,) = service.clinician_queue(store, world.dr_a, now=NOW + timedelta(minutes=5))
    assert reanalysed.latest.photo_id == newest.photo.id and not reanalysed.acknowledged
    assert reanalysed.assessed_at == (NOW + timedelta(minutes=5)).astimezone(reanalysed.assessed_at.tzinfo)


def test_the_queue_entry_shows_the_trend_the_sites_newest_assessment_found(store, world, monkeypatch):
    def assess_with_trend(measurements, **kwargs):
        found = fake_assess(measurements, **kwargs)
        return SimpleNamespace(level=found.level, reasons=found.reasons, fda_grade=found.fda_grade,
                               to_dict=lambda: {**found.to_dict(), "trend": {
                                   "direction": "shrinking", "area_change_per_day_pct": -12.5}})

    monkeypatch.setattr("tracker.service.assessment._assess", assess_with_trend)
    service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(1), now=NOW)
    (entry,) = service.clinician_queue(store, world.dr_a, now=NOW)
    assert (entry.latest.trend_direction, entry.latest.trend_pct) == ("shrinking", -12.5)


def test_a_patient_with_only_an_injection_time_is_queued_without_figures(store, world):
    (entry,) = service.clinician_queue(store, world.dr_a, now=NOW)
    assert (entry.patient_name, entry.level, entry.latest, entry.missed_checkin) == ("Ada", None, None, True)
    assert entry.open_assessment_ids == () and not entry.acknowledged
    # correcting the injection time moves the patient out of the first 14 days
    service.set_injection_time(store, world.dr_a, treatment_id=world.treatment.id,
                               injected_at=local(2026, 10, 1, 10, 0), now=NOW)
    assert service.clinician_queue(store, world.dr_a, now=NOW) == ()


def test_a_limited_queue_is_the_start_of_the_whole_queue_missed_check_ins_included(store, world):
    patients = [world.p1, world.p2] + [service.register_patient(store, world.dr_a, display_name=f"P{i}")
                                       for i in range(4)]
    for i, p in enumerate(patients[1:], start=1):
        t = service.record_treatment(store, world.dr_a, patient_id=p.id, product="Botox",
                                     injected_at=INJECTED_LOCAL, now=NOW)
        if i % 2:
            service.ingest_photo(store, world.dr_a, site_id=t.sites[0].id, source=photo_bytes(1, seed=i),
                                 now=NOW - timedelta(hours=i), symptoms=["breathing_difficulty"] if i == 3 else ())
    whole = service.clinician_queue(store, world.dr_a, now=NOW)
    assert len(whole) == 6
    assert [e.missed_checkin for e in whole].count(True) == 3  # injected 3 days ago, never checked in
    assert [e.level for e in whole[:4]] == ["urgent", None, None, None]  # missed ones rank with monitor
    for limit in range(1, 7):
        assert service.clinician_queue(store, world.dr_a, now=NOW, limit=limit) == whole[:limit]


# -- the measured marker size ----------------------------------------------------------------
def test_a_patients_measured_marker_size_is_kept_validated_and_audited(store, world):
    assert world.p1.marker_mm is None
    view = service.set_marker_size(store, world.ada, patient_id=world.p1.id, marker_mm=20.6)
    assert view.marker_mm == 20.6
    assert service.list_patients(store, world.ada)[0].marker_mm == 20.6
    for wrong in (4.9, 100.1, float("nan"), "20"):
        with pytest.raises(InvalidArgumentError, match="between 5 and 100 mm"):
            service.set_marker_size(store, world.ada, patient_id=world.p1.id, marker_mm=wrong)
    with pytest.raises(AccessDeniedError):
        service.set_marker_size(store, world.bea, patient_id=world.p1.id, marker_mm=30.0)
    with pytest.raises(AccessDeniedError):
        service.set_marker_size(store, world.dr_b, patient_id=world.p1.id, marker_mm=30.0)
    assert service.set_marker_size(store, world.dr_a, patient_id=world.p1.id, marker_mm=None).marker_mm is None
    with store.transaction() as session:
        events = session.execute(select(AuditEvent.actor_user_id, AuditEvent.allowed, AuditEvent.detail)
                                 .where(AuditEvent.action == "set_marker_size").order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [
        (world.ada.user_id, True, "20.6 mm"), (world.bea.user_id, False, "You may not see or change this "
                                               "patient's records."),
        (world.dr_b.user_id, False, "You may not see or change this patient's records."),
        (world.dr_a.user_id, True, "as designed")]


def test_ingest_and_reanalysis_measure_with_the_patients_marker_size_unless_told_otherwise(
        store, world, monkeypatch):
    used: list[float] = []

    def spy(photo, *, marker_mm):
        used.append(marker_mm)
        analysis = fake_analyze_loaded(photo, marker_mm=marker_mm)
        return replace(analysis, measurement=replace(analysis.measurement, algorithm_version=tracker.measurement.ALGORITHM_VERSION))

    monkeypatch.setattr("tracker.service.photos._analyze_loaded", spy)
    service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(1), now=NOW)
    service.set_marker_size(store, world.ada, patient_id=world.p1.id, marker_mm=21.5)
    service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(2), now=NOW)
    service.ingest_photo(store, world.ada, site_id=world.site.id, source=photo_bytes(3), now=NOW,
                         marker_mm=19.0)
    assert used == [20.0, 21.5, 19.0]

    monkeypatch.setattr("tracker.measurement.ALGORITHM_VERSION", "2.0.0")
    used.clear()
    service.reanalyze(store, service.SYSTEM, now=NOW)
    assert used == [21.5, 21.5, 21.5]
    monkeypatch.setattr("tracker.measurement.ALGORITHM_VERSION", "3.0.0")
    used.clear()
    service.reanalyze(store, service.SYSTEM, patient_id=world.p1.id, marker_mm=22.0, now=NOW)
    assert used == [22.0, 22.0, 22.0]
