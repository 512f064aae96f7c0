"""`Sandbox`: a local Moodle-5.0-compatible web-service endpoint on a real HTTP server (127.0.0.1 by default)."""

from __future__ import annotations

import json
import random
import threading
from typing import Any

from lmsbridge.sandbox import functions  # noqa: F401  (registers every family)
from lmsbridge.sandbox.faults import FaultPlan, Faults
from lmsbridge.sandbox.phpform import UploadedFile
from lmsbridge.sandbox.functions.plugin import PLUGIN_COMPONENT
from lmsbridge.sandbox.registry import REGISTRY, Function, TokenInfo
from lmsbridge.sandbox.server import SandboxHTTPServer
from lmsbridge.sandbox.store import CONTEXT_USER, WS_USER_ID, Store

MIB = 1024 * 1024
DEFAULT_LANGS = ("en", "lt", "sv", "lv", "et", "fi", "de", "pl", "ru")


class Sandbox:
    """Start with `with Sandbox() as sb:` (or `.start()`); `sb.url` and `sb.token` are what a client needs.

    state: None/":memory:" keeps everything in memory; a file path keeps it across restarts.
    token: the main token (full access); without one a stored main token is reused, else a random one is made.
    faults: latency and injected failures (see faults.Faults); `sb.fault_plan.script(...)` scripts exact faults.
    debug: include "debuginfo" in errors, as a site with debugging >= NORMAL does.
    plugin: the companion plugin local_lmsbridge is installed (its local_lmsbridge_* functions exist); False is a
    site without it, where those names answer as any unknown function does.
    `sb.db` is the Store: seed and inspect state directly (create_user, create_course, enrol, add_scorm, q, ...).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: str | None = None, token: str | None = None,
                 max_input_vars: int = 5000, faults: Faults | dict | None = None, debug: bool = False, *,
                 post_max_size: int = 8 * MIB, upload_max_filesize: int = 2 * MIB,
                 langs: tuple[str, ...] = DEFAULT_LANGS, site_name: str = "lmsbridge sandbox",
                 webservices_enabled: bool = True, plugin: bool = True) -> None:
        self.host, self.port = host, port
        self.db = self.store = Store(state or ":memory:", site_name=site_name)
        self.max_input_vars = max_input_vars
        self.faults = faults if isinstance(faults, Faults) else Faults(**(faults or {}))
        self.fault_plan = FaultPlan(self.faults)
        self.debug = debug
        self.post_max_size = post_max_size
        self.upload_max_filesize = upload_max_filesize
        self.langs = frozenset(langs)
        self.webservices_enabled = webservices_enabled
        self.plugin = plugin
        # The functions this site has: core ones always, the plugin's only when it is installed.
        self.functions: dict[str, Function] = {n: f for n, f in REGISTRY.items()
                                               if plugin or f.component != PLUGIN_COMPONENT}
        self.calls: list[str] = []  # names of the calls that ran (committed), in order
        with self.db.transaction():
            if token:
                self.db.add_token(token, name="main")
                self.db.set_config("main_token", token)
            elif not self.db.config("main_token"):
                self.db.set_config("main_token", self.db.add_token(name="main"))
        self.token: str = self.db.config("main_token") or ""
        self._httpd: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._httpd is None:
            self._httpd = SandboxHTTPServer((self.host, self.port), self)
            self.port = self._httpd.server_address[1]
            # A short poll interval: stop() returns at once instead of after up to half a second.
            self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                            name="lmsbridge-sandbox", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread until stop() (the CLI's way)."""
        if self._httpd is None:
            self._httpd = SandboxHTTPServer((self.host, self.port), self)
            self.port = self._httpd.server_address[1]
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self.db.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # --- tokens -----------------------------------------------------------------------------------------------

    def add_token(self, token: str | None = None, *, userid: int = WS_USER_ID, functions: list[str] | None = None,
                  rest_use: bool = True, capabilities: list[str] | None = None, name: str = "") -> str:
        """A further token: e.g. rest_use=False (accessexception), capabilities=["webservice/rest:use"] (a user
        with nothing else), functions=[...] (a service lacking some functions)."""
        with self.db.transaction():
            return self.db.add_token(token, userid=userid, functions=functions, rest_use=rest_use,
                                     capabilities=capabilities, name=name)

    def token_info(self, token: str) -> TokenInfo | None:
        row = self.db.one("SELECT * FROM token WHERE token = ?", token)
        if row is None:
            return None
        functions = None if row["functions"] is None else frozenset(json.loads(row["functions"]))
        if functions is None and len(self.functions) < len(REGISTRY):
            functions = frozenset(self.functions)  # "every function" of a site without the plugin lacks its functions
        return TokenInfo(token=token, userid=row["userid"], functions=functions,
                         rest_use=bool(row["rest_use"]),
                         capabilities=None if row["capabilities"] is None else
                         frozenset(json.loads(row["capabilities"])), name=row["name"] or "")

    def service_functions(self, info: TokenInfo) -> list[str]:
        return sorted(self.functions) if info.functions is None else \
            sorted(f for f in info.functions if f in self.functions)

    # --- upload.php -------------------------------------------------------------------------------------------

    def files_upload(self, info: TokenInfo, files: list[UploadedFile], itemid: int, filepath: str) -> list[dict]:
        """Store files in the token user's draft area; a new itemid unless one was given."""
        db = self.db
        user = db.one("SELECT * FROM user WHERE id = ?", info.userid) or {}
        author = f"{user.get('firstname', '')} {user.get('lastname', '')}".strip()
        out: list[dict[str, Any]] = []
        with db.transaction():
            ctx = db.context_id(CONTEXT_USER, info.userid)
            if not itemid:
                itemid = random.randint(100000000, 999999999)
            for f in files:
                exists = db.one("SELECT id FROM files WHERE contextid = ? AND component = 'user' AND filearea = "
                                "'draft' AND itemid = ? AND filepath = ? AND filename = ?", ctx, itemid, filepath,
                                f.filename)
                if exists:
                    out.append({"avscantime": 3.4e-05, "filename": f.filename, "filepath": "/var/tmp/phpSandbox",
                                "size": len(f.content), "errortype": "filenameexist",
                                "error": f"File name already exists: {f.filename}"})
                    continue
                db.add_file(ctx, "user", "draft", itemid, f.filename, f.content, filepath=filepath,
                            userid=info.userid, author=author)
                source = f's:6:"source";s:{len(f.filename.encode())}:"{f.filename}";'
                out.append({"component": "user", "contextid": ctx, "userid": str(info.userid), "filearea": "draft",
                            "filename": f.filename, "filepath": filepath, "itemid": itemid, "license": "unknown",
                            "author": author, "source": 'O:8:"stdClass":1:{' + source + "}",
                            "filesize": len(f.content)})
        return out
