"""A learner takes built packages inside a real Moodle's own SCORM player; the results are read back over REST.

Runs when LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN (an administrator's token whose service holds
the mod_scorm, gradereport, completion functions and the companion plugin's) are set, skipped otherwise.
With LMSBRIDGE_TEST_MOODLE_DIR (the site's code folder on this machine, with `php`) Moodle's own SCORM API debug
log is switched on for this test's learner only (and back afterwards), and must show no error.

The run works in a course of its own, with a learner of its own, and deletes both at the end.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lms_player import COURSES, Sco

URL = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL", "").rstrip("/")
TOKEN = os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN", "")
MOODLE_DIR = os.environ.get("LMSBRIDGE_TEST_MOODLE_DIR", "")
STUDENT_ROLE = 5           # Moodle's standard "student" role
WAIT = 20.0                # seconds for Moodle to hold what the SCO sent (the last save goes out as a beacon)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.moodle,
    pytest.mark.skipif(not (URL and TOKEN), reason="needs a real Moodle: set LMSBRIDGE_TEST_MOODLE_URL and "
                                                   "LMSBRIDGE_TEST_MOODLE_TOKEN (an administrator's token)"),
]

# The modules the learner takes: one per SCORM version.
CASES = {"1.2": ("sc-intro", "lt"), "2004": ("cme-strategy", "en")}

# Every call the SCO makes to Moodle's API object, with Moodle's answer and error code, reported on the console
# (it survives the page going away, where LMSFinish/Terminate runs). Installed in the player window only.
API_RECORDER = """(() => {
  if (window !== window.top) return;
  const wrap = (api, v12) => {
    const last = v12 ? 'LMSGetLastError' : 'GetLastError';
    const names = v12 ? ['LMSInitialize', 'LMSFinish', 'LMSGetValue', 'LMSSetValue', 'LMSCommit']
                      : ['Initialize', 'Terminate', 'GetValue', 'SetValue', 'Commit'];
    names.forEach((name) => {
      const original = api[name];
      if (typeof original !== 'function') return;
      api[name] = function () {
        const args = Array.prototype.slice.call(arguments);
        const result = original.apply(this, args);
        const error = String(api[last]());
        console.log('lmsbridge-api ' + JSON.stringify({call: name, args: args, result: String(result), error: error}));
        return result;
      };
    });
    return api;
  };
  [['API', true], ['API_1484_11', false]].forEach(([name, v12]) => {
    let held;
    Object.defineProperty(window, name, {configurable: true, enumerable: true,
      get() { return held; }, set(api) { held = api && typeof api === 'object' ? wrap(api, v12) : api; }});
  });
})();"""


class Password(str):
    """A generated password that never shows in a repr, an assertion message or a log."""

    def __repr__(self) -> str:
        return "Password(***)"


def new_password() -> Password:
    # Moodle's default policy: 8+ characters with a digit, a lower- and an upper-case letter and a symbol.
    return Password(secrets.token_urlsafe(18) + "aZ7#")


# ------------------------------------------------------------------------------------------------------------
# The site: a course, a learner, one activity per SCORM version
# ------------------------------------------------------------------------------------------------------------
def php_cfg(name: str, value: str | None = None) -> str:
    """Reads (or sets) a mod_scorm setting through Moodle's own admin/cli/cfg.php."""
    args = ["php", str(Path(MOODLE_DIR) / "admin" / "cli" / "cfg.php"), "--component=scorm", f"--name={name}"]
    if value is not None:
        args.append(f"--set={value}")
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def admin() -> Iterator[Any]:
    from lmsbridge.moodle import MoodleClient

    client = MoodleClient(URL, TOKEN, timeout=120)
    yield client
    client.close()


@pytest.fixture(scope="module")
def site(admin: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from scorm.build import build_packages

    sfx = secrets.token_hex(3)
    username = f"lmsbplayer{sfx}"          # letters and digits only: Moodle's debug mask allows no "-"
    password = new_password()
    course = admin.call("core_course_create_courses", {"courses": [{
        "fullname": f"lmsbridge player test {sfx}", "shortname": f"lmsb-player-{sfx}", "categoryid": 1,
        "enablecompletion": 1}]})[0]
    debug_before: tuple[str, str] | None = None
    user: dict[str, Any] | None = None
    try:
        [user] = admin.call("core_user_create_users", {"users": [{
            "username": username, "password": password, "firstname": "Player", "lastname": f"Learner {sfx}",
            "email": f"{username}@example.invalid"}]})
        admin.call("enrol_manual_enrol_users", {"enrolments": [
            {"roleid": STUDENT_ROLE, "userid": user["id"], "courseid": course["id"]}]})
        out = tmp_path_factory.mktemp("moodle-packages")
        activities: dict[str, dict[str, Any]] = {}
        for version, (module, lang) in CASES.items():
            [built] = build_packages(COURSES, out, versions=(version,), langs=[lang], modules=[module])
            made = admin.call("local_lmsbridge_upsert_scorm", {
                "courseid": course["id"], "section": 1, "idnumber": f"{module}-{version}-{sfx}",
                "name": f"{module} ({version})", "draftitemid": admin.upload([built.path]).itemid,
                "completionstatus": "passed", "display": "currentwindow"})
            scoes = admin.call("mod_scorm_get_scorm_scoes", {"scormid": made["instance"]})["scoes"]
            [sco] = [s for s in scoes if s["launch"]]
            activities[version] = {**made, "scoid": sco["id"], "module": module, "lang": lang}
        if MOODLE_DIR and shutil.which("php"):
            debug_before = (php_cfg("allowapidebug"), php_cfg("apidebugmask"))
            php_cfg("allowapidebug", "1")
            php_cfg("apidebugmask", f"{username}:.*")
        yield {"course": course["id"], "user": user["id"], "username": username, "password": password,
               "activities": activities, "debug": debug_before is not None}
    finally:
        if debug_before is not None:
            php_cfg("allowapidebug", debug_before[0])
            php_cfg("apidebugmask", debug_before[1])
        admin.call("core_course_delete_courses", {"courseids": [course["id"]]})
        if user is not None:
            admin.call("core_user_delete_users", {"userids": [user["id"]]})


def tracks(admin: Any, site: dict[str, Any], version: str, attempt: int) -> dict[str, str]:
    scoid = site["activities"][version]["scoid"]
    data = admin.call("mod_scorm_get_scorm_sco_tracks", {"scoid": scoid, "userid": site["user"], "attempt": attempt})
    return {t["element"]: t["value"] for t in data["data"]["tracks"]}


def wait_tracks(admin: Any, site: dict[str, Any], version: str, attempt: int,
                until: Callable[[dict[str, str]], bool], what: str) -> dict[str, str]:
    """Moodle's tracks once `until` holds (the SCO's last save may still be on its way as a beacon)."""
    deadline = time.monotonic() + WAIT
    while True:
        found = tracks(admin, site, version, attempt)
        if until(found):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"Moodle never stored {what}; it holds {json.dumps(found, indent=1)}")
        time.sleep(0.3)


def interactions(found: dict[str, str]) -> list[dict[str, str]]:
    """cmi.interactions_N.* (as Moodle stores them) as one dict per interaction, in index order."""
    by_index: dict[int, dict[str, str]] = {}
    for key, value in found.items():
        m = re.fullmatch(r"cmi\.interactions[._](\d+)\.(.+)", key)
        if m:
            by_index.setdefault(int(m[1]), {})[m[2].replace("correct_responses_", "correct_responses.")] = value
    return [by_index[i] for i in sorted(by_index)]


def scorm_grade(admin: Any, site: dict[str, Any], version: str) -> float | None:
    report = admin.call("gradereport_user_get_grade_items", {"courseid": site["course"], "userid": site["user"]})
    instance = site["activities"][version]["instance"]
    [item] = [i for i in report["usergrades"][0]["gradeitems"]
              if i["itemmodule"] == "scorm" and i["iteminstance"] == instance]
    return item["graderaw"]


def completion_state(admin: Any, site: dict[str, Any], version: str) -> int:
    found = admin.call("core_completion_get_activities_completion_status",
                       {"courseid": site["course"], "userid": site["user"]})["statuses"]
    [status] = [s for s in found if s["cmid"] == site["activities"][version]["cmid"]]
    return status["state"]


# ------------------------------------------------------------------------------------------------------------
# The learner's browser
# ------------------------------------------------------------------------------------------------------------
class MoodleSco(Sco):
    """The SCO inside Moodle's player frame, driven with the same learner actions as the scorm-again tests."""

    def __init__(self, page: Any, frame: Any) -> None:  # noqa: D107 (no harness, no test server here)
        self.page = self.harness = page
        self.session = self.server = None
        self.frame = frame
        frame.wait_for_function("() => window.lmsbridge !== undefined")
        self.config = json.loads(frame.locator("#lmsbridge-config").text_content())
        self.lang = frame.evaluate("() => document.documentElement.lang")
        self.root = frame.locator(f'.language-version[data-lang="{self.lang}"]')


class Learner:
    """One learner's browser: logged in through Moodle's login form; records every API call the SCO makes."""

    def __init__(self, browser: Any, site: dict[str, Any]) -> None:
        self.site = site
        self.context = browser.new_context()
        self.context.set_default_timeout(30_000)
        self.context.add_init_script(API_RECORDER)
        self.page = self.context.new_page()
        self.calls: list[dict[str, Any]] = []
        self.page.on("console", self._console)
        # Up to three tries: on a busy site the form was now and then sent before its page had settled (Moodle
        # then answers "Invalid login" for a password the account does have); a real refusal fails all three.
        for attempt in range(3):
            self.page.goto(f"{URL}/login/index.php", wait_until="networkidle")
            self.page.fill("#username", site["username"])
            self.page.fill("#password", site["password"])
            self.page.click("#loginbtn")
            try:
                self.page.wait_for_url(lambda url: "/login/" not in url)
                break
            except Exception as e:  # noqa: BLE001 (turned into the learner's view of it)
                if attempt == 2:
                    shown = self.page.locator(".alert, #loginerrormessage").all_text_contents()
                    raise AssertionError(f"the learner could not log in (at {self.page.url}): {shown}") from e

    def _console(self, message: Any) -> None:
        text = message.text
        if text.startswith("lmsbridge-api "):
            self.calls.append(json.loads(text.removeprefix("lmsbridge-api ")))

    def enter(self, version: str, new_attempt: bool = False) -> MoodleSco:
        """mod/scorm/view.php -> Enter; the SCO in Moodle's player frame."""
        cmid = self.site["activities"][version]["cmid"]
        self.page.goto(f"{URL}/mod/scorm/view.php?id={cmid}")
        if new_attempt:
            self.page.check("#a")
        self.calls.clear()
        self.page.click("#scormviewform button#n")
        self.page.wait_for_url(re.compile(r"/mod/scorm/player\.php"))
        self.page.wait_for_selector("#scorm_object")
        deadline = time.monotonic() + 30
        while (frame := self.page.frame(url=re.compile(r"/pluginfile\.php/.+/index\.html"))) is None:
            assert time.monotonic() < deadline, "Moodle's player never loaded the SCO"
            self.page.wait_for_timeout(100)
        sco = MoodleSco(self.page, frame)
        # Moodle's debug log window takes the focus when it opens; a background page runs its animation frames
        # slowly, and every learner action would wait for them.
        self.page.bring_to_front()
        return sco

    def exit_activity(self) -> None:
        """Moodle's "Exit activity" button above the player: back to the course page."""
        self.page.get_by_role("link", name="Exit activity").click()
        self.page.wait_for_url(re.compile(r"/course/view\.php"))

    def refused(self) -> list[dict[str, Any]]:
        """API calls Moodle answered with an error (reading an element that has no value yet is routine)."""
        return [c for c in self.calls if c["error"] not in ("0", "") and
                not (c["call"] == "GetValue" and c["error"] == "403")]

    def debug_log_errors(self) -> list[str] | None:
        """Entries Moodle's own API debug log marks as errors (None when the log is off on this site)."""
        if not self.site["debug"]:
            return None
        logs = [p for p in self.context.pages if p is not self.page]
        entries = [t for p in logs for t in p.locator("div").all_text_contents()]
        errors = [t for p in logs for t in p.locator("div.error").all_text_contents()]
        # Closed once read: Moodle rewrites the whole log window on every call, which slows down as it grows.
        for p in logs:
            p.close()
        assert any("Initialize" in t for t in entries), "Moodle's API debug log recorded nothing"
        return errors

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def learner(browser: Any, site: dict[str, Any]) -> Iterator[Learner]:
    person = Learner(browser, site)
    yield person
    person.close()


# ------------------------------------------------------------------------------------------------------------
# The tests: each version's learner story, then a failed attempt in 1.2 (they run in this order)
# ------------------------------------------------------------------------------------------------------------
EL = {"1.2": {"location": "cmi.core.lesson_location", "exit": "cmi.core.exit", "raw": "cmi.core.score.raw",
              "status": "cmi.core.lesson_status", "response": "student_response", "wrong": "wrong"},
      "2004": {"location": "cmi.location", "exit": "cmi.exit", "raw": "cmi.score.raw",
               "status": "cmi.success_status", "response": "learner_response", "wrong": "incorrect"}}
TIMESPAN_12 = r"\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?"
DURATION_2004 = r"P(\d+Y)?(\d+M)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?"


def seconds(span: str) -> float:
    """A 1.2 timespan or a 2004 duration (hours, minutes, seconds only) in seconds."""
    m = re.fullmatch(r"(\d+):(\d+):(\d+(?:\.\d+)?)", span)
    if m:
        return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?", span)
    assert m, f"not a duration: {span}"
    return int(m[1] or 0) * 3600 + int(m[2] or 0) * 60 + float(m[3] or 0)


def written(learner: Learner, element: str) -> list[str]:
    """Values the SCO set for an element (Moodle answered each SetValue without error: see refused())."""
    return [c["args"][1] for c in learner.calls if c["call"].endswith("SetValue") and c["args"][0] == element]


def expect_clean(learner: Learner) -> None:
    assert learner.refused() == [], f"Moodle's player refused: {learner.refused()}"
    errors = learner.debug_log_errors()
    assert not errors, f"Moodle's API debug log shows errors: {errors}"


def leave_halfway_and_come_back(admin: Any, site: dict[str, Any], learner: Learner, version: str) -> MoodleSco:
    """Reads half the module, leaves by Moodle's "Exit activity", enters again: on the same page."""
    el = EL[version]
    sco = learner.enter(version)
    assert sco.status_text() == "", "the SCO found Moodle's API"
    assert sco.lang == site["activities"][version]["lang"]
    total = len(sco.pages)
    middle = max(1, (total - 1) // 2)
    sco.read_to(middle)
    learner.exit_activity()
    stored = wait_tracks(admin, site, version, 1, lambda t: t.get(el["location"]) == str(middle + 1)
                         and t.get(el["exit"]) == "suspend", "the bookmark and exit=suspend")
    if version == "1.2":
        assert stored["cmi.core.lesson_status"] == "incomplete"
    else:
        # Moodle sends only values that differ from its defaults: "unknown" success is not stored at all.
        assert (stored["cmi.completion_status"], stored.get("cmi.success_status", "unknown")) == \
            ("incomplete", "unknown")
        assert 0 < float(stored["cmi.progress_measure"]) < 1
    assert stored["cmi.suspend_data"].startswith("L1|") and el["raw"] not in stored
    expect_clean(learner)

    sco = learner.enter(version)
    assert sco.current() == sco.pages[middle], "Moodle's player resumes on the page the learner left"
    assert sco.status_text() == sco.strings()["resume"]
    assert sco.indicator() == sco.strings()["page_of"].format(n=middle + 1, total=total)
    return sco


def check_interactions(version: str, found: list[dict[str, str]], questions: list[dict[str, Any]],
                       results: list[bool]) -> None:
    """One submission's interactions as Moodle stored them: one per question, in order, with the right results."""
    el = EL[version]
    assert [i["id"] for i in found] == [q["id"] for q in questions], "one interaction per question, in order"
    for q, i, ok in zip(questions, found, results):
        assert i["result"] == ("correct" if ok else el["wrong"]), (q["id"], i)
        assert i["weighting"] == str(q["points"]) and i["correct_responses.0.pattern"]
        assert el["response"] in i, f"{q['id']}: the learner's response was stored"
        if version == "1.2":
            assert re.fullmatch(TIMESPAN_12, i["latency"]) and re.fullmatch(r"\d{2}:\d{2}:\d{2}", i["time"]), i
        else:
            assert re.fullmatch(DURATION_2004, i["latency"]), i
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,2})?Z", i["timestamp"]), i


def test_scorm12_leave_resume_pass_in_moodles_player(admin: Any, site: dict[str, Any], learner: Learner) -> None:
    version = "1.2"
    sco = leave_halfway_and_come_back(admin, site, learner, version)
    sco.read_to(len(sco.pages) - 1)
    questions = sco.questions()
    assert sco.answer_all(True) == 100
    sco.submit()
    assert sco.strings()["passed"] in sco.root.locator(".quiz-result").text_content()
    sco.finish()
    assert sco.status_text() == sco.strings()["finished"]
    learner.exit_activity()
    stored = wait_tracks(admin, site, version, 1, lambda t: t.get("cmi.core.exit") == "" and
                         t.get("cmi.core.lesson_status") == "passed", "the pass")
    assert (stored["cmi.core.score.raw"], stored["cmi.core.score.min"], stored["cmi.core.score.max"]) == \
        ("100", "0", "100")
    assert stored["cmi.core.lesson_location"] == str(len(sco.pages))
    assert len(stored["cmi.suspend_data"]) <= 4096
    check_interactions(version, interactions(stored), questions, [True] * len(questions))
    # Moodle keeps no 1.2 session_time: it adds each one into total_time (both visits, so more than the last).
    sessions = written(learner, "cmi.core.session_time")
    assert sessions and all(re.fullmatch(r"\d{4}:\d{2}:\d{2}(\.\d{1,2})?", t) for t in sessions), sessions
    assert re.fullmatch(TIMESPAN_12, stored["cmi.core.total_time"])
    assert seconds(stored["cmi.core.total_time"]) > seconds(sessions[-1]) > 0
    expect_clean(learner)
    calls = [c["call"] for c in learner.calls]
    assert calls.count("LMSInitialize") == 1 and calls.count("LMSFinish") == 1

    assert scorm_grade(admin, site, version) == 100.0
    assert completion_state(admin, site, version) == 1, "completion by \"passed\" is met"

    # Entering again shows the finished attempt in review: looking at it changes nothing Moodle holds.
    sco = learner.enter(version)
    assert sco.frame.evaluate("() => window.lmsbridge.lms.get('cmi.core.lesson_mode')") == "review"
    sco.next()
    learner.exit_activity()
    time.sleep(1)
    again = tracks(admin, site, version, 1)
    assert {k: again.get(k) for k in ("cmi.core.lesson_status", "cmi.core.score.raw", "cmi.core.exit")} == \
        {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "100", "cmi.core.exit": ""}
    expect_clean(learner)


def test_scorm12_failed_attempt_stays_failed(admin: Any, site: dict[str, Any], learner: Learner) -> None:
    """A new attempt that misses the mastery score: the SCO says failed, Moodle's mastery-score rewrite agrees.
    A worse retry in the same visit keeps the attempt's better score (its answers are stored all the same)."""
    version = "1.2"
    assert tracks(admin, site, version, 1).get("cmi.core.lesson_status") == "passed", \
        "needs the passed first attempt of the test before"
    sco = learner.enter(version, new_attempt=True)
    assert sco.current() == sco.pages[0] and sco.status_text() == ""
    sco.read_to(len(sco.pages) - 1)
    questions = sco.questions()
    results = [i < len(questions) - 2 for i in range(len(questions))]   # just under the mastery score
    score = sco.answer_all(lambda i: results[i])
    mastery = sco.config["mastery_score"]
    assert score < mastery
    sco.submit()
    assert sco.strings()["failed"] in sco.root.locator(".quiz-result").text_content()
    assert sco.root.locator(".quiz-retry").is_visible(), "a retry is offered"
    sco.root.locator(".quiz-retry").click()
    assert sco.answer_all(False) == 0
    sco.submit()
    assert sco.strings()["score"].format(score=0) in sco.root.locator(".quiz-result").text_content()
    sco.finish()
    learner.exit_activity()
    stored = wait_tracks(admin, site, version, 2, lambda t: t.get("cmi.core.exit") == "" and
                         len(interactions(t)) == 2 * len(questions), "the failed attempt")
    assert written(learner, "cmi.core.lesson_status")[-1] == "failed"
    assert stored["cmi.core.lesson_status"] == "failed", "LMSFinish's mastery-score rewrite agrees with the SCO"
    assert stored["cmi.core.score.raw"] == str(score), "the better of the two submissions"
    found = interactions(stored)
    check_interactions(version, found[:len(questions)], questions, results)
    check_interactions(version, found[len(questions):], questions, [False] * len(questions))
    expect_clean(learner)
    assert admin.call("mod_scorm_get_scorm_attempt_count", {"scormid": site["activities"][version]["instance"],
                                                          "userid": site["user"]})["attemptscount"] == 2
    assert scorm_grade(admin, site, version) == 100.0, "the grade is the highest attempt's"
    assert completion_state(admin, site, version) == 1, "Moodle counts the passed attempt for completion"


def test_scorm2004_leave_resume_pass_in_moodles_player(admin: Any, site: dict[str, Any], learner: Learner) -> None:
    version = "2004"
    sco = leave_halfway_and_come_back(admin, site, learner, version)
    sco.read_to(len(sco.pages) - 1)
    questions = sco.questions()
    # First a fail just under the mastery score, then "Try again" and a pass, in the same visit.
    results = [i < len(questions) - 2 for i in range(len(questions))]
    assert sco.answer_all(lambda i: results[i]) < sco.config["mastery_score"]
    sco.submit()
    stored = wait_tracks(admin, site, version, 1, lambda t: t.get("cmi.success_status") == "failed",
                         "the failed submission (committed at once)")
    assert stored["cmi.completion_status"] == "completed"
    sco.root.locator(".quiz-retry").click()
    assert sco.answer_all(True) == 100
    sco.submit()
    sco.finish()
    learner.exit_activity()
    stored = wait_tracks(admin, site, version, 1, lambda t: t.get("cmi.exit") == "normal", "the finished attempt")
    assert (stored["cmi.completion_status"], stored["cmi.success_status"]) == ("completed", "passed")
    assert (stored["cmi.score.raw"], stored["cmi.score.min"], stored["cmi.score.max"]) == ("100", "0", "100")
    assert float(stored["cmi.score.scaled"]) == 1.0 and float(stored["cmi.progress_measure"]) == 1.0
    assert stored["cmi.location"] == str(len(sco.pages))
    found = interactions(stored)
    assert len(found) == 2 * len(questions), "both submissions' answers are stored"
    check_interactions(version, found[:len(questions)], questions, results)
    check_interactions(version, found[len(questions):], questions, [True] * len(questions))
    # 2004 timestamps say when the questions were put to the learner: the quiz page, then the retry.
    assert len({i["timestamp"] for i in found[:len(questions)]}) == 1
    assert found[len(questions)]["timestamp"] > found[0]["timestamp"]
    # What the SCO wrote is what Moodle stored: timestamps, latencies, session_time.
    for n, i in enumerate(found):
        assert written(learner, f"cmi.interactions.{n}.timestamp") == [i["timestamp"]]
        assert written(learner, f"cmi.interactions.{n}.latency") == [i["latency"]]
    sessions = written(learner, "cmi.session_time")
    assert sessions and all(re.fullmatch(DURATION_2004, t) for t in sessions), sessions
    assert stored["cmi.session_time"] == sessions[-1]
    assert re.fullmatch(DURATION_2004, stored["cmi.total_time"])
    assert seconds(stored["cmi.total_time"]) > seconds(sessions[-1]) > 0
    expect_clean(learner)
    calls = [c["call"] for c in learner.calls]
    assert calls.count("Initialize") == 1 and calls.count("Terminate") == 1

    assert scorm_grade(admin, site, version) == 100.0
    assert completion_state(admin, site, version) == 1, "completion by \"passed\" is met"


