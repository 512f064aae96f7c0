"""Fixtures of the sync tests: a real sandbox Moodle on 127.0.0.1, real roster files, the real CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import SOURCE, sample_rows

from lmsbridge.demo_data import write_roster
from lmsbridge.moodle import MoodleClient, RetryPolicy
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.settings import SyncSettings


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[MoodleClient]:
    with MoodleClient(sandbox.url, sandbox.token, retry=RetryPolicy(retries=4, backoff_s=0.01)) as c:
        yield c


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    return write_roster(tmp_path / "roster.csv", sample_rows())


@pytest.fixture
def settings(tmp_path: Path, roster: Path) -> SyncSettings:
    return SyncSettings(source=SOURCE, rosters=[roster], state_dir=tmp_path / "state")
