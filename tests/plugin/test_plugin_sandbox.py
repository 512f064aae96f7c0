"""The sandbox with and without the companion plugin, and what only a seeded sandbox can show of the contract.

The contract itself is checked on the sandbox and on a real Moodle alike by test_plugin_real_moodle.py; here are
the site without the plugin (unknown functions, `lmsbridge doctor`) and states a test cannot make through REST
(locked grades, protected package downloads, learners' completion data, tracks of a SCO that goes away).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest
import requests
from click.testing import CliRunner

from lmsbridge.cli import cli
from lmsbridge.moodle import MoodleAPIError, MoodleClient
from lmsbridge.moodle import PLUGIN_FUNCTIONS
from lmsbridge.plugin_zip import DOCTOR_HINT
from lmsbridge.sandbox import Sandbox
from lmsbridge.sandbox.functions.plugin import PROTECT_DOWNLOADS


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox() as s:
        yield s


@pytest.fixture
def client(sb: Sandbox) -> Iterator[MoodleClient]:
    with MoodleClient(sb.url, sb.token, timeout=30) as c:
        yield c


def manifest_zip(scos: list[str], version: str = "1.2") -> bytes:
    """A minimal package whose organisation holds one item per SCO identifier."""
    items = "".join(f'<item identifier="{s}" identifierref="r-{s}"><title>{s}</title></item>' for s in scos)
    resources = "".join(f'<resource identifier="r-{s}" type="webcontent" adlcp:scormtype="sco" href="{s}.html"/>'
                        for s in scos)
    manifest = (f'<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
                f'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"><metadata><schema>ADL SCORM</schema>'
                f'<schemaversion>{version}</schemaversion></metadata><organizations default="o">'
                f'<organization identifier="o"><title>Org</title>{items}</organization></organizations>'
                f"<resources>{resources}</resources></manifest>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("imsmanifest.xml", manifest)
        for s in scos:
            zf.writestr(f"{s}.html", f"<p>{s}</p>")
    return buf.getvalue()


def upsert(client: MoodleClient, courseid: int, package: bytes | None = None, **params: object) -> dict:
    args = {"courseid": courseid, "section": 1, "idnumber": "act", "name": "Activity", **params}
    if package is not None:
        args["draftitemid"] = client.upload([("package.zip", package)]).itemid
    return client.call("local_lmsbridge_upsert_scorm", args)


def raw_error(sb: Sandbox, function: str) -> dict:
    return requests.post(f"{sb.url}/webservice/rest/server.php", data={
        "wstoken": sb.token, "wsfunction": function, "moodlewsrestformat": "json", "courseid": "2"},
        timeout=10).json()


def doctor(sb: Sandbox) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["doctor", "--url", sb.url], env={"LMSBRIDGE_MOODLE_TOKEN": sb.token})
    assert sb.token not in result.output
    return result.exit_code, result.output


# --- with and without the plugin ------------------------------------------------------------------------------


def test_without_the_plugin_its_functions_are_unknown() -> None:
    with Sandbox(plugin=False) as bare, Sandbox() as full:
        unknown = raw_error(bare, "local_nothing_here")
        for name in PLUGIN_FUNCTIONS:
            assert raw_error(bare, name) == unknown, name  # exactly what any unknown name gets
            assert raw_error(full, name).get("errorcode") != unknown["errorcode"], name
        with MoodleClient(bare.url, bare.token) as c:
            have = {f["name"] for f in c.call("core_webservice_get_site_info")["functions"]}
        assert not have & set(PLUGIN_FUNCTIONS) and "core_course_get_contents" in have
        with MoodleClient(full.url, full.token) as c:
            have = {f["name"] for f in c.call("core_webservice_get_site_info")["functions"]}
        assert set(PLUGIN_FUNCTIONS) <= have


def test_doctor_says_the_plugin_is_missing_and_how_to_install_it() -> None:
    with Sandbox(plugin=False) as bare:
        code, out = doctor(bare)
    assert code == 0, out
    assert "plugin:   not installed" in out and DOCTOR_HINT in out
    assert "lmsbridge moodle-plugin --out local_lmsbridge.zip" in out


def test_doctor_sees_the_installed_plugin(sb: Sandbox) -> None:
    code, out = doctor(sb)
    assert code == 0, out
    assert "plugin:   installed" in out and DOCTOR_HINT not in out


# --- states only a seeded sandbox shows ---------------------------------------------------------------------


def test_locked_grade_item_and_locked_grade_are_refused(sb: Sandbox, client: MoodleClient) -> None:
    course = sb.db.create_course(fullname="C", shortname="C", category=1)
    learner = sb.db.create_user(username="ann", firstname="Ann", lastname="Lee", email="ann@example.com",
                                idnumber="emp-ann")
    sb.db.enrol(course, learner)
    [item] = client.call("local_lmsbridge_upsert_grade_items", {"courseid": course, "items": [
        {"idnumber": "ev", "name": "Event"}]})["items"]
    row = {"useridnumber": "emp-ann", "grade": "50", "feedback": "ok"}
    [res] = client.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": "ev",
                                                       "grades": [row]})["results"]
    assert res["status"] == "ok"

    sb.db.execute("UPDATE grade_grades SET locked = 1 WHERE itemid = ?", item["itemid"])
    [res] = client.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": "ev",
                                                       "grades": [dict(row, grade="60")]})["results"]
    assert (res["errorcode"], res["grade"]) == ("gradelocked", None)
    assert sb.db.scalar("SELECT finalgrade FROM grade_grades WHERE itemid = ?", item["itemid"]) == 50

    sb.db.execute("UPDATE grade_items SET locked = 1 WHERE id = ?", item["itemid"])
    with pytest.raises(MoodleAPIError) as err:
        client.call("local_lmsbridge_set_grades", {"courseid": course, "itemidnumber": "ev", "grades": [row]})
    assert err.value.errorcode == "gradeitemlocked"


def test_protected_package_downloads_keep_the_package_out_of_the_app(sb: Sandbox, client: MoodleClient) -> None:
    course = sb.db.create_course(fullname="C", shortname="C", category=1)
    sb.db.set_config(PROTECT_DOWNLOADS, "1")
    r = upsert(client, course, manifest_zip(["a"]))
    assert r["offlineinapp"] is False
    assert [w["warningcode"] for w in r["warnings"]] == ["packagedownloadsprotected"]


def test_changed_completion_rule_with_learner_data_warns_of_recalculation(sb: Sandbox, client: MoodleClient) -> None:
    course = sb.db.create_course(fullname="C", shortname="C", category=1)
    r = upsert(client, course, manifest_zip(["a"]), completionstatus="passed")
    assert r["warnings"] == []
    sb.db.set_completion(r["cmid"], 3)
    again = upsert(client, course, completionstatus="completed")
    assert again["status"] == "updated"
    assert [w["warningcode"] for w in again["warnings"]] == ["completionrecalculated"]
    assert upsert(client, course, completionstatus="completed")["status"] == "unchanged"


def test_new_package_keeps_remaining_scos_and_drops_the_others_tracks(sb: Sandbox, client: MoodleClient) -> None:
    course = sb.db.create_course(fullname="C", shortname="C", category=1)
    first = upsert(client, course, manifest_zip(["a", "b"]))
    assert (first["scocount"], first["revision"]) == (2, 1)
    ids = {s["identifier"]: s["id"] for s in sb.db.q("SELECT * FROM scorm_scoes WHERE scorm = ?", first["instance"])}
    for sco in ("a", "b"):
        sb.db.add_track(3, ids[sco], "cmi.core.lesson_status", "passed")

    second = upsert(client, course, manifest_zip(["a", "c"]))
    assert (second["status"], second["revision"], second["scocount"]) == ("updated", 2, 2)
    after = {s["identifier"]: s["id"] for s in sb.db.q("SELECT * FROM scorm_scoes WHERE scorm = ?",
                                                       first["instance"])}
    assert after["a"] == ids["a"] and "b" not in after  # Moodle matches SCOs by identifier
    assert sb.db.scalar("SELECT COUNT(*) FROM scorm_tracks WHERE scoid = ?", ids["a"]) == 1
    assert sb.db.scalar("SELECT COUNT(*) FROM scorm_tracks WHERE scoid = ?", ids["b"]) == 0
    # The draft copies are gone once the package lives in the activity.
    assert sb.db.scalar("SELECT COUNT(*) FROM files WHERE filearea = 'draft'") == 0
    scorm = client.call("mod_scorm_get_scorms_by_courses", {"courseids": [course]})["scorms"][0]
    assert requests.get(scorm["packageurl"], params={"token": sb.token}, timeout=10).content == \
        manifest_zip(["a", "c"])


def test_a_user_outside_the_course_cannot_enter_it(sb: Sandbox) -> None:
    course = sb.db.create_course(fullname="C", shortname="C", category=1, visible=0)
    caps = ["webservice/rest:use", "moodle/course:view", "moodle/course:manageactivities"]
    with MoodleClient(sb.url, sb.add_token(capabilities=caps)) as weak:
        with pytest.raises(MoodleAPIError) as err:  # hidden course, no moodle/course:viewhiddencourses
            weak.call("local_lmsbridge_get_activities", {"courseid": course})
        assert err.value.errorcode == "coursenotfound"  # as for a course that does not exist
    with MoodleClient(sb.url, sb.add_token(capabilities=caps + ["moodle/course:viewhiddencourses"])) as ok:
        assert ok.call("local_lmsbridge_get_activities", {"courseid": course})["scorms"] == []


def test_doctor_names_the_capabilities_the_sync_user_lacks(sb: Sandbox) -> None:
    from lmsbridge.capabilities import SYNC_USER_CAPABILITIES

    uid = sb.db.create_user(username="syncer", firstname="Sync", lastname="User", email="s@example.invalid")
    lacking = [c for c in SYNC_USER_CAPABILITIES if c not in ("moodle/grade:edit", "moodle/user:viewalldetails")]
    token = sb.add_token(userid=uid, capabilities=lacking)
    result = CliRunner().invoke(cli, ["doctor", "--url", sb.url], env={"LMSBRIDGE_MOODLE_TOKEN": token})
    assert result.exit_code == 4, result.output
    assert "lacks 2 capabilities of the README's list: moodle/user:viewalldetails, moodle/grade:edit" in result.output
    assert "'Edit grades' (moodle/grade:edit): allow it in that role" in result.output
    full = sb.add_token(userid=uid, capabilities=list(SYNC_USER_CAPABILITIES))
    result = CliRunner().invoke(cli, ["doctor", "--url", sb.url], env={"LMSBRIDGE_MOODLE_TOKEN": full})
    assert result.exit_code == 0 and "Ready" in result.output
