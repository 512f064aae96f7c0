"""The plan file is not trusted: before `lmsbridge apply` sends anything, every action's target is resolved again
from the live site by its owned identity (its idnumber with lmsbridge's prefix), and an action on anything
lmsbridge does not own is refused. A plan edited by hand or gone stale can then do nothing that a fresh plan
would not: the ids written in it are replaced by the ones the site has now, and a key outside the prefix (an
account made by hand, another tool's course) is never a target. Pure: the caller reads the site.
"""

from __future__ import annotations

from lmsbridge.sync.actual import ActualState
from lmsbridge.sync.keys import GradeKey, GroupKey, Pair
from lmsbridge.sync.plan import Action, Plan

# What a plan may do to an account that lmsbridge did not create: enrol it and add it to cohorts and groups
# (see planner.people), never change, suspend or reactivate it.
ACCOUNT_WRITES = {"create", "update", "suspend", "reactivate"}


def owned_keys(action: Action) -> list[str]:
    """The idnumbers an action touches: its key, or both parts of a membership's key."""
    if action.entity in ("enrolment", "cohort_member"):
        pair = Pair.parse(action.key)
        return [pair.owner, pair.member]
    if action.entity == "group_member":
        pair = Pair.parse(action.key)
        group = GroupKey.parse(pair.owner)
        return [group.course, group.group, pair.member]
    if action.entity == "group":
        group = GroupKey.parse(action.key)
        return [group.course, group.group]
    if action.entity in ("activity", "grade_item", "course_competency"):
        return [part for part in Pair.parse(action.key) if part]
    if action.entity == "grade":
        return [part for part in GradeKey.parse(action.key) if part]
    return [action.key]


def refused_actions(plan: Plan, actual: ActualState, adopted: set[str] = frozenset()  # type: ignore[assignment]
                    ) -> list[str]:
    """Why each refused action is refused (empty: the plan may be applied). ``adopted``: accounts lmsbridge
    enrols but does not own (matched existing users), which may be members but never changed."""
    why: list[str] = []
    for a in plan.actions:
        foreign = [k for k in owned_keys(a) if not k.startswith(plan.prefix) and k not in adopted]
        if a.entity == "user" and a.op in ACCOUNT_WRITES and a.key in adopted:
            foreign = [a.key]
        if foreign:
            why.append(f"{a.entity} {a.op} {a.key}: {', '.join(foreign)} is not lmsbridge's (no {plan.prefix!r} "
                       "prefix)")
        elif a.entity == "user" and a.op in ("update", "suspend", "reactivate") and a.key not in actual.users:
            why.append(f"user {a.op} {a.key}: no such account on the site")
    return why


def live_ids(plan: Plan, actual: ActualState) -> dict[str, dict[str, int]]:
    """The plan's ids as the site has them now; a key the site no longer has is dropped (its actions are then
    skipped as having nothing to act on)."""
    live: dict[str, dict[str, int]] = {
        "category": {k: c.id for k, c in actual.categories.items()},
        "course": {k: c.id for k, c in actual.courses.items()},
        "user": {**{k: i for i, k in actual.enrolled_idnumbers.items() if k},
                 **{k: u.id for k, u in actual.users.items()}},
        "cohort": {k: c.id for k, c in actual.cohorts.items()},
        "group": {k: g.id for k, g in actual.groups.items()},
        "competency_framework": {k: f.id for k, f in actual.frameworks.items()},
        "competency": {c: i for f in actual.frameworks.values() for c, i in f.competencies.items()},
    }
    out: dict[str, dict[str, int]] = {}
    for entity, ids in plan.ids.items():
        site = live.get(entity)
        out[entity] = dict(ids) if site is None else {k: site[k] for k in ids if k in site}
    return out
