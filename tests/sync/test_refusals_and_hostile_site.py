"""Issue 14, point 11: a sync refused because another holds the lock has its own outcome and exit code; with
`--log-format json` every run's outcome and refusal is an error record in the log; a site that answers in a
shape Moodle never gives is a protocol error (exit 4), never a traceback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from sync_helpers import participants, run_cli

from lmsbridge.demo_data import write_roster
from lmsbridge.exit_codes import ExitCode
from lmsbridge.moodle import SYNC_FUNCTIONS
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.journal import Lock
from lmsbridge.sync.metrics import summary_from_run


def _records(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_a_sync_refused_by_the_lock_has_its_own_outcome_and_exit_code(sandbox: Sandbox, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", participants("executive-management", 2))
    metrics = tmp_path / "sync.prom"
    with Lock(tmp_path / "state"):  # another run holds it
        result = run_cli(["sync", "--roster", str(roster), "--log-format", "json"], sandbox, tmp_path,
                         LMSBRIDGE_METRICS_FILE=str(metrics))
    assert result.returncode == ExitCode.LOCKED == 5, result.stdout + result.stderr
    assert "another lmsbridge sync is running" in result.stdout
    errors = [r for r in _records(result.stderr) if r["level"] == "error"]
    assert [(r["outcome"], r["exit_code"]) for r in errors] == [("locked", 5)]
    assert "another lmsbridge sync is running" in errors[0]["message"]
    text = metrics.read_text()
    assert 'lmsbridge_sync_runs_total{outcome="locked"} 1' in text and "unreachable" not in text
    assert summary_from_run({"exit_code": 5}).outcome == "locked"


def test_every_outcome_is_a_log_record_in_json(sandbox: Sandbox, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", participants("executive-management", 2))
    ok = run_cli(["sync", "--roster", str(roster), "--log-format", "json"], sandbox, tmp_path)
    assert ok.returncode == 0
    assert [(r["level"], r["outcome"]) for r in _records(ok.stderr) if "outcome" in r] == [("info", "success")]
    bad = run_cli(["sync", "--roster", str(tmp_path / "missing.csv"), "--log-format", "json"], sandbox, tmp_path)
    assert bad.returncode == 2
    assert [(r["level"], r["outcome"]) for r in _records(bad.stderr) if "outcome" in r] == [("error", "config")]


class _Hostile(BaseHTTPRequestHandler):
    """Answers like a Moodle until `mode` says where to stop: then JSON that no Moodle gives."""

    mode = ""

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        fields = {**parse_qs(self.path.partition("?")[2]), **parse_qs(body)}
        function = fields.get("wsfunction", [""])[0]
        answer: Any
        if function == "core_webservice_get_site_info":
            answer = (["not", "an", "object"] if self.mode == "siteinfo" else
                      {"sitename": "x", "username": "sync", "userid": 3, "siteurl": "http://127.0.0.1",
                       "release": "5.0", "version": "2025041400", "functions": [
                           {"name": n, "version": "1"} for n in SYNC_FUNCTIONS]})
        elif self.mode == "reads":
            answer = {"unexpected": {"shape": [1, 2, 3]}}
        else:
            answer = [{"id": "not-a-number", "idnumber": 7, "name": None}]
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST  # noqa: N815


@pytest.fixture
def hostile() -> Iterator[type[_Hostile]]:
    handler = type("Hostile", (_Hostile,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("mode", ["siteinfo", "reads", "rows"])
def test_a_malformed_answer_is_a_protocol_error_never_a_traceback(hostile: type[_Hostile], sandbox: Sandbox,
                                                                   tmp_path: Path, mode: str) -> None:
    hostile.mode = mode
    roster = write_roster(tmp_path / "r.csv", participants("executive-management", 2))
    for command in (["sync"], ["plan"]):
        result = run_cli([*command, "--roster", str(roster)], sandbox, tmp_path,
                         LMSBRIDGE_MOODLE_URL=hostile.url, LMSBRIDGE_RETRIES="0")  # type: ignore[attr-defined]
        out = result.stdout + result.stderr
        assert result.returncode == ExitCode.SITE_FAILED, out
        assert "Traceback" not in out and "not in the shape Moodle gives" in out, out
