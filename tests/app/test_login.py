"""Sign in, sign out, wrong passwords and lock-out, invite codes, and who sees which pages."""

from __future__ import annotations

import pytest

from tests.app.conftest import PASSWORD, new_app, sign_in, texts
from tracker import service


def test_the_app_opens_on_the_sign_in_page(clinic):
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "Injection site tracker"
    assert [b.label for b in at.get("form_submit_button")] == ["Sign in", "Create my login"]


def test_a_patient_signs_in_to_the_check_in_and_cannot_reach_clinician_pages(clinic):
    at = sign_in("ada")
    assert at.title[0].value == "Daily check-in"
    assert "Botox, forehead" in texts(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("ui/pages/queue.py")


def test_a_clinician_signs_in_to_the_triage_queue(clinic):
    at = sign_in("dr.test")
    assert at.title[0].value == "Triage queue"


def test_a_wrong_password_says_so_and_five_in_a_row_lock_the_account(clinic):
    at = new_app().run()
    for _ in range(5):
        form = at.get("form")[0]
        form.text_input[0].input("ada")
        form.text_input[1].input("not-the-password")
        form.button[0].click()
        at.run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "Wrong username or password" in errors[0]
    assert "locked" in errors[0] and "15 minutes" in errors[0]
    at = new_app().run()  # a new session: the right password is refused while locked
    form = at.get("form")[0]
    form.text_input[0].input("ada")
    form.text_input[1].input(PASSWORD)
    form.button[0].click()
    at.run()
    assert "locked" in at.error[0].value
    assert at.title[0].value == "Injection site tracker"


def test_sign_out_returns_to_the_sign_in_page(clinic):
    at = sign_in("ada")
    at.switch_page("ui/pages/logout.py").run()
    assert at.title[0].value == "Injection site tracker"
    assert at.session_state["actor"] is None


def test_an_invite_code_creates_a_patient_login_and_signs_in(clinic):
    from tracker.store import open_store

    store = open_store()
    try:
        dr = service.authenticate(store, "dr.test", PASSWORD)
        patient = service.register_patient(store, dr, display_name="Newcomer")
        code = service.create_invite(store, dr, patient_id=patient.id).code
    finally:
        store.dispose()
    at = new_app().run()
    form = at.get("form")[1]
    form.text_input[0].input(code)
    form.text_input[2].input("newcomer")
    form.text_input[3].input("newcomer-password")
    form.button[0].click()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Daily check-in"
    assert at.session_state["actor"].patient_id == patient.id


def test_a_used_invite_code_is_refused_with_a_plain_message(clinic):
    at = new_app().run()
    form = at.get("form")[1]
    form.text_input[0].input("NOT-A-CODE")
    form.text_input[2].input("someone")
    form.text_input[3].input("someone-password")
    form.button[0].click()
    at.run()
    assert "invite code is not valid" in at.error[0].value
