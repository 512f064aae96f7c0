"""The whole flow against a real Moodle (issue 6): runs only when LMSBRIDGE_TEST_MOODLE_URL and
LMSBRIDGE_TEST_MOODLE_TOKEN are set (an administrator's token on a test site with the companion plugin installed,
its functions in the token's service, and the lt and sv language packs). Everything it makes carries the prefix
`lmsbt-` and is deleted afterwards (and before, should an earlier run have been interrupted).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import SOURCE, readme_capabilities, remove_everything

from lmsbridge.demo_data import participants, write_roster
from lmsbridge.moodle import MoodleClient
from lmsbridge.sync.summary import format_summary
from lmsbridge.sync.settings import SyncSettings
from lmsbridge.sync.run import run_sync

URL, TOKEN = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL"), os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN")
MOODLE_DIR = os.environ.get("LMSBRIDGE_TEST_MOODLE_DIR", "")
SERVICE = os.environ.get("LMSBRIDGE_TEST_MOODLE_SERVICE", "lmsbridge_test")
ROOT = Path(__file__).resolve().parents[2]
PREFIX = "lmsbt-"
pytestmark = [pytest.mark.moodle, pytest.mark.skipif(
    not (URL and TOKEN), reason="needs a real Moodle: set LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN")]


@pytest.fixture(scope="module")
def client() -> Iterator[MoodleClient]:
    users = [PREFIX + row["idnumber"] for row in rows()]
    with MoodleClient(URL or "", TOKEN or "", timeout=300) as c:
        remove_everything(c, PREFIX, users)
        yield c
        remove_everything(c, PREFIX, users)


def rows(tag: str = "t") -> list[dict[str, str]]:
    out = []
    for programme in ("social-clustering", "cluster-manager-education", "executive-management"):
        for row in participants(programme, 3, seed=11):
            pid = tag + row["idnumber"]
            out.append(row | {"idnumber": pid, "username": pid, "email": f"{pid}@example.org"})
    return out


def course(client: MoodleClient, idnumber: str) -> dict[str, Any]:
    return client.call("core_course_get_courses_by_field", {"field": "idnumber", "value": idnumber})["courses"][0]


def test_one_sync_creates_everything_a_changed_module_updates_in_place_and_a_second_sync_changes_nothing(
        client: MoodleClient, tmp_path: Path) -> None:
    people = rows()
    roster = write_roster(tmp_path / "roster.csv", people)
    cme = [p["idnumber"] for p in people if p["programme"] == "cluster-manager-education"]
    results = tmp_path / "results.csv"
    results.write_text("idnumber,event,grade,feedback\n" + "".join(
        f"{pid},CME-HYPER-WORKSHOP,{80 + i},Strong facilitation of the group work.\n" for i, pid in enumerate(cme)),
        encoding="utf-8")
    settings = SyncSettings(source=SOURCE, rosters=[roster], results=[results], prefix=PREFIX,
                            state_dir=tmp_path / "state")

    first = run_sync(settings, client)
    assert first.exit_code == 0, first.message or first.summary()
    counts = first.plan.counts() if first.plan else {}
    assert counts["activity"] == {"create": 13} and counts["user"] == {"create": len(people)}

    # Every module's SCORM activity is in its course, with the package lmsbridge built.
    strategy = course(client, f"{PREFIX}CME-2020-cme-strategy")
    [activity] = client.call("local_lmsbridge_get_activities", {"courseid": strategy["id"],
                                                               "idnumberprefix": PREFIX})["scorms"]
    assert activity["idnumber"] == f"{PREFIX}cme-strategy" and activity["revision"] == 1
    # Event grades with feedback are in the gradebook.
    collab = course(client, f"{PREFIX}CME-2020-cme-collaboration")
    report = client.call("gradereport_user_get_grade_items", {"courseid": collab["id"], "userid": 0})
    event = [(u["userfullname"], g["graderaw"], g["feedback"]) for u in report["usergrades"]
             for g in u["gradeitems"] if g.get("idnumber") == f"{PREFIX}CME-HYPER-WORKSHOP"]
    assert sorted(g for _, g, _ in event) == [80, 81, 82]
    assert all("Strong facilitation" in f for _, _, f in event)
    # The competency framework is linked to the courses that build it.
    rizika = course(client, f"{PREFIX}SC-2026-sc-rizika-lt")
    linked = client.call("core_competency_list_course_competencies", {"id": rizika["id"]})
    assert [c["competency"]["idnumber"] for c in linked] == [f"{PREFIX}SC-RISK-ANALYSIS"]

    second = run_sync(settings, client)
    assert second.exit_code == 0 and second.plan is not None and second.plan.actions == []
    # All courses' enrolments, activities, grades and competency links in one plugin call: fewer reads in all
    # than there are courses.
    assert second.plan.scope.read_courses and second.plan.reads < len(second.plan.scope.courses)

    # A changed module: its package is replaced in place, no second activity.
    changed = tmp_path / "source"
    shutil.copytree(SOURCE, changed)
    page = sorted((changed / "cluster-manager-education" / "cme-strategy" / "en").glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nA cluster strategy is reviewed every year.\n",
                    encoding="utf-8")
    third = run_sync(settings.model_copy(update={"source": changed}), client)
    assert third.exit_code == 0 and third.plan is not None
    assert [(a.entity, a.op) for a in third.plan.actions] == [("activity", "update")]
    [after] = client.call("local_lmsbridge_get_activities", {"courseid": strategy["id"],
                                                            "idnumberprefix": PREFIX})["scorms"]
    assert after["cmid"] == activity["cmid"] and after["revision"] == 2 and after["sha1hash"] != activity["sha1hash"]


def test_a_sync_user_with_just_the_readmes_capabilities_syncs_and_converges(client: MoodleClient,
                                                                           tmp_path: Path) -> None:
    if not MOODLE_DIR or not shutil.which("php"):
        pytest.skip("needs LMSBRIDGE_TEST_MOODLE_DIR (the Moodle code folder on this machine) and php: no core web "
                    "service can define a role")
    capabilities = sorted(readme_capabilities())
    said = re.search(r"allows exactly these (\d+) capabilities", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert said and len(capabilities) == int(said.group(1))  # as many as the README says
    done = subprocess.run(["php", str(ROOT / "tests" / "plugin" / "sync_role.php"), MOODLE_DIR, SERVICE,
                           "lmsbridge_sync_readme", "lmsbsyncreadme", *capabilities],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    token = json.loads(done.stdout.strip().splitlines()[-1])["token"]
    prefix, people = "lmsbl-", rows("l")
    cme = [p["idnumber"] for p in people if p["programme"] == "cluster-manager-education"]
    results = tmp_path / "results.csv"
    results.write_text("idnumber,event,grade,feedback\n" + "".join(
        f"{pid},CME-HYPER-WORKSHOP,{70 + i},Good.\n" for i, pid in enumerate(cme)), encoding="utf-8")
    settings = SyncSettings(source=SOURCE, rosters=[write_roster(tmp_path / "roster.csv", people)],
                            results=[results], prefix=prefix, state_dir=tmp_path / "state")
    users = [prefix + p["idnumber"] for p in people]
    # Course shortnames carry no prefix: the other test's courses would be hand-made clashes to this sync.
    remove_everything(client, PREFIX, [PREFIX + r["idnumber"] for r in rows()])
    remove_everything(client, prefix, users)
    try:
        with MoodleClient(URL or "", token, timeout=300) as sync:
            first = run_sync(settings, sync)
            assert first.exit_code == 0, first.message or format_summary(first)
            assert first.plan is not None and first.plan.counts()["activity"] == {"create": 13}
            again = run_sync(settings, sync)
            assert again.exit_code == 0 and again.plan is not None and again.plan.actions == []
            assert again.plan.scope.read_courses
    finally:
        remove_everything(client, prefix, users)


def test_a_broken_row_holds_its_participant_back_on_a_real_moodle(client: MoodleClient, tmp_path: Path) -> None:
    """Issue 11: a broken row leaves its participant exactly as Moodle has them; only the absent one leaves."""
    prefix, people = "lmsbh-", [r for r in rows("h") if r["programme"] == "executive-management"]
    users = [prefix + p["idnumber"] for p in people]
    remove_everything(client, PREFIX, [PREFIX + r["idnumber"] for r in rows()])  # its courses would clash
    remove_everything(client, prefix, users)
    roster = write_roster(tmp_path / "roster.csv", people)
    settings = SyncSettings(source=SOURCE, rosters=[roster], prefix=prefix, state_dir=tmp_path / "state")

    def held(idnumber: str) -> tuple[Any, ...]:
        (user,) = client.call("core_user_get_users_by_field", {"field": "idnumber", "values": [idnumber]})
        courses = client.call("core_enrol_get_users_courses", {"userid": user["id"]})
        return user["suspended"], user["email"], user["lastname"], sorted(c["idnumber"] for c in courses)

    try:
        assert run_sync(settings, client).exit_code == 0
        broken, gone = people[0], people[2]
        before = held(broken["idnumber"])  # the roster's idnumber, as Moodle has it
        write_roster(roster, [people[0] | {"email": "liis.t@", "lastname": "Changed"}, people[1]])
        outcome = run_sync(settings, client)
        assert outcome.exit_code == 1, format_summary(outcome)
        assert held(broken["idnumber"]) == before
        assert held(gone["idnumber"])[0]  # absent from every roster: suspended
    finally:
        remove_everything(client, prefix, users)
