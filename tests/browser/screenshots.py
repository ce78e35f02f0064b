"""Screenshots of every page at phone (390 px) and desktop (1280 px) width, for the README.

    .venv/bin/python -m tests.browser.screenshots [OUT_DIR]   # default docs/screenshots

Seeds a demo clinic in a temporary directory, starts the app, and drives Debian's
Chromium through every page as a patient and as the clinician.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests.browser.drive import DESKTOP, PHONE, ROOT, chromium, go, seed_demo, settle, shoot, sign_in, \
    streamlit_server

PATIENT_PAGES = (("Check in", "Daily check-in", "checkin"), ("My result", "Your result", "result"),
                 ("My history", "My history", "history"), ("Reference card", "Reference card", "card"))
CLINICIAN_PAGES = (("Export", "Export", "export"), ("Add patient", "Add patient", "add-patient"))


def take_all(url: str, data: Path, out: Path) -> list[Path]:
    shots = []
    with chromium() as browser:
        for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page = browser.new_page(viewport=viewport)
            page.goto(url)
            settle(page, "Injection site tracker")
            shots.append(_shot(page, out / f"{size}-sign-in.png"))
            sign_in(page, url, "casey", "demo-patient", lands_on="Daily check-in")
            for link, heading, name in PATIENT_PAGES:
                go(page, link, heading)
                shots.append(_shot(page, out / f"{size}-patient-{name}.png"))
            page.close()

            page = browser.new_page(viewport=viewport)
            sign_in(page, url, "pat", "demo-patient", lands_on="Daily check-in")
            page.locator('input[type="file"]').set_input_files(str(data / "demo" / "pat-next-photo.jpg"))
            page.get_by_role("button", name="Send my check-in").click()
            settle(page, "Your result")
            shots.append(_shot(page, out / f"{size}-patient-after-check-in.png"))
            page.close()

            page = browser.new_page(viewport=viewport)
            sign_in(page, url, "dr.demo", "demo-clinician", lands_on="Triage queue")
            shots.append(_shot(page, out / f"{size}-clinician-queue.png"))
            page.locator('[class*="st-key-queue_"]').nth(1).get_by_role("button", name="Open").click()
            settle(page, "Patient")
            shots.append(_shot(page, out / f"{size}-clinician-patient.png"))
            for link, heading, name in CLINICIAN_PAGES:
                go(page, link, heading)
                shots.append(_shot(page, out / f"{size}-clinician-{name}.png"))
            page.close()
    return shots


def _shot(page, path: Path) -> Path:
    shoot(page, path)
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path, flush=True)
    return path


def main(argv: list[str]) -> int:
    out = Path(argv[0]).resolve() if argv else ROOT / "docs" / "screenshots"
    with tempfile.TemporaryDirectory(prefix="tracker-shots-") as tmp:
        data = Path(tmp)
        seed_demo(data)
        with streamlit_server(data) as url:
            take_all(url, data, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
