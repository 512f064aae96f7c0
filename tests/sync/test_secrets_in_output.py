"""A site that answers with the token (a Moodle in debug mode puts the SQL parameters of a failed query in
debuginfo) must not get it printed: not in the output, the JSON log, the journal or the run summaries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote

import requests
from sync_helpers import participants, run_cli

from lmsbridge.demo_data import write_roster
from lmsbridge.sandbox import Sandbox


def debuginfo(token: str) -> str:
    """What Moodle's dml_write_exception says in debug mode when the failed query logged the web-service call."""
    return ("ERROR:  deadlock detected\nINSERT INTO mdl_logstore_standard_log (eventname, other, origin) "
            f"VALUES ($1,$2,$3)\n[array (\n  0 => '\\\\core\\\\event\\\\webservice_function_called',\n  1 => "
            f"'{{\"function\":\"x\",\"wstoken\":\"{token}\"}}',\n  2 => 'ws',\n  3 => '{quote(token)}',\n)]")


@contextmanager
def hostile(sb: Sandbox, functions: set[str]) -> Iterator[str]:
    """A stand-in in front of the sandbox: `functions` are answered with a database error echoing the token."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            form = parse_qs(body.decode("utf-8", "replace"))
            token = (form.get("wstoken") or [""])[0]
            if (form.get("wsfunction") or [""])[0] in functions:
                answer = json.dumps({"exception": "dml_write_exception", "errorcode": "dmlwriteexception",
                                     "message": f"Error writing to database ({token})",
                                     "debuginfo": debuginfo(token)}).encode()
                status, ctype = 200, "application/json"
            else:
                r = requests.post(sb.url + self.path, data=body, timeout=60,
                                  headers={"Content-Type": self.headers.get("Content-Type", "")})
                answer, status, ctype = r.content, r.status_code, r.headers.get("Content-Type", "")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def everything_written(state: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(state.rglob("*")) if p.is_file())


def test_a_site_echoing_the_token_gets_it_printed_nowhere(sandbox: Sandbox, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", participants("executive-management", 3))
    token = sandbox.token
    with hostile(sandbox, {"core_user_create_users", "local_lmsbridge_create_users"}) as url:  # a write fails
        failed = run_cli(["sync", "--roster", str(roster), "--log-format", "json"], sandbox, tmp_path,
                         LMSBRIDGE_MOODLE_URL=url)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Error writing to database (***)" in failed.stdout + failed.stderr
    with hostile(sandbox, {"core_course_get_courses_by_field"}) as url:  # a read fails: the run stops
        stopped = run_cli(["sync", "--roster", str(roster), "--log-format", "json"], sandbox, tmp_path,
                          LMSBRIDGE_MOODLE_URL=url)
    assert stopped.returncode == 4, stopped.stdout + stopped.stderr
    assert "debuginfo" in stopped.stdout + stopped.stderr  # the site's explanation is kept, blanked
    for run in (failed, stopped):
        for line in run.stderr.splitlines():
            json.loads(line)  # still one JSON record a line
        for form in (token, quote(token)):
            assert form not in run.stdout + run.stderr
    written = everything_written(tmp_path / "state")
    assert b"Error writing to database (***)" in written  # the journal and the run summary name the failure
    assert token.encode() not in written
