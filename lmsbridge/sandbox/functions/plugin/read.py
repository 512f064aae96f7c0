"""local_lmsbridge_read_courses: the state of many courses in one call."""

from __future__ import annotations

from typing import Any


from lmsbridge.sandbox.functions._shapes import idnumber_visible
from lmsbridge.sandbox.functions.enrol import active_sql
from lmsbridge.sandbox.params import BOOL, DEFAULT, INT, RAW, Multiple, Single, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import Store

from lmsbridge.sandbox.functions.plugin.lookup import PLUGIN_COMPONENT, enter_course, require_cap

def scorms_of(store: Store, courseid: int, prefix: str) -> list[dict[str, Any]]:
    return [{
        "idnumber": r["idnumber"], "cmid": r["cmid"], "instance": r["instance"], "section": r["section"],
        "name": r["name"], "visible": bool(r["visible"]), "sha1hash": r["sha1hash"] or "", "revision": r["revision"],
        "version": r["version"], "packagefilename": r["reference"] or ""}
        for r in store.q("SELECT cm.id AS cmid, cm.idnumber, cm.visible, cs.section, s.id AS instance, s.name, "
                         "s.sha1hash, s.revision, s.version, s.reference FROM course_modules cm "
                         "JOIN scorm s ON s.id = cm.instance JOIN course_sections cs ON cs.id = cm.section "
                         "WHERE cm.course = ? AND cm.modname = 'scorm' AND cm.idnumber != '' "
                         "ORDER BY cs.section, cm.id", courseid)
        if r["idnumber"].startswith(prefix)]


def gradeitems_of(store: Store, courseid: int, prefix: str) -> list[dict[str, Any]]:
    return [{"idnumber": r["idnumber"], "itemid": r["id"], "name": r["itemname"] or "",
             "grademin": float(r["grademin"]), "grademax": float(r["grademax"]), "hidden": bool(r["hidden"])}
            for r in store.q("SELECT * FROM grade_items WHERE courseid = ? AND itemtype = 'manual' AND "
                             "idnumber != '' ORDER BY sortorder, id", courseid)
            if r["idnumber"].startswith(prefix)]


def _enrolments(call: Call, courseid: int) -> list[dict[str, Any]]:
    """course_state::enrolments(): the idnumber only to a caller who may see it (course_state::idnumbers_visible)."""
    store = call.store
    rows = store.q(f"SELECT u.id, u.idnumber, MAX(CASE WHEN {active_sql(call.now)} THEN 1 ELSE 0 END) AS active "
                   "FROM user_enrolments ue JOIN enrol e ON e.id = ue.enrolid AND e.courseid = ? JOIN user u ON "
                   "u.id = ue.userid AND u.deleted = 0 GROUP BY u.id ORDER BY u.id", courseid)
    roles: dict[int, list[int]] = {}
    for ra in store.q("SELECT userid, roleid FROM role_assignments WHERE courseid = ? ORDER BY userid, roleid",
                      courseid):
        roles.setdefault(ra["userid"], []).append(ra["roleid"])
    return [{"userid": r["id"], "idnumber": (r["idnumber"] or "") if idnumber_visible(call, r["id"]) else "",
             "active": bool(r["active"]), "roles": roles.get(r["id"], [])} for r in rows]


def _grades(call: Call, courseid: int, prefix: str) -> list[dict[str, Any]]:
    """course_state::grades(): a caller who may not see idnumbers gets every user's grades, useridnumber empty."""
    visible = idnumber_visible(call, 0)
    rows = call.store.q("SELECT u.id AS userid, u.idnumber AS useridnumber, gi.idnumber AS itemidnumber, "
                        "gg.finalgrade, gg.feedback FROM grade_items gi JOIN grade_grades gg ON gg.itemid = gi.id "
                        "JOIN user u ON u.id = gg.userid AND u.deleted = 0 WHERE gi.courseid = ? AND "
                        "gi.idnumber != '' AND gg.finalgrade IS NOT NULL ORDER BY u.id, gi.sortorder, gi.id",
                        courseid)
    return [{"userid": r["userid"],
             "useridnumber": (r["useridnumber"] or "") if visible or r["userid"] == call.userid else "",
             "itemidnumber": r["itemidnumber"], "grade": float(r["finalgrade"]), "feedback": r["feedback"] or ""}
            for r in rows if r["itemidnumber"].startswith(prefix)
            and (not visible or (r["useridnumber"] or "") != "")]


def _competencies(store: Store, courseid: int) -> list[str]:
    return [r["idnumber"] for r in store.q("SELECT c.idnumber FROM course_competency cc JOIN competency c ON "
                                           "c.id = cc.competencyid WHERE cc.courseid = ? ORDER BY cc.sortorder, "
                                           "cc.id", courseid)]


# --- local_lmsbridge_read_courses ---------------------------------------------------------------------------------


@function("local_lmsbridge_read_courses", {"courses": Multiple(Single({
    "id": Value(INT), "enrolments": Value(BOOL, DEFAULT, False), "activities": Value(BOOL, DEFAULT, False),
    "grades": Value(BOOL, DEFAULT, False), "competencies": Value(BOOL, DEFAULT, False)})),
    "idnumberprefix": Value(RAW, DEFAULT, "")}, write=False, component=PLUGIN_COMPONENT)
def read_courses(call: Call, courses: list[dict[str, Any]], idnumberprefix: str) -> dict[str, Any]:
    store, out = call.store, []
    for want in courses:
        course = enter_course(call, want["id"])
        state: dict[str, Any] = {"courseid": course["id"]}
        if want["enrolments"]:
            require_cap(call, "moodle/course:viewparticipants")
            require_cap(call, "moodle/course:enrolreview")
            state["enrolments"] = _enrolments(call, course["id"])
        if want["activities"]:
            require_cap(call, "moodle/course:manageactivities")
            state["scorms"] = scorms_of(store, course["id"], idnumberprefix)
            state["gradeitems"] = gradeitems_of(store, course["id"], idnumberprefix)
        if want["grades"]:
            require_cap(call, "moodle/grade:viewall")
            state["grades"] = _grades(call, course["id"], idnumberprefix)
        if want["competencies"]:
            require_cap(call, "moodle/competency:coursecompetencyview")
            state["competencies"] = _competencies(store, course["id"])
        out.append(state)
    return {"courses": out}


# --- local_lmsbridge_upsert_grade_items ---------------------------------------------------------------------------
