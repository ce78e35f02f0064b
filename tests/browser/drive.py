"""Driving the running app in Chromium with Playwright: shared by the end-to-end test and
the screenshot script (``python -m tests.browser.screenshots``).

Chromium is Debian's (``apt-get install chromium``), never a Playwright download.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_demo(data_dir: Path) -> str:
    """Run ``python -m tracker demo`` into ``data_dir``; returns what it printed."""
    env = {**os.environ, "TRACKER_DATA_DIR": str(data_dir)}
    env.pop("TRACKER_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "tracker", "demo", "--if-empty"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"demo seeding failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def streamlit_server(data_dir: Path) -> Iterator[str]:
    """``streamlit run app.py`` on a free port against ``data_dir``; yields the base URL."""
    port = free_port()
    env = {**os.environ, "TRACKER_DATA_DIR": str(data_dir)}
    env.pop("TRACKER_DATABASE_URL", None)
    log = open(data_dir / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {(data_dir / 'streamlit.log').read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium() -> Iterator["object"]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def settle(page, heading: str | None = None, timeout_ms: int = 90_000) -> None:
    """Wait for the page titled ``heading`` (if given) and for the script run to finish."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    if heading is not None:
        page.get_by_role("heading", name=heading).first.wait_for(timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    page.wait_for_timeout(800)


def sign_in(page, url: str, username: str, password: str, *, lands_on: str) -> None:
    page.goto(url)
    settle(page, "Injection site tracker")
    page.get_by_label("Username").first.fill(username)
    page.get_by_label("Password").first.fill(password)
    page.get_by_role("button", name="Sign in").click()
    settle(page, lands_on)


def go(page, title: str, heading: str | None = None) -> None:
    """Open one of the user's pages from the row of links at the top of every page."""
    page.locator(".st-key-nav_bar a", has_text=title).first.click()
    settle(page, heading or title)


def shoot(page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main area, so the
    viewport is made as tall as the content for the shot."""
    page.wait_for_function("""() => Array.from(document.images).every(i => i.complete)
        && Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
               .every(c => c.querySelector('canvas, svg'))""", timeout=60_000)
    page.mouse.move(0, 0)  # no hover effects in the picture
    page.wait_for_timeout(800)
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height) + 20)})
    page.wait_for_timeout(500)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
