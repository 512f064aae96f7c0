"""The alumni rule: who finished every module of an intake joins the programme's alumni cohort and course, and
keeps the account when no roster lists them any more."""

from __future__ import annotations

from lmsbridge.sync.actual import ActualState
from lmsbridge.sync.desired import DesiredState
from lmsbridge.sync.keys import Pair
from lmsbridge.sync.planner.part import Part


def graduates(desired: DesiredState, actual: ActualState) -> dict[str, set[str]]:
    """Alumni cohort idnumber -> user idnumbers who passed every module of an intake (the module's activity
    grade, as the gradebook has it, reaches its mastery score: the SCO reports "passed" from that score)."""
    out: dict[str, set[str]] = {}
    for rule in desired.alumni:
        found: set[str] = set()
        for modules in rule.intakes.values():
            per_module = []
            for courses in modules.values():
                passed: set[str] = set()
                for course, mark in courses.items():
                    activity = rule.activities[course]
                    for user, items in actual.gradebook.get(course, {}).items():
                        if activity in items and items[activity][0] >= mark:
                            passed.add(user)
                per_module.append(passed)
            if per_module:
                found |= set.intersection(*per_module)
        out[rule.cohort] = found
    return out


def kept_accounts(desired: DesiredState, actual: ActualState, graduated: dict[str, set[str]]) -> set[str]:
    """Accounts never suspended: graduates, and members of a cohort that keeps its members."""
    kept: set[str] = set().union(*graduated.values()) if graduated else set()
    for key, want in desired.cohorts.items():
        if want.keep_members and key in actual.cohorts:
            by_id = {u.id: k for k, u in actual.users.items()}
            kept |= {by_id.get(m, "") for m in actual.cohorts[key].members}
    return kept


def plan_alumni(desired: DesiredState, actual: ActualState, graduated: dict[str, set[str]], courses: set[str],
                student_role: int) -> Part:
    part = Part()
    by_id = {u.id: k for k, u in actual.users.items()}
    for rule in desired.alumni:
        cohort = actual.cohorts.get(rule.cohort)
        members = {by_id.get(m, "") for m in (cohort.members if cohort else [])}
        enrolled = {by_id.get(uid, "") for uid in actual.enrolments.get(rule.course, {})}
        for user in sorted(graduated.get(rule.cohort, ())):
            if user not in actual.users:
                continue
            if user not in members:
                part.act("cohort_member", str(Pair(rule.cohort, user)), "add", None, None, rule.source,
                         f"completed {rule.programme}: alumnus")
            if user not in enrolled and rule.course in courses:
                part.act("enrolment", str(Pair(rule.course, user)), "enrol", None,
                         {"role": "student", "roleid": student_role, "timestart": 0, "timeend": 0, "suspend": 0},
                         rule.source, f"completed {rule.programme}: alumni course")
    return part
