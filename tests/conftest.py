"""Fixtures every test area shares."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# ../shared sits beside the project's checkout (CI always has it); LMSBRIDGE_SHARED points elsewhere.
SHARED = Path(os.environ.get("LMSBRIDGE_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared() -> Path:
    """The steering repo's shared/ folder; tests that need it skip with the reason when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"needs ../shared (the steering repo's shared folder), not found at {SHARED}")
    return SHARED
