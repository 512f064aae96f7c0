"""What to read from Moodle for a desired state: the Scope that the reader follows and the plan keeps."""

from __future__ import annotations

from lmsbridge.sync.actual import Scope
from lmsbridge.sync.desired import DesiredState


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
