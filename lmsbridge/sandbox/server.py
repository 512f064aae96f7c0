"""The HTTP face: /webservice/rest/server.php, /webservice/upload.php and /webservice/pluginfile.php (and the
plugin's public certificate page /local/lmsbridge/v.php).

Order of checks follows Moodle's webservice_rest_server: web services enabled (else HTTP 403, empty body),
parse $_GET + $_POST, token, webservice/rest:use, function name, function exists, function in the token's
service, parameters, then the call itself inside one transaction.
"""

from __future__ import annotations

import random
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from lmsbridge.sandbox import phpform
from lmsbridge.sandbox.errors import (
    AccessException,
    FilePoolRace,
    InvalidParameter,
    MissingRecord,
    MoodleException,
    RawResponse,
    invalid_token,
)
from lmsbridge.sandbox.faults import FaultPlan, Faults
from lmsbridge.sandbox.params import validate
from lmsbridge.sandbox.registry import KNOWN_ELSEWHERE, Call, Function, TokenInfo
from lmsbridge.sandbox.render import php_json, xml_error, xml_response
from lmsbridge.sandbox.store import Store


class Site(Protocol):
    """What the HTTP side needs of the site it serves (app.Sandbox is one): the server knows no more of it."""

    store: Store
    functions: dict[str, Function]
    calls: list[str]
    langs: frozenset[str]
    debug: bool
    webservices_enabled: bool
    max_input_vars: int
    post_max_size: int
    upload_max_filesize: int
    faults: Faults
    fault_plan: FaultPlan

    @property
    def url(self) -> str: ...

    def token_info(self, token: str) -> TokenInfo | None: ...

    def files_upload(self, info: TokenInfo, files: list[phpform.UploadedFile], itemid: int, filepath: str
                     ) -> list[dict[str, Any]]: ...

NOT_IN_SERVICE = """Access to the function {name}() is not allowed.
                     There could be multiple reasons for this:
                     1. The service linked to the user token does not contain the function.
                     2. The service is user-restricted and the user is not listed.
                     3. The service is IP-restricted and the user IP is not listed.
                     4. The service is time-restricted and the time has expired.
                     5. The token is time-restricted and the time has expired.
                     6. The service requires a specific capability which the user does not have.
                     7. The function is called with username/password (no user token is sent)
                     and none of the services has the function to allow the user.
                     These settings can be found in Administration > Site administration
                     > Server > Web services > External services and Manage tokens."""


class _Dropped(Exception):
    """The response must not be sent (an injected reset or lost response)."""


class _AlreadySent(Exception):
    """An injected 5xx has been answered; nothing else to do."""


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], sandbox: Site) -> None:
        self.sandbox = sandbox
        super().__init__(addr, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out or get reset on purpose are not errors worth a traceback


class Handler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle's algorithm and the client's delayed ACK every
    # call would wait ~40 ms, which is not what a Moodle site costs and skews the benchmarks.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: request lines carry query strings, and with GET those may hold tokens

    # --- plumbing ---------------------------------------------------------------------------------------------

    @property
    def sb(self) -> Site:
        return self.server.sandbox

    def _send(self, status: int, body: str | bytes, content_type: str) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "private, must-revalidate, pre-check=0, post-check=0, max-age=0")
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:  # noqa: N802
        self._route(b"")

    def do_POST(self) -> None:  # noqa: N802
        self._route(self._body())

    def _route(self, body: bytes) -> None:
        path = urlsplit(self.path).path
        try:
            # A page of the plugin, not a web service: it answers whether web services are on or not.
            if path == "/local/lmsbridge/v.php" and "local_lmsbridge_publish_certificates" in self.sb.functions:
                return self._certificate_page()
            if not self.sb.webservices_enabled:
                return self._send(403, b"", "text/html; charset=utf-8")
            if path == "/webservice/rest/server.php":
                return self._rest(body)
            if path == "/webservice/upload.php":
                return self._upload(body)
            if path.startswith("/webservice/pluginfile.php/"):
                return self._pluginfile(path)
            self._send(404, "Not found", "text/plain; charset=utf-8")
        except _AlreadySent:
            pass
        except _Dropped:
            self._reset()

    # --- REST -------------------------------------------------------------------------------------------------

    def _rest(self, body: bytes) -> None:
        sb = self.sb
        query = phpform.truncate(phpform.split_pairs(urlsplit(self.path).query), sb.max_input_vars, post=False)
        post: list[tuple[str, str]] = []
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if self.command == "POST" and len(body) <= sb.post_max_size:  # over post_max_size PHP drops it all
            if ctype == "application/x-www-form-urlencoded":
                post = phpform.split_pairs(body.decode("utf-8", "replace"))
            elif ctype == "multipart/form-data":
                post, _ = phpform.parse_multipart(self.headers.get("Content-Type", ""), body)
            post = phpform.truncate(post, sb.max_input_vars, post=True)
        variables = phpform.build(query)
        variables.update(phpform.build(post))  # array_merge($_GET, $_POST): POST wins
        fmt = variables.pop("moodlewsrestformat", "xml")
        as_json = fmt == "json"
        token = variables.pop("wstoken", None)
        fname = variables.pop("wsfunction", None)
        for k in [k for k in variables if isinstance(k, str) and k.startswith("moodlewssetting")]:
            variables.pop(k)
        try:
            result = self._call(token, fname, variables)
        except MoodleException as exc:
            if as_json:
                return self._send(200, php_json(exc.as_json(sb.debug)), "application/json")
            return self._send(200, xml_error(exc, sb.debug), "application/xml; charset=utf-8")
        if isinstance(result, RawResponse):
            return self._send(200, result.body, result.content_type)
        if as_json:
            return self._send(200, php_json(result), "application/json")
        self._send(200, xml_response(result), "application/xml; charset=utf-8")

    def _token(self, token: Any) -> TokenInfo:
        if not isinstance(token, str) or not token:
            raise invalid_token()
        info = self.sb.token_info(token)
        if info is None:
            raise invalid_token()
        return info

    def _call(self, token: Any, fname: Any, variables: dict) -> Any:
        sb = self.sb
        info = self._token(token)
        if not info.rest_use:
            raise AccessException("You are not allowed to use the rest protocol (missing capability: "
                                  "webservice/rest:use)")
        if not isinstance(fname, str) or not fname:
            raise InvalidParameter("Missing function name")
        fn = sb.functions.get(fname)  # this site's functions: without the plugin, its names are unknown
        if fn is None:
            if fname in KNOWN_ELSEWHERE:
                raise AccessException(NOT_IN_SERVICE.format(name=fname))
            raise MissingRecord("external_functions",
                                f"SELECT * FROM {{external_functions}} WHERE name = ?\n[array (\n  0 => '{fname}',\n)]")
        if info.functions is not None and fname not in info.functions:
            raise AccessException(NOT_IN_SERVICE.format(name=fname))
        args = validate(fn.params, variables, sb.langs)

        fault = sb.fault_plan.draw(fname, fn.write)
        if fname == "local_lmsbridge_upsert_scorm" and args.get("draftitemid") and sb.fault_plan.file_race(fname):
            raise FilePoolRace()
        rows = len(args.get(fn.rows) or []) if fn.rows else 0
        self._delay(rows)
        if fault == "http_5xx":
            self._send(random.Random(len(sb.fault_plan.injected)).choice([500, 502, 503]),
                       "<html><body><h1>Service unavailable</h1></body></html>", "text/html; charset=utf-8")
            raise _AlreadySent
        if fault == "reset":
            raise _Dropped
        if fault == "timeout":
            time.sleep(sb.faults.timeout_s)

        call = Call(store=sb.store, token=info, site_url=sb.url, debug=sb.debug, langs=sb.langs)
        with sb.store.transaction():
            result = fn.impl(call, **args)
        if not fn.rows and isinstance(result, list):
            self._delay(len(result), fixed=False)
        sb.calls.append(fname)
        if fault == "drop_after_commit":
            raise _Dropped
        return result

    def _delay(self, rows: int, fixed: bool = True) -> None:
        f = self.sb.faults
        ms = (f.latency_ms if fixed else 0.0) + f.per_row_ms * rows
        if ms > 0:
            time.sleep(ms / 1000)

    # --- upload.php -------------------------------------------------------------------------------------------

    def _upload_error(self, code: str, message: str, content_type: str = "text/plain; charset=utf-8",
                      where: str = "") -> None:
        sb = self.sb
        err = {"error": message, "errorcode": code, "stacktrace": None, "debuginfo": None, "reproductionlink": None}
        if sb.debug:
            err.update(stacktrace=f"* line 58 of /webservice/upload.php: {where or code}\n",
                       debuginfo=f"\nError code: {code}", reproductionlink=sb.url + "/")
        self._send(200, php_json(err), content_type)

    def _upload(self, body: bytes) -> None:
        sb = self.sb
        fields: list[tuple[str, str]] = []
        files: list[phpform.UploadedFile] = []
        if len(body) <= sb.post_max_size and self.command == "POST":
            ctype = self.headers.get("Content-Type", "")
            if ctype.lower().startswith("multipart/form-data"):
                fields, files = phpform.parse_multipart(ctype, body)
            elif ctype.lower().startswith("application/x-www-form-urlencoded"):
                fields = phpform.split_pairs(body.decode("utf-8", "replace"))
        form = dict(fields)
        form.update(dict(phpform.split_pairs(urlsplit(self.path).query)))
        token = form.get("token")
        if not token:
            return self._upload_error("missingparam", "A required parameter (token) was missing",
                                      "application/json; charset=utf-8")
        info = sb.token_info(token)
        if info is None:
            return self._upload_error("invalidtoken", "Invalid token - token not found",
                                      where="call to webservice->authenticate_user()")
        for f in files:
            if len(f.content) > sb.upload_max_filesize:
                return self._upload_error("upload_error_ini_size", "The file is larger than the maximum size allowed.")
        if not files:
            return self._send(200, "[]", "application/json; charset=utf-8")
        try:
            itemid = int(form.get("itemid") or 0)
        except ValueError:
            itemid = 0
        filepath = form.get("filepath") or "/"
        if sb.fault_plan.file_race("upload.php"):
            return self._upload_error(FilePoolRace().errorcode or "", FilePoolRace.MESSAGE)
        result = sb.files_upload(info, files, itemid, filepath)
        self._send(200, php_json(result), "text/plain; charset=utf-8")

    # --- local/lmsbridge/v.php: the public verification page of a certificate (no login) ----------------------

    def _certificate_page(self) -> None:
        from lmsbridge.sandbox.functions.plugin.certificates import public_page

        code = dict(phpform.split_pairs(urlsplit(self.path).query)).get("c", "")
        status, page = public_page(self.sb.store, code)
        self._send(status, page, "text/html; charset=utf-8")

    # --- pluginfile.php ---------------------------------------------------------------------------------------

    def _pluginfile(self, path: str) -> None:
        sb = self.sb
        token = dict(phpform.split_pairs(urlsplit(self.path).query)).get("token", "")
        parts = [unquote(p) for p in path[len("/webservice/pluginfile.php/"):].split("/")]
        if sb.token_info(token) is None or len(parts) < 4:
            return self._send(404, "Not found", "text/plain; charset=utf-8")
        contextid, component, filearea, *rest = parts
        # Areas with an itemid in the URL (draft, private) vs SCORM's package area (itemid 0 implied in URL too).
        itemid = int(rest[0]) if rest and rest[0].isdigit() and len(rest) > 1 else 0
        tail = rest[1:] if rest and rest[0].isdigit() and len(rest) > 1 else rest
        filename = tail[-1] if tail else ""
        filepath = "/" + "/".join(tail[:-1]) + ("/" if len(tail) > 1 else "")
        from lmsbridge.sandbox.functions.plugin import certificate_pdf

        info = sb.token_info(token)
        if (component, filearea) == certificate_pdf.AREA and info and not certificate_pdf.may_download(
                sb.store, info, itemid):
            return self._send(404, "Not found", "text/plain; charset=utf-8")
        row = sb.store.one("SELECT content FROM files WHERE contextid = ? AND component = ? AND filearea = ? "
                           "AND itemid = ? AND filepath = ? AND filename = ?", int(contextid) if
                           contextid.isdigit() else -1, component, filearea, itemid, filepath, filename)
        if row is None:
            return self._send(404, "Not found", "text/plain; charset=utf-8")
        self._send(200, row["content"], "application/octet-stream")
