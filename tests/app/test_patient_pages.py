"""The patient's other pages: the latest result, history, the reference card, and privacy."""

from __future__ import annotations

import json

from tests.app.conftest import PASSWORD, sign_in, texts


def test_my_result_shows_the_latest_assessment_with_both_photos(clinic):
    at = sign_in("ada")
    at.switch_page("ui/pages/result.py").run()
    assert not at.exception
    shown = texts(at)
    assert "level-banner" in shown and "not a diagnosis" in shown
    assert "The red area is" in shown
    assert len(at.image) == 2


def test_my_result_before_any_check_in_points_to_the_check_in(clinic):
    at = sign_in("bea")
    at.switch_page("ui/pages/result.py").run()
    assert "No check-in yet" in at.info[0].value


def test_my_history_shows_the_trend_charts_and_every_photo(clinic):
    at = sign_in("ada")
    at.switch_page("ui/pages/history.py").run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2
    spec = json.loads(charts[0].proto.spec)
    assert spec["title"]["text"] == "Red area (mm²)"
    assert "Shaded green: the expected course after injection." in spec["title"]["subtitle"]
    assert len(at.image) == 2
    captions = [c for img in at.image for c in [str(img.proto)]]
    assert any("mm²" in c for c in captions)


def test_a_patient_cannot_open_another_patients_records(clinic):
    at = sign_in("ada")
    at.query_params["patient"] = str(clinic.bea)
    at.switch_page("ui/pages/history.py").run()
    assert not at.exception
    assert "may not see or change this patient's records" in at.error[0].value
    assert not at.image and not at.get("vega_lite_chart")


def test_the_reference_card_page_offers_the_pdf_and_saves_the_measured_marker_size(clinic, photos):
    from tracker import service
    from tracker.store import open_store

    at = sign_in("ada")
    at.switch_page("ui/pages/card.py").run()
    assert not at.exception
    assert [b.label for b in at.get("download_button")] == ["Download the card (PDF)"]
    assert "50 mm line" in texts(at)
    assert at.number_input[0].value == 20.0
    at.number_input[0].set_value(20.6).run()
    assert "20.6 mm card" in at.success[0].value
    store = open_store()
    try:
        saved = next(p for p in service.list_patients(store, service.authenticate(store, "dr.test", PASSWORD))
                     if p.id == clinic.ada)
    finally:
        store.dispose()
    assert saved.marker_mm == 20.6
    # Kept with the records: a new session shows it.
    again = sign_in("ada")
    again.switch_page("ui/pages/card.py").run()
    assert again.number_input[0].value == 20.6
    assert "measured with a 20.6 mm card" in texts(again)
    # The check-in measures with it.
    again.switch_page("ui/pages/checkin.py").run()
    again.file_uploader[0].set_value(("today.jpg", photos.today, "image/jpeg"))
    again.run()
    again.button(key="send").click()
    again.run()
    assert again.title[0].value == "Your result"
    store = open_store()
    try:
        latest = service.timeline(store, service.SYSTEM, clinic.ada).entries[-1]
    finally:
        store.dispose()
    assert latest.measurement.measurement.scale.marker_mm == 20.6
