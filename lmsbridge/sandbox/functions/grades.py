"""Grade reads (core_grades_get_gradeitems, gradereport_user_get_grade_items) and core_grades_update_grades
with the quirks the recordings show (cmid not instance id, feedback dropped, courseid not checked)."""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.errors import DmlRead, MoodleException, RawResponse
from lmsbridge.sandbox.functions._shapes import course_or_missing, fullname
from lmsbridge.sandbox.functions.enrol import active_sql
from lmsbridge.sandbox.params import (BOOL, COMPONENT, FLOAT, INT, OPTIONAL, RAW, TEXT, Multiple, Single, Value)
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import now


@function("core_grades_get_gradeitems", {"courseid": Value(INT)}, write=False)
def get_gradeitems(call: Call, courseid: int) -> dict[str, Any]:
    course = course_or_missing(call.store, courseid)
    items = call.store.q("SELECT * FROM grade_items WHERE courseid = ? AND itemtype != 'course' ORDER BY sortorder, "
                         "id", courseid)
    return {"gradeItems": [{"id": str(i["id"]), "itemname": i["itemname"], "category": course["fullname"]}
                           for i in items], "warnings": []}


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _num(value: float | None) -> Any:
    if value is None:
        return None
    return int(value) if value == int(value) else value


def _item(call: Call, item: dict[str, Any], userid: int, total_weight: int) -> dict[str, Any]:
    store = call.store
    grade = store.one("SELECT * FROM grade_grades WHERE itemid = ? AND userid = ?", item["id"], userid)
    raw = grade["finalgrade"] if grade else None
    is_course = item["itemtype"] == "course"
    if is_course:  # natural aggregation: the sum of the visible items' grades, out of the sum of their maxima
        parts = store.q("SELECT gi.grademax, gg.finalgrade, gg.timemodified FROM grade_items gi LEFT JOIN "
                        "grade_grades gg ON gg.itemid = gi.id AND gg.userid = ? WHERE gi.courseid = ? AND "
                        "gi.itemtype != 'course' AND gi.hidden = 0", userid, item["courseid"])
        graded = [p for p in parts if p["finalgrade"] is not None]
        item = dict(item, grademax=sum(p["grademax"] for p in parts) or 100)
        raw = sum(p["finalgrade"] for p in graded) if graded else None
        grade = {"timemodified": max(p["timemodified"] for p in graded), "feedback": ""} if graded else None
    out: dict[str, Any] = {
        "id": item["id"], "itemname": item["itemname"], "itemtype": item["itemtype"],
        "itemmodule": item["itemmodule"], "iteminstance": item["iteminstance"], "itemnumber": item["itemnumber"],
        "idnumber": item["idnumber"], "categoryid": item["categoryid"], "outcomeid": None, "scaleid": None,
        "locked": False}
    if not is_course:
        cmid = store.scalar("SELECT id FROM course_modules WHERE modname = ? AND instance = ?", item["itemmodule"],
                            item["iteminstance"]) if item["itemtype"] == "mod" else None
        weight = (1 / total_weight) if total_weight and not item["hidden"] else 0
        out.update(cmid=cmid, weightraw=weight, weightformatted=f"{weight * 100:.2f} %")
    if raw is None:
        out["status"] = "novalue"
    out.update(graderaw=_num(raw), gradedatesubmitted=None, gradedategraded=grade["timemodified"] if grade else None,
               gradehiddenbydate=False, gradeneedsupdate=False, gradeishidden=bool(item["hidden"]),
               gradeislocked=False, gradeisoverridden=False, gradeformatted=_fmt(raw) if raw is not None else "-",
               grademin=_num(item["grademin"]), grademax=_num(item["grademax"]),
               rangeformatted=f"{_num(item['grademin'])}&ndash;{_num(item['grademax'])}",
               percentageformatted=(f"{(raw - item['grademin']) / (item['grademax'] - item['grademin']) * 100:.2f} %"
                                    if raw is not None and item["grademax"] > item["grademin"] else "-"),
               feedback=(grade or {}).get("feedback") or "", feedbackformat=2)
    return out


@function("gradereport_user_get_grade_items", {"courseid": Value(INT), "userid": Value(INT, "default", 0),
                                               "groupid": Value(INT, "default", 0)}, write=False)
def get_grade_items(call: Call, courseid: int, userid: int, groupid: int) -> dict[str, Any]:
    store = call.store
    course = course_or_missing(store, courseid)
    call.validate_course_context(courseid)
    if userid:
        users = store.q("SELECT * FROM user WHERE id = ?", userid)
    else:
        # The report's users: graded roles with an active enrolment (grade_report_showonlyactiveenrol is on by
        # default): a suspended learner's grades are not listed, as on Moodle 4.5 and 5.0.
        users = store.q("SELECT DISTINCT u.* FROM user u JOIN role_assignments ra ON ra.userid = u.id "
                        "WHERE ra.courseid = ? AND ra.roleid = 5 AND u.deleted = 0 AND u.id IN (SELECT ue.userid "
                        "FROM user_enrolments ue JOIN enrol e ON e.id = ue.enrolid WHERE e.courseid = ? AND "
                        f"{active_sql(call.now)}) ORDER BY u.id", courseid, courseid)
    items = store.q("SELECT * FROM grade_items WHERE courseid = ? ORDER BY itemtype = 'course', sortorder, id",
                    courseid)
    visible = sum(1 for i in items if i["itemtype"] != "course" and not i["hidden"])
    out = []
    for u in users:
        out.append({"courseid": courseid, "courseidnumber": course["idnumber"], "userid": u["id"],
                    "userfullname": fullname(u), "useridnumber": u["idnumber"], "maxdepth": 2,
                    "gradeitems": [_item(call, i, u["id"], visible) for i in items]})
    return {"usergrades": out, "warnings": []}


@function("core_grades_update_grades", {
    "source": Value(TEXT), "courseid": Value(INT), "component": Value(COMPONENT), "activityid": Value(INT),
    "itemnumber": Value(INT),
    "grades": Multiple(Single({"studentid": Value(INT), "grade": Value(FLOAT), "str_feedback": Value(TEXT, OPTIONAL)}),
                       OPTIONAL),
    "itemdetails": Single({"itemname": Value(RAW, OPTIONAL), "idnumber": Value(RAW, OPTIONAL),
                           "gradetype": Value(INT, OPTIONAL), "grademax": Value(FLOAT, OPTIONAL),
                           "grademin": Value(FLOAT, OPTIONAL), "scaleid": Value(INT, OPTIONAL),
                           "multfactor": Value(FLOAT, OPTIONAL), "plusfactor": Value(FLOAT, OPTIONAL),
                           "deleted": Value(BOOL, OPTIONAL), "hidden": Value(BOOL, OPTIONAL)}, OPTIONAL)},
    write=True, rows="grades")
def update_grades(call: Call, source: str, courseid: int, component: str, activityid: int, itemnumber: int,
                  grades: list[dict[str, Any]] | None = None, itemdetails: dict[str, Any] | None = None) -> Any:
    store = call.store
    call.validate_course_context(courseid)
    modname = component[4:] if component.startswith("mod_") else component
    if modname not in ("scorm", "forum", "assign", "quiz"):
        raise DmlRead(f'ERROR:  relation "mdl_{modname}" does not exist')
    cm = store.one("SELECT * FROM course_modules WHERE id = ? AND modname = ?", activityid, modname)
    if cm is None:
        raise MoodleException("invalidcoursemodule", "Invalid course module ID")
    item = store.one("SELECT * FROM grade_items WHERE courseid = ? AND itemmodule = ? AND iteminstance = ? AND "
                     "itemnumber = ?", courseid, modname, cm["instance"], itemnumber)
    stray = cm["course"] != courseid
    if item is None:
        itemid = store.insert("grade_items", courseid=courseid, itemtype="mod", itemmodule=modname,
                              iteminstance=cm["instance"], itemnumber=itemnumber, itemname=None, sortorder=99)
        item = store.one("SELECT * FROM grade_items WHERE id = ?", itemid) or {}
    if itemdetails:
        cols = {k: itemdetails[k] for k in ("itemname", "idnumber", "grademax", "grademin") if k in itemdetails}
        if "hidden" in itemdetails:
            cols["hidden"] = int(itemdetails["hidden"])
        store.update("grade_items", item["id"], **cols)
    for g in grades or []:
        store.set_grade(item["id"], g["studentid"], g["grade"])  # str_feedback accepted but not stored (recorded)
    if stray:
        return RawResponse("The instance of this module does not exist\n0")
    _ = now
    return 0


@function("core_grades_get_grade_tree", {"courseid": Value(INT)}, write=False)
def get_grade_tree(call: Call, courseid: int) -> str:
    """A JSON *string* (sic), as Moodle returns it."""
    import json

    course = course_or_missing(call.store, courseid)
    cat = call.store.scalar("SELECT id FROM grade_items WHERE courseid = ? AND itemtype = 'course'", courseid)
    items = call.store.q("SELECT * FROM grade_items WHERE courseid = ? AND itemtype != 'course' ORDER BY sortorder, "
                         "id", courseid)
    tree = {"id": str(cat), "name": course["fullname"], "iscategory": True, "haschildcategories": False,
            "children": [{"id": str(i["id"]), "name": i["itemname"], "iscategory": False, "children": None}
                         for i in items]}
    return json.dumps(tree, separators=(",", ":"))
