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
from lmsbridge.plan import PHASES, REMOVALS, Action, Plan, Problem, Skipped, now_iso
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
    # Parts that need the companion plugin or the competency services: "" = available, else why they are skipped.
    plugin_missing: str = ""
    competencies_missing: str = ""
    packages: dict[str, tuple[str, str]] = {}  # "module|lang" -> (sha1, zip path) of this run's build
    packages_problem: str = ""  # the build failed: why


_TAG = re.compile(r"<[^>]+>")


def _text(value: str) -> str:
    return " ".join(_TAG.sub(" ", value or "").split())


def scope_of(desired: DesiredState, known_users: set[str] = frozenset(),  # type: ignore[assignment]
             known_ids: dict[str, dict[str, int]] | None = None, *, plugin: bool = False,
             competencies: bool = True, read_courses: bool = False) -> Scope:
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
        cohorts=sorted(desired.cohorts), enrolled=_enrolled(desired), plugin=plugin, read_courses=read_courses,
        activity_courses=sorted({a.course for a in desired.activities.values()}
                                | {g.course for g in desired.grade_items.values()}) if plugin else [],
        grade_courses=sorted(({g.course for g in desired.grades.values()} if plugin else set())
                             | {c for rule in desired.alumni for mods in rule.intakes.values()
                                for courses in mods.values() for c in courses}),
        frameworks=[f.idnumber for f in desired.frameworks] if competencies else [],
        competency_courses=sorted({c for f in desired.frameworks for c in f.courses}) if competencies else [])


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
    ids: dict[str, dict[str, int]] = {"category": {}, "course": {}, "user": {}, "cohort": {}, "group": {},
                                      "competency_framework": {}, "competency": {}}
    skipped: list[Skipped] = []

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
    # A new course gets the sections its activities go to: the plugin adds at most the next section.
    sections: dict[str, int] = {}
    for activity in desired.activities.values():
        sections[activity.course] = max(sections.get(activity.course, 0), activity.section)
    for key, want in desired.courses.items():
        have = actual.courses.get(key)
        if have is None:
            if key in clashed_courses:
                continue
            available_courses.add(key)
            after = {"shortname": want.shortname, "fullname": want.fullname, "category": want.category,
                     "summary": want.summary, "startdate": want.startdate, "enddate": want.enddate, "lang": want.lang}
            if key in sections:
                after["numsections"] = sections[key]
            act("course", key, "create", None, after, want.source, f"new course of {want.programme} {want.intake}")
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
    hidden_user_fields: set[str] = set()
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
            if getattr(have, field) is None:  # hidden from the token's user: unknown, never "changed"
                hidden_user_fields.add(field)
                continue
            if getattr(have, field) != value:
                before[field], after[field] = getattr(have, field), value
        if after:
            act("user", key, "update", before, after, want.source, "differs from the roster")
        if have.suspended:
            act("user", key, "reactivate", {"suspended": True}, {"suspended": False}, want.source,
                "listed in the roster again")
    if hidden_user_fields:
        problems.append(Problem(severity="warning", entity="user", message=(
            f"Moodle hides users' {', '.join(sorted(hidden_user_fields))} from the token's user, so changes to "
            "them in the rosters cannot be seen or synced"), hint=(
            "give the sync user's role moodle/user:viewalldetails, moodle/site:viewfullnames and "
            "moodle/site:viewuseridentity (see the README's least-privilege list)")))
    graduates = _graduates(desired, actual)
    alumni = set().union(*graduates.values()) if graduates else set()
    for key, want in desired.cohorts.items():
        if want.keep_members and key in actual.cohorts:
            by_id = {u.id: k for k, u in actual.users.items()}
            alumni |= {by_id.get(m, "") for m in actual.cohorts[key].members}
    if settings.suspend_leavers:
        for key, have in sorted(actual.users.items()):
            if key in alumni:
                continue  # an alumnus keeps the account for the reunions, listed in a roster or not
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
    keep_courses = {rule.course for rule in desired.alumni}
    if settings.on_leave != "keep":
        for course_key, per_user in sorted(actual.enrolments.items()):
            if course_key not in desired.courses or course_key in keep_courses:
                continue  # a course no programme lists any more, or an alumni course: left alone
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

    _plan_alumni(desired, actual, settings, graduates, available_courses, act)
    _plan_competencies(desired, actual, settings, available_courses, ids, act, skipped)
    _plan_activities(desired, actual, settings, available_courses, available_users, ids, act, skipped)

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
                roster_rows=desired.roster_rows, reads=actual.reads, skipped=skipped)


def _window_open(start: int, end: int, now: int) -> bool:
    """Moodle hides enrolments outside their dates from 'active' lists: those are not suspended, just not open."""
    return (not start or start <= now) and (not end or now < end)


# --- what needs the companion plugin, competencies, alumni ---


def _graduates(desired: DesiredState, actual: ActualState) -> dict[str, set[str]]:
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


def _plan_alumni(desired: DesiredState, actual: ActualState, settings: PlanSettings,
                 graduates: dict[str, set[str]], available_courses: set[str], act: Any) -> None:
    by_id = {u.id: k for k, u in actual.users.items()}
    for rule in desired.alumni:
        cohort = actual.cohorts.get(rule.cohort)
        members = {by_id.get(m, "") for m in (cohort.members if cohort else [])}
        enrolled = {by_id.get(uid, "") for uid in actual.enrolments.get(rule.course, {})}
        roleid = settings.roles.get("student", 5)
        for user in sorted(graduates.get(rule.cohort, ())):
            if user not in actual.users:
                continue
            if user not in members:
                act("cohort_member", f"{rule.cohort}|{user}", "add", None, None, rule.source,
                    f"completed {rule.programme}: alumnus")
            if user not in enrolled and rule.course in available_courses:
                act("enrolment", f"{rule.course}|{user}", "enrol", None,
                    {"role": "student", "roleid": roleid, "timestart": 0, "timeend": 0, "suspend": 0}, rule.source,
                    f"completed {rule.programme}: alumni course")


def _plan_competencies(desired: DesiredState, actual: ActualState, settings: PlanSettings,
                       available_courses: set[str], ids: dict[str, dict[str, int]], act: Any,
                       skipped: list[Skipped]) -> None:
    if not desired.frameworks:
        return
    if settings.competencies_missing:
        n = sum(len(f.competencies) for f in desired.frameworks)
        skipped.append(Skipped(what="competencies", count=n, reason=settings.competencies_missing))
        return
    for fw in desired.frameworks:
        have = actual.frameworks.get(fw.idnumber)
        if have is None:
            act("competency_framework", fw.idnumber, "create", None,
                {"shortname": fw.shortname, "description": fw.description}, fw.source, "new competency framework")
        else:
            ids["competency_framework"][fw.idnumber] = have.id
        existing = have.competencies if have else {}
        for c in fw.competencies:
            if c.idnumber in existing:
                ids["competency"][c.idnumber] = existing[c.idnumber]
                continue
            act("competency", c.idnumber, "create", None, {"framework": fw.idnumber, "shortname": c.shortname,
                                                             "description": c.description, "parent": c.parent},
                fw.source, "new competency" + (f" under {c.parent}" if c.parent else ""))
        for course, wanted in sorted(fw.courses.items()):
            if course not in available_courses:
                continue
            linked = set(actual.course_competencies.get(course, []))
            for c in wanted:
                if c not in linked:
                    act("course_competency", f"{course}|{c}", "add", None, None, fw.source,
                        "the course's module builds it")


def _plan_activities(desired: DesiredState, actual: ActualState, settings: PlanSettings,
                     available_courses: set[str], available_users: set[str], ids: dict[str, dict[str, int]],
                     act: Any, skipped: list[Skipped]) -> None:
    activities = [a for a in desired.activities.values() if a.course in available_courses]
    items = [i for i in desired.grade_items.values() if i.course in available_courses]
    grades = [g for g in desired.grades.values() if g.course in available_courses and g.user in available_users]
    if settings.plugin_missing:
        if activities:
            skipped.append(Skipped(what="SCORM activities", count=len(activities), reason=settings.plugin_missing))
        if grades or items:
            skipped.append(Skipped(what="event grades", count=len(grades),
                                   reason=f"{settings.plugin_missing} (and {len(items)} event grade items)"))
        return
    if settings.packages_problem:
        skipped.append(Skipped(what="SCORM activities", count=len(activities), reason=settings.packages_problem))
        activities = []
    for want in activities:
        key = f"{want.course}|{want.idnumber}"
        sha1, path = settings.packages.get(f"{want.module}|{want.lang}", ("", ""))
        if not sha1:
            skipped.append(Skipped(what=f"SCORM activity {key}", count=1,
                                   reason=f"no {want.lang} package of module {want.module} was built"))
            continue
        have = actual.activities.get(key)
        after = {"course": want.course, "idnumber": want.idnumber, "module": want.module, "lang": want.lang,
                 "section": want.section, "name": want.name, "intro": want.intro, "sha1": sha1, "package": path}
        if have is None:
            act("activity", key, "create", None, after, want.source, f"new SCORM activity of {want.module}")
            continue
        before = {}
        for field, value in (("sha1", have.sha1hash), ("name", have.name), ("section", have.section)):
            if value != after[field]:
                before[field] = value
        if before:
            reason = "the package changed" if "sha1" in before else "differs from the programme"
            act("activity", key, "update", before, after, want.source, reason)
    for want in items:
        key = f"{want.course}|{want.idnumber}"
        have_item = actual.grade_items.get(key)
        after = {"course": want.course, "idnumber": want.idnumber, "name": want.name, "grademax": want.grademax}
        if have_item is None:
            act("grade_item", key, "create", None, after, want.source, f"event {want.event}")
        elif have_item.name != want.name or abs(have_item.grademax - want.grademax) > 1e-9:
            act("grade_item", key, "update", {"name": have_item.name, "grademax": have_item.grademax}, after,
                want.source, "differs from moodle.toml")
    for g in grades:
        have_grade = actual.gradebook.get(g.course, {}).get(g.user, {}).get(g.item)
        if have_grade and abs(have_grade[0] - g.grade) < 1e-6 and _text(have_grade[1]) == _text(g.feedback):
            continue
        act("grade", f"{g.course}|{g.item}|{g.user}", "set",
            {"grade": have_grade[0], "feedback": have_grade[1]} if have_grade else None,
            {"course": g.course, "item": g.item, "user": g.user, "grade": g.grade, "feedback": g.feedback},
            g.source, "event result")
