"""The competency framework, its competencies (one create call each, parents first) and their links to courses."""

from __future__ import annotations

import json
from typing import Any

from lmsbridge.sync.apply.ledger import Ledger
from lmsbridge.sync.apply.single import each
from lmsbridge.sync.keys import Pair
from lmsbridge.sync.plan import Action

# Moodle's default competence scale (id 2: "Not yet competent", "Competent"), as recorded on Moodle 5.0.
SCALE_ID = 2
SCALE_CONFIGURATION = json.dumps([{"scaleid": "2"}, {"id": 1, "scaledefault": 1, "proficient": 0},
                                  {"id": 2, "scaledefault": 0, "proficient": 1}], separators=(",", ":"))


def apply_competencies(books: Ledger, phase: tuple[str, str], actions: list[Action]) -> None:
    entity = phase[0]
    if entity == "competency_framework":
        each(books, actions, lambda a: _framework(books, a), parallel=False, found=_found)
    elif entity == "competency":
        each(books, actions, lambda a: _competency(books, a), parallel=False, found=_found)  # parents first
    elif entity == "course_competency":
        each(books, actions, lambda a: _link(books, a))


def _found(books: Ledger, a: Action) -> bool:
    """After an unknown outcome of a create: is it there? (Then it is recorded as applied.)"""
    if a.entity == "competency_framework":
        found = [f for f in books.client.call("core_competency_list_competency_frameworks", {
            "context": {"contextlevel": "system", "instanceid": 0}}, read=True) or [] if f.get("idnumber") == a.key]
    else:
        fwid = books.ids["competency_framework"].get((a.after or {}).get("framework", ""))
        found = [c for c in books.client.call("core_competency_list_competencies", {"filters": [
            {"column": "competencyframeworkid", "value": str(fwid)}]}, read=True) or []
            if c.get("idnumber") == a.key] if fwid else []
    if not found:
        return False
    books.remember(a.entity, a.key, int(found[0]["id"]))
    books.applied([a], {a.seq: int(found[0]["id"])})
    return True


def _framework(books: Ledger, a: Action) -> None:
    x = a.after or {}
    answer = books.call("core_competency_create_competency_framework", {"competencyframework": {
        "shortname": x["shortname"], "idnumber": a.key, "description": x.get("description", ""),
        "descriptionformat": 1, "contextlevel": "system", "instanceid": 0, "scaleid": SCALE_ID,
        "scaleconfiguration": SCALE_CONFIGURATION, "visible": 1}})
    new_id = int(answer["id"])
    books.remember("competency_framework", a.key, new_id)
    books.applied([a], {a.seq: new_id})


def _competency(books: Ledger, a: Action) -> None:
    x = a.after or {}
    params: dict[str, Any] = {"shortname": x["shortname"], "idnumber": a.key, "description": x["description"],
                              "descriptionformat": 1,
                              "competencyframeworkid": books.id("competency_framework", x["framework"])}
    if x.get("parent"):
        params["parentid"] = books.id("competency", x["parent"])
    answer = books.call("core_competency_create_competency", {"competency": params})
    new_id = int(answer["id"])
    books.remember("competency", a.key, new_id)
    books.applied([a], {a.seq: new_id})


def _link(books: Ledger, a: Action) -> None:
    course, competency = Pair.parse(a.key)
    # true: linked now; false: it was linked already (both are what we want)
    books.call("core_competency_add_competency_to_course", {"courseid": books.id("course", course),
                                                            "competencyid": books.id("competency", competency)})
    books.applied([a], {})
