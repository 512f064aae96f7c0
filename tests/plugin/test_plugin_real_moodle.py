"""The companion plugin's contract, proved the same way on the sandbox and on a real Moodle (4.5/5.0).

Every test runs against each site of the `site` fixture: the sandbox (lmsbridge.sandbox, always), and a real
Moodle with the plugin installed when LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN (an
administrator's token whose service holds every function, the plugin's included) are set. Both answer through
REST and are read back with core functions, so one test body states the contract for both.
The least-privilege tests make a user holding exactly some capabilities: on the sandbox a token with those
capabilities; on a real Moodle tests/plugin/sync_role.php (no core web service defines roles), which needs
LMSBRIDGE_TEST_MOODLE_DIR (the Moodle code folder on this machine, with `php`).
Every run works in a course of its own and deletes it (and its users) at the end.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import subprocess
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from lmsbridge.moodle import MoodleAPIError, MoodleClient
from lmsbridge.moodle import PLUGIN_FUNCTIONS
from lmsbridge.plugin_zip import DOCTOR_HINT, SYNC_CAPABILITIES
from lmsbridge.sandbox import Sandbox

URL = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL", "")
TOKEN = os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN", "")
MOODLE_DIR = os.environ.get("LMSBRIDGE_TEST_MOODLE_DIR", "")
SERVICE = os.environ.get("LMSBRIDGE_TEST_MOODLE_SERVICE", "lmsbridge_test")
STUDENT_ROLE = 5  # Moodle's standard "student" role
EDITING_TEACHER_ROLE = 3  # Moodle's standard "editingteacher" role
# What Moodle's editingteacher role allows of what the plugin checks (and the REST protocol, given apart): no
# moodle/course:view (it enters its own course by its enrolment) and no moodle/user:viewalldetails.
EDITING_TEACHER = ("webservice/rest:use", "moodle/course:manageactivities", "mod/scorm:addinstance",
                   "moodle/course:activityvisibility", "moodle/grade:manage", "moodle/grade:edit",
                   "moodle/grade:viewall", "moodle/course:viewparticipants", "moodle/course:enrolreview",
                   "moodle/site:viewuseridentity", "moodle/site:viewfullnames", "moodle/user:viewdetails",
                   "moodle/course:viewhiddencourses", "moodle/competency:coursecompetencyview")
HERE = Path(__file__).resolve().parent
SITES = [pytest.param("sandbox"), pytest.param("moodle", marks=pytest.mark.moodle)]


@dataclass
class Site:
    """One site the contract is checked on: its administrator's client, and how to make a less privileged user."""

    name: str
    url: str
    admin: MoodleClient
    sandbox: Sandbox | None = None

    def make_user(self, role: str, username: str, capabilities: list[str]) -> str:
        """A token of a user whose role holds exactly `capabilities` (at system level)."""
        if self.sandbox is not None:
            sfx = secrets.token_hex(3)
            uid = self.sandbox.db.create_user(username=f"{username}-{sfx}", firstname="Sync", lastname=role,
                                              email=f"{username}-{sfx}@example.invalid")
            return self.sandbox.add_token(userid=uid, capabilities=capabilities, name=role)
        if not MOODLE_DIR or not shutil.which("php"):
            pytest.skip("least-privilege check needs LMSBRIDGE_TEST_MOODLE_DIR (the Moodle code folder on this "
                        "machine) and php: no core web service can define a role")
        done = subprocess.run(["php", str(HERE / "sync_role.php"), MOODLE_DIR, SERVICE, role, username,
                               *capabilities], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])["token"]

    def make_teacher(self, username: str, courseid: int) -> str:
        """A token of an editing teacher of this one course only (plus the REST protocol), as in the audit."""
        if self.sandbox is not None:
            sfx = secrets.token_hex(3)
            uid = self.sandbox.db.create_user(username=f"{username}-{sfx}", firstname="Teacher", lastname=username,
                                              email=f"{username}-{sfx}@example.invalid", idnumber=f"t-{sfx}")
            self.sandbox.db.enrol(courseid, uid, EDITING_TEACHER_ROLE)
            return self.sandbox.add_token(userid=uid, capabilities=list(EDITING_TEACHER), name="teacher")
        if not MOODLE_DIR or not shutil.which("php"):
            pytest.skip("a teacher's token needs LMSBRIDGE_TEST_MOODLE_DIR (the Moodle code folder on this machine) "
                        "and php: no core web service makes tokens")
        done = subprocess.run(["php", str(HERE / "teacher_token.php"), MOODLE_DIR, SERVICE, username,
                               str(courseid)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])["token"]

    @contextmanager
    def failing_writes(self, feedback: str) -> Iterator[None]:
        """The database refuses to store a grade whose feedback is `feedback` (a fault no REST call can make)."""
        if self.sandbox is not None:
            db = self.sandbox.db
            db.execute(f"CREATE TRIGGER lmsbridge_test_fail BEFORE INSERT ON grade_grades WHEN NEW.feedback = "
                       f"'{feedback}' BEGIN SELECT RAISE(ABORT, 'lmsbridge test: write refused'); END")
            try:
                yield
            finally:
                db.execute("DROP TRIGGER lmsbridge_test_fail")
            return
        if not MOODLE_DIR or not shutil.which("php"):
            pytest.skip("a database fault needs LMSBRIDGE_TEST_MOODLE_DIR (the Moodle code folder) and php")

        def fault(state: str) -> None:
            done = subprocess.run(["php", str(HERE / "db_fault.php"), MOODLE_DIR, state, feedback],
                                  capture_output=True, text=True, timeout=120)
            if done.returncode == 3:
                pytest.skip(done.stdout.strip())
            assert done.returncode == 0, done.stdout + done.stderr

        fault("on")
        try:
            yield
        finally:
            fault("off")


@pytest.fixture(scope="module", params=SITES)
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    if request.param == "sandbox":
        with Sandbox() as sb, MoodleClient(sb.url, sb.token, timeout=30) as client:
            yield Site("sandbox", sb.url, client, sb)
        return
    if not (URL and TOKEN):
        pytest.skip("needs a real Moodle: set LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN (an "
                    "administrator's token)")
    with MoodleClient(URL, TOKEN, timeout=120) as client:
        yield Site("moodle", URL, client)


@pytest.fixture(scope="module")
def admin(site: Site) -> MoodleClient:
    info = site.admin.call("core_webservice_get_site_info")
    have = {f["name"] for f in info["functions"]}
    missing = [f for f in PLUGIN_FUNCTIONS if f not in have]
    if missing:
        pytest.fail(f"the token's service lacks {', '.join(missing)}: {DOCTOR_HINT}")
    return site.admin


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two SCORM 1.2 packages built from the project's course sources."""
    from scorm.build import build_packages, default_source

    out = tmp_path_factory.mktemp("packages")
    built = build_packages(default_source(), out, versions=("1.2",), langs=["en"],
                           modules=["sc-intro", "cme-strategy"])
    return {p.module: p for p in built}


def make_course(admin: MoodleClient, sfx: str, **fields: object) -> int:
    return admin.call("core_course_create_courses", {"courses": [{
        "fullname": f"lmsbridge plugin test {sfx}", "shortname": f"lmsb-plugin-{sfx}", "categoryid": 1,
        **fields}]})[0]["id"]


@pytest.fixture(scope="module")
def world(admin: MoodleClient):
    """A course of its own with two enrolled learners and one who is not enrolled; deleted afterwards."""
    sfx = secrets.token_hex(3)
    course = make_course(admin, sfx, enablecompletion=1)
    users = admin.call("core_user_create_users", {"users": [{
        "username": f"lmsb-{n}-{sfx}", "password": f"Pass-word-{sfx}-1", "firstname": "Learner",
        "lastname": f"{n} {sfx}", "email": f"lmsb-{n}-{sfx}@example.invalid", "idnumber": f"emp-{n}-{sfx}"}
        for n in ("a", "b", "out")]})
    admin.call("enrol_manual_enrol_users", {"enrolments": [
        {"roleid": STUDENT_ROLE, "userid": u["id"], "courseid": course} for u in users[:2]]})
    yield {"sfx": sfx, "course": course, "users": users, "idnumbers": [f"emp-{n}-{sfx}" for n in "ab"],
           "outsider": f"emp-out-{sfx}"}
    admin.call("core_course_delete_courses", {"courseids": [course]})
    admin.call("core_user_delete_users", {"userids": [u["id"] for u in users]})


def zip_bytes(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def upsert(client: MoodleClient, world: dict, package: Path | None, **params) -> dict:
    args = {"courseid": world["course"], "section": 1, "idnumber": f"mod-{world['sfx']}", "name": "Intro",
            "intro": "<p>The introduction.</p>", **params}
    if package is not None:
        args["draftitemid"] = client.upload([package]).itemid
    return client.call("local_lmsbridge_upsert_scorm", args)


def scorms_of(admin: MoodleClient, world: dict) -> list[dict]:
    return admin.call("mod_scorm_get_scorms_by_courses", {"courseids": [world["course"]]})["scorms"]


def course_modules(admin: MoodleClient, world: dict) -> list[dict]:
    sections = admin.call("core_course_get_contents", {"courseid": world["course"]})
    return [dict(m, section=s["section"]) for s in sections for m in s["modules"]]


def test_create_scorm_activity_and_read_it_back(admin, world, packages):
    intro = packages["sc-intro"]
    r = upsert(admin, world, intro.path, grademethod="highest", maxgrade=100, completionstatus="passed",
               completionscore=80)
    assert r["status"] == "created" and r["packagechanged"] is True
    assert r["revision"] == 1 and r["version"] == "SCORM_1.2" and r["scocount"] >= 1
    assert r["sha1hash"] == intro.sha1  # Moodle's hash is the SHA-1 of the zip: the sync can compare it
    assert r["offlineinapp"] is True and r["section"] == 1

    [scorm] = scorms_of(admin, world)
    assert scorm["coursemodule"] == r["cmid"] and scorm["id"] == r["instance"]
    assert scorm["name"] == "Intro" and "The introduction." in scorm["intro"]
    assert scorm["sha1hash"] == intro.sha1 and scorm["version"] == "SCORM_1.2" and scorm["revision"] == 1
    assert scorm["grademethod"] == 1 and scorm["maxgrade"] == 100 and scorm["popup"] == 0
    assert scorm["completionstatusrequired"] == 2 and scorm["completionscorerequired"] == 80
    assert scorm["protectpackagedownloads"] is False

    [cm] = [m for m in course_modules(admin, world) if m["modname"] == "scorm"]
    assert cm["id"] == r["cmid"] and cm["section"] == 1 and cm["visible"] == 1
    assert cm["completion"] == 2  # automatic, by the SCORM rules above


def test_same_package_again_changes_nothing(admin, world, packages):
    before = scorms_of(admin, world)[0]
    r = upsert(admin, world, packages["sc-intro"].path, completionstatus="passed", completionscore=80)
    assert r["status"] == "unchanged" and r["packagechanged"] is False and r["revision"] == 1
    assert r["cmid"] == before["coursemodule"]
    after = scorms_of(admin, world)
    assert len(after) == 1 and after[0]["timemodified"] == before["timemodified"]


def test_settings_only_update_without_package(admin, world):
    r = upsert(admin, world, None, completionstatus="passed_or_completed", display="popup")
    assert r["status"] == "updated" and r["packagechanged"] is False and r["revision"] == 1
    [scorm] = scorms_of(admin, world)
    assert scorm["popup"] == 1 and scorm["completionstatusrequired"] == 6 and scorm["completionscorerequired"] is None


def test_replace_package_in_place(admin, world, packages):
    other = packages["cme-strategy"]
    r = upsert(admin, world, other.path, name="Strategy", section=2, completionstatus="passed")
    assert r["status"] == "updated" and r["packagechanged"] is True
    assert r["revision"] == 2 and r["sha1hash"] == other.sha1 and r["section"] == 2

    [scorm] = scorms_of(admin, world)  # no duplicate
    assert scorm["coursemodule"] == r["cmid"] and scorm["revision"] == 2 and scorm["sha1hash"] == other.sha1
    assert scorm["name"] == "Strategy" and scorm["reference"] == other.path.name
    scorm_cms = [m for m in course_modules(admin, world) if m["modname"] == "scorm"]
    assert [(m["id"], m["section"]) for m in scorm_cms] == [(r["cmid"], 2)]

    listed = admin.call("local_lmsbridge_get_activities", {"courseid": world["course"]})
    assert [(a["idnumber"], a["cmid"], a["sha1hash"], a["revision"], a["section"]) for a in listed["scorms"]] == [
        (f"mod-{world['sfx']}", r["cmid"], other.sha1, 2, 2)]


def test_replacing_the_package_keeps_tracking_of_remaining_scos(admin, world, packages, tmp_path):
    """A new build of the same module (other language, same SCO identifiers): same SCO ids, tracks kept."""
    from scorm.build import build_packages, default_source

    [lt] = build_packages(default_source(), tmp_path, versions=("1.2",), langs=["lt"], modules=["sc-intro"])
    assert lt.sha1 != packages["sc-intro"].sha1
    idnumber = f"keep-{world['sfx']}"
    first = upsert(admin, world, packages["sc-intro"].path, idnumber=idnumber)
    scoes = admin.call("mod_scorm_get_scorm_scoes", {"scormid": first["instance"]})["scoes"]
    [sco] = [s for s in scoes if s["launch"]]
    me = admin.call("core_webservice_get_site_info")["userid"]
    admin.call("mod_scorm_insert_scorm_tracks", {"scoid": sco["id"], "attempt": 1, "tracks": [
        {"element": "cmi.core.lesson_status", "value": "passed"}, {"element": "cmi.core.score.raw", "value": "90"}]})

    second = upsert(admin, world, lt.path, idnumber=idnumber)
    assert second["status"] == "updated" and second["revision"] == 2 and second["cmid"] == first["cmid"]
    after = admin.call("mod_scorm_get_scorm_scoes", {"scormid": first["instance"]})["scoes"]
    assert [s["id"] for s in after if s["launch"]] == [sco["id"]]
    tracks = admin.call("mod_scorm_get_scorm_sco_tracks", {"scoid": sco["id"], "userid": me, "attempt": 1})
    values = {t["element"]: t["value"] for t in tracks["data"]["tracks"]}
    assert values["cmi.core.lesson_status"] == "passed" and values["cmi.core.score.raw"] == "90"


@pytest.mark.parametrize("name, content, message", [
    ("notazip.zip", b"this is not a zip", "You must provide a valid zip file"),
    ("nomanifest.zip", None, "missing imsmanifest.xml"),
])
def test_invalid_package_gets_moodles_own_message(admin, world, name, content, message):
    if content is None:
        content = zip_bytes({"index.html": "<p>no manifest</p>"})
    itemid = admin.upload([(name, content)]).itemid
    with pytest.raises(MoodleAPIError) as err:
        admin.call("local_lmsbridge_upsert_scorm", {"courseid": world["course"], "section": 1,
                                                    "idnumber": f"bad-{world['sfx']}", "name": "Bad",
                                                    "draftitemid": itemid})
    assert err.value.errorcode == "invalidpackage"
    assert err.value.moodle_message.startswith("The SCORM package was rejected: ") and message in \
        err.value.moodle_message
    listed = admin.call("local_lmsbridge_get_activities", {"courseid": world["course"], "idnumberprefix": "bad-"})
    assert listed["scorms"] == []  # nothing created


def test_missing_draft_and_missing_package_are_explained(admin, world):
    with pytest.raises(MoodleAPIError) as err:
        upsert(admin, world, None, idnumber=f"new-{world['sfx']}")
    assert err.value.errorcode == "packagerequired"
    with pytest.raises(MoodleAPIError) as err:
        upsert(admin, world, None, idnumber=f"new-{world['sfx']}", draftitemid=123)
    assert err.value.errorcode == "draftfilemissing" and "webservice/upload.php" in err.value.moodle_message
    with pytest.raises(MoodleAPIError) as err:
        upsert(admin, world, None, grademethod="best")
    assert err.value.errorcode == "invalidoption" and "scoes, highest, average, sum" in err.value.moodle_message


def test_grade_items_and_grades_with_feedback(admin, world):
    sfx, course = world["sfx"], world["course"]
    items = [{"idnumber": f"ev1-{sfx}", "name": "Workshop 1", "grademax": 10},
             {"idnumber": f"ev2-{sfx}", "name": "Workshop 2", "grademax": 20, "hidden": 1}]
    first = admin.call("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": items})["items"]
    assert [i["status"] for i in first] == ["created", "created"] and first[1]["hidden"] is True
    again = admin.call("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": items})["items"]
    assert [i["status"] for i in again] == ["unchanged", "unchanged"]
    assert [i["itemid"] for i in again] == [i["itemid"] for i in first]
    renamed = admin.call("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": [
        {"idnumber": f"ev1-{sfx}", "name": "Workshop one", "grademax": 10}]})["items"]
    assert renamed[0]["status"] == "updated"

    # An activity's idnumber cannot name a grade item: they share one namespace in a course.
    with pytest.raises(MoodleAPIError) as err:
        admin.call("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": [
            {"idnumber": f"mod-{sfx}", "name": "Clash"}]})
    assert err.value.errorcode == "idnumbertaken"

    a, b = world["idnumbers"]
    rows = [{"useridnumber": a, "grade": "8.5", "feedback": "Well prepared"},
            {"useridnumber": b, "grade": "7", "feedback": "Good questions"},
            {"useridnumber": f"nobody-{sfx}", "grade": "5", "feedback": "x"},
            {"useridnumber": world["outsider"], "grade": "5", "feedback": "x"},
            {"useridnumber": a, "grade": "11", "feedback": "too much"}]
    answer = admin.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"ev1-{sfx}",
                                                       "grades": rows})
    res = answer["results"]
    assert [(r["status"], r["errorcode"]) for r in res] == [
        ("ok", ""), ("ok", ""), ("error", "usernotenrolled"), ("error", "usernotenrolled"),
        ("error", "gradeoutofrange")]
    assert (res[0]["grade"], res[0]["feedback"], res[0]["changed"]) == (8.5, "Well prepared", True)
    assert res[3]["userid"] == 0 and "not enrolled" in res[3]["message"]
    assert "0 to 10" in res[4]["message"]

    again = admin.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"ev1-{sfx}",
                                                      "grades": rows[:2]})["results"]
    assert [r["changed"] for r in again] == [False, False]

    # Read back with core: the grade and the feedback of the first learner; nothing for the outsider.
    report = admin.call("gradereport_user_get_grade_items", {"courseid": course, "userid": world["users"][0]["id"]})
    [item] = [i for i in report["usergrades"][0]["gradeitems"] if i["idnumber"] == f"ev1-{sfx}"]
    assert item["itemtype"] == "manual" and item["graderaw"] == 8.5 and item["grademax"] == 10
    assert "Well prepared" in item["feedback"] and item["itemname"] == "Workshop one"
    everyone = admin.call("gradereport_user_get_grade_items", {"courseid": course})["usergrades"]
    assert world["users"][2]["id"] not in {u["userid"] for u in everyone}

    with pytest.raises(MoodleAPIError) as err:
        admin.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"nope-{sfx}",
                                                  "grades": rows[:1]})
    assert err.value.errorcode == "gradeitemnotfound"


def test_answers_have_the_contract_shape(admin, world, packages):
    """The fields and types CONTRACT.md lists, exactly: the sandbox and the plugin answer alike."""
    r = upsert(admin, world, packages["cme-strategy"].path, name="Strategy", section=2, completionstatus="passed")
    assert r["status"] == "unchanged"
    assert {k: type(v).__name__ for k, v in r.items()} == {
        "cmid": "int", "instance": "int", "section": "int", "status": "str", "packagechanged": "bool",
        "revision": "int", "sha1hash": "str", "version": "str", "scocount": "int", "offlineinapp": "bool",
        "warnings": "list"}
    listed = admin.call("local_lmsbridge_get_activities", {"courseid": world["course"]})
    assert set(listed) == {"courseid", "scorms", "gradeitems"} and listed["courseid"] == world["course"]
    # By section, then creation: "keep-" (section 1) before "mod-" (moved to section 2).
    assert [a["idnumber"] for a in listed["scorms"]] == [f"keep-{world['sfx']}", f"mod-{world['sfx']}"]
    activity = listed["scorms"][1]
    assert {k: type(v).__name__ for k, v in activity.items()} == {
        "idnumber": "str", "cmid": "int", "instance": "int", "section": "int", "name": "str", "visible": "bool",
        "sha1hash": "str", "revision": "int", "version": "str", "packagefilename": "str"}
    assert (activity["cmid"], activity["name"], activity["visible"], activity["version"]) == (
        r["cmid"], "Strategy", True, "SCORM_1.2")
    assert activity["packagefilename"] == packages["cme-strategy"].path.name
    [item] = [i for i in listed["gradeitems"] if i["idnumber"] == f"ev1-{world['sfx']}"]
    assert set(item) == {"idnumber", "itemid", "name", "grademin", "grademax", "hidden"}
    assert (item["name"], item["grademin"], item["grademax"], item["hidden"]) == ("Workshop one", 0, 10, False)


def test_idnumbers_are_shared_and_compared_exactly(admin, world, packages):
    sfx = world["sfx"]
    with pytest.raises(MoodleAPIError) as err:  # a grade item holds it: an activity cannot take it
        upsert(admin, world, packages["sc-intro"].path, idnumber=f"ev1-{sfx}")
    assert err.value.errorcode == "idnumbertaken" and f'"ev1-{sfx}"' in err.value.moodle_message
    for prefix, found in (("mod-", 1), ("MOD-", 0), (f"mod-{sfx}", 1), (f"mod-{sfx}x", 0)):
        listed = admin.call("local_lmsbridge_get_activities", {"courseid": world["course"], "idnumberprefix": prefix})
        assert len(listed["scorms"]) == found, prefix
    assert [i["idnumber"] for i in admin.call("local_lmsbridge_get_activities", {
        "courseid": world["course"], "idnumberprefix": "ev"})["gradeitems"]] == [f"ev1-{sfx}", f"ev2-{sfx}"]


def test_grade_rows_each_get_their_own_answer(admin, world):
    sfx, course = world["sfx"], world["course"]
    b = world["users"][1]
    rows = [{"grade": "5"},  # names no learner
            {"useridnumber": world["idnumbers"][0], "grade": "8,5"},  # a decimal comma is not a number
            {"userid": 999999, "grade": "5"},
            {"userid": b["id"], "grade": "", "feedback": "Absent"}]  # by id; an empty grade removes it
    res = admin.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"ev1-{sfx}",
                                                    "grades": rows})["results"]
    assert [(r["status"], r["errorcode"]) for r in res] == [
        ("error", "usermissing"), ("error", "gradenotanumber"), ("error", "usernotenrolled"), ("ok", "")]
    assert res[1]["message"] == 'The grade "8,5" is not a number.' and res[1]["grade"] is None
    assert res[2]["message"] == ("User #999999 is not enrolled in this course; enrol the learner first. Nothing was "
                                 "stored.") and res[2]["userid"] == 0
    assert (res[3]["userid"], res[3]["grade"], res[3]["feedback"], res[3]["changed"]) == (b["id"], None, "Absent",
                                                                                         True)
    report = admin.call("gradereport_user_get_grade_items", {"courseid": course, "userid": b["id"]})
    [item] = [i for i in report["usergrades"][0]["gradeitems"] if i["idnumber"] == f"ev1-{sfx}"]
    assert item["graderaw"] is None and "Absent" in item["feedback"]
    # The first learner's grade is untouched by the refused row.
    report = admin.call("gradereport_user_get_grade_items", {"courseid": course, "userid": world["users"][0]["id"]})
    assert [i["graderaw"] for i in report["usergrades"][0]["gradeitems"] if i["idnumber"] == f"ev1-{sfx}"] == [8.5]
    names = {i["itemname"] for i in admin.call("core_grades_get_gradeitems", {"courseid": course})["gradeItems"]}
    assert {"Workshop one", "Workshop 2"} <= names


def test_scorm_2004_package_plays_online_only_in_the_app(admin, world, tmp_path):
    from scorm.build import build_packages, default_source

    [pkg] = build_packages(default_source(), tmp_path, versions=("2004",), langs=["en"], modules=["sc-intro"])
    idnumber = f"v2004-{world['sfx']}"
    r = upsert(admin, world, pkg.path, idnumber=idnumber, section=3)
    assert r["status"] == "created" and r["version"] == "SCORM_1.3" and r["offlineinapp"] is False
    assert r["sha1hash"] == pkg.sha1 and r["section"] == 3 and r["scocount"] >= 1
    assert [(w["item"], w["warningcode"]) for w in r["warnings"]] == [(idnumber, "apponlineonly")]
    assert "SCORM_1.3" in r["warnings"][0]["message"]
    [scorm] = [s for s in scorms_of(admin, world) if s["id"] == r["instance"]]
    assert scorm["version"] == "SCORM_1.3" and scorm["coursemodule"] == r["cmid"]


def test_one_package_per_draft_area(admin, world, packages):
    itemid = admin.upload([packages["sc-intro"].path, packages["cme-strategy"].path]).itemid
    with pytest.raises(MoodleAPIError) as err:
        upsert(admin, world, None, idnumber=f"two-{world['sfx']}", draftitemid=itemid)
    assert err.value.errorcode == "draftfilemultiple"
    assert err.value.moodle_message == (f"Draft area {itemid} holds 2 files; upload the package alone (one file "
                                        "per draft itemid).")


def test_common_errors_come_before_anything_else(admin, world):
    calls = [("local_lmsbridge_upsert_scorm", {"section": 1, "idnumber": "x", "name": "X"}),
             ("local_lmsbridge_get_activities", {}),
             ("local_lmsbridge_upsert_grade_items", {"items": [{"idnumber": "x", "name": "X"}]}),
             ("local_lmsbridge_set_grades", {"itemidnumber": "x", "grades": [{"userid": 2, "grade": "1"}]})]
    for function, params in calls:
        for courseid in (1, 987654321):  # the site course is no course for the plugin
            with pytest.raises(MoodleAPIError) as err:
                admin.call(function, {"courseid": courseid, **params})
            assert (err.value.errorcode, err.value.moodle_message) == (
                "coursenotfound", f"Course {courseid} does not exist, or the token's user may not enter it."), function
    with pytest.raises(MoodleAPIError) as err:  # PARAM_RAW_TRIMMED: surrounding spaces are refused
        admin.call("local_lmsbridge_upsert_grade_items", {"courseid": world["course"], "items": [
            {"idnumber": " padded ", "name": "X"}]})
    assert err.value.errorcode == "invalidparameter"
    with pytest.raises(MoodleAPIError) as err:
        upsert(admin, world, None, maxgrade=150.5)
    assert err.value.moodle_message == 'Invalid maxgrade "150.5": allowed 0 to 100.'


def test_completion_rule_in_a_course_without_completion(admin, world, packages):
    course = make_course(admin, f"{world['sfx']}-nc", enablecompletion=0)
    try:
        r = upsert(admin, dict(world, course=course), packages["sc-intro"].path, completionstatus="completed")
        assert r["status"] == "created"
        assert [w["warningcode"] for w in r["warnings"]] == ["completiondisabled"]
        [cm] = [m for m in course_modules(admin, {"course": course}) if m["modname"] == "scorm"]
        assert cm["completion"] == 0  # the rule is stored, not applied
        [scorm] = scorms_of(admin, {"course": course})
        assert scorm["completionstatusrequired"] == 4
    finally:
        admin.call("core_course_delete_courses", {"courseids": [course]})


@pytest.mark.parametrize("manifest", ["<manifest><a></b></manifest>", "<manifest/>"], ids=["malformed", "empty"])
def test_unreadable_manifest_is_refused(site, admin, world, manifest):
    itemid = admin.upload([("broken.zip", zip_bytes({"imsmanifest.xml": manifest}))]).itemid
    with pytest.raises(MoodleAPIError) as err:
        upsert(admin, world, None, idnumber=f"broken-{world['sfx']}", draftitemid=itemid)
    assert err.value.errorcode == "invalidpackage"
    assert err.value.moodle_message == ("The SCORM package was rejected: Moodle could not read the imsmanifest.xml "
                                        "of this package.")
    assert admin.call("local_lmsbridge_get_activities", {"courseid": world["course"],
                                                         "idnumberprefix": "broken-"})["scorms"] == []


@pytest.fixture(scope="module")
def states(admin: MoodleClient, world: dict) -> Iterator[dict]:
    """A second course whose learners are in every state: active, suspended, not yet started, ended; a graded
    event item with feedback; a linked competency. Deleted afterwards."""
    from lmsbridge.sync.apply.competencies import SCALE_CONFIGURATION, SCALE_ID

    sfx = world["sfx"]
    course = make_course(admin, f"{sfx}-rc")
    learners = admin.call("core_user_create_users", {"users": [{
        "username": f"lmsb-rc{n}-{sfx}", "password": f"Pass-word-{sfx}-1", "firstname": "Learner",
        "lastname": f"rc{n} {sfx}", "email": f"lmsb-rc{n}-{sfx}@example.invalid", "idnumber": f"rc-{n}-{sfx}"}
        for n in ("on", "off", "later", "ended")]})
    day = 86400
    admin.call("enrol_manual_enrol_users", {"enrolments": [
        {"roleid": STUDENT_ROLE, "userid": learners[0]["id"], "courseid": course},
        {"roleid": STUDENT_ROLE, "userid": learners[1]["id"], "courseid": course, "suspend": 1},
        {"roleid": STUDENT_ROLE, "userid": learners[2]["id"], "courseid": course,
         "timestart": int(time.time()) + 30 * day},
        {"roleid": STUDENT_ROLE, "userid": learners[3]["id"], "courseid": course,
         "timestart": int(time.time()) - 30 * day, "timeend": int(time.time()) - day}]})
    admin.call("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": [
        {"idnumber": f"rc-ev-{sfx}", "name": "Event"}]})
    admin.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"rc-ev-{sfx}", "grades": [
        {"useridnumber": f"rc-on-{sfx}", "grade": "72.5", "feedback": "Clear & concise"}]})
    fw = admin.call("core_competency_create_competency_framework", {"competencyframework": {
        "shortname": f"rc {sfx}", "idnumber": f"rc-fw-{sfx}", "contextlevel": "system", "instanceid": 0,
        "scaleid": SCALE_ID, "scaleconfiguration": SCALE_CONFIGURATION}})
    comps = [admin.call("core_competency_create_competency", {"competency": {
        "shortname": f"rc {n} {sfx}", "idnumber": f"rc-{n}-{sfx}", "competencyframeworkid": fw["id"]}})
        for n in ("c1", "c2")]
    for c in reversed(comps):
        admin.call("core_competency_add_competency_to_course", {"courseid": course, "competencyid": c["id"]})
    yield {"course": course, "learners": learners, "item": f"rc-ev-{sfx}",
           "competencies": [c["idnumber"] for c in reversed(comps)]}
    admin.call("core_course_delete_courses", {"courseids": [course]})
    admin.call("core_user_delete_users", {"userids": [u["id"] for u in learners]})
    admin.call("core_competency_delete_competency_framework", {"id": fw["id"]})


def read_courses(client: MoodleClient, courses: list[dict], prefix: str = "") -> list[dict]:
    return client.call("local_lmsbridge_read_courses", {"courses": courses, "idnumberprefix": prefix})["courses"]


def test_read_courses_answers_what_core_answers_course_by_course(admin, world, states):
    course = states["course"]
    everything = {"id": course, "enrolments": 1, "activities": 1, "grades": 1, "competencies": 1}
    [mine, other] = read_courses(admin, [everything, {"id": world["course"], "enrolments": 1}])
    # One entry per course, in the order asked, with the parts asked for.
    assert mine["courseid"] == course and other["courseid"] == world["course"]
    assert set(other) == {"courseid", "enrolments"}
    assert sorted(e["userid"] for e in other["enrolments"]) == sorted(u["id"] for u in world["users"][:2])

    def core(onlyactive: int) -> dict[int, list[int]]:
        users = admin.call("core_enrol_get_enrolled_users", {"courseid": course, "options": [
            {"name": "userfields", "value": "id,idnumber,roles"}, {"name": "onlyactive", "value": onlyactive}]})
        return {u["id"]: sorted(r["roleid"] for r in u["roles"]) for u in users}

    everyone, active = core(0), core(1)
    assert {e["userid"]: sorted(e["roles"]) for e in mine["enrolments"]} == everyone
    assert {e["userid"] for e in mine["enrolments"] if e["active"]} == set(active) == {states["learners"][0]["id"]}
    assert {e["userid"]: e["idnumber"] for e in mine["enrolments"]} == {
        u["id"]: f"rc-{n}-{world['sfx']}" for u, n in zip(states["learners"], ("on", "off", "later", "ended"))}
    assert all(e["roles"] == [STUDENT_ROLE] for e in mine["enrolments"])

    # Grades: the gradebook's final grade, with the feedback as stored (core formats it for display).
    report = admin.call("gradereport_user_get_grade_items", {"courseid": course,
                                                             "userid": states["learners"][0]["id"]})
    [shown] = [i for i in report["usergrades"][0]["gradeitems"] if i["idnumber"] == states["item"]]
    assert mine["grades"] == [{"userid": states["learners"][0]["id"], "useridnumber": f"rc-on-{world['sfx']}",
                               "itemidnumber": states["item"], "grade": shown["graderaw"],
                               "feedback": "Clear & concise"}]
    assert shown["graderaw"] == 72.5
    assert [g["idnumber"] for g in mine["gradeitems"]] == [states["item"]] and mine["scorms"] == []

    linked = admin.call("core_competency_list_course_competencies", {"id": course})
    assert mine["competencies"] == [x["competency"]["idnumber"] for x in linked] == states["competencies"]

    # The prefix narrows activities, grade items and graded items; enrolments and competencies are all listed,
    # and the grades of every learner with an idnumber (a participant's is the roster's, without the prefix).
    [narrow] = read_courses(admin, [everything], prefix="nothing-")
    assert narrow["grades"] == [] and narrow["gradeitems"] == [] and len(narrow["enrolments"]) == 4
    [by_item] = read_courses(admin, [everything], prefix="rc-ev-")
    assert by_item["grades"] == mine["grades"] and not mine["grades"][0]["useridnumber"].startswith("rc-ev-")
    with pytest.raises(MoodleAPIError) as err:
        read_courses(admin, [{"id": course, "enrolments": 1}, {"id": 987654321, "enrolments": 1}])
    assert (err.value.errorcode, err.value.moodle_message) == (
        "coursenotfound", "Course 987654321 does not exist, or the token's user may not enter it.")


def test_least_privileged_sync_user_can_do_everything(site, world, packages):
    token = site.make_user("lmsbridgesynctest", "lmsbridge_sync_test", list(SYNC_CAPABILITIES))
    sfx, course = world["sfx"], world["course"]
    with MoodleClient(site.url, token, timeout=120) as sync:
        r = upsert(sync, world, packages["sc-intro"].path, idnumber=f"lp-{sfx}", visible=0)
        assert r["status"] == "created"
        r = upsert(sync, world, packages["cme-strategy"].path, idnumber=f"lp-{sfx}", visible=1)
        assert r["status"] == "updated" and r["revision"] == 2
        listed = sync.call("local_lmsbridge_get_activities", {"courseid": course, "idnumberprefix": "lp-"})
        assert [a["cmid"] for a in listed["scorms"]] == [r["cmid"]]
        items = sync.call("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": [
            {"idnumber": f"lp-ev-{sfx}", "name": "Least privilege event"}]})["items"]
        assert items[0]["status"] == "created"
        res = sync.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"lp-ev-{sfx}", "grades": [
            {"useridnumber": world["idnumbers"][0], "grade": "55", "feedback": "ok"}]})["results"]
        assert res[0]["status"] == "ok" and res[0]["grade"] == 55
        [state] = read_courses(sync, [{"id": course, "enrolments": 1, "activities": 1, "grades": 1,
                                       "competencies": 1}], prefix="lp-")
        assert [a["cmid"] for a in state["scorms"]] == [r["cmid"]] and len(state["enrolments"]) == 2


def test_user_without_the_capabilities_gets_a_clear_permission_error(site, world, packages):
    token = site.make_user("lmsbridgenorightstest", "lmsbridge_norights_test",
                           ["webservice/rest:use", "moodle/course:view"])
    sfx, course = world["sfx"], world["course"]
    with MoodleClient(site.url, token, timeout=120) as weak:
        calls = [
            ("local_lmsbridge_upsert_scorm", {"courseid": course, "section": 1, "idnumber": f"x-{sfx}", "name": "X",
                                              "draftitemid": weak.upload([packages["sc-intro"].path]).itemid},
             "Manage activities"),
            ("local_lmsbridge_get_activities", {"courseid": course}, "Manage activities"),
            ("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": [{"idnumber": f"x-{sfx}",
                                                                                   "name": "X"}]},
             "Manage grade items"),
            ("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"ev1-{sfx}",
                                            "grades": [{"userid": 2, "grade": "1"}]},
             "Edit grades"),
            ("local_lmsbridge_read_courses", {"courses": [{"id": course, "enrolments": 1}]}, "View participants"),
            ("local_lmsbridge_read_courses", {"courses": [{"id": course, "grades": 1}]},
             "View grades of other users"),
        ]
        for function, params, capability_name in calls:
            with pytest.raises(MoodleAPIError) as err:
                weak.call(function, params)
            assert err.value.errorcode == "nopermissions", function
            # Moodle names the missing capability by its description.
            assert err.value.moodle_message == ("Sorry, but you do not currently have permissions to do that "
                                                f"({capability_name}).")


def test_moodles_plugin_installer_accepts_the_zip(tmp_path):
    if not MOODLE_DIR or not shutil.which("php"):
        pytest.skip("needs LMSBRIDGE_TEST_MOODLE_DIR (the Moodle code folder on this machine) and php")
    from lmsbridge.plugin_zip import write_plugin_zip

    result = write_plugin_zip(tmp_path / "local_lmsbridge.zip")
    done = subprocess.run(["php", str(HERE / "validate_zip.php"), MOODLE_DIR, str(result.path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["valid"] is True and report["rootdir"] == "lmsbridge", report
    codes = {m["code"]: m["info"] for m in report["messages"]}
    assert codes["componentmatch"] == "local_lmsbridge" and codes["requiresmoodle"] == "2024100700"
    assert not [m for m in report["messages"] if m["level"] == "error"]


# --- hardening (issue 14): what a grader of one course can learn and do -------------------------------------------


@pytest.fixture(scope="module")
def teacher(site: Site, admin: MoodleClient, world: dict) -> Iterator[dict]:
    """A token of an editing teacher of the world's course only, and a course of the site they are not in."""
    token = site.make_teacher(f"lmsb_teacher_{world['sfx']}", world["course"])
    other = make_course(admin, f"{world['sfx']}-other")
    with MoodleClient(site.url, token, timeout=120) as client:
        me = client.call("core_webservice_get_site_info")["userid"]
        yield {"client": client, "other": other, "userid": me}
    admin.call("core_course_delete_courses", {"courseids": [other]})
    admin.call("core_user_delete_users", {"userids": [me]})


def test_a_grader_learns_nothing_of_people_outside_the_course(admin, world, teacher):
    sfx, course, outsider = world["sfx"], world["course"], world["users"][2]
    admin.call("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": [
        {"idnumber": f"tq-{sfx}", "name": "Teacher's event"}]})
    rows = {world["outsider"]: {"useridnumber": world["outsider"]},  # on the site, not in the course
            f"nobody-{sfx}": {"useridnumber": f"nobody-{sfx}"},  # nowhere
            f"#{outsider['id']}": {"userid": outsider["id"]},
            "#987654321": {"userid": 987654321}}
    for client in (teacher["client"], admin):
        res = client.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"tq-{sfx}", "grades": [
            dict(row, grade="5") for row in rows.values()]})["results"]
        alike = [dict(r, useridnumber="", message=r["message"].replace(who, "WHO")) for r, who in zip(res, rows)]
        assert alike == [alike[0]] * len(rows)
        assert (alike[0]["status"], alike[0]["errorcode"], alike[0]["userid"]) == ("error", "usernotenrolled", 0)
    [ok] = teacher["client"].call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"tq-{sfx}",
                                                                 "grades": [{"userid": world["users"][0]["id"],
                                                                             "grade": "5"}]})["results"]
    assert (ok["status"], ok["grade"]) == ("ok", 5)  # the teacher grades the course's own learners


def test_read_courses_shows_identity_fields_as_core_does_to_the_same_caller(admin, world, teacher):
    course, learners = world["course"], {u["id"] for u in world["users"][:2]}
    for client, sees in ((teacher["client"], False), (admin, True)):
        core = {u["id"]: u.get("idnumber", "") for u in client.call("core_enrol_get_enrolled_users", {
            "courseid": course, "options": [{"name": "userfields", "value": "id,idnumber"}]})}
        [state] = read_courses(client, [{"id": course, "enrolments": 1, "grades": 1}])
        mine = {e["userid"]: e["idnumber"] for e in state["enrolments"]}
        assert mine == core
        assert {u: bool(mine[u]) for u in learners} == {u: sees for u in learners}
        graded = {g["userid"]: g["useridnumber"] for g in state["grades"] if g["userid"] in learners}
        assert graded and {bool(i) for i in graded.values()} == {sees}


def test_a_foreign_course_answers_as_one_that_does_not_exist(world, teacher):
    client, sfx = teacher["client"], world["sfx"]
    calls = [("local_lmsbridge_upsert_scorm", {"section": 1, "idnumber": f"x-{sfx}", "name": "X"}),
             ("local_lmsbridge_get_activities", {}),
             ("local_lmsbridge_upsert_grade_items", {"items": [{"idnumber": f"x-{sfx}", "name": "X"}]}),
             ("local_lmsbridge_set_grades", {"itemidnumber": f"x-{sfx}", "grades": [{"userid": 2, "grade": "1"}]}),
             ("local_lmsbridge_read_courses", None)]
    for function, params in calls:
        answers = []
        for courseid in (teacher["other"], 987654320):
            args = {"courses": [{"id": courseid, "enrolments": 1}]} if params is None else {"courseid": courseid,
                                                                                          **params}
            with pytest.raises(MoodleAPIError) as err:
                client.call(function, args)
            e = err.value
            answers.append((e.errorcode, e.exception, e.moodle_message.replace(str(courseid), "ID"), e.debuginfo))
        assert answers[0] == answers[1], function
        assert answers[0][0] == "coursenotfound" and answers[0][2] == (
            "Course ID does not exist, or the token's user may not enter it."), function
    assert client.call("local_lmsbridge_get_activities", {"courseid": world["course"]})["courseid"] == world["course"]


def test_a_database_failure_ends_the_call_and_leaves_no_half_written_learner(site, admin, world):
    sfx, course = world["sfx"], world["course"]
    admin.call("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": [
        {"idnumber": f"tx-{sfx}", "name": "Transactions"}]})
    (a, b), bad = world["idnumbers"], f"lmsbridge-fail-write-{sfx}"
    with site.failing_writes(bad):
        with pytest.raises(MoodleAPIError) as err:  # not a row error: the database failed, not the row
            admin.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": f"tx-{sfx}", "grades": [
                {"useridnumber": a, "grade": "4", "feedback": "fine"},
                {"useridnumber": b, "grade": "6", "feedback": bad}]})
    assert err.value.errorcode == "dmlwriteexception"
    report = admin.call("gradereport_user_get_grade_items", {"courseid": course})["usergrades"]
    grades = {u["userid"]: [i["graderaw"] for i in u["gradeitems"] if i["idnumber"] == f"tx-{sfx}"] for u in report}
    # The learner before stays stored (own transaction); the failing one is rolled back whole, grade included.
    assert grades[world["users"][0]["id"]] == [4] and grades[world["users"][1]["id"]] == [None]


def test_section_at_most_the_next_one_and_never_beyond_the_site_maximum(admin, world, packages):
    sfx = world["sfx"]
    course = make_course(admin, f"{sfx}-sec", numsections=2)
    full = make_course(admin, f"{sfx}-max", numsections=52)  # Moodle's default maxsections
    try:
        here = dict(world, course=course)
        with pytest.raises(MoodleAPIError) as err:
            upsert(admin, here, packages["sc-intro"].path, section=500)
        assert (err.value.errorcode, err.value.moodle_message) == (
            "invalidoption", 'Invalid section "500": allowed 0 to 3.')
        assert [s["section"] for s in admin.call("core_course_get_contents", {"courseid": course})] == [0, 1, 2]
        r = upsert(admin, here, packages["sc-intro"].path, section=3)
        assert (r["status"], r["section"]) == ("created", 3)
        with pytest.raises(MoodleAPIError) as err:
            upsert(admin, dict(world, course=full), packages["sc-intro"].path, section=53)
        assert err.value.moodle_message == 'Invalid section "53": allowed 0 to 52.'
    finally:
        admin.call("core_course_delete_courses", {"courseids": [course, full]})


def test_intro_is_cleaned_as_moodles_forms_clean_it(admin, world, packages):
    hostile = ('<p onclick="steal()">Hello <b>learners</b></p><script>alert(1)</script>'
               '<a href="javascript:alert(2)">more</a><iframe src="https://evil.example/"></iframe>')
    idnumber = f"intro-{world['sfx']}"
    r = upsert(admin, world, packages["sc-intro"].path, idnumber=idnumber, intro=hostile)
    scorms = admin.call("mod_scorm_get_scorms_by_courses", {"courseids": [world["course"]],
                                                             "moodlewssettingraw": 1})["scorms"]
    [stored] = [s["intro"] for s in scorms if s["id"] == r["instance"]]  # as stored, not as formatted for display
    assert "Hello <b>learners</b>" in stored and "more" in stored
    for active in ("<script", "alert", "onclick", "javascript:", "<iframe", "evil.example"):
        assert active not in stored.lower(), active
    assert upsert(admin, world, None, idnumber=idnumber, intro=hostile)["status"] == "unchanged"


def test_check_capabilities_answers_for_the_caller_alone(admin, teacher):
    names = ["moodle/course:create", "webservice/rest:use", "local/nothing:here"]
    answers = {}
    for who, client in (("admin", admin), ("teacher", teacher["client"])):
        got = client.call("local_lmsbridge_check_capabilities", {"capabilities": names})["capabilities"]
        assert [c["name"] for c in got] == names
        answers[who] = [(c["known"], c["allowed"]) for c in got]
    assert answers == {"admin": [(True, True), (True, True), (False, False)],
                       "teacher": [(True, False), (True, True), (False, False)]}
