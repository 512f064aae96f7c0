"""Held back: a participant whose roster row is broken is left exactly as Moodle has them now. A broken row says
"we don't know what this person should have", never "this person left": no suspension, unenrolment, cohort or
group removal, update or grade for them until the row is fixed. Only someone absent from every roster has left."""

from __future__ import annotations

from lmsbridge.sync.keys import GradeKey, Pair, roster_idnumber
from lmsbridge.sync.plan import Action
from lmsbridge.sync.planner.part import Part
from lmsbridge.sync.problem import Problem

_MEMBER_ENTITIES = {"enrolment", "cohort_member", "group_member"}


def participant_of(action: Action) -> str:
    """The user idnumber an action is about ("" for courses, cohorts, groups and the like)."""
    if action.entity == "user":
        return action.key
    if action.entity in _MEMBER_ENTITIES:
        return Pair.parse(action.key).member
    if action.entity == "grade":
        return GradeKey.parse(action.key).user
    return ""


def hold_back(plan: Part, held: dict[str, str], prefix: str = "") -> None:
    """Drop every action on a held-back participant (``held``: key -> the broken row), saying so once each, by
    the idnumber the roster and Moodle have."""
    if not held:
        return
    plan.actions = [a for a in plan.actions if participant_of(a) not in held]
    for who in sorted(held):  # every one of them, changes dropped or not: the plan names who is held back
        plan.problems.append(Problem(
            severity="warning", entity="user", key=who, source=held[who], held=True,
            message=f"participant {roster_idnumber(prefix, who)} is held back: left exactly as Moodle has them "
                    "(no suspension, unenrolment, removal or update) because their roster row is broken",
            hint="fix the row; the next sync then brings the participant in line"))
