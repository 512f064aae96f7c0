"""Categories and courses: what the programmes' moodle.toml asks for, parents first."""

from __future__ import annotations

from typing import Any

from lmsbridge.sync.actual import ActualState
from lmsbridge.sync.desired import DesiredState
from lmsbridge.sync.planner.part import Part, text
from lmsbridge.sync.problem import Problem


def plan_categories(desired: DesiredState, actual: ActualState) -> Part:
    part = Part()

    def depth(key: str) -> int:
        d, seen = 0, set()
        while key and key not in seen:
            seen.add(key)
            key = desired.categories[key].parent if key in desired.categories else ""
            d += 1
        return d

    for key in sorted(desired.categories, key=lambda k: (depth(k), k)):
        want = desired.categories[key]
        have = actual.categories.get(key)
        if have is None:
            part.act("category", key, "create", None, {"name": want.name, "parent": want.parent,
                                                       "description": want.description}, want.source, "new category")
            continue
        part.known("category", key, have.id)
        parent_id = actual.categories[want.parent].id if want.parent in actual.categories else None
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        if have.name != want.name:
            before["name"], after["name"] = have.name, want.name
        if want.parent and parent_id is not None and have.parent != parent_id:
            before["parent"], after["parent"] = have.parent, want.parent
        if text(have.description) != text(want.description):
            before["description"], after["description"] = have.description, want.description
        if after:
            part.act("category", key, "update", before, after, want.source, "differs from the programme")
    return part


def plan_courses(desired: DesiredState, actual: ActualState) -> tuple[Part, set[str]]:
    """The courses' actions, and the courses that can be synced (not taken by a hand-made course's shortname)."""
    part = Part()
    clashed = {c.key for c in actual.clashes if c.entity == "course"}
    for c in actual.clashes:
        if c.entity == "course":
            part.problems.append(Problem(entity="course", key=c.key, message=(
                f"shortname {c.value!r} is taken by course id {c.other_id} (idnumber {c.other_idnumber!r}), "
                "which lmsbridge does not manage; the course and its enrolments are skipped"),
                hint="rename that course's shortname in Moodle, or give it the idnumber "
                     f"{c.key!r} if lmsbridge should take it over"))
    available: set[str] = set()
    # A new course gets the sections its activities go to: the plugin adds at most the next section.
    sections: dict[str, int] = {}
    for activity in desired.activities.values():
        sections[activity.course] = max(sections.get(activity.course, 0), activity.section)
    for key, want in desired.courses.items():
        have = actual.courses.get(key)
        if have is None:
            if key in clashed:
                continue
            available.add(key)
            fields: dict[str, Any] = {
                "shortname": want.shortname, "fullname": want.fullname, "category": want.category,
                "summary": want.summary, "startdate": want.startdate, "enddate": want.enddate, "lang": want.lang}
            if key in sections:
                fields["numsections"] = sections[key]
            part.act("course", key, "create", None, fields, want.source,
                     f"new course of {want.programme} {want.intake}")
            continue
        available.add(key)
        part.known("course", key, have.id)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for field in ("shortname", "fullname", "startdate", "enddate", "lang"):
            if getattr(have, field) != getattr(want, field):
                before[field], after[field] = getattr(have, field), getattr(want, field)
        if text(have.summary) != text(want.summary):
            before["summary"], after["summary"] = have.summary, want.summary
        cat = actual.categories.get(want.category)
        if cat is not None and have.categoryid != cat.id:
            before["category"], after["category"] = have.categoryid, want.category
        if after:
            part.act("course", key, "update", before, after, want.source, "differs from the programme")
    return part, available
