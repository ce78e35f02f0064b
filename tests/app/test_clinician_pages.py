"""The clinician's pages: triage queue, patient detail, export, adding patients."""

from __future__ import annotations

import csv
import io
import json

from tests.app.conftest import PASSWORD, sign_in, texts
from tracker import service
from tracker.store import open_store
from ui import exports


def queue_names(at) -> list[str]:
    """Patient names in the order the queue shows them (from each entry's first line)."""
    names = []
    for m in at.markdown:
        if 'class="level-badge"' in m.value:
            names.append(m.value.split("**")[1])
    return names


def test_the_queue_shows_the_urgent_patient_first_and_lists_missed_check_ins(clinic):
    at = sign_in("dr.test")
    assert not at.exception
    names = queue_names(at)
    assert names[0] == "Cyd Urgent"
    assert set(names) >= {"Cyd Urgent", "Ada Lovelace", "Dee Silent"}
    shown = texts(at)
    assert "Missed check-ins in the first two weeks (1)" in shown
    assert "**Dee Silent**: last check-in never" in shown
    assert "[G11]" in shown  # the reason, with its guidance point
    assert "day 2 since injection" in shown and "mm²" in shown  # Ada's age and latest figure
    assert "↘ shrinking" in shown  # Ada's trend arrow
    assert len(at.image) >= 1  # Ada's thumbnail
    assert "not a diagnosis" in shown


def test_open_from_the_queue_goes_to_that_patient(clinic):
    at = sign_in("dr.test")
    at.button(key=f"open_{clinic.ada}").click()
    at.run()
    assert at.title[0].value == "Patient"
    assert at.selectbox[0].value.display_name == "Ada Lovelace"


def test_the_patient_page_shows_reasons_charts_rectified_photos_comparison_and_symptoms(clinic):
    at = sign_in("dr.test")
    at.session_state["clinician_patient_id"] = clinic.ada
    at.switch_page("ui/pages/patient.py").run()
    assert not at.exception
    shown = texts(at)
    assert "Why" in shown and "not a diagnosis" in shown
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert [c["title"]["text"] for c in charts][:1] == ["Red area (mm²)"]
    assert "Photos at one scale" in shown
    strip = at.image[0]
    assert len(strip.proto.imgs) == 2  # both photos, rectified to the same size
    first, second = at.selectbox(key="cmp_a"), at.selectbox(key="cmp_b")
    assert first.value != second.value
    second.set_value(first.value).run()
    assert not at.exception


def test_the_patient_page_lists_emergency_symptoms_and_acknowledges_the_flag(clinic):
    at = sign_in("dr.test")
    at.session_state["clinician_patient_id"] = clinic.cy
    at.switch_page("ui/pages/patient.py").run()
    shown = texts(at)
    assert "Difficulty breathing" in shown
    assert "[G11]" in shown
    at.button(key="ack").click()
    at.run()
    assert "Acknowledged" in texts(at)
    store = open_store()
    try:
        dr = service.authenticate(store, "dr.test", PASSWORD)
        entry = next(e for e in service.clinician_queue(store, dr) if e.patient_id == clinic.cy)
    finally:
        store.dispose()
    assert entry.acknowledged


def test_a_note_is_saved_on_the_patient(clinic):
    at = sign_in("dr.test")
    at.session_state["clinician_patient_id"] = clinic.ada
    at.switch_page("ui/pages/patient.py").run()
    at.text_area(key="clinician_note").input("Called Ada; cold compress advised.")
    next(b for b in at.button if b.label == "Save note").click()
    at.run()
    assert "Called Ada; cold compress advised." in texts(at)


def test_a_clinician_cannot_open_another_clinics_patient(clinic):
    at = sign_in("dr.test")
    at.query_params["patient"] = str(clinic.other_clinic_patient)
    at.switch_page("ui/pages/patient.py").run()
    assert not at.exception
    assert "may not see or change this patient's records" in at.error[0].value


def test_the_export_page_offers_the_pdf_report_and_the_csv(clinic):
    at = sign_in("dr.test")
    at.session_state["clinician_patient_id"] = clinic.ada
    at.switch_page("ui/pages/export.py").run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download the PDF report", "Download the measurements (CSV)"]
    store = open_store()
    try:
        dr = service.authenticate(store, "dr.test", PASSWORD)
        pdf = exports.report_pdf(store, dr, clinic.ada)
        rows = list(csv.DictReader(io.StringIO(exports.measurements_csv_bytes(store, dr, clinic.ada).decode())))
    finally:
        store.dispose()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert len(rows) == 2 and float(rows[0]["area_mm2"]) > float(rows[1]["area_mm2"]) > 0


def test_add_patient_gives_an_invite_code_and_records_a_treatment(clinic):
    at = sign_in("dr.test")
    at.switch_page("ui/pages/patients.py").run()
    form = at.get("form")[0]
    form.text_input[0].input("Fay Newpatient")
    form.button[0].click()
    at.run()
    assert not at.exception
    assert "Invite code for Fay Newpatient" in at.success[0].value
    assert at.selectbox[0].value.display_name == "Fay Newpatient"
    form = at.get("form")[1]
    form.text_input[0].input("glabella, forehead")
    form.button[0].click()
    at.run()
    assert "Saved: Botox, glabella, forehead." in texts(at)


def test_the_patient_page_of_a_patient_without_injection_time_asks_for_it(clinic):
    at = sign_in("dr.test")
    at.session_state["clinician_patient_id"] = clinic.bea
    at.switch_page("ui/pages/patient.py").run()
    assert not at.exception
    assert "The injection time is not set" in at.warning[0].value
    assert "No result yet" in texts(at)
