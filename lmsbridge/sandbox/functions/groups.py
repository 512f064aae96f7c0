"""core_group_*: create (all-or-nothing), list per course, members (add only if enrolled, delete, get)."""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.errors import InvalidParameter, MissingRecord, MoodleException
from lmsbridge.sandbox.functions._shapes import course_or_missing
from lmsbridge.sandbox.params import BOOL, DEFAULT, INT, OPTIONAL, RAW, TEXT, Multiple, Single, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import now


def group_record(g: dict[str, Any]) -> dict[str, Any]:
    return {"id": g["id"], "courseid": g["courseid"], "name": g["name"], "description": g["description"],
            "descriptionformat": g["descriptionformat"], "enrolmentkey": g["enrolmentkey"], "idnumber": g["idnumber"],
            "visibility": g["visibility"], "participation": bool(g["participation"]), "customfields": []}


def _course_context(call: Call, courseid: int) -> None:
    if not call.store.scalar("SELECT 1 FROM course WHERE id = ?", courseid):
        raise MoodleException("errorcoursecontextnotvalid",
                              f"You cannot execute functions in the course context (course id:{courseid}). The "
                              "context error message was: Invalid parameter value detected", "Context does not exist")
    call.validate_course_context(courseid)


@function("core_group_create_groups", {"groups": Multiple(Single({
    "courseid": Value(INT), "name": Value(TEXT), "description": Value(RAW),
    "descriptionformat": Value(INT, DEFAULT, 1), "enrolmentkey": Value(RAW, OPTIONAL),
    "idnumber": Value(RAW, OPTIONAL), "visibility": Value(INT, OPTIONAL), "participation": Value(BOOL, OPTIONAL),
    "customfields": Multiple(Single({"shortname": Value(RAW), "value": Value(RAW)}), OPTIONAL)}))},
    write=True, rows="groups")
def create_groups(call: Call, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    store = call.store
    out = []
    for g in groups:
        if g["name"].strip() == "":
            raise InvalidParameter("Invalid group name")
        if store.scalar("SELECT 1 FROM groups WHERE courseid = ? AND name = ?", g["courseid"], g["name"]):
            raise InvalidParameter("Group with the same name already exists in the course")
        _course_context(call, g["courseid"])
        call.require("moodle/course:managegroups", "Manage groups")
        if g.get("idnumber") and store.scalar("SELECT 1 FROM groups WHERE courseid = ? AND idnumber = ?",
                                              g["courseid"], g["idnumber"]):
            raise MoodleException("idnumbertaken", "ID number is already used")
        gid = store.insert("groups", courseid=g["courseid"], name=g["name"], idnumber=g.get("idnumber", ""),
                           description=g["description"], descriptionformat=g["descriptionformat"],
                           enrolmentkey=g.get("enrolmentkey", ""), visibility=g.get("visibility", 0),
                           participation=int(g.get("participation", True)), timecreated=now())
        out.append(group_record(store.one("SELECT * FROM groups WHERE id = ?", gid) or {}))
    return out


@function("core_group_get_course_groups", {"courseid": Value(INT)}, write=False)
def get_course_groups(call: Call, courseid: int) -> list[dict[str, Any]]:
    course_or_missing(call.store, courseid)
    call.validate_course_context(courseid)
    return [group_record(g) for g in call.store.q("SELECT * FROM groups WHERE courseid = ? ORDER BY name", courseid)]


MEMBER = Single({"groupid": Value(INT), "userid": Value(INT)})


def _group_and_user(call: Call, m: dict[str, int]) -> dict[str, Any]:
    group = call.store.one("SELECT * FROM groups WHERE id = ?", m["groupid"])
    if group is None:
        raise MissingRecord("groups")
    if not call.store.scalar("SELECT 1 FROM user WHERE id = ? AND deleted = 0", m["userid"]):
        raise MissingRecord("user")
    call.validate_course_context(group["courseid"])
    call.require("moodle/course:managegroups", "Manage groups")
    return group


@function("core_group_add_group_members", {"members": Multiple(MEMBER)}, write=True, rows="members")
def add_group_members(call: Call, members: list[dict[str, int]]) -> None:
    for m in members:
        group = _group_and_user(call, m)
        if not call.store.is_enrolled(group["courseid"], m["userid"]):
            raise InvalidParameter("Only enrolled users may be members of groups")
        call.store.execute("INSERT OR IGNORE INTO groups_members VALUES (?, ?, ?)", m["groupid"], m["userid"], now())
    return None


@function("core_group_delete_group_members", {"members": Multiple(MEMBER)}, write=True, rows="members")
def delete_group_members(call: Call, members: list[dict[str, int]]) -> None:
    for m in members:
        _group_and_user(call, m)
        call.store.execute("DELETE FROM groups_members WHERE groupid = ? AND userid = ?", m["groupid"], m["userid"])
    return None


@function("core_group_get_group_members", {"groupids": Multiple(Value(INT))}, write=False, rows="groupids")
def get_group_members(call: Call, groupids: list[int]) -> list[dict[str, Any]]:
    out = []
    for gid in groupids:
        if not call.store.scalar("SELECT 1 FROM groups WHERE id = ?", gid):
            raise MissingRecord("groups")
        users = [r["userid"] for r in call.store.q("SELECT userid FROM groups_members WHERE groupid = ? "
                                                   "ORDER BY userid", gid)]
        out.append({"groupid": gid, "userids": users})
    return out
