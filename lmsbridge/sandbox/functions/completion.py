"""Completion reads; state is seeded with Store.set_completion() and course_completion_criteria rows."""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.errors import MoodleException
from lmsbridge.sandbox.functions._shapes import course_or_missing, user_or_missing
from lmsbridge.sandbox.params import INT, Value
from lmsbridge.sandbox.registry import Call, function

RULE = "Complete or pass the activity"


@function("core_completion_get_activities_completion_status", {"courseid": Value(INT), "userid": Value(INT)},
          write=False)
def get_activities_completion_status(call: Call, courseid: int, userid: int) -> dict[str, Any]:
    store = call.store
    course_or_missing(store, courseid)
    user_or_missing(store, userid)
    statuses = []
    for cm in store.q("SELECT * FROM course_modules WHERE course = ? AND completion > 0 ORDER BY id", courseid):
        row = store.one("SELECT * FROM course_modules_completion WHERE cmid = ? AND userid = ?", cm["id"], userid)
        state = row["completionstate"] if row else 0
        statuses.append({
            "cmid": cm["id"], "modname": cm["modname"], "instance": cm["instance"], "state": state,
            "timecompleted": row["timemodified"] if row and state else 0, "tracking": cm["completion"],
            "overrideby": None, "valueused": False, "hascompletion": True, "isautomatic": cm["completion"] == 2,
            "istrackeduser": store.is_enrolled(courseid, userid), "uservisible": True,
            "details": [{"rulename": "completionstatusrequired",
                         "rulevalue": {"status": 1 if state else 0, "description": RULE}}],
            "isoverallcomplete": bool(state)})
    return {"statuses": statuses, "warnings": []}


@function("core_completion_get_course_completion_status", {"courseid": Value(INT), "userid": Value(INT)},
          write=False)
def get_course_completion_status(call: Call, courseid: int, userid: int) -> dict[str, Any]:
    store = call.store
    course_or_missing(store, courseid)
    user_or_missing(store, userid)
    if not store.is_enrolled(courseid, userid):
        raise MoodleException("usernotenroled", "User is not enrolled in this course")
    criteria = store.q("SELECT * FROM course_completion_criteria WHERE courseid = ?", courseid)
    if not criteria:
        raise MoodleException("nocriteriaset", "No completion criteria set for this course")
    done = store.one("SELECT * FROM course_completions WHERE courseid = ? AND userid = ?", courseid, userid)
    completions = []
    for c in criteria:
        row = store.one("SELECT * FROM course_modules_completion WHERE cmid = ? AND userid = ?", c["cmid"], userid)
        ok = bool(row and row["completionstate"])
        completions.append({
            "type": 4, "title": "Activity completion", "status": "Yes" if ok else "No", "complete": ok,
            "timecompleted": row["timemodified"] if ok and row else None,
            "details": {"type": "Activity completion",
                        "criteria": f'<a href="{call.site_url}/mod/scorm/view.php?id={c["cmid"]}">activity</a>',
                        "requirement": "", "status": ""}})
    return {"completionstatus": {"completed": done is not None, "aggregation": 1, "completions": completions},
            "warnings": []}
