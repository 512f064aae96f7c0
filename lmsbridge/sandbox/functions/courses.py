"""core_course_*: create (all-or-nothing), update (warnings), get_courses_by_field, get_contents, delete, cm reads."""

from __future__ import annotations

import json
from typing import Any

from lmsbridge.sandbox.errors import InvalidParameter, MissingRecord, MoodleException
from lmsbridge.sandbox.functions._shapes import course_image, course_or_missing, display
from lmsbridge.sandbox.params import (ALPHA, ALPHANUMEXT, DEFAULT, INT, OPTIONAL, PLUGIN, RAW, TEXT, Multiple,
                                      Single, Value)
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import CONTEXT_MODULE, now

NAME_VALUE = Single({"name": Value(ALPHANUMEXT), "value": Value(RAW)})
COURSE_FIELDS = {
    "idnumber": Value(RAW, OPTIONAL), "summary": Value(RAW, OPTIONAL), "summaryformat": Value(INT, DEFAULT, 1),
    "format": Value(PLUGIN, DEFAULT, "topics"), "showgrades": Value(INT, OPTIONAL), "newsitems": Value(INT, OPTIONAL),
    "startdate": Value(INT, OPTIONAL), "enddate": Value(INT, OPTIONAL), "numsections": Value(INT, OPTIONAL),
    "maxbytes": Value(INT, OPTIONAL), "showreports": Value(INT, OPTIONAL), "visible": Value(INT, OPTIONAL),
    "hiddensections": Value(INT, OPTIONAL), "groupmode": Value(INT, OPTIONAL),
    "groupmodeforce": Value(INT, OPTIONAL), "defaultgroupingid": Value(INT, OPTIONAL),
    "enablecompletion": Value(INT, OPTIONAL), "completionnotify": Value(INT, OPTIONAL),
    "lang": Value(RAW, OPTIONAL), "forcetheme": Value(PLUGIN, OPTIONAL),
    "courseformatoptions": Multiple(NAME_VALUE, OPTIONAL),
    "customfields": Multiple(Single({"shortname": Value(ALPHANUMEXT), "value": Value(RAW)}), OPTIONAL),
}
STORED = ("idnumber", "summary", "summaryformat", "format", "showgrades", "newsitems", "startdate", "enddate",
          "visible", "groupmode", "groupmodeforce", "enablecompletion", "lang")


def _check_unique(call: Call, course: dict[str, Any], exclude: int = 0) -> None:
    store = call.store
    if "shortname" in course and store.scalar("SELECT 1 FROM course WHERE shortname = ? AND id != ?",
                                              course["shortname"], exclude):
        raise MoodleException("shortnametaken",
                              f"Short name is already used for another course ({course['shortname']})")
    if course.get("idnumber") and store.scalar("SELECT 1 FROM course WHERE idnumber = ? AND id != ?",
                                               course["idnumber"], exclude):
        raise MoodleException("courseidnumbertaken",
                              f"ID number is already used for another course ({course['idnumber']})")


def _category_context(call: Call, categoryid: int) -> None:
    if not call.store.scalar("SELECT 1 FROM course_categories WHERE id = ?", categoryid):
        raise MoodleException(
            "errorcatcontextnotvalid",
            f"You cannot execute functions in the category context (category id:{categoryid}). "
            "The context error message was: Invalid parameter value detected", "Context does not exist")


def _invalid(name: str) -> MoodleException:
    return MoodleException("errorinvalidparam", f'The param "{name}" is invalid.')


@function("core_course_create_courses", {"courses": Multiple(Single({
    "fullname": Value(TEXT), "shortname": Value(TEXT), "categoryid": Value(INT), **COURSE_FIELDS}))},
    write=True, rows="courses")
def create_courses(call: Call, courses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for course in courses:
        _category_context(call, course["categoryid"])
        call.require("moodle/course:create", "Create courses")
        if course["fullname"].strip() == "":
            raise _invalid("fullname")
        if course["shortname"].strip() == "":
            raise _invalid("shortname")
        if "lang" in course and course["lang"] not in call.langs and course["lang"] != "":
            raise _invalid("lang")
        if "lang" in course and not call.has("moodle/course:setforcedlanguage"):
            del course["lang"]  # as Moodle does: silently, the course is created without it
        _check_unique(call, course)
        cols = {k: course[k] for k in STORED if k in course}
        cid = call.store.create_course(fullname=course["fullname"], shortname=course["shortname"],
                                       category=course["categoryid"], numsections=course.get("numsections", 1),
                                       **cols)
        out.append({"id": cid, "shortname": course["shortname"]})
    return out


@function("core_course_update_courses", {"courses": Multiple(Single({
    "id": Value(INT), "fullname": Value(TEXT, OPTIONAL), "shortname": Value(TEXT, OPTIONAL),
    "categoryid": Value(INT, OPTIONAL),
    **{k: (Value(v.type, OPTIONAL) if isinstance(v, Value) else v) for k, v in COURSE_FIELDS.items()}}))},
    write=True, rows="courses")
def update_courses(call: Call, courses: list[dict[str, Any]]) -> dict[str, Any]:
    warnings = []
    for course in courses:
        try:
            existing = call.store.one("SELECT * FROM course WHERE id = ?", course["id"])
            if existing is None:
                raise MissingRecord("course")
            call.require("moodle/course:update", "Update course settings")
            if "categoryid" in course:
                _category_context(call, course["categoryid"])
            if "lang" in course and course["lang"] != existing["lang"]:
                call.require("moodle/course:setforcedlanguage", "Force course or activity language")
                if course["lang"] not in call.langs and course["lang"] != "":
                    raise _invalid("lang")
            _check_unique(call, course, exclude=course["id"])
            cols = {k: course[k] for k in STORED + ("fullname", "shortname") if k in course}
            if "categoryid" in course:
                cols["category"] = course["categoryid"]
            call.store.update("course", course["id"], timemodified=now(), **cols)
            for n in range(course.get("numsections", 0) + 1):
                call.store.section_id(course["id"], n)
        except MoodleException as e:
            warnings.append({"item": "course", "itemid": course["id"], "warningcode": e.errorcode,
                             "message": e.message})
    return {"warnings": warnings}


FILTERS = ["displayh5p", "activitynames", "mathjaxloader", "emoticon", "urltolink", "mediaplugin"]


def course_record(call: Call, c: dict[str, Any]) -> dict[str, Any]:
    cat = call.store.one("SELECT name FROM course_categories WHERE id = ?", c["category"]) or {"name": ""}
    methods = [r["enrol"] for r in call.store.q("SELECT enrol FROM enrol WHERE courseid = ? AND status = 0",
                                                c["id"])]
    return {
        "id": c["id"], "fullname": display(c["fullname"]), "displayname": display(c["fullname"]),
        "shortname": display(c["shortname"]), "courseimage": course_image(call, c["id"]),
        "categoryid": c["category"], "categoryname": display(cat["name"]),
        "sortorder": c["sortorder"], "summary": c["summary"], "summaryformat": c["summaryformat"],
        "summaryfiles": [], "overviewfiles": [], "showactivitydates": False, "showcompletionconditions": True,
        "contacts": [], "enrollmentmethods": methods, "idnumber": c["idnumber"], "format": c["format"],
        "showgrades": c["showgrades"], "newsitems": c["newsitems"], "startdate": c["startdate"],
        "enddate": c["enddate"], "maxbytes": 0, "showreports": 0, "visible": c["visible"],
        "groupmode": c["groupmode"], "groupmodeforce": c["groupmodeforce"], "defaultgroupingid": 0,
        "enablecompletion": c["enablecompletion"], "completionnotify": 0, "lang": c["lang"], "theme": "",
        "marker": 0, "legacyfiles": 0, "calendartype": "", "timecreated": c["timecreated"],
        "timemodified": c["timemodified"], "requested": 0, "cacherev": c["timemodified"],
        "filters": [{"filter": f, "localstate": 0, "inheritedstate": 1} for f in FILTERS],
        "courseformatoptions": [{"name": "hiddensections", "value": 1}, {"name": "coursedisplay", "value": 0},
                                {"name": "indentation", "value": "1"}],
    }


@function("core_course_get_courses_by_field", {"field": Value(ALPHA, DEFAULT, ""),
                                               "value": Value(RAW, DEFAULT, "")}, write=False)
def get_courses_by_field(call: Call, field: str, value: str) -> dict[str, Any]:
    store = call.store
    if field == "":
        rows = store.q("SELECT * FROM course WHERE id != 1 ORDER BY sortorder")
    elif field in ("id", "category"):
        if not value.lstrip("-").isdigit():
            raise InvalidParameter("Invalid value")
        rows = store.q(f"SELECT * FROM course WHERE {field} = ? AND id != 1", int(value))
    elif field == "ids":
        ids = [v.strip() for v in value.split(",") if v.strip()]
        if not all(v.isdigit() for v in ids):
            raise InvalidParameter("Invalid value")
        rows = store.q(f"SELECT * FROM course WHERE id IN ({','.join('?' * len(ids)) or 'NULL'}) AND id != 1 "
                       "ORDER BY id", *map(int, ids))
    elif field in ("shortname", "idnumber"):
        rows = store.q(f"SELECT * FROM course WHERE {field} = ? AND id != 1", value)
    else:
        raise InvalidParameter("Invalid field name")
    return {"courses": [course_record(call, c) for c in rows], "warnings": []}


@function("core_course_delete_courses", {"courseids": Multiple(Value(INT))}, write=True, rows="courseids")
def delete_courses(call: Call, courseids: list[int]) -> dict[str, Any]:
    warnings = []
    store = call.store
    for cid in courseids:
        if cid == 1 or not store.scalar("SELECT 1 FROM course WHERE id = ?", cid):
            warnings.append({"item": "course", "itemid": cid, "warningcode": "unknowncourseidnumber",
                             "message": f"Unknown course ID {cid}"})
            continue
        call.require("moodle/course:delete", "Delete courses")
        for sql in ("DELETE FROM user_enrolments WHERE enrolid IN (SELECT id FROM enrol WHERE courseid = ?)",
                    "DELETE FROM enrol WHERE courseid = ?", "DELETE FROM role_assignments WHERE courseid = ?",
                    "DELETE FROM course_modules WHERE course = ?", "DELETE FROM course_sections WHERE course = ?",
                    "DELETE FROM groups_members WHERE groupid IN (SELECT id FROM groups WHERE courseid = ?)",
                    "DELETE FROM groups WHERE courseid = ?", "DELETE FROM grade_items WHERE courseid = ?",
                    "DELETE FROM course_competency WHERE courseid = ?", "DELETE FROM course WHERE id = ?"):
            store.execute(sql, cid)
    return {"warnings": warnings}


MOD_INFO = {"forum": ("collaboration", "Forums"), "scorm": ("interactivecontent", "SCORM packages")}


def module_name(call: Call, cm: dict[str, Any]) -> str:
    table = "scorm" if cm["modname"] == "scorm" else "forum"
    return call.store.scalar(f"SELECT name FROM {table} WHERE id = ?", cm["instance"]) or ""


def _module(call: Call, cm: dict[str, Any]) -> dict[str, Any]:
    purpose, plural = MOD_INFO.get(cm["modname"], ("other", cm["modname"]))
    url = call.site_url
    out: dict[str, Any] = {
        "id": cm["id"], "url": f"{url}/mod/{cm['modname']}/view.php?id={cm['id']}", "name": module_name(call, cm),
        "instance": cm["instance"], "contextid": call.store.context_id(CONTEXT_MODULE, cm["id"]),
        "visible": cm["visible"], "uservisible": True, "visibleoncoursepage": 1,
        "modicon": f"{url}/theme/image.php/boost/{cm['modname']}/1/monologo?filtericon=1",
        "modname": cm["modname"], "purpose": purpose, "branded": False, "modplural": plural,
        "availability": None, "indent": 0, "onclick": "", "afterlink": None}
    if cm["modname"] == "forum":
        out["activitybadge"] = []
        out["customdata"] = json.dumps({"trackingtype": "1"}, separators=(",", ":"))
    else:
        scorm = call.store.one("SELECT * FROM scorm WHERE id = ?", cm["instance"]) or {}
        rules = scorm.get("completionstatusrequired")
        out["customdata"] = json.dumps({"customcompletionrules": {
            "completionstatusrequired": str(rules), "completionscorerequired": scorm.get("completionscorerequired"),
            "completionstatusallscos": str(scorm.get("completionstatusallscos", 0))}}, separators=(",", ":")) \
            if rules else '""'
    out.update(noviewlink=False, completion=cm["completion"])
    if cm["completion"]:
        out["completiondata"] = {
            "state": 0, "timecompleted": 0, "overrideby": None, "valueused": False, "hascompletion": True,
            "isautomatic": cm["completion"] == 2, "istrackeduser": False, "uservisible": True,
            "details": [{"rulename": "completionstatusrequired",
                         "rulevalue": {"status": 0, "description": "Complete or pass the activity"}}],
            "isoverallcomplete": False}
    out.update(downloadcontent=1, dates=[], groupmode=0)
    return out


@function("core_course_get_contents", {"courseid": Value(INT), "options": Multiple(NAME_VALUE, DEFAULT)},
          write=False)
def get_contents(call: Call, courseid: int, options: list[dict[str, str]]) -> list[dict[str, Any]]:
    course_or_missing(call.store, courseid)
    call.validate_course_context(courseid)
    out = []
    for s in call.store.q("SELECT * FROM course_sections WHERE course = ? ORDER BY section", courseid):
        name = s["name"] or ("General" if s["section"] == 0 else "New section")
        cms = call.store.q("SELECT * FROM course_modules WHERE section = ? ORDER BY sortorder, id", s["id"])
        out.append({"id": s["id"], "name": name, "visible": s["visible"], "summary": s["summary"],
                    "summaryformat": 1, "section": s["section"], "hiddenbynumsections": 0, "uservisible": True,
                    "component": None, "itemid": None, "modules": [_module(call, cm) for cm in cms]})
    return out


def cm_record(call: Call, cm: dict[str, Any]) -> dict[str, Any]:
    section = call.store.one("SELECT * FROM course_sections WHERE id = ?", cm["section"]) or {"section": 0}
    gradecat = call.store.scalar("SELECT id FROM grade_items WHERE courseid = ? AND itemtype = 'course'",
                                 cm["course"]) or 0
    return {"id": cm["id"], "course": cm["course"], "module": 19 if cm["modname"] == "scorm" else 9,
            "name": module_name(call, cm), "modname": cm["modname"], "instance": cm["instance"],
            "section": cm["section"], "sectionnum": section["section"], "groupmode": 0, "groupingid": 0,
            "completion": cm["completion"], "idnumber": cm["idnumber"], "added": cm["added"], "score": 0,
            "indent": 0, "visible": cm["visible"], "visibleoncoursepage": 1, "visibleold": cm["visible"],
            "completiongradeitemnumber": None, "completionpassgrade": 0, "completionview": 0,
            "completionexpected": 0, "showdescription": 0, "downloadcontent": 1, "availability": None,
            "gradepass": "0.00", "gradecat": gradecat}


@function("core_course_get_course_module", {"cmid": Value(INT)}, write=False)
def get_course_module(call: Call, cmid: int) -> dict[str, Any]:
    cm = call.store.one("SELECT * FROM course_modules WHERE id = ?", cmid)
    if cm is None:
        raise MissingRecord("course_modules")
    return {"cm": cm_record(call, cm), "warnings": []}


@function("core_course_get_course_module_by_instance", {"module": Value(RAW), "instance": Value(INT)},
          write=False)
def get_course_module_by_instance(call: Call, module: str, instance: int) -> dict[str, Any]:
    cm = call.store.one("SELECT * FROM course_modules WHERE modname = ? AND instance = ?", module, instance)
    if cm is None:
        raise MissingRecord("course_modules")
    return {"cm": cm_record(call, cm), "warnings": []}


@function("core_courseformat_new_module", {"courseid": Value(INT), "modname": Value(PLUGIN),
                                          "targetsectionid": Value(INT), "targetcmid": Value(INT, OPTIONAL)},
          write=True)
def new_module(call: Call, courseid: int, modname: str, targetsectionid: int, targetcmid: int | None = None) -> str:
    """The only generic create-module function in 5.0; no module lmsbridge needs supports quick creation."""
    course_or_missing(call.store, courseid)
    message = f"Module {modname} does not support quick creation"
    raise MoodleException(message, f"error/{message}")
