"""The competency framework, its competencies (one create call each, parents first) and their links to courses."""

from __future__ import annotations

import json

from lmsbridge.moodle import calls
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
        found = [f for f in books.client.send(calls.list_competency_frameworks()) or []
                 if f.get("idnumber") == a.key]
    else:
        fwid = books.ids["competency_framework"].get((a.after or {}).get("framework", ""))
        found = [c for c in books.client.send(calls.list_competencies(fwid)) or []
                 if c.get("idnumber") == a.key] if fwid else []
    if not found:
        return False
    books.remember(a.entity, a.key, int(found[0]["id"]))
    books.applied([a], {a.seq: int(found[0]["id"])})
    return True


def _framework(books: Ledger, a: Action) -> None:
    x = a.after or {}
    new_id = books.send(calls.create_competency_framework(calls.system_framework(
        shortname=x["shortname"], idnumber=a.key, description=x.get("description", ""), scaleid=SCALE_ID,
        scaleconfiguration=SCALE_CONFIGURATION))).id
    books.remember("competency_framework", a.key, new_id)
    books.applied([a], {a.seq: new_id})


def _competency(books: Ledger, a: Action) -> None:
    x = a.after or {}
    new_id = books.send(calls.create_competency(calls.competency_of(
        shortname=x["shortname"], idnumber=a.key, description=x["description"],
        frameworkid=books.id("competency_framework", x["framework"]),
        parentid=books.id("competency", x["parent"]) if x.get("parent") else None))).id
    books.remember("competency", a.key, new_id)
    books.applied([a], {a.seq: new_id})


def _link(books: Ledger, a: Action) -> None:
    course, competency = Pair.parse(a.key)
    # true: linked now; false: it was linked already (both are what we want)
    books.send(calls.add_competency_to_course(books.id("course", course), books.id("competency", competency)))
    books.applied([a], {})
