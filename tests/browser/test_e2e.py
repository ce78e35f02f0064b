"""End to end in a real browser: Debian's Chromium driven by Playwright against
``streamlit run app.py`` on a demo clinic seeded by ``python -m tracker demo``.

A patient uploads a photo and sees the answer with the measured outline; the clinician
sees the most urgent patient first and downloads the PDF report. Without Chromium the
tests skip locally and fail under CI=true.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.drive import CHROMIUM, DESKTOP, PHONE, chromium, go, seed_demo, settle, sign_in, streamlit_server
from tests.conftest import skip_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory):
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; `make test` does it)")
    data = tmp_path_factory.mktemp("demo-clinic")
    printed = seed_demo(data)
    assert "dr.demo" in printed and "pat-next-photo.jpg" in printed
    for line in ("(Alex Expected: expected)", "(Morgan Monitor: monitor)", "(Casey Contact: contact)",
                 "(Uma Urgent: urgent)"):  # the levels the seeded series actually reached
        assert line in printed, printed
    with streamlit_server(data) as url:
        yield url, data


@pytest.fixture(scope="module")
def browser(app_url):
    with chromium() as b:
        yield b


def test_a_patient_uploads_a_photo_on_a_phone_and_sees_the_result_with_its_outline(app_url, browser):
    url, data = app_url
    page = browser.new_page(viewport=PHONE)
    sign_in(page, url, "pat", "demo-patient", lands_on="Daily check-in")
    page.locator('input[type="file"]').set_input_files(str(data / "demo" / "pat-next-photo.jpg"))
    page.get_by_role("button", name="Send my check-in").wait_for(timeout=30_000)
    page.get_by_role("button", name="Send my check-in").click()
    settle(page, "Your result")
    banner = page.locator(".level-banner")
    assert banner.count() == 1 and banner.inner_text().strip()
    assert page.get_by_text(re.compile(r"The red area is|No red area was measured")).count() >= 1
    outlined = page.locator('[data-testid="stImage"]', has_text="outlined what was measured")
    outlined.wait_for(timeout=30_000)
    width = outlined.locator("img").evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 200  # the photo with its outline drawn, loaded
    assert page.get_by_text("not a diagnosis").count() >= 1
    page.close()


def test_the_clinician_sees_the_urgent_patient_first_and_downloads_the_pdf_report(app_url, browser):
    url, _ = app_url
    page = browser.new_page(viewport=DESKTOP, accept_downloads=True)
    sign_in(page, url, "dr.demo", "demo-clinician", lands_on="Triage queue")
    first = page.locator('[class*="st-key-queue_"]').first
    assert "Uma Urgent" in first.inner_text() and "Urgent" in first.inner_text()
    first.get_by_role("button", name="Open").click()
    settle(page, "Patient")
    assert page.get_by_text("[G11]").count() >= 1
    go(page, "Export")
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download the PDF report").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    assert download.value.suggested_filename.endswith(".pdf")
    page.close()
