"""Fixtures of the Moodle client tests (helpers live in moodle_loopback)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moodle_loopback import LoopbackServer, make_client

from lmsbridge.moodle import MoodleClient


@pytest.fixture(scope="session")
def _shared_server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def server(_shared_server: LoopbackServer) -> LoopbackServer:
    """One scripted loopback server for the session, emptied before each test."""
    _shared_server.reset()
    return _shared_server


@pytest.fixture
def client(server: LoopbackServer) -> Iterator[MoodleClient]:
    with make_client(server.url) as c:
        yield c
