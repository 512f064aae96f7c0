"""Fixtures of the report tests: the seeded sandbox (see report_seed.py) and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from report_seed import CHROMIUM, CHROMIUM_ARGS, Seeded, seed

from lmsbridge.sandbox import Sandbox


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with Sandbox() as sb:
        yield seed(sb)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs Playwright for Python (pip install playwright)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
