"""make_plan: desired state + actual state -> Plan. Pure: no I/O and no clock (the time comes in the settings).

Rules: create what is missing, update what differs, never touch an object without lmsbridge's prefix (a
hand-made object that takes a wanted shortname, username or e-mail is reported as a problem), suspend rather
than delete (a leaver's account and enrolments are suspended; they come back when the participant returns),
leave a participant whose roster row is broken exactly as they are (held.py),
and check the safety thresholds before any removal. Each entity is planned by its own function; this joins
them, orders the actions by PHASES and applies the thresholds.
"""

from __future__ import annotations

from lmsbridge.sync.actual import ActualState, Scope
from lmsbridge.sync.desired import DesiredState
from lmsbridge.sync.plan import PHASES, REMOVALS, Plan
from lmsbridge.sync.planner.alumni import graduates, kept_accounts, plan_alumni
from lmsbridge.sync.planner.held import hold_back
from lmsbridge.sync.planner.memberships import plan_cohorts, plan_enrolments, plan_groups
from lmsbridge.sync.planner.owners import plan_ownership, without_marker
from lmsbridge.sync.planner.part import Part
from lmsbridge.sync.planner.people import idnumbers_by_id, plan_users
from lmsbridge.sync.planner.plugin_parts import (
    plan_activities,
    plan_competencies,
    plan_completion,
    plan_event_grades,
    plan_sections,
)
from lmsbridge.sync.planner.settings import PlanSettings
from lmsbridge.sync.planner.structure import plan_categories, plan_courses
from lmsbridge.sync.safety import check_thresholds, check_truncation

ID_ENTITIES = ("category", "course", "user", "cohort", "group", "competency_framework", "competency")


def make_plan(desired: DesiredState, actual: ActualState, scope: Scope, settings: PlanSettings) -> Plan:
    desired, reserved = without_marker(desired)
    categories = plan_categories(desired, actual)
    courses, synced_courses = plan_courses(desired, actual)
    graduated = graduates(desired, actual)
    users, synced_users = plan_users(desired, actual, suspend_leavers=settings.suspend_leavers,
                                     keep=kept_accounts(desired, actual, graduated), adopted=set(scope.adopted))
    idnumber_of = idnumbers_by_id(actual)
    cohorts = plan_cohorts(desired, actual, synced_users, idnumber_of)
    enrolments, enrolled = plan_enrolments(desired, actual, settings, synced_courses, synced_users, idnumber_of)
    owners = plan_ownership(desired, actual, {a.key for a in users.actions if a.op == "create"})
    parts = [
        categories, courses, users, owners, cohorts, enrolments,
        plan_groups(desired, actual, synced_courses, synced_users, idnumber_of, enrolled),
        plan_alumni(desired, actual, graduated, synced_courses, settings.roles.get("student", 5)),
        plan_competencies(desired, actual, settings, synced_courses),
        plan_activities(desired, actual, settings, synced_courses),
        plan_event_grades(desired, actual, settings, synced_courses, synced_users),
        plan_completion(desired, actual, settings, synced_courses),
        plan_sections(desired, actual, settings, synced_courses),
    ]
    plan = _joined(parts, desired)
    plan.problems.extend(reserved)
    hold_back(plan, desired.held, desired.prefix)  # before the thresholds: what is held back is not a removal

    rank = {phase: i for i, phase in enumerate(PHASES)}
    plan.actions.sort(key=lambda a: rank[(a.entity, a.op)])  # stable: keeps the order within a phase
    for i, a in enumerate(plan.actions, start=1):
        a.seq = i
    managed = {
        "user": sum(1 for k, u in actual.users.items() if k.startswith(desired.prefix) and not u.matched_by),
        "enrolment": sum(1 for per in actual.enrolments.values() for uid in per
                         if idnumber_of.get(uid, "").startswith(desired.prefix)),
        "cohort_member": sum(len(c.members) for c in actual.cohorts.values()),
        "group_member": sum(len(g.members) for g in actual.groups.values()),
    }
    findings = check_thresholds(plan.actions, managed, settings.safety)
    truncated = check_truncation(desired.roster_rows, settings.last_roster_rows, settings.safety,
                                 any((a.entity, a.op) in REMOVALS for a in plan.actions))
    if truncated:
        findings.insert(0, truncated)
    return Plan(created_at=settings.created_at, site_url=settings.site_url, prefix=desired.prefix,
                fingerprint=actual.fingerprint(), scope=scope, ids=plan.ids, actions=plan.actions,
                problems=plan.problems, safety=findings, override=settings.allow_mass_change and bool(findings),
                roster_rows=desired.roster_rows, reads=actual.reads, skipped=plan.skipped)


def _joined(parts: list[Part], desired: DesiredState) -> Part:
    """The parts in order, after the input's own problems."""
    out = Part(problems=list(desired.problems),
               ids={e: {} for e in ID_ENTITIES})
    for part in parts:
        out.actions.extend(part.actions)
        out.problems.extend(part.problems)
        out.skipped.extend(part.skipped)
        for entity, ids in part.ids.items():
            mine = out.ids.setdefault(entity, {})
            for key, moodle_id in ids.items():
                mine.setdefault(key, moodle_id)
    return out
