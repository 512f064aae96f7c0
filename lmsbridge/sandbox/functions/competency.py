"""core_competency_*: frameworks, competencies, and their links to courses (add returns true, then false)."""

from __future__ import annotations

import json
from typing import Any

from lmsbridge.sandbox.errors import InvalidPersistent, MissingRecord
from lmsbridge.sandbox.params import (ALPHA, ALPHANUMEXT, BOOL, DEFAULT, INT, OPTIONAL, RAW, TEXT, Multiple, Single,
                                      Value)
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import CONTEXT_SYSTEM, now

FW_COLS = ("shortname", "idnumber", "description", "descriptionformat", "visible", "scaleid", "scaleconfiguration",
           "contextid", "taxonomies", "id", "timecreated", "timemodified", "usermodified")
COMP_COLS = ("shortname", "idnumber", "description", "descriptionformat", "sortorder", "parentid", "path",
             "ruleoutcome", "ruletype", "ruleconfig", "scaleid", "scaleconfiguration", "competencyframeworkid", "id",
             "timecreated", "timemodified", "usermodified")


def framework_record(call: Call, fw: dict[str, Any]) -> dict[str, Any]:
    out = {k: fw[k] for k in FW_COLS}
    out["visible"] = bool(out["visible"])
    count = call.store.scalar("SELECT COUNT(*) FROM competency WHERE competencyframeworkid = ?", fw["id"])
    out.update(canmanage=True, competenciescount=count, contextname="System", contextnamenoprefix="System")
    return out


def competency_record(c: dict[str, Any]) -> dict[str, Any]:
    return {k: c[k] for k in COMP_COLS}


def _framework(call: Call, fwid: int) -> dict[str, Any]:
    fw = call.store.one("SELECT * FROM competency_framework WHERE id = ?", fwid)
    if fw is None:
        raise MissingRecord("competency_framework")
    return fw


def _check_scaleconfiguration(value: str) -> None:
    try:
        conf = json.loads(value)
        assert isinstance(conf, list) and conf and "scaleid" in conf[0]
        assert any(c.get("scaledefault") for c in conf[1:]) and any(c.get("proficient") for c in conf[1:])
    except (ValueError, AssertionError, AttributeError, TypeError):
        raise InvalidPersistent("Invalid scale configuration") from None


@function("core_competency_create_competency_framework", {"competencyframework": Single({
    "shortname": Value(TEXT), "idnumber": Value(RAW), "description": Value(RAW, OPTIONAL),
    "descriptionformat": Value(INT, DEFAULT, 1), "visible": Value(BOOL, DEFAULT, True), "scaleid": Value(INT),
    "scaleconfiguration": Value(RAW), "contextid": Value(INT, OPTIONAL), "contextlevel": Value(ALPHA, OPTIONAL),
    "instanceid": Value(INT, OPTIONAL), "taxonomies": Value(RAW, DEFAULT, "")})}, write=True)
def create_framework(call: Call, competencyframework: dict[str, Any]) -> dict[str, Any]:
    f = competencyframework
    call.require("moodle/competency:competencymanage", "Manage competency frameworks")
    if call.store.scalar("SELECT 1 FROM competency_framework WHERE idnumber = ?", f["idnumber"]):
        raise InvalidPersistent("This ID number is already in use")
    _check_scaleconfiguration(f["scaleconfiguration"])
    t = now()
    fid = call.store.insert("competency_framework", shortname=f["shortname"], idnumber=f["idnumber"],
                            description=f.get("description", ""), descriptionformat=f["descriptionformat"],
                            visible=int(f["visible"]), scaleid=f["scaleid"], scaleconfiguration=f["scaleconfiguration"],
                            contextid=call.store.context_id(CONTEXT_SYSTEM, 0), taxonomies=f["taxonomies"],
                            timecreated=t, timemodified=t, usermodified=call.userid)
    return framework_record(call, _framework(call, fid))


@function("core_competency_read_competency_framework", {"id": Value(INT)}, write=False)
def read_framework(call: Call, id: int) -> dict[str, Any]:  # noqa: A002
    return framework_record(call, _framework(call, id))


CONTEXT = Single({"contextid": Value(INT, OPTIONAL), "contextlevel": Value(ALPHA, OPTIONAL),
                  "instanceid": Value(INT, OPTIONAL)})


@function("core_competency_list_competency_frameworks", {
    "sort": Value(ALPHANUMEXT, DEFAULT, ""), "order": Value(ALPHA, DEFAULT, ""), "skip": Value(INT, DEFAULT, 0),
    "limit": Value(INT, DEFAULT, 0), "context": CONTEXT, "includes": Value(ALPHA, DEFAULT, "children"),
    "onlyvisible": Value(BOOL, DEFAULT, False), "query": Value(RAW, DEFAULT, "")}, write=False)
def list_frameworks(call: Call, sort: str, order: str, skip: int, limit: int, context: dict[str, Any],
                    includes: str, onlyvisible: bool, query: str) -> list[dict[str, Any]]:
    col = sort if sort in FW_COLS else "shortname"
    rows = call.store.q(f"SELECT * FROM competency_framework ORDER BY {col} {'DESC' if order == 'DESC' else 'ASC'}")
    if onlyvisible:
        rows = [r for r in rows if r["visible"]]
    if query:
        rows = [r for r in rows if query.lower() in (r["shortname"] + r["idnumber"]).lower()]
    rows = rows[skip:skip + limit] if limit else rows[skip:]
    return [framework_record(call, r) for r in rows]


@function("core_competency_delete_competency_framework", {"id": Value(INT)}, write=True)
def delete_framework(call: Call, id: int) -> bool:  # noqa: A002
    _framework(call, id)
    ids = [r["id"] for r in call.store.q("SELECT id FROM competency WHERE competencyframeworkid = ?", id)]
    for cid in ids:
        call.store.execute("DELETE FROM course_competency WHERE competencyid = ?", cid)
    call.store.execute("DELETE FROM competency WHERE competencyframeworkid = ?", id)
    call.store.execute("DELETE FROM competency_framework WHERE id = ?", id)
    return True


@function("core_competency_create_competency", {"competency": Single({
    "shortname": Value(TEXT), "idnumber": Value(RAW), "description": Value(RAW, OPTIONAL),
    "descriptionformat": Value(INT, DEFAULT, 1), "sortorder": Value(INT, OPTIONAL), "parentid": Value(INT, DEFAULT, 0),
    "path": Value(RAW, OPTIONAL), "ruleoutcome": Value(INT, DEFAULT, 0), "ruletype": Value(RAW, OPTIONAL),
    "ruleconfig": Value(RAW, OPTIONAL), "scaleid": Value(INT, OPTIONAL), "scaleconfiguration": Value(RAW, OPTIONAL),
    "competencyframeworkid": Value(INT)})}, write=True)
def create_competency(call: Call, competency: dict[str, Any]) -> dict[str, Any]:
    c = competency
    store = call.store
    _framework(call, c["competencyframeworkid"])
    if store.scalar("SELECT 1 FROM competency WHERE competencyframeworkid = ? AND idnumber = ?",
                    c["competencyframeworkid"], c["idnumber"]):
        raise InvalidPersistent("This ID number is already in use")
    path = "/0/"
    if c["parentid"]:
        parent = store.one("SELECT * FROM competency WHERE id = ? AND competencyframeworkid = ?", c["parentid"],
                           c["competencyframeworkid"])
        if parent is None:
            raise InvalidPersistent("Invalid parent")
        path = f"{parent['path']}{parent['id']}/"
    sortorder = c.get("sortorder")
    if sortorder is None:
        sortorder = int(store.scalar("SELECT COUNT(*) FROM competency WHERE competencyframeworkid = ? AND "
                                     "parentid = ?", c["competencyframeworkid"], c["parentid"]))
    t = now()
    cid = store.insert("competency", shortname=c["shortname"], idnumber=c["idnumber"],
                       description=c.get("description", ""), descriptionformat=c["descriptionformat"],
                       sortorder=sortorder, parentid=c["parentid"], path=path, ruleoutcome=c["ruleoutcome"],
                       ruletype=c.get("ruletype"), ruleconfig=c.get("ruleconfig"), scaleid=c.get("scaleid"),
                       scaleconfiguration=c.get("scaleconfiguration"),
                       competencyframeworkid=c["competencyframeworkid"], timecreated=t, timemodified=t,
                       usermodified=call.userid)
    return competency_record(store.one("SELECT * FROM competency WHERE id = ?", cid) or {})


@function("core_competency_read_competency", {"id": Value(INT)}, write=False)
def read_competency(call: Call, id: int) -> dict[str, Any]:  # noqa: A002
    c = call.store.one("SELECT * FROM competency WHERE id = ?", id)
    if c is None:
        raise MissingRecord("competency")
    return competency_record(c)


@function("core_competency_list_competencies", {
    "filters": Multiple(Single({"column": Value(ALPHANUMEXT), "value": Value(TEXT)})),
    "sort": Value(ALPHANUMEXT, DEFAULT, ""), "order": Value(ALPHA, DEFAULT, ""), "skip": Value(INT, DEFAULT, 0),
    "limit": Value(INT, DEFAULT, 0)}, write=False)
def list_competencies(call: Call, filters: list[dict[str, str]], sort: str, order: str, skip: int,
                      limit: int) -> list[dict[str, Any]]:
    where, args = ["1 = 1"], []
    for f in filters:
        if f["column"] not in COMP_COLS:
            raise InvalidPersistent(f"Invalid filter column: {f['column']}")
        where.append(f"{f['column']} = ?")
        args.append(f["value"])
    col = sort if sort in COMP_COLS else "id"
    rows = call.store.q(f"SELECT * FROM competency WHERE {' AND '.join(where)} ORDER BY {col} "
                        f"{'DESC' if order == 'DESC' else 'ASC'}", *args)
    rows = rows[skip:skip + limit] if limit else rows[skip:]
    return [competency_record(r) for r in rows]


def _course_and_competency(call: Call, courseid: int, competencyid: int) -> None:
    if not call.store.scalar("SELECT 1 FROM course WHERE id = ?", courseid):
        raise MissingRecord("course")
    if not call.store.scalar("SELECT 1 FROM competency WHERE id = ?", competencyid):
        raise MissingRecord("competency")
    call.require("moodle/competency:coursecompetencymanage", "Manage course competencies")


@function("core_competency_add_competency_to_course", {"courseid": Value(INT), "competencyid": Value(INT)},
          write=True)
def add_competency_to_course(call: Call, courseid: int, competencyid: int) -> bool:
    _course_and_competency(call, courseid, competencyid)
    store = call.store
    if store.scalar("SELECT 1 FROM course_competency WHERE courseid = ? AND competencyid = ?", courseid, competencyid):
        return False
    order = int(store.scalar("SELECT COUNT(*) FROM course_competency WHERE courseid = ?", courseid))
    t = now()
    store.insert("course_competency", courseid=courseid, competencyid=competencyid, sortorder=order, ruleoutcome=1,
                 timecreated=t, timemodified=t, usermodified=call.userid)
    return True


@function("core_competency_remove_competency_from_course", {"courseid": Value(INT), "competencyid": Value(INT)},
          write=True)
def remove_competency_from_course(call: Call, courseid: int, competencyid: int) -> bool:
    _course_and_competency(call, courseid, competencyid)
    call.store.execute("DELETE FROM course_competency WHERE courseid = ? AND competencyid = ?", courseid,
                       competencyid)
    return True


@function("core_competency_list_course_competencies", {"id": Value(INT)}, write=False)
def list_course_competencies(call: Call, id: int) -> list[dict[str, Any]]:  # noqa: A002
    if not call.store.scalar("SELECT 1 FROM course WHERE id = ?", id):
        raise MissingRecord("course")
    out = []
    for cc in call.store.q("SELECT * FROM course_competency WHERE courseid = ? ORDER BY sortorder", id):
        comp = call.store.one("SELECT * FROM competency WHERE id = ?", cc["competencyid"]) or {}
        out.append({"competency": competency_record(comp),
                    "coursecompetency": {k: cc[k] for k in ("courseid", "competencyid", "sortorder", "ruleoutcome",
                                                            "id", "timecreated", "timemodified", "usermodified")}})
    return out
