"""Real loopback HTTP servers for the client's tests: each scripted with the answers to give, in order.

(A uniquely named module, not conftest: test modules import it by name.)
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lmsbridge.moodle import MoodleClient, RetryPolicy

TOKEN = "t0ps3cr3tt0k3n5678abcdef01234567"  # looks like a Moodle token; must never show up in output
ROOT = Path(__file__).resolve().parents[2]
CONTRACT = Path(os.environ.get("LMSBRIDGE_SHARED", ROOT.parent / "shared")) / "moodle-contract"


def recordings() -> list[str]:
    """Scenario names of every recording (empty when ../shared is absent: the tests then skip)."""
    if not CONTRACT.is_dir():
        return []
    return sorted(p.stem for p in CONTRACT.glob("*.json") if not p.name.startswith("_"))


def load_recording(name: str) -> dict:
    return json.loads((CONTRACT / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b"null"
    content_type: str = "application/json"
    delay_s: float = 0.0

    @classmethod
    def json(cls, data: object, **kw: object) -> Reply:
        return cls(body=json.dumps(data), **kw)  # type: ignore[arg-type]

    @classmethod
    def recorded(cls, recording: dict) -> Reply:
        response = recording["response"]
        headers = {k.lower(): v for k, v in response["headers"].items()}
        return cls(response["http_status"], response["body_text"], headers.get("content-type", ""))


@dataclass
class Reset:
    """Read the request, then drop the connection with a TCP reset (no answer)."""


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Action = Reply | Reset | Callable[[Received], Reply]


@dataclass
class LoopbackServer:
    """A scripted HTTP server on 127.0.0.1. ``script`` answers in order; ``default`` answers after that."""

    port: int = 0
    script: deque = field(default_factory=deque)
    default: Action | None = None
    received: list[Received] = field(default_factory=list)

    def start(self) -> LoopbackServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(self.command, self.path, dict(self.headers), self.rfile.read(length))
                server.received.append(request)
                action = server.script.popleft() if server.script else server.default
                if action is None:
                    action = Reply(500, "no scripted answer", "text/plain")
                if isinstance(action, Reset):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                reply = action(request) if callable(action) else action
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    if reply.content_type:
                        self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout test)

            do_POST = do_GET = _serve

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if getattr(self, "_httpd", None):
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        self.script.clear()
        self.default = None
        self.received.clear()

    def answer(self, *actions: Action) -> None:
        self.script.extend(actions)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_client(url: str, **kw: object) -> MoodleClient:
    options: dict = {"timeout": 2.0, "retry": RetryPolicy(retries=2, backoff_s=0.001), "sleep": lambda s: None}
    options.update(kw)
    return MoodleClient(url, TOKEN, **options)
