"""The companion plugin on a real Moodle (4.5/5.0), through REST, read back with core functions.

Runs when LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN (an administrator's token whose service
holds every function, the plugin's included) are set; the plugin must be installed. The least-privilege tests
also need LMSBRIDGE_TEST_MOODLE_DIR (the Moodle code folder on this machine, with `php`): no core web service
defines roles, so tests/plugin/sync_role.php makes the role, the user and the token there.
Every run works in a course of its own and deletes it (and its users) at the end.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from lmsbridge.moodle import MoodleAPIError, MoodleClient
from lmsbridge.plugin_zip import DOCTOR_HINT, PLUGIN_FUNCTIONS, SYNC_CAPABILITIES

URL = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL", "")
TOKEN = os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN", "")
MOODLE_DIR = os.environ.get("LMSBRIDGE_TEST_MOODLE_DIR", "")
SERVICE = os.environ.get("LMSBRIDGE_TEST_MOODLE_SERVICE", "lmsbridge_test")
STUDENT_ROLE = 5  # Moodle's standard "student" role

pytestmark = [
    pytest.mark.moodle,
    pytest.mark.skipif(not (URL and TOKEN), reason="needs a real Moodle: set LMSBRIDGE_TEST_MOODLE_URL and "
                                                   "LMSBRIDGE_TEST_MOODLE_TOKEN (an administrator's token)"),
]
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def admin() -> MoodleClient:
    client = MoodleClient(URL, TOKEN, timeout=120)
    info = client.call("core_webservice_get_site_info")
    have = {f["name"] for f in info["functions"]}
    missing = [f for f in PLUGIN_FUNCTIONS if f not in have]
    if missing:
        pytest.fail(f"the token's service lacks {', '.join(missing)}: {DOCTOR_HINT}")
    yield client
    client.close()


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two SCORM 1.2 packages built from the project's course sources."""
    from scorm.build import build_packages, default_source

    out = tmp_path_factory.mktemp("packages")
    built = build_packages(default_source(), out, versions=("1.2",), langs=["en"],
                           modules=["sc-intro", "cme-strategy"])
    return {p.module: p for p in built}


@pytest.fixture(scope="module")
def world(admin: MoodleClient):
    """A course of its own with two enrolled learners and one who is not enrolled; deleted afterwards."""
    sfx = secrets.token_hex(3)
    course = admin.call("core_course_create_courses", {"courses": [{
        "fullname": f"lmsbridge plugin test {sfx}", "shortname": f"lmsb-plugin-{sfx}", "categoryid": 1,
        "enablecompletion": 1}]})[0]
    users = admin.call("core_user_create_users", {"users": [{
        "username": f"lmsb-{n}-{sfx}", "password": f"Pass-word-{sfx}-1", "firstname": "Learner",
        "lastname": f"{n} {sfx}", "email": f"lmsb-{n}-{sfx}@example.invalid", "idnumber": f"emp-{n}-{sfx}"}
        for n in ("a", "b", "out")]})
    admin.call("enrol_manual_enrol_users", {"enrolments": [
        {"roleid": STUDENT_ROLE, "userid": u["id"], "courseid": course["id"]} for u in users[:2]]})
    yield {"sfx": sfx, "course": course["id"], "users": users, "idnumbers": [f"emp-{n}-{sfx}" for n in "ab"],
           "outsider": f"emp-out-{sfx}"}
    admin.call("core_course_delete_courses", {"courseids": [course["id"]]})
    admin.call("core_user_delete_users", {"userids": [u["id"] for u in users]})


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
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("index.html", "<p>no manifest</p>")
        content = buf.getvalue()
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
        ("ok", ""), ("ok", ""), ("error", "usernotfound"), ("error", "usernotenrolled"), ("error", "gradeoutofrange")]
    assert (res[0]["grade"], res[0]["feedback"], res[0]["changed"]) == (8.5, "Well prepared", True)
    assert res[3]["userid"] == world["users"][2]["id"] and "not enrolled" in res[3]["message"]
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


def make_user(role: str, username: str, capabilities: list[str]) -> dict:
    if not MOODLE_DIR or not shutil.which("php"):
        pytest.skip("least-privilege check needs LMSBRIDGE_TEST_MOODLE_DIR (the Moodle code folder on this "
                    "machine) and php: no core web service can define a role")
    done = subprocess.run(["php", str(HERE / "sync_role.php"), MOODLE_DIR, SERVICE, role, username, *capabilities],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_least_privileged_sync_user_can_do_everything(world, packages):
    made = make_user("lmsbridgesynctest", "lmsbridge_sync_test", list(SYNC_CAPABILITIES))
    sfx, course = world["sfx"], world["course"]
    with MoodleClient(URL, made["token"], timeout=120) as sync:
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


def test_user_without_the_capabilities_gets_a_clear_permission_error(world, packages):
    made = make_user("lmsbridgenorightstest", "lmsbridge_norights_test", ["webservice/rest:use", "moodle/course:view"])
    sfx, course = world["sfx"], world["course"]
    with MoodleClient(URL, made["token"], timeout=120) as weak:
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
