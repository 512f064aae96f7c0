"""local_lmsbridge_set_completion and local_lmsbridge_get_completion: course completion criteria, "all of these
activities complete", as the PHP sets them the way course/completion.php does."""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.params import DEFAULT, INT, RAW, Multiple, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import Store

from lmsbridge.sandbox.functions.plugin.lookup import (
    PLUGIN_COMPONENT, course_module, enter_course, plugin_error, require_cap,
)

AGGREGATION_ALL = 1


def course_state(store: Store, course: dict[str, Any]) -> dict[str, Any]:
    """get_completion::course_state(): activity criteria by idnumber, sorted; the sandbox stores no others."""
    cmids = [r["cmid"] for r in store.q("SELECT cmid FROM course_completion_criteria WHERE courseid = ?",
                                        course["id"])]
    idnumbers = sorted(str(store.scalar("SELECT idnumber FROM course_modules WHERE id = ?", c) or "") for c in cmids)
    locked = bool(cmids) and store.scalar(
        f"SELECT 1 FROM course_modules_completion WHERE completionstate IN (1, 2) AND cmid IN "
        f"({','.join('?' * len(cmids))})", *cmids) is not None
    return {"enabled": bool(course["enablecompletion"]), "activities": idnumbers, "othercriteria": 0,
            "aggregation": AGGREGATION_ALL, "locked": locked}


@function("local_lmsbridge_set_completion", {"courseid": Value(INT), "activities": Multiple(Value(RAW), DEFAULT, [])},
          write=True, component=PLUGIN_COMPONENT)
def set_completion(call: Call, courseid: int, activities: list[str]) -> dict[str, Any]:
    store = call.store
    course = enter_course(call, courseid)
    require_cap(call, "moodle/course:update")
    if not course["enablecompletion"]:
        raise plugin_error("completionnotenabled", course["id"])
    cmids: dict[int, str] = {}
    for idnumber in dict.fromkeys(activities):
        cm = course_module(store, course["id"], idnumber)
        if cm is None or not cm["completion"]:
            raise plugin_error("completionactivity", idnumber)
        cmids[cm["id"]] = idnumber
    state = course_state(store, course)
    if state["activities"] == sorted(cmids.values()):
        return {"changed": False, **state}
    if state["locked"]:
        raise plugin_error("completionlocked", course["id"])
    store.execute("DELETE FROM course_completion_criteria WHERE courseid = ?", course["id"])
    for cmid in sorted(cmids):
        store.execute("INSERT INTO course_completion_criteria VALUES (?, ?)", course["id"], cmid)
    store.aggregate_course_completion(course["id"])
    return {"changed": True, **course_state(store, course)}


@function("local_lmsbridge_get_completion", {"courseids": Multiple(Value(INT))}, write=False,
          component=PLUGIN_COMPONENT)
def get_completion(call: Call, courseids: list[int]) -> dict[str, Any]:
    out = []
    for courseid in courseids:
        course = enter_course(call, courseid)
        require_cap(call, "moodle/course:update")
        out.append({"courseid": course["id"], **course_state(call.store, course)})
    return {"courses": out}
