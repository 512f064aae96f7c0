"""Fixtures of the report tests: the seeded sandbox (see report_seed.py) and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from report_seed import Seeded, seed

from lmsbridge.sandbox import Sandbox


@pytest.fixture(scope="module")
def seeded() -> Iterator[Seeded]:
    with Sandbox() as sb:
        yield seed(sb)
