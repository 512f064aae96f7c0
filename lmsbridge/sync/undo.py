"""`lmsbridge undo RUN`: the journal's before-values of one run turned into a plan that puts back what it took
away, reviewed and applied like any plan (as a SIS import's batch can be restored).

What is put back: accounts it suspended are reactivated, fields it changed are restored (only where Moodle
still holds the value the run wrote: a later edit by a person wins), enrolments it suspended or removed are
reactivated or made again, cohort and group memberships it removed are added again. Nothing is deleted: what
the run created and what people created since stay. Only what differs from the run's before-value today is
planned, so a second undo of the same run is a no-op.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lmsbridge.sync.actual import ActualState, Scope
from lmsbridge.sync.keys import GroupKey, Pair
from lmsbridge.sync.plan import PHASES, Action, Plan

if TYPE_CHECKING:
    from lmsbridge.moodle import MoodleClient
    from lmsbridge.sync.journal import Journal
    from lmsbridge.sync.settings import SyncSettings

UNDONE = {("user", "suspend"), ("user", "update"), ("enrolment", "suspend"), ("enrolment", "unenrol"),
          ("cohort_member", "remove"), ("group_member", "remove")}


class UndoError(Exception):
    """The run cannot be undone (unknown, or it changed nothing that can be put back)."""


def _loaded(row: dict[str, Any], column: str) -> dict[str, Any]:
    value = row.get(column)
    return json.loads(value) if isinstance(value, str) and value else {}


def undo_scope(prefix: str, rows: list[dict[str, Any]], adopted: dict[str, int] | None = None) -> Scope:
    """What to read to see which of the run's removals still stand (``adopted``: the journal's adopted
    accounts, found by their Moodle id)."""
    users: set[str] = set()
    enrolled: dict[str, set[str]] = {}
    groups: dict[str, set[str]] = {}
    cohorts: set[str] = set()
    for r in rows:
        if r["entity"] == "user":
            users.add(r["key"])
        elif r["entity"] == "enrolment":
            course, user = Pair.parse(r["key"])
            users.add(user)
            enrolled.setdefault(course, set()).add(user)
        elif r["entity"] == "cohort_member":
            cohort, user = Pair.parse(r["key"])
            users.add(user)
            cohorts.add(cohort)
        elif r["entity"] == "group_member":
            group, user = Pair.parse(r["key"])
            g = GroupKey.parse(group)
            users.add(user)
            enrolled.setdefault(g.course, set()).add(user)
            groups.setdefault(g.course, set()).add(g.group)
    return Scope(prefix=prefix, users=sorted(users), courses=sorted(enrolled), cohorts=sorted(cohorts),
                 enrolled={c: sorted(u) for c, u in enrolled.items()},
                 groups={c: sorted(g) for c, g in groups.items()},
                 adopted={k: v for k, v in (adopted or {}).items() if k in users})


def undo_actions(rows: list[dict[str, Any]], actual: ActualState, student_role: int = 5) -> list[Action]:
    """The actions that put back what the applied ``rows`` (the journal's, of one run) took away, as far as
    Moodle still lacks it now (``actual``, read with undo_scope)."""
    out: list[Action] = []
    for r in rows:
        entity, key, op = r["entity"], r["key"], r["op"]
        before, after = _loaded(r, "before"), _loaded(r, "after")
        source = f"undo of run {r['run_id']} #{r['seq']}"
        if entity == "user":
            have = actual.users.get(key)
            if have is None:
                continue
            name = " ".join(x for x in (have.firstname, have.lastname) if x)
            if op == "suspend" and have.suspended:
                out.append(Action("user", key, "reactivate", {"suspended": True}, {"suspended": False}, source,
                                  "suspended by the run undone", name=name))
            elif op == "update":
                back = {f: v for f, v in before.items() if f in after and getattr(have, f, None) == after[f]}
                if back:
                    out.append(Action("user", key, "update", {f: after[f] for f in back}, back, source,
                                      "changed by the run undone", name=name))
        elif entity == "enrolment":
            course, user = Pair.parse(key)
            if user not in actual.users or course not in actual.courses:
                continue  # gone from the site since: nothing to put back
            had = actual.enrolments.get(course, {}).get(actual.users[user].id)
            roles = before.get("roles") or [after.get("roleid") or student_role]
            if had is None and op in ("unenrol", "suspend"):
                out.append(Action("enrolment", key, "enrol", None, {"roleid": roles[0], "suspend": 0}, source,
                                  "unenrolled by the run undone"))
            elif had is not None and not had.active:
                out.append(Action("enrolment", key, "reactivate", {"active": False},
                                  {"roleid": roles[0], "suspend": 0}, source, "suspended by the run undone"))
        elif entity in ("cohort_member", "group_member"):
            owner, user = Pair.parse(key)
            uid = actual.users[user].id if user in actual.users else None
            holder = actual.cohorts.get(owner) if entity == "cohort_member" else actual.groups.get(owner)
            if uid is not None and holder is not None and uid not in holder.members:
                out.append(Action(entity, key, "add", None, None, source, "removed by the run undone"))
    rank = {phase: i for i, phase in enumerate(PHASES)}
    out.sort(key=lambda a: rank[(a.entity, a.op)])
    for i, a in enumerate(out, start=1):
        a.seq = i
    return out


def undo_plan(rows: list[dict[str, Any]], scope: Scope, actual: ActualState, *, site_url: str,
              created_at: str, student_role: int = 5) -> Plan:
    """The plan of the undo, made against ``actual`` (its fingerprint guards the apply like any plan's)."""
    actions = undo_actions(rows, actual, student_role)
    plan = Plan(created_at=created_at, site_url=site_url, prefix=scope.prefix, fingerprint=actual.fingerprint(),
                scope=scope, actions=actions, reads=actual.reads)
    plan.ids = {"course": {k: c.id for k, c in actual.courses.items()},
                "user": {k: u.id for k, u in actual.users.items()},
                "cohort": {k: c.id for k, c in actual.cohorts.items()},
                "group": {k: g.id for k, g in actual.groups.items()}}
    return plan


def make_undo_plan(run_id: str, settings: SyncSettings, client: MoodleClient, journal: Journal) -> Plan:
    """Read the journal's record of ``run_id`` and the site as it is now; the plan that undoes the run."""
    from lmsbridge.sync.journal import now_iso
    from lmsbridge.sync.run import _read, preflight

    runs = {r["id"] for r in journal.runs(limit=100000)}
    if run_id not in runs:
        raise UndoError(f"no run {run_id!r} in the journal of {settings.state_dir}; the run ids are in "
                        "last-run.json and the runs/ folder there")
    rows = [r for r in journal.applied_actions(run_id) if (r["entity"], r["op"]) in UNDONE]
    preflight(client)
    scope = undo_scope(settings.prefix, rows, journal.adopted_users())
    actual = _read(client, scope, settings)
    return undo_plan(rows, scope, actual, site_url=client.url, created_at=now_iso(),
                     student_role=settings.roles.get("student", 5))
