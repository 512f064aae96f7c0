"""Fixtures every test area shares."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = Path("/usr/bin/chromium")  # Debian's; tests never download a browser
# Background networking off: this machine reaches no Google host, and a test must not try.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole run: Playwright's sync API allows one instance per thread, so every
    area's browser tests share this one (each opens its own context)."""
    if not CHROMIUM.is_file():
        pytest.skip(f"needs Chromium at {CHROMIUM} (Debian package chromium; tests/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


# In CI a real Moodle is always stood up (tests/run): a real-Moodle test that skips for want of one would hide
# that the suite never ran against Moodle, so there such a skip is a failure, with the skip's own reason.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not (IN_CI and report.skipped and item.get_closest_marker("moodle")):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if "LMSBRIDGE_TEST_MOODLE" in reason or "real Moodle" in reason:
        report.outcome = "failed"
        report.longrepr = f"CI=true: a real-Moodle test must not skip for want of a Moodle ({reason})"
