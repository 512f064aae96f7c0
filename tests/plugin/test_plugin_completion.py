"""local_lmsbridge_set_completion and get_completion on the sandbox and a real Moodle (the `site` fixture of
test_plugin_real_moodle): criteria set as the course completion page sets them, idempotently, the page's checks,
and Moodle's own course completion marking the learner whose activity is complete (on a real Moodle after its
cron task \\core\\task\\completion_regular_task, run with php when LMSBRIDGE_TEST_MOODLE_DIR is given)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import test_plugin_real_moodle as contract
from test_plugin_real_moodle import MOODLE_DIR, Site, make_course, upsert

from lmsbridge.moodle import MoodleAPIError, MoodleClient

# The contract tests' fixtures: the same sites (sandbox and real Moodle), course and packages.
site, admin, world, packages = contract.site, contract.admin, contract.world, contract.packages


def course_state(admin: MoodleClient, course: int) -> dict:
    [state] = admin.call("local_lmsbridge_get_completion", {"courseids": [course]})["courses"]
    return state


def complete_activity(site: Site, admin: MoodleClient, cmid: int, userid: int) -> None:
    """The learner's activity complete, and Moodle's course completion aggregated (its cron task)."""
    if site.sandbox is not None:
        site.sandbox.db.set_completion(cmid, userid, 2)  # the sandbox aggregates at once
        return
    if not MOODLE_DIR or not shutil.which("php"):
        pytest.skip("course completion on a real Moodle needs its cron task: set LMSBRIDGE_TEST_MOODLE_DIR")
    admin.call("core_completion_override_activity_completion_status",
               {"userid": userid, "cmid": cmid, "newstate": 1})
    done = subprocess.run(["php", f"{MOODLE_DIR}/admin/cli/scheduled_task.php",
                           "--execute=\\core\\task\\completion_regular_task"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_criteria_set_once_read_back_and_moodle_completes_the_learner(site, admin, world, packages):
    created = upsert(admin, world, packages["sc-intro"].path, completionstatus="passed")
    idnumber, cmid = f"mod-{world['sfx']}", created["cmid"]
    before = course_state(admin, world["course"])
    assert (before["enabled"], before["activities"], before["locked"]) == (True, [], False)

    first = admin.call("local_lmsbridge_set_completion", {"courseid": world["course"], "activities": [idnumber]})
    assert (first["changed"], first["activities"], first["othercriteria"], first["aggregation"]) == \
        (True, [idnumber], 0, 1)
    again = admin.call("local_lmsbridge_set_completion", {"courseid": world["course"], "activities": [idnumber]})
    assert again["changed"] is False and course_state(admin, world["course"])["activities"] == [idnumber]

    # Moodle's course completion, read with core's functions.
    learner, other = world["users"][0]["id"], world["users"][1]["id"]
    complete_activity(site, admin, cmid, learner)
    status = admin.call("core_completion_get_course_completion_status",
                        {"courseid": world["course"], "userid": learner})["completionstatus"]
    assert status["completed"] is True and [c["complete"] for c in status["completions"]] == [True]
    other_status = admin.call("core_completion_get_course_completion_status",
                              {"courseid": world["course"], "userid": other})["completionstatus"]
    assert other_status["completed"] is False
    mine = {c["id"]: c for c in admin.call("core_enrol_get_users_courses", {"userid": learner})}
    assert mine[world["course"]]["completed"] is True

    # Now learners have completed criteria: Moodle freezes them, and so does the plugin (the same ones pass).
    assert course_state(admin, world["course"])["locked"] is True
    with pytest.raises(MoodleAPIError) as e:
        admin.call("local_lmsbridge_set_completion", {"courseid": world["course"], "activities": []})
    assert e.value.errorcode == "completionlocked"
    assert admin.call("local_lmsbridge_set_completion",
                      {"courseid": world["course"], "activities": [idnumber]})["changed"] is False


def test_only_activities_with_completion_tracking_in_courses_with_completion(admin, world, packages):
    with pytest.raises(MoodleAPIError) as e:
        admin.call("local_lmsbridge_set_completion", {"courseid": world["course"], "activities": ["no-such"]})
    assert e.value.errorcode == "completionactivity" and '"no-such"' in (e.value.moodle_message or "")
    course = make_course(admin, f"{world['sfx']}-off", enablecompletion=0)
    try:
        with pytest.raises(MoodleAPIError) as e:
            admin.call("local_lmsbridge_set_completion", {"courseid": course, "activities": []})
        assert e.value.errorcode == "completionnotenabled"
        assert course_state(admin, course)["enabled"] is False
    finally:
        admin.call("core_course_delete_courses", {"courseids": [course]})


def test_sections_named_without_gaps_and_others_left_alone(admin, world):
    sfx = world["sfx"]
    course = make_course(admin, f"{sfx}-sec", numsections=0)
    try:
        hand = admin.call("local_lmsbridge_set_sections", {"courseid": course, "sections": [
            {"section": 3, "name": "Added by a teacher", "summary": "<p>hand</p>"}]})["sections"]
        assert hand[0]["changed"] is True
        asked = [{"section": 1, "name": "Kooperacija ir lyderystė", "summary": "<p>2026-01-01 – 2026-02-01</p>"}]
        first = admin.call("local_lmsbridge_set_sections", {"courseid": course, "sections": asked})["sections"]
        again = admin.call("local_lmsbridge_set_sections", {"courseid": course, "sections": asked})["sections"]
        assert (first[0]["changed"], again[0]["changed"]) == (True, False)
        [state] = admin.call("local_lmsbridge_get_sections", {"courseids": [course]})["courses"]
        stored = {s["section"]: (s["name"], s["summary"]) for s in state["sections"]}
        assert sorted(stored) == [0, 1, 2, 3]  # created up to the highest, no gaps
        assert stored[1] == (asked[0]["name"], asked[0]["summary"]) and stored[3][0] == "Added by a teacher"
        shown = admin.call("core_course_get_contents", {"courseid": course})
        assert [s["name"] for s in shown][1] == "Kooperacija ir lyderystė"
        with pytest.raises(MoodleAPIError) as e:
            admin.call("local_lmsbridge_set_sections", {"courseid": course, "sections": [
                {"section": 0, "name": "General", "summary": ""}]})
        assert e.value.errorcode == "invalidoption"
    finally:
        admin.call("core_course_delete_courses", {"courseids": [course]})
