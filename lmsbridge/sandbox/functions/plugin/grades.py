"""local_lmsbridge_upsert_grade_items and local_lmsbridge_set_grades: event grade items and grades."""

from __future__ import annotations

import html
import re
import sqlite3
from typing import Any


from lmsbridge.sandbox.errors import DmlWrite
from lmsbridge.sandbox.params import BOOL, DEFAULT, FLOAT, INT, RAW, TEXT, Multiple, Single, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import Store, now

from lmsbridge.sandbox.functions.plugin.lookup import (
    PLUGIN_COMPONENT, PluginError, RAW_TRIMMED, enter_course, manual_item, php_str, plugin_error, require_cap,
    require_trimmed,
)

@function("local_lmsbridge_upsert_grade_items", {"courseid": Value(INT), "items": Multiple(Single({
    "idnumber": Value(RAW_TRIMMED), "name": Value(TEXT), "grademax": Value(FLOAT, DEFAULT, 100.0),
    "grademin": Value(FLOAT, DEFAULT, 0.0), "hidden": Value(BOOL, DEFAULT, False)}))},
    write=True, rows="items", component=PLUGIN_COMPONENT)
def upsert_grade_items(call: Call, courseid: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    store = call.store
    for item in items:
        require_trimmed(item["idnumber"], "items", "idnumber")
    course = enter_course(call, courseid)
    require_cap(call, "moodle/grade:manage")
    seen: set[str] = set()
    for item in items:
        if item["idnumber"] == "" or len(item["idnumber"]) > 100 or item["idnumber"] in seen:
            raise plugin_error("invaliditem", idnumber=item["idnumber"],
                         reason="the idnumber must be 1 to 100 characters and unique in the call")
        seen.add(item["idnumber"])
        if item["name"].strip() == "" or item["grademax"] <= item["grademin"]:
            raise plugin_error("invaliditem", idnumber=item["idnumber"],
                         reason="the name must not be empty and grademax must be above grademin")
    results = []
    for item in items:
        row = manual_item(store, course["id"], item["idnumber"])
        hidden = 1 if item["hidden"] else 0
        if row is None:
            cat = store.scalar("SELECT id FROM grade_items WHERE courseid = ? AND itemtype = 'course'", course["id"])
            order = int(store.scalar("SELECT COALESCE(MAX(sortorder), 0) FROM grade_items WHERE courseid = ?",
                                     course["id"]))
            itemid = store.insert("grade_items", courseid=course["id"], categoryid=cat, itemname=item["name"],
                                  itemtype="manual", idnumber=item["idnumber"], grademax=item["grademax"],
                                  grademin=item["grademin"], hidden=hidden, sortorder=order + 1)
            status = "created"
        else:
            itemid = row["id"]
            differs = (row["itemname"] != item["name"] or abs(row["grademax"] - item["grademax"]) > 1e-5
                       or abs(row["grademin"] - item["grademin"]) > 1e-5 or bool(row["hidden"]) != bool(hidden))
            if differs:
                store.update("grade_items", itemid, itemname=item["name"], grademax=item["grademax"],
                             grademin=item["grademin"], hidden=hidden)
            status = "updated" if differs else "unchanged"
        stored = store.one("SELECT * FROM grade_items WHERE id = ?", itemid) or {}
        results.append({"idnumber": item["idnumber"], "itemid": itemid, "status": status,
                        "grademin": float(stored["grademin"]), "grademax": float(stored["grademax"]),
                        "hidden": bool(stored["hidden"])})
    return {"items": results}


# --- local_lmsbridge_set_grades -----------------------------------------------------------------------------------

FORMAT_PLAIN = 2
_PHP_NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _learner(store: Store, courseid: int, row: dict[str, Any]) -> dict[str, Any]:
    """set_grades::learner(): among the users enrolled in the course only; absent and elsewhere answer alike."""
    if row["useridnumber"] != "":
        where, arg, who = "u.idnumber = ?", row["useridnumber"], row["useridnumber"]
    elif row["userid"] > 0:
        where, arg, who = "u.id = ?", row["userid"], f"#{row['userid']}"
    else:
        raise plugin_error("usermissing")
    users = store.q("SELECT DISTINCT u.id, u.idnumber FROM user u JOIN user_enrolments ue ON ue.userid = u.id "
                    f"JOIN enrol e ON e.id = ue.enrolid AND e.courseid = ? WHERE {where} AND u.deleted = 0",
                    courseid, arg)
    if not users:
        raise plugin_error("usernotenrolled", who)
    if len(users) > 1:
        raise plugin_error("useridnumberduplicate", who)
    return users[0]


def _store_grade(store: Store, item: dict[str, Any], userid: int, row: dict[str, Any]) -> bool:
    """set_grades::store(): True when grade or feedback was written, False when they already were so."""
    grade: float | None = None
    if row["grade"] != "":
        if not _PHP_NUMERIC.fullmatch(row["grade"]):
            raise plugin_error("gradenotanumber", html.escape(row["grade"], quote=True).replace("&#x27;", "&#039;"))
        grade = float(row["grade"])
        if grade < item["grademin"] or grade > item["grademax"]:
            # Moodle would clamp silently; a results file with an impossible grade is a mistake to report.
            raise plugin_error("gradeoutofrange", grade=php_str(grade), min=php_str(float(item["grademin"])),
                         max=php_str(float(item["grademax"])))
    before = store.one("SELECT * FROM grade_grades WHERE itemid = ? AND userid = ?", item["id"], userid)
    if before and before["locked"]:
        raise plugin_error("gradelocked")
    same_grade = (before is not None and (before["finalgrade"] is None) == (grade is None)
                  and (grade is None or abs(before["finalgrade"] - grade) < 1e-5))
    if same_grade and before is not None and (before["feedback"] or "") == row["feedback"] \
            and before["feedbackformat"] == FORMAT_PLAIN:
        return False
    if before:
        store.update("grade_grades", before["id"], finalgrade=grade, feedback=row["feedback"],
                     feedbackformat=FORMAT_PLAIN, timemodified=now())
    else:
        store.insert("grade_grades", itemid=item["id"], userid=userid, rawgrade=None, finalgrade=grade,
                     feedback=row["feedback"], feedbackformat=FORMAT_PLAIN, timemodified=now())
    return True


@function("local_lmsbridge_set_grades", {"courseid": Value(INT), "itemidnumber": Value(RAW_TRIMMED),
                                         "grades": Multiple(Single({
                                             "useridnumber": Value(RAW_TRIMMED, DEFAULT, ""),
                                             "userid": Value(INT, DEFAULT, 0),
                                             "grade": Value(RAW_TRIMMED, DEFAULT, ""),
                                             "feedback": Value(RAW, DEFAULT, "")}))},
          write=True, rows="grades", component=PLUGIN_COMPONENT)
def set_grades(call: Call, courseid: int, itemidnumber: str, grades: list[dict[str, Any]]) -> dict[str, Any]:
    store = call.store
    require_trimmed(itemidnumber, "itemidnumber")
    for row in grades:
        require_trimmed(row["useridnumber"], "grades", "useridnumber")
        require_trimmed(row["grade"], "grades", "grade")
    course = enter_course(call, courseid)
    require_cap(call, "moodle/grade:edit")
    item = manual_item(store, course["id"], itemidnumber)
    if item is None:
        raise plugin_error("gradeitemnotfound", itemidnumber)
    if item["locked"]:
        raise plugin_error("gradeitemlocked", itemidnumber)
    results = []
    for row in grades:
        result: dict[str, Any] = {"useridnumber": row["useridnumber"], "userid": 0, "status": "error",
                                  "changed": False, "errorcode": "", "message": "", "grade": None, "feedback": ""}
        user: dict[str, Any] | None = None
        try:
            user = _learner(store, course["id"], row)
            store.execute("SAVEPOINT learner")  # one transaction per learner
            try:
                result["changed"] = _store_grade(store, item, user["id"], row)
            except BaseException:
                store.execute("ROLLBACK TO learner")
                store.execute("RELEASE learner")
                raise
            store.execute("RELEASE learner")
            result["userid"], result["status"] = user["id"], "ok"
            stored = store.one("SELECT * FROM grade_grades WHERE itemid = ? AND userid = ?", item["id"], user["id"])
            result["grade"] = None if stored is None or stored["finalgrade"] is None else float(stored["finalgrade"])
            result["feedback"] = (stored or {}).get("feedback") or ""
        except PluginError as e:
            result["userid"] = user["id"] if user else 0
            result["errorcode"], result["message"] = e.errorcode or "", e.message
        except sqlite3.Error as e:
            # Not the row's fault: the call fails, the learners before stay stored (as Moodle's dml_write_exception
            # in debug mode, the SQL and its parameters in debuginfo).
            raise DmlWrite(f"{e}\nINSERT INTO mdl_grade_grades (itemid, userid, finalgrade, feedback) "
                           f"VALUES ($1,$2,$3,$4)\n[array (\n  'itemid' => {item['id']},\n  'userid' => "
                           f"{user['id'] if user else 0},\n  'feedback' => '{row['feedback']}',\n)]") from e
        results.append(result)
    return {"itemid": item["id"], "grademin": float(item["grademin"]), "grademax": float(item["grademax"]),
            "results": results}


# --- local_lmsbridge_check_capabilities ---------------------------------------------------------------------------
