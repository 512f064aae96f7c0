"""Course completion in a real Moodle, with learners in its own SCORM player: the course's criteria set by the
companion plugin (every module's activity complete), then Moodle's cron task marks the learner who passed every
module complete, on their own course completion page and over REST (what `lmsbridge report` reads), and not the
one who failed a module.

Needs LMSBRIDGE_TEST_MOODLE_URL/TOKEN (an administrator's token) and LMSBRIDGE_TEST_MOODLE_DIR (the site's code
on this machine, with php: the cron task \\core\\task\\completion_regular_task is run with admin/cli). The run
works in a course of its own with learners of its own, and deletes them at the end.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lms_player import COURSES
from test_real_moodle_player import MOODLE_DIR, STUDENT_ROLE, TOKEN, URL, Learner, new_password, wait_tracks

from lmsbridge.moodle import MoodleClient
from lmsbridge.report.model import ResultRow

pytestmark = [
    pytest.mark.browser,
    pytest.mark.moodle,
    pytest.mark.skipif(not (URL and TOKEN and MOODLE_DIR and shutil.which("php")),
                       reason="needs a real Moodle (LMSBRIDGE_TEST_MOODLE_URL/TOKEN) and its code folder "
                              "(LMSBRIDGE_TEST_MOODLE_DIR) with php, for its completion cron task"),
]
MODULES = {"intro": ("sc-intro", "lt"), "strategy": ("cme-strategy", "en")}  # SCORM 1.2 both


@pytest.fixture(scope="module")
def admin() -> Iterator[MoodleClient]:
    with MoodleClient(URL, TOKEN, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def course(admin: MoodleClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from scorm.build import build_packages

    sfx = secrets.token_hex(3)
    made = admin.call("core_course_create_courses", {"courses": [{
        "fullname": f"lmsbridge completion test {sfx}", "shortname": f"lmsb-compl-{sfx}", "categoryid": 1,
        "enablecompletion": 1}]})[0]
    users: list[dict[str, Any]] = []
    try:
        people = {name: {"username": f"lmsbcompl{name}{sfx}", "password": new_password()} for name in ("ann", "bo")}
        users = admin.call("core_user_create_users", {"users": [{
            "username": p["username"], "password": p["password"], "firstname": name.title(),
            "lastname": f"Learner {sfx}", "email": f"{p['username']}@example.invalid"} for name, p in people.items()]})
        admin.call("enrol_manual_enrol_users", {"enrolments": [
            {"roleid": STUDENT_ROLE, "userid": u["id"], "courseid": made["id"]} for u in users]})
        out = tmp_path_factory.mktemp("completion-packages")
        activities: dict[str, dict[str, Any]] = {}
        for n, (key, (module, lang)) in enumerate(MODULES.items(), start=1):
            [built] = build_packages(COURSES, out, versions=("1.2",), langs=[lang], modules=[module])
            act = admin.call("local_lmsbridge_upsert_scorm", {
                "courseid": made["id"], "section": n, "idnumber": f"{module}-{sfx}", "name": module,
                "draftitemid": admin.upload([built.path]).itemid, "completionstatus": "passed",
                "display": "currentwindow"})
            scoes = admin.call("mod_scorm_get_scorm_scoes", {"scormid": act["instance"]})["scoes"]
            [sco] = [s for s in scoes if s["launch"]]
            activities[key] = {**act, "scoid": sco["id"], "idnumber": f"{module}-{sfx}"}
        criteria = admin.call("local_lmsbridge_set_completion", {
            "courseid": made["id"], "activities": [a["idnumber"] for a in activities.values()]})
        assert criteria["changed"] and len(criteria["activities"]) == 2
        yield {"course": made["id"], "activities": activities,
               "people": {name: {**p, "user": u["id"]} for (name, p), u in zip(people.items(), users)}}
    finally:
        admin.call("core_course_delete_courses", {"courseids": [made["id"]]})
        if users:
            admin.call("core_user_delete_users", {"userids": [u["id"] for u in users]})


def take(browser: Any, admin: MoodleClient, course: dict[str, Any], name: str, results: dict[str, bool]
         ) -> Learner:
    """The learner takes each module in Moodle's player: every answer right (pass) or wrong (fail)."""
    person = course["people"][name]
    site = {"course": course["course"], "user": person["user"], "username": person["username"],
            "password": person["password"], "activities": course["activities"], "debug": False}
    learner = Learner(browser, site)
    for key, passes in results.items():
        sco = learner.enter(key)
        sco.read_to(len(sco.pages) - 1)
        sco.answer_all(passes)
        sco.submit()
        sco.finish()
        learner.exit_activity()
        want = "passed" if passes else "failed"
        wait_tracks(admin, site, key, 1, lambda t, w=want: t.get("cmi.core.lesson_status") == w and
                    t.get("cmi.core.exit") == "", f"the {want} attempt of {key}")
    return learner


def run_completion_cron() -> None:
    done = subprocess.run(["php", str(Path(MOODLE_DIR) / "admin" / "cli" / "scheduled_task.php"),
                           "--execute=\\core\\task\\completion_regular_task"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_who_passes_every_module_is_course_complete_and_who_fails_one_is_not(browser, admin, course,  # type: ignore[no-untyped-def]
                                                                              tmp_path: Path) -> None:
    ann = take(browser, admin, course, "ann", {"intro": True, "strategy": True})
    bo = take(browser, admin, course, "bo", {"intro": True, "strategy": False})
    run_completion_cron()
    cid = course["course"]
    for learner, complete in ((ann, True), (bo, False)):
        uid = learner.site["user"]
        status = admin.call("core_completion_get_course_completion_status",
                            {"courseid": cid, "userid": uid})["completionstatus"]
        assert status["completed"] is complete, status
        # What `lmsbridge report` reads for course_completed.
        mine = {c["id"]: c for c in admin.call("core_enrol_get_users_courses", {"userid": uid})}[cid]
        assert mine["completed"] is complete and mine["completionhascriteria"] is True
        row = ResultRow.model_validate({
            "programme": "p", "course": {"id": cid, "idnumber": "", "programme": "p"},
            "participant": {"userid": uid}, "moodle_completed": mine["completed"]})
        assert row.completed is complete
        # The learner's own view: Moodle's course completion status page.
        learner.page.goto(f"{URL}/blocks/completionstatus/details.php?course={cid}")
        page_text = learner.page.locator("#region-main").inner_text()
        shown = re.search(r"Status:?\s+(Complete|In progress|Not yet started)", page_text)
        assert shown and shown[1] == ("Complete" if complete else "In progress"), page_text
        learner.page.screenshot(path=str(tmp_path / f"completion-{learner.site['username']}.png"), full_page=True)
        learner.close()
