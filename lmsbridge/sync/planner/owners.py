"""Which accounts are lmsbridge's, recorded where Moodle keeps it: a system cohort (keys.marker_idnumber) that
every account lmsbridge creates joins in the same run, so that ownership survives a lost state directory (the
journal remembers the created accounts too). The account's own idnumber is the roster's, unprefixed, as other
systems know it.

An account made by an earlier version carries the prefixed key as its idnumber: it is lmsbridge's, so it joins
the marker and then loses the prefix ("upgrade", after the marker phase: a run stopped in between leaves an
account the next run still finds as its own by either mark). Nothing is taken from anyone by that. When an
account lmsbridge did not create holds the same roster idnumber already, the own account keeps its prefix and a
problem says so: lmsbridge never guesses which is the person's."""

from __future__ import annotations

from lmsbridge.sync.actual import ActualState
from lmsbridge.sync.desired import DesiredState
from lmsbridge.sync.keys import Pair, marker_idnumber, roster_idnumber
from lmsbridge.sync.planner.part import Part
from lmsbridge.sync.planner.people import full_name
from lmsbridge.sync.problem import Problem

MARKER_NAME = "Accounts lmsbridge manages"
MARKER_DESCRIPTION = (
    "The accounts lmsbridge created and keeps in line with the rosters (their idnumber is the roster's). Do not "
    "add or remove people by hand and do not delete this cohort: a member is an account lmsbridge may update and "
    "suspend; an account that is not a member is never changed by it, only enrolled. It gives no access to "
    "anything.")


def without_marker(desired: DesiredState) -> tuple[DesiredState, list[Problem]]:
    """The desired state without a roster cohort that would be the marker (a cohort column saying "accounts"):
    its members are never made lmsbridge's by a roster."""
    marker = marker_idnumber(desired.prefix)
    if marker not in desired.cohorts:
        return desired, []
    problem = Problem(entity="cohort", key=marker, source=desired.cohorts[marker].source, message=(
        f"the cohort {marker!r} is the marker of the accounts lmsbridge manages: no roster may name it"),
        hint="rename the cohort in the roster's cohort column")
    return desired.model_copy(update={
        "cohorts": {k: v for k, v in desired.cohorts.items() if k != marker},
        "cohort_members": {k: v for k, v in desired.cohort_members.items() if k != marker}}), [problem]


def plan_ownership(desired: DesiredState, actual: ActualState, created: set[str]) -> Part:
    """The marker cohort, its new members (``created``: participants whose accounts the plan creates, and
    lmsbridge's own accounts not in it yet) and the upgrade of earlier versions' idnumbers."""
    part = Part()
    prefix, marker = desired.prefix, marker_idnumber(desired.prefix)
    if actual.marker is None:
        part.act("cohort", marker, "create", None, {"name": MARKER_NAME, "description": MARKER_DESCRIPTION,
                                                "visible": False}, "",
                 "marks the accounts lmsbridge manages")
    else:
        part.known("cohort", marker, actual.marker.id)
    members = set(actual.marker.members) if actual.marker else set()
    taken: dict[str, list[int]] = {}
    for c in actual.taken:
        taken.setdefault(c.key, []).append(c.other_id)
    own = {k: u for k, u in actual.users.items() if not u.matched_by and k.startswith(prefix)}
    for key in sorted(created | {k for k, u in own.items() if u.id not in members}):
        part.act("cohort_member", str(Pair(marker, key)), "add", None, None,
                 desired.users[key].source if key in desired.users else "", "an account lmsbridge manages")
    for key, have in sorted(own.items()):
        wanted = roster_idnumber(prefix, key)
        if have.idnumber == wanted:
            continue
        if key in taken:
            part.problems.append(Problem(entity="user", key=key, message=(
                f"the account of participant {wanted} (user id {have.id}, idnumber {have.idnumber!r}) keeps its "
                f"idnumber: {wanted!r} belongs to user id(s) {', '.join(map(str, taken[key]))}, an account "
                "lmsbridge did not create; Moodle would then hold the idnumber twice"),
                hint="if they are the same person, merge the accounts in Moodle; otherwise correct the other "
                     "account's idnumber. lmsbridge keeps managing its own account meanwhile"))
            continue
        part.act("user", key, "upgrade", {"idnumber": have.idnumber}, {"idnumber": wanted},
                 desired.users[key].source if key in desired.users else "",
                 "made by an earlier lmsbridge: the idnumber becomes the roster's", full_name(have))
    return part
