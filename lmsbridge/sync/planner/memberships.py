"""Cohorts, enrolments and groups, and who is in them by the rosters. Only lmsbridge's own participants are
ever removed; a leaver's enrolment is suspended (or unenrolled, or kept, as settings.on_leave says)."""

from __future__ import annotations

from typing import Any

from lmsbridge.sync.actual import ActualState
from lmsbridge.sync.desired import DesiredState
from lmsbridge.sync.keys import Pair
from lmsbridge.sync.planner.part import Part
from lmsbridge.sync.planner.settings import PlanSettings
from lmsbridge.sync.problem import Problem


def plan_cohorts(desired: DesiredState, actual: ActualState, users: set[str], idnumber_of: dict[int, str]
                 ) -> Part:
    """Cohorts, then their members (``users``: participants that can be synced; ``idnumber_of``: by Moodle id)."""
    part = Part()
    for key, want in desired.cohorts.items():
        have = actual.cohorts.get(key)
        if have is None:
            part.act("cohort", key, "create", None, {"name": want.name, "description": want.description},
                     want.source, "new cohort")
        else:
            part.known("cohort", key, have.id)
    for key in desired.cohorts:
        wanted = desired.cohort_members.get(key, {})
        have = actual.cohorts.get(key)
        current = {idnumber_of.get(uid, "") for uid in (have.members if have else [])}
        for uid, source in wanted.items():
            if uid in users and uid not in current:
                part.act("cohort_member", str(Pair(key, uid)), "add", None, None, source, "member by the roster")
        for uid in sorted(current):
            if uid.startswith(desired.prefix) and uid not in wanted and not desired.cohorts[key].keep_members:
                part.act("cohort_member", str(Pair(key, uid)), "remove", None, None, "",
                         "no longer a member by the rosters")
    return part


def window_open(start: int, end: int, now: int) -> bool:
    """Moodle hides enrolments outside their dates from 'active' lists: those are not suspended, just not open."""
    return (not start or start <= now) and (not end or now < end)


def plan_enrolments(desired: DesiredState, actual: ActualState, settings: PlanSettings, courses: set[str],
                    users: set[str], idnumber_of: dict[int, str]) -> tuple[Part, dict[str, set[str]]]:
    """Enrolments by the rosters, and of leavers; also course -> participants the rosters enrol there."""
    part = Part()
    cache: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}

    def shared(**values: Any) -> dict[str, Any]:
        """One dict object for equal values (read-only by convention): a million enrolments share a handful."""
        return cache.setdefault(tuple(values.items()), values)

    user_ids = {k: u.id for k, u in actual.users.items()}
    enrolled: dict[str, set[str]] = {}
    for key, want in desired.enrolments.items():
        if want.course not in courses or want.user not in users:
            continue
        enrolled.setdefault(want.course, set()).add(want.user)
        roleid = settings.roles.get(want.role)
        if roleid is None:
            part.problems.append(Problem(entity="enrolment", key=key, source=want.source,
                                         message=f"unknown role {want.role!r}",
                                         hint=f"use one of {', '.join(sorted(settings.roles))} (LMSBRIDGE_ROLES "
                                              "maps role shortnames to ids)"))
            continue
        after = shared(role=want.role, roleid=roleid, timestart=want.timestart, timeend=want.timeend,
                       suspend=int(want.suspended))
        uid = user_ids.get(want.user)
        have = actual.enrolments.get(want.course, {}).get(uid) if uid else None
        if have is None:
            part.act("enrolment", key, "enrol", None, after, want.source, f"enrol as {want.role}")
        elif roleid not in have.roles:
            part.act("enrolment", key, "enrol", {"roles": have.roles}, after, want.source, f"add role {want.role}")
        elif want.suspended and have.active:
            part.act("enrolment", key, "suspend", {"active": True}, after, want.source,
                     "enrolstatus 1 in the roster")
        elif not want.suspended and not have.active and window_open(want.timestart, want.timeend, settings.now):
            part.act("enrolment", key, "reactivate", {"active": False}, after, want.source,
                     "suspended, but listed in the roster again")
    if settings.on_leave == "keep":
        return part, enrolled
    alumni_courses = {rule.course for rule in desired.alumni}
    for course_key, per_user in sorted(actual.enrolments.items()):
        if course_key not in desired.courses or course_key in alumni_courses:
            continue  # a course no programme lists any more, or an alumni course: left alone
        wanted = enrolled.get(course_key, set())
        for uid, had in sorted(per_user.items()):
            idn = idnumber_of.get(uid, "")
            if not idn.startswith(desired.prefix) or idn in wanted or not had.active:
                continue
            if str(Pair(course_key, idn)) in desired.enrolments:
                continue  # wanted, but its user could not be synced: a problem says so already
            op = "suspend" if settings.on_leave == "suspend" else "unenrol"
            roleid = had.roles[0] if had.roles else settings.roles.get("student", 5)
            part.ids.setdefault("user", {}).setdefault(idn, uid)
            part.act("enrolment", str(Pair(course_key, idn)), op, {"active": True, "roles": had.roles},
                     shared(roleid=roleid, suspend=1), "", "no roster enrols this participant here any more")
    return part, enrolled


def plan_groups(desired: DesiredState, actual: ActualState, courses: set[str], users: set[str],
                idnumber_of: dict[int, str], enrolled: dict[str, set[str]]) -> Part:
    """Groups, then their members: only participants the rosters enrol in the group's course."""
    part = Part()
    for key, want in desired.groups.items():
        if want.course not in courses:
            continue
        have = actual.groups.get(key)
        if have is None:
            part.act("group", key, "create", None, {"course": want.course, "idnumber": want.idnumber,
                                                    "name": want.name}, want.source, "new group")
        else:
            part.known("group", key, have.id)
        current = {idnumber_of.get(uid, "") for uid in (have.members if have else [])}
        wanted = desired.group_members.get(key, {})
        in_course = enrolled.get(want.course, set())
        for uid, source in wanted.items():
            if uid in users and uid not in current and uid in in_course:
                part.act("group_member", str(Pair(key, uid)), "add", None, None, source, want.name)
        for uid in sorted(current):
            if uid.startswith(desired.prefix) and uid not in wanted and uid in in_course:
                part.act("group_member", str(Pair(key, uid)), "remove", None, None, "",
                         f"no longer in {want.name} by the rosters")
    return part
