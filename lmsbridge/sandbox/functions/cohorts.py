"""core_cohort_*: create (all-or-nothing), get, search, members (add with warnings, delete, get), delete."""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.errors import InvalidParameter, MissingRecord
from lmsbridge.sandbox.params import (ALPHA, BOOL, DEFAULT, INT, OPTIONAL, RAW, TEXT, Multiple, Single, Value)
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import CONTEXT_COURSECAT, CONTEXT_SYSTEM, now

TYPE_VALUE = Single({"type": Value(TEXT), "value": Value(RAW)})


def cohort_record(c: dict[str, Any], *, customfields: bool = True) -> dict[str, Any]:
    out = {"id": c["id"], "name": c["name"], "idnumber": c["idnumber"], "description": c["description"],
           "descriptionformat": c["descriptionformat"], "visible": bool(c["visible"]), "theme": c["theme"]}
    if customfields:
        out["customfields"] = []
    return out


@function("core_cohort_create_cohorts", {"cohorts": Multiple(Single({
    "categorytype": TYPE_VALUE, "name": Value(RAW), "idnumber": Value(RAW), "description": Value(RAW, OPTIONAL),
    "descriptionformat": Value(INT, DEFAULT, 1), "visible": Value(BOOL, OPTIONAL), "theme": Value(RAW, OPTIONAL),
    "customfields": Multiple(Single({"shortname": Value(RAW), "value": Value(RAW)}), OPTIONAL)}))},
    write=True, rows="cohorts")
def create_cohorts(call: Call, cohorts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    store = call.store
    out = []
    for c in cohorts:
        ctype = c["categorytype"]
        if ctype["type"] not in ("idnumber", "id", "system"):
            raise InvalidParameter(f"category type must be id, idnumber or system:{ctype['type']}")
        if ctype["type"] == "system":
            contextid = store.context_id(CONTEXT_SYSTEM, 0)
        else:
            catid = store.scalar(f"SELECT id FROM course_categories WHERE {ctype['type']} = ?", ctype["value"])
            if catid is None:
                raise InvalidParameter(f"category not exists: category {ctype['type']} = {ctype['value']}")
            contextid = store.context_id(CONTEXT_COURSECAT, catid)
        if store.scalar("SELECT 1 FROM cohort WHERE idnumber = ?", c["idnumber"]):
            raise InvalidParameter(f"record already exists: idnumber={c['idnumber']}")
        call.require("moodle/cohort:manage", "Create, delete and move cohorts")
        cid = store.create_cohort(name=c["name"], idnumber=c["idnumber"], contextid=contextid,
                                  description=c.get("description", ""), descriptionformat=c["descriptionformat"],
                                  visible=int(c.get("visible", True)), theme=c.get("theme", ""))
        out.append(cohort_record(store.one("SELECT * FROM cohort WHERE id = ?", cid) or {}, customfields=False))
    return out


@function("core_cohort_get_cohorts", {"cohortids": Multiple(Value(INT), DEFAULT)}, write=False)
def get_cohorts(call: Call, cohortids: list[int]) -> list[dict[str, Any]]:
    if cohortids:
        rows = call.store.q(f"SELECT * FROM cohort WHERE id IN ({','.join('?' * len(cohortids))}) ORDER BY id",
                            *cohortids)
    else:
        rows = call.store.q("SELECT * FROM cohort ORDER BY id")
    return [cohort_record(r) for r in rows]


@function("core_cohort_search_cohorts", {
    "query": Value(RAW), "context": Single({"contextid": Value(INT, OPTIONAL), "contextlevel": Value(ALPHA, OPTIONAL),
                                            "instanceid": Value(INT, OPTIONAL)}),
    "includes": Value(ALPHA, DEFAULT, "parents"), "limitfrom": Value(INT, DEFAULT, 0),
    "limitnum": Value(INT, DEFAULT, 25)}, write=False)
def search_cohorts(call: Call, query: str, context: dict[str, Any], includes: str, limitfrom: int,
                   limitnum: int) -> dict[str, Any]:
    if includes not in ("self", "parents", "all"):
        raise InvalidParameter("Invalid parameter includes")
    like = f"%{query.lower()}%"
    rows = call.store.q("SELECT * FROM cohort WHERE lower(name) LIKE ? OR lower(idnumber) LIKE ? OR "
                        "lower(description) LIKE ? ORDER BY name, idnumber", like, like, like)
    rows = rows[limitfrom:limitfrom + limitnum] if limitnum else rows[limitfrom:]
    return {"cohorts": [cohort_record(r) for r in rows]}


@function("core_cohort_add_cohort_members", {"members": Multiple(Single({
    "cohorttype": TYPE_VALUE, "usertype": TYPE_VALUE}))}, write=True, rows="members")
def add_cohort_members(call: Call, members: list[dict[str, Any]]) -> dict[str, Any]:
    store = call.store
    warnings = []
    for m in members:
        ct, ut = m["cohorttype"], m["usertype"]
        if ct["type"] not in ("id", "idnumber"):
            warnings.append({"warningcode": "1", "message": f"invalid parameter: cohortype={ct['type']}"})
            continue
        if ut["type"] not in ("id", "username"):
            warnings.append({"warningcode": "1", "message": f"invalid parameter: usertype={ut['type']}"})
            continue
        cohortid = store.scalar(f"SELECT id FROM cohort WHERE {ct['type']} = ?", ct["value"])
        if cohortid is None:
            warnings.append({"warningcode": "2", "message": f"cohort {ct['type']}={ct['value']} not exists"})
            continue
        userid = store.scalar(f"SELECT id FROM user WHERE {ut['type']} = ? AND deleted = 0", ut["value"])
        if userid is None:
            warnings.append({"warningcode": "2", "message": f"user {ut['type']}={ut['value']} not exists"})
            continue
        if store.scalar("SELECT 1 FROM cohort_members WHERE cohortid = ? AND userid = ?", cohortid, userid):
            warnings.append({"warningcode": "3", "message": f"record already exists: cohort({ct['type']}="
                                                            f"{ct['value']} {ut['type']}={ut['value']})"})
            continue
        call.require("moodle/cohort:assign", "Add and remove cohort members")
        store.execute("INSERT INTO cohort_members VALUES (?, ?, ?)", cohortid, userid, now())
    return {"warnings": warnings}


@function("core_cohort_delete_cohort_members", {"members": Multiple(Single({
    "cohortid": Value(INT), "userid": Value(INT)}))}, write=True, rows="members")
def delete_cohort_members(call: Call, members: list[dict[str, Any]]) -> None:
    store = call.store
    for m in members:
        if not store.scalar("SELECT 1 FROM cohort WHERE id = ?", m["cohortid"]):
            raise MissingRecord("cohort")
        if not store.scalar("SELECT 1 FROM user WHERE id = ? AND deleted = 0", m["userid"]):
            raise MissingRecord("user")
        call.require("moodle/cohort:assign", "Add and remove cohort members")
        store.execute("DELETE FROM cohort_members WHERE cohortid = ? AND userid = ?", m["cohortid"], m["userid"])
    return None


@function("core_cohort_get_cohort_members", {"cohortids": Multiple(Value(INT))}, write=False, rows="cohortids")
def get_cohort_members(call: Call, cohortids: list[int]) -> list[dict[str, Any]]:
    out = []
    for cid in cohortids:
        if not call.store.scalar("SELECT 1 FROM cohort WHERE id = ?", cid):
            raise MissingRecord("cohort")
        users = [r["userid"] for r in call.store.q("SELECT userid FROM cohort_members WHERE cohortid = ? "
                                                   "ORDER BY userid", cid)]
        out.append({"cohortid": cid, "userids": users})
    return out


@function("core_cohort_delete_cohorts", {"cohortids": Multiple(Value(INT))}, write=True, rows="cohortids")
def delete_cohorts(call: Call, cohortids: list[int]) -> None:
    for cid in cohortids:
        if not call.store.scalar("SELECT 1 FROM cohort WHERE id = ?", cid):
            raise MissingRecord("cohort")
        call.require("moodle/cohort:manage", "Create, delete and move cohorts")
        call.store.execute("DELETE FROM cohort_members WHERE cohortid = ?", cid)
        call.store.execute("DELETE FROM cohort WHERE id = ?", cid)
    return None
