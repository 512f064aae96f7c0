"""The planner: desired state + actual state -> Plan. A pure function: no I/O, no clock but the one passed in.

Rules: create what is missing, update what differs, never touch an object without lmsbridge's prefix (a
hand-made object that takes a wanted shortname, username or e-mail is reported as a problem), suspend rather
than delete (a leaver's account and enrolments are suspended; they come back when the participant returns),
and check the safety thresholds before any removal.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel

from lmsbridge.actual import ActualState, Scope
from lmsbridge.desired import DesiredState
from lmsbridge.plan import PHASES, REMOVALS, Action, Plan, Problem, now_iso
from lmsbridge.safety import SafetySettings, check_thresholds, check_truncation

DEFAULT_ROLES = {"student": 5, "teacher": 4, "editingteacher": 3, "manager": 1}
USER_FIELDS = ("username", "firstname", "lastname", "email", "auth", "lang", "country", "institution", "department")
OPTIONAL_USER_FIELDS = {"lang", "country", "institution", "department"}  # empty in the roster = leave as is


class PlanSettings(BaseModel):
    roles: dict[str, int] = DEFAULT_ROLES
    on_leave: Literal["suspend", "unenrol", "keep"] = "suspend"  # what happens to a leaver's enrolments
    suspend_leavers: bool = True  # suspend the account of a participant no roster lists any more
    safety: SafetySettings = SafetySettings()
    allow_mass_change: bool = False
    last_roster_rows: int | None = None  # from the journal: rows of the last applied run
    now: int = 0
    site_url: str = ""


_TAG = re.compile(r"<[^>]+>")


def _text(value: str) -> str:
    return " ".join(_TAG.sub(" ", value or "").split())


def scope_of(desired: DesiredState, known_users: set[str] = frozenset(),  # type: ignore[assignment]
             known_ids: dict[str, dict[str, int]] | None = None) -> Scope:
    """What to read from Moodle for this desired state (``known_users``: idnumbers lmsbridge managed before;
    ``known_ids``: Moodle ids of courses and groups the journal remembers)."""
    groups: dict[str, list[str]] = {}
    for g in desired.groups.values():
        groups.setdefault(g.course, []).append(g.idnumber)
    return Scope(
        groups=groups, known_courses=(known_ids or {}).get("course", {}),
        known_groups=(known_ids or {}).get("group", {}),
        prefix=desired.prefix, categories=sorted(desired.categories), courses=sorted(desired.courses),
        course_shortnames={k: c.shortname for k, c in desired.courses.items()},
        users=sorted(set(desired.users) | {u for u in known_users if u.startswith(desired.prefix)}),
        new_user_logins={k: (u.username, u.email) for k, u in desired.users.items()},
        cohorts=sorted(desired.cohorts), enrolled=_enrolled(desired))


def _enrolled(desired: DesiredState) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in desired.enrolments.values():
        if not e.suspended:
            out.setdefault(e.course, []).append(e.user)
    return out


def make_plan(desired: DesiredState, actual: ActualState, scope: Scope, settings: PlanSettings) -> Plan:
    actions: list[Action] = []
    problems = [Problem(severity=p.severity, source=p.where, message=p.message, hint=p.hint)  # type: ignore
                for p in desired.problems]
    ids: dict[str, dict[str, int]] = {"category": {}, "course": {}, "user": {}, "cohort": {}, "group": {}}

    cache: dict[tuple, dict] = {}

    def shared(**values: Any) -> dict[str, Any]:
        """One dict object for equal values (read-only by convention): a million enrolments share a handful."""
        return cache.setdefault(tuple(values.items()), values)

    def act(entity: str, key: str, op: str, before: dict | None, after: dict | None, source: str, reason: str
            ) -> None:
        actions.append(Action(entity=entity, key=key, op=op, before=before, after=after, source=source,
                              reason=reason))

    # --- categories: parents first ---
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
            act("category", key, "create", None, {"name": want.name, "parent": want.parent,
                                                  "description": want.description}, want.source, "new category")
            continue
        ids["category"][key] = have.id
        parent_id = actual.categories[want.parent].id if want.parent in actual.categories else None
        before, after = {}, {}
        if have.name != want.name:
            before["name"], after["name"] = have.name, want.name
        if want.parent and parent_id is not None and have.parent != parent_id:
            before["parent"], after["parent"] = have.parent, want.parent
        if _text(have.description) != _text(want.description):
            before["description"], after["description"] = have.description, want.description
        if after:
            act("category", key, "update", before, after, want.source, "differs from the programme")

    # --- courses ---
    clashed_courses = {c.key for c in actual.clashes if c.entity == "course"}
    for c in actual.clashes:
        if c.entity == "course":
            problems.append(Problem(entity="course", key=c.key, message=(
                f"shortname {c.value!r} is taken by course id {c.other_id} (idnumber {c.other_idnumber!r}), "
                "which lmsbridge does not manage; the course and its enrolments are skipped"),
                hint="rename that course's shortname in Moodle, or give it the idnumber "
                     f"{c.key!r} if lmsbridge should take it over"))
    available_courses: set[str] = set()
    for key, want in desired.courses.items():
        have = actual.courses.get(key)
        if have is None:
            if key in clashed_courses:
                continue
            available_courses.add(key)
            act("course", key, "create", None, {
                "shortname": want.shortname, "fullname": want.fullname, "category": want.category,
                "summary": want.summary, "startdate": want.startdate, "enddate": want.enddate, "lang": want.lang},
                want.source, f"new course of {want.programme} {want.intake}")
            continue
        available_courses.add(key)
        ids["course"][key] = have.id
        before, after = {}, {}
        for field in ("shortname", "fullname", "startdate", "enddate", "lang"):
            if getattr(have, field) != getattr(want, field):
                before[field], after[field] = getattr(have, field), getattr(want, field)
        if _text(have.summary) != _text(want.summary):
            before["summary"], after["summary"] = have.summary, want.summary
        cat = actual.categories.get(want.category)
        if cat is not None and have.categoryid != cat.id:
            before["category"], after["category"] = have.categoryid, want.category
        if after:
            act("course", key, "update", before, after, want.source, "differs from the programme")

    # --- users ---
    clashed_users: dict[str, list[str]] = {}
    for c in actual.clashes:
        if c.entity == "user":
            clashed_users.setdefault(c.key, []).append(
                f"{c.field} {c.value!r} belongs to user id {c.other_id} (idnumber {c.other_idnumber or 'none'!r})")
    available_users: set[str] = set()
    for key, want in desired.users.items():
        have = actual.users.get(key)
        if have is None:
            if key in clashed_users:
                problems.append(Problem(entity="user", key=key, source=want.source, message=(
                    f"participant {key} is not created: {'; '.join(clashed_users[key])}, an account lmsbridge "
                    "does not manage; the participant's enrolments, cohorts and groups are skipped"),
                    hint="if it is the same person, set that account's idnumber to "
                         f"{key!r} in Moodle so that lmsbridge manages it; otherwise correct the roster"))
                continue
            available_users.add(key)
            after = {f: getattr(want, f) for f in USER_FIELDS if getattr(want, f) or f not in OPTIONAL_USER_FIELDS}
            act("user", key, "create", None, after, want.source, "new participant")
            continue
        available_users.add(key)
        ids["user"][key] = have.id
        before, after = {}, {}
        for field in USER_FIELDS:
            value = getattr(want, field)
            if field in OPTIONAL_USER_FIELDS and not value:
                continue
            if getattr(have, field) != value:
                before[field], after[field] = getattr(have, field), value
        if after:
            act("user", key, "update", before, after, want.source, "differs from the roster")
        if have.suspended:
            act("user", key, "reactivate", {"suspended": True}, {"suspended": False}, want.source,
                "listed in the roster again")
    if settings.suspend_leavers:
        for key, have in sorted(actual.users.items()):
            if key not in desired.users and key.startswith(desired.prefix) and not have.suspended:
                ids["user"][key] = have.id
                act("user", key, "suspend", {"suspended": False}, {"suspended": True}, "",
                    "no roster lists this participant any more")
    user_ids = {k: u.id for k, u in actual.users.items()}
    ids["user"].update(user_ids)
    idnumber_of = {u.id: k for k, u in actual.users.items()}
    idnumber_of.update({uid: idn for uid, idn in actual.enrolled_idnumbers.items() if uid not in idnumber_of})

    # --- cohorts and members ---
    for key, want in desired.cohorts.items():
        have = actual.cohorts.get(key)
        if have is None:
            act("cohort", key, "create", None, {"name": want.name, "description": want.description}, want.source,
                "new cohort")
        else:
            ids["cohort"][key] = have.id
    for key in desired.cohorts:
        wanted = desired.cohort_members.get(key, {})
        have = actual.cohorts.get(key)
        current = {idnumber_of.get(uid, "") for uid in (have.members if have else [])}
        for uid, source in wanted.items():
            if uid in available_users and uid not in current:
                act("cohort_member", f"{key}|{uid}", "add", None, None, source, "member by the roster")
        for uid in sorted(current):
            if uid.startswith(desired.prefix) and uid not in wanted and not desired.cohorts[key].keep_members:
                act("cohort_member", f"{key}|{uid}", "remove", None, None, "", "no longer a member by the rosters")

    # --- enrolments ---
    desired_enrolled: dict[str, set[str]] = {}
    for key, want in desired.enrolments.items():
        if want.course not in available_courses or want.user not in available_users:
            continue
        desired_enrolled.setdefault(want.course, set()).add(want.user)
        roleid = settings.roles.get(want.role)
        if roleid is None:
            problems.append(Problem(entity="enrolment", key=key, source=want.source,
                                    message=f"unknown role {want.role!r}",
                                    hint=f"use one of {', '.join(sorted(settings.roles))} (LMSBRIDGE_ROLES maps "
                                         "role shortnames to ids)"))
            continue
        after = shared(role=want.role, roleid=roleid, timestart=want.timestart, timeend=want.timeend,
                       suspend=int(want.suspended))
        uid = user_ids.get(want.user)
        have = actual.enrolments.get(want.course, {}).get(uid) if uid else None
        if have is None:
            act("enrolment", key, "enrol", None, after, want.source, f"enrol as {want.role}")
        elif roleid not in have.roles:
            act("enrolment", key, "enrol", {"roles": have.roles}, after, want.source, f"add role {want.role}")
        elif want.suspended and have.active:
            act("enrolment", key, "suspend", {"active": True}, after, want.source, "enrolstatus 1 in the roster")
        elif not want.suspended and not have.active and _window_open(want.timestart, want.timeend, settings.now):
            act("enrolment", key, "reactivate", {"active": False}, after, want.source,
                "suspended, but listed in the roster again")
    if settings.on_leave != "keep":
        for course_key, per_user in sorted(actual.enrolments.items()):
            if course_key not in desired.courses:
                continue  # a course no programme lists any more: left alone
            wanted = desired_enrolled.get(course_key, set())
            for uid, have in sorted(per_user.items()):
                idn = idnumber_of.get(uid, "")
                if not idn.startswith(desired.prefix) or idn in wanted or not have.active:
                    continue
                if f"{course_key}|{idn}" in desired.enrolments:
                    continue  # wanted, but its user could not be synced: a problem says so already
                op = "suspend" if settings.on_leave == "suspend" else "unenrol"
                roleid = have.roles[0] if have.roles else settings.roles.get("student", 5)
                ids["user"].setdefault(idn, uid)
                act("enrolment", f"{course_key}|{idn}", op, {"active": True, "roles": have.roles},
                    shared(roleid=roleid, suspend=1), "",
                    "no roster enrols this participant here any more")

    # --- groups and members ---
    for key, want in desired.groups.items():
        if want.course not in available_courses:
            continue
        have = actual.groups.get(key)
        if have is None:
            act("group", key, "create", None, {"course": want.course, "idnumber": want.idnumber, "name": want.name},
                want.source, "new group")
        else:
            ids["group"][key] = have.id
        current = {idnumber_of.get(uid, "") for uid in (have.members if have else [])}
        wanted = desired.group_members.get(key, {})
        for uid, source in wanted.items():
            if uid in available_users and uid not in current and uid in desired_enrolled.get(want.course, ()):
                act("group_member", f"{key}|{uid}", "add", None, None, source, want.name)
        enrolled = desired_enrolled.get(want.course, set())
        for uid in sorted(current):
            if uid.startswith(desired.prefix) and uid not in wanted and uid in enrolled:
                act("group_member", f"{key}|{uid}", "remove", None, None, "", f"no longer in {want.name} by the rosters")

    # --- order, safety ---
    rank = {phase: i for i, phase in enumerate(PHASES)}
    actions.sort(key=lambda a: rank[(a.entity, a.op)])  # stable: keeps the order within a phase
    for i, a in enumerate(actions, start=1):
        a.seq = i
    managed = {
        "user": sum(1 for k in actual.users if k.startswith(desired.prefix)),
        "enrolment": sum(1 for per in actual.enrolments.values() for uid in per
                         if idnumber_of.get(uid, "").startswith(desired.prefix)),
        "cohort_member": sum(len(c.members) for c in actual.cohorts.values()),
        "group_member": sum(len(g.members) for g in actual.groups.values()),
    }
    findings = check_thresholds(actions, managed, settings.safety)
    truncated = check_truncation(desired.roster_rows, settings.last_roster_rows, settings.safety,
                                 any((a.entity, a.op) in REMOVALS for a in actions))
    if truncated:
        findings.insert(0, truncated)
    return Plan(created_at=now_iso(), site_url=settings.site_url, prefix=desired.prefix,
                fingerprint=actual.fingerprint(), scope=scope, ids=ids, actions=actions, problems=problems,
                safety=findings, override=settings.allow_mass_change and bool(findings),
                roster_rows=desired.roster_rows, reads=actual.reads)


def _window_open(start: int, end: int, now: int) -> bool:
    """Moodle hides enrolments outside their dates from 'active' lists: those are not suspended, just not open."""
    return (not start or start <= now) and (not end or now < end)
