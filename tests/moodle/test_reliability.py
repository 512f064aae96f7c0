"""Timeouts and retries against real loopback servers: reads are repeated, writes only when they never left."""

from __future__ import annotations

import time

import pytest
from moodle_loopback import LoopbackServer, Reply, Reset, free_port, make_client

from lmsbridge.moodle import (
    ConnectError,
    MoodleClient,
    RequestTimeout,
    ServerError,
    TransportError,
    UnknownOutcome,
    WebServicesDisabled,
)

READ = "core_course_get_categories"
WRITE = "core_course_create_categories"
ONE_CATEGORY = {"categories": [{"name": "A", "idnumber": "a", "parent": 0}]}


def test_read_is_retried_after_5xx_until_it_succeeds(server: LoopbackServer, client: MoodleClient) -> None:
    server.answer(Reply(502, "Bad gateway", "text/html"), Reply(503, "", "text/html"), Reply.json([]))
    assert client.call(READ) == []
    assert len(server.received) == 3


def test_read_gives_up_after_its_retries(server: LoopbackServer, client: MoodleClient) -> None:
    server.default = Reply(500, "boom", "text/plain")
    with pytest.raises(ServerError, match="gave up after 3 attempts") as info:
        client.call(READ)
    assert info.value.status == 500 and len(server.received) == 3


def test_write_with_5xx_is_unknown_outcome_and_not_repeated(server: LoopbackServer, client: MoodleClient) -> None:
    server.default = Reply(502, "Bad gateway", "text/html")
    with pytest.raises(UnknownOutcome, match="not repeated"):
        client.call(WRITE, ONE_CATEGORY)
    assert len(server.received) == 1


def test_connection_reset_read_retried_write_unknown(server: LoopbackServer, client: MoodleClient) -> None:
    server.answer(Reset(), Reply.json([]))
    assert client.call(READ) == [] and len(server.received) == 2
    server.reset()
    server.answer(Reset(), Reply.json([{"id": 1, "name": "A"}]))
    with pytest.raises(UnknownOutcome, match="read the affected records back|Read the affected"):
        client.call(WRITE, ONE_CATEGORY)
    assert len(server.received) == 1


def test_timeouts_read_retried_then_raised_write_unknown(server: LoopbackServer) -> None:
    with make_client(server.url, timeout=0.3) as client:
        server.answer(Reply.json([], delay_s=1.0), Reply.json([]))
        started = time.monotonic()
        assert client.call(READ) == []
        assert time.monotonic() - started < 1.5
        server.reset()
        server.default = Reply.json([], delay_s=1.0)
        with pytest.raises(RequestTimeout, match="within 0.3 s"):
            client.call(READ)
        assert len(server.received) == 3
        server.reset()
        server.default = Reply.json([{"id": 1, "name": "A"}], delay_s=1.0)
        with pytest.raises(UnknownOutcome):
            client.call(WRITE, ONE_CATEGORY)
        assert len(server.received) == 1


def test_connection_refused_write_is_retried_because_it_never_left() -> None:
    port = free_port()
    late = LoopbackServer(port=port)
    late.default = Reply.json([{"id": 9, "name": "A"}])
    waits: list[float] = []

    def sleep_then_start(seconds: float) -> None:  # the server comes up while the client backs off
        waits.append(seconds)
        if len(waits) == 2:
            late.start()

    try:
        with make_client(f"http://127.0.0.1:{port}", sleep=sleep_then_start) as client:
            assert client.call(WRITE, ONE_CATEGORY) == [{"id": 9, "name": "A"}]
        assert len(waits) == 2 and len(late.received) == 1
    finally:
        late.stop()


def test_connection_refused_gives_up_with_connect_error() -> None:
    with make_client(f"http://127.0.0.1:{free_port()}") as client, pytest.raises(ConnectError,
                                                                                 match="Connection refused"):
        client.call(WRITE, ONE_CATEGORY)


def test_backoff_grows_with_jitter() -> None:
    from lmsbridge.moodle import RetryPolicy

    policy = RetryPolicy(retries=5, backoff_s=0.5, max_backoff_s=3.0)
    for attempt, cap in enumerate([0.5, 1.0, 2.0, 3.0, 3.0]):
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(0 <= d <= cap for d in delays) and len(delays) > 1


def test_web_services_disabled_is_not_retried(server: LoopbackServer, client: MoodleClient) -> None:
    server.default = Reply(403, "", "text/html; charset=utf-8")
    with pytest.raises(WebServicesDisabled, match="Enable web services"):
        client.call(READ)
    assert len(server.received) == 1


def test_transport_errors_share_one_root(server: LoopbackServer) -> None:
    assert issubclass(UnknownOutcome, TransportError) and issubclass(RequestTimeout, TransportError)
