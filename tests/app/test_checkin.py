"""Patient check-in and the answer: injection time first, photo upload, symptoms, the result,
and an actionable message for every kind of photo we cannot use."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.app.conftest import as_heic, huge_png, sign_in, texts


def upload(at, name: str, data: bytes, mime: str = "image/jpeg", *, symptoms: tuple[str, ...] = ()):
    """Choose a photo, tick symptoms (by label), press send."""
    at.file_uploader[0].set_value((name, data, mime))
    at.run()
    for label in symptoms:
        next(c for c in at.checkbox if c.label == label).check()
    at.run()
    at.button(key="send").click()
    return at.run()


def test_check_in_asks_when_the_injection_was_before_anything_else(clinic):
    at = sign_in("bea")
    assert "When was your injection?" in [s.value for s in at.subheader]
    assert not at.file_uploader  # no photo before the injection time
    at.date_input[0].set_value(at.date_input[0].value - timedelta(days=1))
    at.button[0].click()
    at.run()
    assert not at.exception
    assert "Injection time saved" in at.success[0].value
    assert at.file_uploader  # now the photo step


def test_the_symptom_checklist_keeps_emergency_signs_apart_and_warns_at_once(clinic):
    at = sign_in("ada")
    labels = [c.label for c in at.checkbox]
    assert "Difficulty breathing" in labels and "Sore when touched" in labels
    assert labels.index("Sore when touched") < labels.index("Hives or a spreading rash")
    assert "Get help now" in texts(at)
    next(c for c in at.checkbox if c.label == "Difficulty breathing").check()
    at.run()
    assert "Seek emergency care now" in at.error[0].value


def test_a_photo_check_in_answers_with_the_level_figures_advice_photos_and_disclaimer(clinic, photos):
    at = sign_in("ada")
    at = upload(at, "today.jpg", photos.today)
    assert not at.exception
    assert at.title[0].value == "Your result"
    shown = texts(at)
    assert "level-banner" in shown  # coloured banner with the level's words
    assert "The red area is" in shown and "mm²" in shown and "than yesterday" in shown
    assert "What to do" in shown
    assert "not a diagnosis" in shown
    assert len(at.image) == 2  # today's outlined photo beside yesterday's
    assert "Today" in str(at.image[0].proto)


def test_an_emergency_symptom_with_the_photo_gives_the_urgent_answer(clinic, photos):
    at = sign_in("ada")
    at = upload(at, "today.jpg", photos.today, symptoms=("Swelling of the face, lips, tongue or throat",))
    assert "Seek emergency care now" in texts(at)
    assert any("Seek emergency care now" in e.value for e in at.error)
    assert "not a diagnosis" in texts(at)


def test_symptoms_can_be_sent_without_a_photo(clinic):
    at = sign_in("ada")
    next(c for c in at.checkbox if c.label == "The site feels warm or hot").check()
    at.run()
    at.button(key="send").click()
    at.run()
    assert at.title[0].value == "Your result"
    assert "symptoms were sent" in at.success[0].value


def test_a_blurry_photo_says_what_to_fix_offers_a_retake_and_is_kept(clinic, photos):
    at = sign_in("ada")
    at = upload(at, "blurry.jpg", photos.blurry)
    shown = texts(at)
    assert "We could not measure this photo" in shown
    assert "blurry" in shown and "Hold the phone still" in shown
    assert "Your photo is kept" in shown
    retake = next(b for b in at.button if b.label == "Retake the photo")
    retake.click()
    at.run()
    assert at.title[0].value == "Daily check-in"


def test_a_photo_without_the_card_says_to_put_the_card_in_view(clinic, photos):
    at = sign_in("ada")
    at = upload(at, "nocard.jpg", photos.no_card)
    assert at.title[0].value == "Your result"
    assert "reference card was not found" in texts(at)


def test_a_strongly_compressed_photo_is_measured_and_says_the_original_would_show_more(clinic):
    from benchmarks.independent_scene import render  # Monk 8 skin, JPEG quality 70

    at = sign_in("ada")
    at = upload(at, "forwarded.jpg", render(4, lesion=False)["jpeg"])
    assert at.title[0].value == "Your result"
    assert "strong compression" in texts(at) and "original photo" in texts(at)


@pytest.mark.parametrize("name,make,mime,expected", [
    ("scan.jpg", lambda p: b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20, "image/jpeg", "PDF"),
    ("huge.png", lambda p: huge_png(), "image/png", "megapixels"),
    ("empty.jpg", lambda p: b"", "image/jpeg", "empty"),
])
def test_files_that_are_not_usable_photos_get_a_plain_actionable_message(clinic, photos, name, make, mime,
                                                                          expected):
    at = sign_in("ada")
    at = upload(at, name, make(photos), mime)
    assert not at.exception
    assert at.title[0].value == "Daily check-in"  # stays, to choose another photo
    message = at.error[0].value
    assert expected.lower() in message.lower()
    assert "Traceback" not in message
    assert "taken with your phone" in message or "normal photo setting" in message


def test_a_heic_photo_from_an_iphone_is_measured(clinic, photos):
    at = sign_in("ada")
    at = upload(at, "IMG_0001.HEIC", as_heic(photos.today), "image/heic")
    assert not at.exception
    assert at.title[0].value == "Your result"
    assert "The red area is" in texts(at)


def test_the_camera_takes_the_photo_in_the_app_as_well(clinic, photos):
    at = sign_in("ada")
    at.segmented_control[0].set_value("Use the camera here").run()
    assert at.camera_input, "the camera widget replaces the file chooser"
    at.camera_input[0].set_value(("camera.jpg", photos.today, "image/jpeg"))
    at.run()
    at.button(key="send").click()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Your result"
    assert "The red area is" in texts(at)
