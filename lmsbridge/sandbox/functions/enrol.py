"""Manual enrolments and enrolment reads, with Moodle 5.0's semantics.

Enrolling again updates the enrolment: timestart/timeend default to 0 and `suspend` to active, so a second
enrol call without them resets the dates and reactivates (enrol_plugin::enrol_user()). An unknown user id fails
with PHP's TypeError and the whole batch rolls back.
"""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.errors import InvalidParameter, MoodleException, PhpTypeError
from lmsbridge.sandbox.functions._shapes import course_image, course_or_missing, course_user_details
from lmsbridge.sandbox.params import ALPHANUMEXT, BOOL, DEFAULT, INT, OPTIONAL, RAW, Multiple, Single, Value
from lmsbridge.sandbox.registry import Call, function

ASSIGNABLE = {1, 3, 4, 5}  # roles the sync user may assign in a course (manager, teachers, student)
TYPE_ERROR = ("core\\user::get_name_placeholders(): Argument #1 ($user) must be of type stdClass, bool given, "
              "called in /var/www/moodle/lib/enrollib.php on line 3674")


def _course_instance(call: Call, courseid: int) -> dict[str, Any]:
    if not call.store.scalar("SELECT 1 FROM course WHERE id = ?", courseid):
        raise InvalidParameter("Context does not exist")
    call.validate_course_context(courseid)
    inst = call.store.manual_instance(courseid)
    if inst is None or inst["status"] != 0:
        raise MoodleException("wsnoinstance", "Manual enrolment plugin instance doesn't exist or is disabled for "
                                              f"the course (id = {courseid})")
    return inst


@function("enrol_manual_enrol_users", {"enrolments": Multiple(Single({
    "roleid": Value(INT), "userid": Value(INT), "courseid": Value(INT), "timestart": Value(INT, OPTIONAL),
    "timeend": Value(INT, OPTIONAL), "suspend": Value(INT, OPTIONAL)}))}, write=True, rows="enrolments")
def enrol_users(call: Call, enrolments: list[dict[str, Any]]) -> None:
    for e in enrolments:
        if not call.store.scalar("SELECT 1 FROM course WHERE id = ?", e["courseid"]):
            raise InvalidParameter("Context does not exist")
        call.validate_course_context(e["courseid"])
        call.require("enrol/manual:enrol", "Enrol users")
        if e["roleid"] not in ASSIGNABLE:
            raise MoodleException("wsusercannotassign", f"You don't have the permission to assign this role "
                                                        f"({e['roleid']}) to this user ({e['userid']}) in this course "
                                                        f"({e['courseid']}).")
        _course_instance(call, e["courseid"])
        if not call.store.scalar("SELECT 1 FROM user WHERE id = ? AND deleted = 0", e["userid"]):
            raise PhpTypeError(TYPE_ERROR)
        call.store.enrol(e["courseid"], e["userid"], e["roleid"], timestart=e.get("timestart", 0),
                         timeend=e.get("timeend", 0), suspended=bool(e.get("suspend")))
    return None


@function("enrol_manual_unenrol_users", {"enrolments": Multiple(Single({
    "userid": Value(INT), "courseid": Value(INT), "roleid": Value(INT, OPTIONAL)}))}, write=True, rows="enrolments")
def unenrol_users(call: Call, enrolments: list[dict[str, Any]]) -> None:
    for e in enrolments:
        _course_instance(call, e["courseid"])
        call.require("enrol/manual:unenrol", "Unenrol users from the course")
        if not call.store.scalar("SELECT 1 FROM user WHERE id = ?", e["userid"]):
            raise InvalidParameter(f"User id not exist: {e['userid']}")
        call.store.unenrol(e["courseid"], e["userid"])
    return None


def active_sql(now: int) -> str:
    """get_enrolled_join()'s "active now" (it rounds now as PHP's round(time(), -2), for the database's cache)."""
    now = (now + 50) // 100 * 100
    return f"ue.status = 0 AND e.status = 0 AND ue.timestart < {now} AND (ue.timeend = 0 OR ue.timeend > {now})"


@function("core_enrol_get_enrolled_users", {"courseid": Value(INT), "options": Multiple(Single({
    "name": Value(ALPHANUMEXT), "value": Value(RAW)}), DEFAULT)}, write=False)
def get_enrolled_users(call: Call, courseid: int, options: list[dict[str, str]]) -> list[dict[str, Any]]:
    course_or_missing(call.store, courseid)
    call.validate_course_context(courseid)
    opts = {o["name"]: o["value"] for o in options}
    where = ["e.courseid = ?", "u.deleted = 0"]
    args: list[Any] = [courseid]
    if opts.get("onlyactive") in ("1", "true"):
        where.append(active_sql(call.now))
    if opts.get("onlysuspended") in ("1", "true"):
        where.append(f"NOT ({active_sql(call.now)})")
    if opts.get("groupid", "0") not in ("", "0"):
        where.append("u.id IN (SELECT userid FROM groups_members WHERE groupid = ?)")
        args.append(int(opts["groupid"]))
    order = {"firstname": "u.firstname", "lastname": "u.lastname", "siteorder": "u.id"}.get(opts.get("sortby", ""),
                                                                                            "u.id")
    direction = "DESC" if opts.get("sortdirection", "").upper() == "DESC" else "ASC"
    sql = (f"SELECT DISTINCT u.* FROM user u JOIN user_enrolments ue ON ue.userid = u.id JOIN enrol e ON "
           f"e.id = ue.enrolid WHERE {' AND '.join(where)} ORDER BY {order} {direction}")
    rows = call.store.q(sql, *args)
    start = int(opts.get("limitfrom", 0) or 0)
    limit = int(opts.get("limitnumber", 0) or 0)
    rows = rows[start:start + limit] if limit else rows[start:]
    out = [course_user_details(call, u, courseid) for u in rows]
    if "userfields" in opts:
        wanted = {f.strip() for f in opts["userfields"].split(",")} | {"id", "fullname"}
        out = [{k: v for k, v in rec.items() if k in wanted} for rec in out]
    return out


@function("core_enrol_get_users_courses", {"userid": Value(INT), "returnusercount": Value(BOOL, DEFAULT, True)},
          write=False)
def get_users_courses(call: Call, userid: int, returnusercount: bool) -> list[dict[str, Any]]:
    store = call.store
    rows = store.q("SELECT DISTINCT c.* FROM course c JOIN enrol e ON e.courseid = c.id JOIN user_enrolments ue "
                   f"ON ue.enrolid = e.id WHERE ue.userid = ? AND {active_sql(call.now)} ORDER BY c.id", userid)
    out = []
    for c in rows:
        rec: dict[str, Any] = {"id": c["id"], "shortname": c["shortname"], "fullname": c["fullname"],
                               "displayname": c["fullname"]}
        if returnusercount:
            rec["enrolledusercount"] = store.scalar(
                "SELECT COUNT(DISTINCT ue.userid) FROM user_enrolments ue JOIN enrol e ON e.id = ue.enrolid "
                "WHERE e.courseid = ?", c["id"])
        completed = store.scalar("SELECT 1 FROM course_completions WHERE courseid = ? AND userid = ?", c["id"],
                                 userid) is not None
        # core_completion\progress::get_course_progress_percentage(): tracked activities complete or passed
        tracked = store.scalar("SELECT COUNT(*) FROM course_modules WHERE course = ? AND completion > 0", c["id"])
        done = store.scalar("SELECT COUNT(*) FROM course_modules_completion mc JOIN course_modules cm ON "
                            "cm.id = mc.cmid WHERE cm.course = ? AND cm.completion > 0 AND mc.userid = ? AND "
                            "mc.completionstate IN (1, 2)", c["id"], userid)
        # (Moodle gives null without tracked activities; the recorded contract has a number there: kept 0.)
        progress = 100.0 * done / tracked if tracked and c["enablecompletion"] else 0
        rec.update(idnumber=c["idnumber"], visible=c["visible"], summary=c["summary"],
                   summaryformat=c["summaryformat"], format=c["format"], courseimage=course_image(call, c["id"]),
                   showgrades=bool(c["showgrades"]), lang=c["lang"], enablecompletion=bool(c["enablecompletion"]),
                   completionhascriteria=store.scalar("SELECT 1 FROM course_completion_criteria WHERE courseid = ?",
                                                      c["id"]) is not None,
                   completionusertracked=True, category=c["category"], progress=progress, completed=completed,
                   startdate=c["startdate"], enddate=c["enddate"], marker=0, lastaccess=None, isfavourite=False,
                   hidden=False, overviewfiles=[], showactivitydates=False, showcompletionconditions=True,
                   timemodified=c["timemodified"])
        out.append(rec)
    return out


@function("core_enrol_get_course_enrolment_methods", {"courseid": Value(INT)}, write=False)
def get_course_enrolment_methods(call: Call, courseid: int) -> list[dict[str, Any]]:
    # Only plugins that implement get_enrol_info() (self, guest) are listed; manual never is (see recording).
    course_or_missing(call.store, courseid)
    return []
