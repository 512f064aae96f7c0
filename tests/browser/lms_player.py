"""The LMS side and the learner side of the browser tests: a learner in headless Chromium, an LMS played by
scorm-again.

The harness page (harness.html) does what Moodle's player does: it owns window.API (SCORM 1.2) or
window.API_1484_11 (SCORM 2004), here scorm-again's implementation, loads what the LMS knows about the learner
and frames the SCO. scorm-again commits to a real HTTP server on 127.0.0.1, so the tests assert what the LMS
actually received, including the beacon sent when the window closes.
"""

from __future__ import annotations

import json
import mimetypes
import re
import shutil
import threading
import time
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COURSES = ROOT / "course_packages"
CHROMIUM = Path("/usr/bin/chromium")
SCORM_AGAIN = HERE / "node_modules" / "scorm-again" / "dist"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMEOUT = 10.0  # seconds to wait for anything the LMS should receive


def course_modules(root: Path = COURSES) -> list[str]:
    """Module ids in programme order, read from the programme files only (collection must not need a build)."""
    ids: list[str] = []
    for path in sorted(root.glob("*/programme.toml")):
        try:
            ids += list(tomllib.loads(path.read_text(encoding="utf-8")).get("modules", []))
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return ids


# ------------------------------------------------------------------------------------------------------------
# The LMS server
# ------------------------------------------------------------------------------------------------------------
@dataclass
class LmsSession:
    id: str
    version: str
    url: str
    cmi: dict[str, str]
    lms: dict[str, Any] = field(default_factory=dict)              # harness options (suspend_limit, popup)
    fail_commits: bool = False                                     # answer commits as a broken LMS would
    commits: list[dict[str, Any]] = field(default_factory=list)   # {"terminate": bool, "data": {...}}
    events: list[dict[str, Any]] = field(default_factory=list)    # Initialize/Finish calls the harness saw

    @property
    def last(self) -> dict[str, str]:
        """The LMS's view after the last commit (scorm-again sends the full CMI each time)."""
        assert self.commits, "the LMS received no commit"
        return self.commits[-1]["data"]

    def finishes(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["call"] in ("LMSFinish", "Terminate")]


class LmsServer:
    """Serves the harness, scorm-again and extracted packages; records what scorm-again commits."""

    def __init__(self, packages: Path) -> None:
        self.packages = packages
        self.sessions: dict[str, LmsSession] = {}
        self.changed = threading.Condition()
        self._count = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = unquote(urlsplit(self.path).path)
                m = re.fullmatch(r"/session/([^/]+)/launch", path)
                if m and m[1] in server.sessions:
                    s = server.sessions[m[1]]
                    body = json.dumps({"version": s.version, "url": s.url, "cmi": s.cmi, "lms": s.lms}).encode()
                    return self._send(200, body, "application/json")
                if path == "/harness.html":
                    file = HERE / "harness.html"
                elif path.startswith("/scorm-again/"):
                    file = SCORM_AGAIN / path.removeprefix("/scorm-again/")
                elif path.startswith("/pkg/"):
                    file = server.packages / path.removeprefix("/pkg/")
                else:
                    return self._send(404, b"not found", "text/plain")
                if ".." in Path(path).parts or not file.is_file():
                    return self._send(404, b"not found", "text/plain")
                ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                if ctype.startswith("text/") or ctype.endswith("javascript"):
                    ctype += "; charset=utf-8"
                self._send(200, file.read_bytes(), ctype)

            def do_POST(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                m = re.fullmatch(r"/session/([^/]+)/(commit|event)", unquote(parts.path))
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size)
                if not m or m[1] not in server.sessions:
                    return self._send(404, b"not found", "text/plain")
                data = json.loads(raw or b"{}")
                s = server.sessions[m[1]]
                if m[2] == "commit" and s.fail_commits:
                    return self._send(200, b'{"result": false, "errorCode": 101}', "application/json")
                with server.changed:
                    if m[2] == "commit":
                        s.commits.append({"terminate": "terminate=true" in parts.query, "data": data})
                    else:
                        s.events.append(data)
                    server.changed.notify_all()
                self._send(200, b'{"result": true, "errorCode": 0}', "application/json")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def session(self, version: str, package_url: str, cmi: dict[str, str] | None = None,
                lms: dict[str, Any] | None = None) -> LmsSession:
        with self.changed:
            self._count += 1
            s = LmsSession(id=f"s{self._count}", version=version, url=package_url, cmi=dict(cmi or {}),
                           lms=dict(lms or {}))
            self.sessions[s.id] = s
        return s

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        """Blocks until condition() holds (checked whenever the LMS receives something)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}")
                self.changed.wait(left)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ------------------------------------------------------------------------------------------------------------
# Packages: built once per session from the real course sources
# ------------------------------------------------------------------------------------------------------------
@dataclass
class Package:
    module: str
    lang: str          # "multi" for a multilingual package
    version: str       # "1.2" or "2004"
    dir: Path          # extracted
    url_path: str      # /pkg/<name>/index.html


class Packages:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._built: dict[tuple[str, bool], list[Package] | Exception] = {}
        self._lock = threading.Lock()

    def build(self, module: str, *, multilingual: bool = False, source: Path = COURSES) -> list[Package]:
        """The module's packages (built on first use); a source problem fails the test with the builder's words."""
        from scorm.build import build_packages  # the builder is the only way packages are made

        key = (f"{source}:{module}", multilingual)
        with self._lock:
            if key not in self._built:
                out = self.root / "zips"
                try:
                    built = build_packages(source, out, modules=[module], multilingual=multilingual)
                    packages = []
                    for b in built:
                        name = b.path.name.removesuffix(".zip")
                        target = self.root / "pkg" / name
                        shutil.rmtree(target, ignore_errors=True)
                        with zipfile.ZipFile(b.path) as z:
                            z.extractall(target)
                        packages.append(Package(b.module, b.lang, b.version, target, f"/pkg/{name}/index.html"))
                    self._built[key] = packages
                except Exception as e:  # noqa: BLE001 (reported to the test that needs the module)
                    self._built[key] = e
            result = self._built[key]
        if isinstance(result, Exception):
            pytest.fail(f"module {module} does not build: {result}", pytrace=False)
        return result

    def get(self, module: str, version: str, lang: str | None = None, **kw: Any) -> Package:
        packages = [p for p in self.build(module, **kw) if p.version == version and (lang is None or p.lang == lang)]
        assert packages, f"no {version} package of {module} in {lang or 'any language'}"
        return packages[0]


# ------------------------------------------------------------------------------------------------------------
# The learner
# ------------------------------------------------------------------------------------------------------------
class Sco:
    """One launch of a SCO in the harness (or alone, without an LMS), driven like a learner would."""

    @staticmethod
    def _sco_frame(page: Any) -> Any:
        """The SCO's frame: the harness may add it only after its own load event (it sets the API up first)."""
        deadline = time.monotonic() + TIMEOUT
        while (frame := page.frame(url=re.compile(r"/pkg/"))) is None and time.monotonic() < deadline:
            page.wait_for_timeout(25)
        return frame

    def __init__(self, page: Any, session: LmsSession | None, server: LmsServer, harness: Any = None) -> None:
        self.page = page
        self.harness = harness or page    # the LMS's window (another one when the SCO runs in a popup)
        self.session = session
        self.server = server
        self.frame = page.main_frame if session is None else self._sco_frame(page)
        assert self.frame is not None, "the harness did not frame the SCO"
        self.frame.wait_for_function("() => window.lmsbridge !== undefined")
        self.config: dict[str, Any] = json.loads(self.frame.locator("#lmsbridge-config").text_content())
        self.lang: str = self.frame.evaluate("() => document.documentElement.lang")
        self.root = self.frame.locator(f'.language-version[data-lang="{self.lang}"]')

    # --- what the learner sees ---
    @property
    def pages(self) -> list[str]:
        return self.config["languages"][self.lang]["pages"]

    def current(self) -> str:
        """Id of the one page on show (and checks that it is the only one)."""
        shown = self.root.locator("section.page:not([hidden])")
        assert shown.count() == 1, f"{shown.count()} pages on show"
        return shown.get_attribute("id")

    def indicator(self) -> str:
        return self.root.locator(".page-indicator").text_content()

    def status_text(self) -> str:
        return self.frame.locator("#lms-status").text_content() or ""

    def strings(self) -> dict[str, str]:
        return self.config["languages"][self.lang]["strings"]

    # --- acting ---
    def next(self, keyboard: bool = False) -> None:
        before = self.current()
        button = self.root.locator(".pager .next")
        if keyboard:
            button.focus()
            self.page.keyboard.press("Enter")
        else:
            button.click()
        index = self.pages.index(before) + 1
        self.root.locator(f"#{self.pages[index]}").wait_for(state="visible")

    def read_to(self, index: int) -> None:
        """Goes forward page by page (alternating keyboard and mouse) until page `index` (0-based) is on show."""
        while self.pages.index(self.current()) < index:
            self.next(keyboard=self.pages.index(self.current()) % 2 == 0)

    def questions(self) -> list[dict[str, Any]]:
        return self.config["quiz"]["questions"]

    def answer(self, q: dict[str, Any], correct: bool) -> Any:
        """Answers one question through the form (rightly or wrongly); returns what was answered."""
        lang, qid = self.lang, q["id"]
        fs = self.root.locator(f'fieldset.question[data-question="{qid}"]')
        if q["type"] in ("single", "multiple"):
            values = [v for v in fs.locator("input").evaluate_all("els => els.map(e => e.value)")]
            wrong = [v for v in values if v not in q["correct"]]
            chosen = list(q["correct"]) if correct else (wrong[:1] if q["type"] == "single" else q["correct"] + wrong[:1])
            if not correct and not wrong:
                chosen = []
            for v in chosen:
                fs.locator(f'label[for="{lang}-{qid}-{v}"]').click()
            return chosen
        if q["type"] == "true-false":
            value = str(q["correct"]).lower() if correct else str(not q["correct"]).lower()
            fs.locator(f'label[for="{lang}-{qid}-{value}"]').click()
            return value
        if q["type"] == "fill-in":
            accepted = q["correct"][lang] if isinstance(q["correct"], dict) else q["correct"]
            text = accepted[0]
            # The learner's casing and spacing differ from the key: the runtime ignores both.
            if text.upper().lower() == text.lower():
                text = text.upper()
            text = f"  {text.replace(' ', '   ')} " if correct else "zzz no such answer"
            fs.locator("input[type=text]").fill(text)
            return text
        if q["type"] == "matching":
            pairs = q["correct"]
            targets = [t for _, t in pairs]
            chosen = {}
            for i, (source, target) in enumerate(pairs):
                pick = target if correct else (targets[(i + 1) % len(targets)] if len(set(targets)) > 1 else "")
                if pick:
                    fs.locator(f"#{lang}-{qid}-{source}").select_option(pick)
                    chosen[source] = pick
            return chosen
        raise AssertionError(f"unknown question type {q['type']}")

    def answer_all(self, correct: Callable[[int], bool] | bool) -> float:
        """Answers every question; returns the score the runtime must compute (CONTRACT.md rule)."""
        earned = total = 0
        for i, q in enumerate(self.questions()):
            ok = correct(i) if callable(correct) else correct
            self.answer(q, ok)
            total += q["points"]
            earned += q["points"] if ok else 0
        return int(earned / total * 100 + 0.5) if total else 0

    def submit(self) -> None:
        self.root.locator(".quiz-submit").click()
        self.root.locator(".quiz-result").wait_for(state="visible")
        self.frame.wait_for_function("() => document.querySelector('.quiz-result:not(:empty)') !== null")

    def finish(self) -> None:
        self.root.locator(".pager .finish").click()

    def close(self) -> None:
        """Closes the window as a learner would (the browser runs the page's unload handlers)."""
        self.page.close(run_before_unload=True)
        if not self.page.is_closed():
            self.page.wait_for_event("close")

    # --- what the LMS saw ---
    def lms_calls(self) -> list[dict[str, Any]]:
        return self.harness.evaluate("() => window.lmsCalls")

    def wait_finished(self, final_commit: bool = True) -> None:
        """Waits for LMSFinish/Terminate and (unless final_commit=False) the commit that scorm-again sends with it.

        scorm-again sends that commit as a beacon, which browsers cap at 64 KiB: a module with very many
        interactions passes final_commit=False and relies on the commit the SCO makes just before finishing.
        """
        s = self.session
        assert s is not None
        self.server.wait(lambda: bool(s.finishes()) and (not final_commit or any(c["terminate"] for c in s.commits)),
                         "LMSFinish/Terminate" + (" and the final commit" if final_commit else ""))


def interactions(data: dict[str, str]) -> list[dict[str, str]]:
    """cmi.interactions.N.* of a flattened commit, as one dict per interaction in index order."""
    found: dict[int, dict[str, str]] = {}
    for key, value in data.items():
        m = re.fullmatch(r"cmi\.interactions\.(\d+)\.(.+)", key)
        if m:
            found.setdefault(int(m[1]), {})[m[2]] = value
    return [found[i] for i in sorted(found)]


def relaunch_data(version: str, data: dict[str, str]) -> dict[str, str]:
    """What Moodle hands the SCO on its next launch of the same attempt, from what it stored."""
    keep = (r"cmi\.(core\.lesson_location|core\.lesson_status|core\.score\..+|suspend_data|location|"
            r"completion_status|success_status|progress_measure|score\..+|interactions\..+)")
    cmi = {k: v for k, v in data.items() if re.fullmatch(keep, k) and v != ""}
    exit_ = data.get("cmi.core.exit" if version == "1.2" else "cmi.exit", "")
    if version == "1.2":
        cmi["cmi.core.entry"] = "resume" if exit_ == "suspend" else ""
    else:
        cmi["cmi.entry"] = "resume" if exit_ in ("suspend", "logout") else ""
    return cmi


def learner(version: str, **extra: str) -> dict[str, str]:
    """A first launch's data, as Moodle's player sets it (with a mastery score in the manifest)."""
    if version == "1.2":
        return {"cmi.core.student_id": "learner1", "cmi.core.student_name": "Learner, Test",
                "cmi.core.entry": "ab-initio", **extra}
    return {"cmi.learner_id": "learner1", "cmi.learner_name": "Test Learner", "cmi.entry": "ab-initio", **extra}
