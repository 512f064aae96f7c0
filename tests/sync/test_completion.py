"""Course completion criteria: planned from moodle.toml (every module's activity complete), set through the
companion plugin, read back so that a re-sync is a no-op; Moodle's course completion then marks a learner who
completes the module complete, and one who does not, not."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmsbridge.moodle import MoodleClient
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.actual import ActualState
from lmsbridge.sync.desired import DCourse, DesiredState
from lmsbridge.sync.planner.plugin_parts import plan_completion
from lmsbridge.sync.planner.settings import PlanSettings
from lmsbridge.sync.run import make_sync_plan, run_sync
from lmsbridge.sync.settings import SyncSettings
from lmsbridge.sync.sources.delivery import load_delivery

P = "lmsb-"
COURSE = DCourse(idnumber="lmsb-k", shortname="k", fullname="K", category="lmsb-c", programme="p", intake="i",
                 module="m1", source="moodle.toml")


@pytest.mark.parametrize("have, expected", [
    (None, (None, ["lmsb-a1"])),  # a new course (or one not read yet)
    ([], ([], ["lmsb-a1"])),  # no criteria: Moodle never marks anyone complete
    (["lmsb-old"], (["lmsb-old"], ["lmsb-a1"])),  # a teacher's (or an older programme's) criteria
    (["lmsb-a1"], None),  # already right: nothing to do
])
def test_completion_criteria_planned(have: list[str] | None, expected: tuple[list[str] | None, list[str]] | None
                                     ) -> None:
    desired = DesiredState(prefix=P, courses={"lmsb-k": COURSE}, completion={"lmsb-k": ["lmsb-a1"]})
    actual = ActualState(prefix=P, completion={"lmsb-k": have} if have is not None else {})
    part = plan_completion(desired, actual, PlanSettings(), {"lmsb-k"})
    if expected is None:
        assert part.actions == []
        return
    [a] = part.actions
    assert (a.entity, a.op, a.key) == ("completion", "set", "lmsb-k")
    assert (a.before or {}).get("activities") == expected[0] and (a.after or {})["activities"] == expected[1]
    assert "complete" in a.reason


def test_completion_skipped_without_the_plugin_and_for_unsynced_courses() -> None:
    desired = DesiredState(prefix=P, courses={"lmsb-k": COURSE}, completion={"lmsb-k": ["lmsb-a1"]})
    part = plan_completion(desired, ActualState(prefix=P), PlanSettings(plugin_missing="no plugin"), {"lmsb-k"})
    assert part.actions == [] and [(s.what, s.count) for s in part.skipped] == [("course completion criteria", 1)]
    assert plan_completion(desired, ActualState(prefix=P), PlanSettings(), set()).actions == []


def test_moodle_toml_completion_defaults_to_modules() -> None:
    src = Path(__file__).parents[2] / "course_packages" / "cluster-manager-education"
    assert load_delivery(src).completion == "modules"  # the default


def test_sync_sets_criteria_once_and_moodle_completes_the_learner_who_passes(
        sandbox: Sandbox, client: MoodleClient, settings: SyncSettings) -> None:
    first = run_sync(settings, client)
    assert first.exit_code == 0, first.message
    db = sandbox.db
    sets = [a for a in first.plan.actions if a.entity == "completion"]  # type: ignore[union-attr]
    courses = {r["idnumber"]: r for r in db.q("SELECT * FROM course WHERE idnumber LIKE 'lmsb-%'")}
    with_activity = {r["course"] for r in db.q("SELECT course FROM course_modules WHERE idnumber LIKE 'lmsb-%'")}
    assert {a.key for a in sets} == {k for k, c in courses.items() if c["id"] in with_activity}
    assert len(sets) == 13
    # Each module course: exactly its SCORM activity as the criterion.
    course = courses["lmsb-SC-2026-sc-intro-en"]
    crit = db.q("SELECT cm.idnumber FROM course_completion_criteria cc JOIN course_modules cm ON cm.id = cc.cmid "
                "WHERE cc.courseid = ?", course["id"])
    assert [r["idnumber"] for r in crit] == ["lmsb-sc-intro"]
    again = make_sync_plan(settings, client)
    assert [a for a in again.actions if a.entity == "completion"] == []

    # A learner whose SCORM activity is complete (passed) is course-complete; another is not.
    cm = db.one("SELECT * FROM course_modules WHERE course = ? AND idnumber = 'lmsb-sc-intro'", course["id"])
    assert cm and cm["completion"] == 2
    enrolled = client.get_enrolled_users(course["id"])
    passer, other = enrolled[0], enrolled[1]
    db.set_completion(cm["id"], passer.id, 2)  # COMPLETION_COMPLETE_PASS, as the SCORM module sets it
    done = {c.id: c for c in client.get_users_courses(passer.id)}[course["id"]]
    not_done = {c.id: c for c in client.get_users_courses(other.id)}[course["id"]]
    assert done.completed is True and done.progress == 100
    assert not_done.completed is False and not_done.progress == 0

    # A teacher's change is planned back, shown with what Moodle held.
    db.execute("DELETE FROM course_completion_criteria WHERE courseid = ?", course["id"])
    drift = [a for a in make_sync_plan(settings, client).actions if a.entity == "completion"]
    assert [(a.key, a.before) for a in drift] == [("lmsb-SC-2026-sc-intro-en", {"activities": []})]
    assert run_sync(settings, client).exit_code == 0
    assert make_sync_plan(settings, client).actions == []


# --- course sections (the same plugin family: what a teacher sets up by hand on the course page) ---

@pytest.mark.parametrize("have, op_before", [
    (None, (True, None)),  # not read yet (a new course)
    (["", ""], (True, {"name": "", "summary": ""})),  # Moodle's default "New section"
    (["Module 1", "<p>2026-01-01 – 2026-02-01</p>"], None),  # already right: nothing to do
    (["Renamed by hand", "<p>2026-01-01 – 2026-02-01</p>"], (True, {"name": "Renamed by hand",
                                                                   "summary": "<p>2026-01-01 – 2026-02-01</p>"})),
])
def test_sections_planned(have: list[str] | None, op_before: tuple[bool, dict | None] | None) -> None:
    from lmsbridge.sync.desired import DSection
    from lmsbridge.sync.planner.plugin_parts import plan_sections

    desired = DesiredState(prefix=P, sections={"lmsb-k|1": DSection(
        course="lmsb-k", section=1, name="Module 1", summary="<p>2026-01-01 – 2026-02-01</p>")})
    actual = ActualState(prefix=P, sections={"lmsb-k|1": have} if have is not None else {})
    part = plan_sections(desired, actual, PlanSettings(), {"lmsb-k"})
    if op_before is None:
        assert part.actions == []
        return
    [a] = part.actions
    assert (a.entity, a.op, a.key, a.before) == ("section", "set", "lmsb-k|1", op_before[1])
    assert a.after == {"course": "lmsb-k", "section": 1, "name": "Module 1",
                       "summary": "<p>2026-01-01 – 2026-02-01</p>"}
