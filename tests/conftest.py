"""Shared fixtures. Tests that need an external service skip locally with a reason,
and fail under CI=true (a skipped PostgreSQL or browser test in CI is a failure)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_images"


def skip_or_fail(reason: str) -> None:
    """Skip locally; under CI a missing service is a failure, never a silent skip."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI requires this test to run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES
