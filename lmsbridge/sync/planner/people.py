"""Participants' accounts: created, updated field by field, suspended when no roster lists them, reactivated
when one does again. An account lmsbridge did not create is adopted when it matches a participant by the
setting's field (idnumber, e-mail or username): enrolled and added to cohorts and groups, but its profile,
password and auth are never changed and it is never suspended. Two accounts that match are a problem, never a
guess; a hand-made account that holds a wanted username or e-mail otherwise is a problem, never taken."""

from __future__ import annotations

from typing import Any

from lmsbridge.sync.actual import ActualState, AUser, Clash
from lmsbridge.sync.desired import PROFILE_FIELDS, DesiredState, DUser
from lmsbridge.sync.keys import roster_idnumber
from lmsbridge.sync.planner.part import Part
from lmsbridge.sync.problem import Problem

USER_FIELDS = PROFILE_FIELDS  # the fields of an account that the sync keeps in line
OPTIONAL_USER_FIELDS = {"lang", "country", "institution", "department"}  # empty in the roster = leave as is


def idnumbers_by_id(actual: ActualState) -> dict[int, str]:
    """Moodle user id -> idnumber, of every user read (also those only seen enrolled)."""
    out = {u.id: k for k, u in actual.users.items()}
    out.update({uid: idn for uid, idn in actual.enrolled_idnumbers.items() if uid not in out})
    return out


def full_name(person: DUser | AUser) -> str:
    return " ".join(x for x in (person.firstname, person.lastname) if x)


def plan_users(desired: DesiredState, actual: ActualState, *, suspend_leavers: bool = True,
               keep: set[str] = frozenset(), adopted: set[str] = frozenset()  # type: ignore[assignment]
               ) -> tuple[Part, set[str]]:
    """The accounts' actions, and the participants that can be synced. ``keep``: never suspended (alumni);
    ``adopted``: accounts adopted by earlier runs (the journal's), not planned as "adopt" again."""
    part = Part()
    ambiguous: dict[str, list[Clash]] = {}
    for c in actual.ambiguous:
        ambiguous.setdefault(c.key, []).append(c)
    clashed: dict[str, list[str]] = {}
    for c in actual.clashes:
        if c.entity == "user":
            clashed.setdefault(c.key, []).append(
                f"{c.field} {c.value!r} belongs to user id {c.other_id} (idnumber {c.other_idnumber or 'none'!r})")
    available: set[str] = set()
    hidden: set[str] = set()
    for key, want in desired.users.items():
        have, idnumber = actual.users.get(key), roster_idnumber(desired.prefix, key)
        if key in ambiguous:
            found = ambiguous[key]
            part.problems.append(Problem(entity="user", key=key, source=want.source, message=(
                f"participant {idnumber} ({full_name(want)}) matches {len(found)} accounts by {found[0].field} "
                f"{found[0].value!r} (user ids {', '.join(str(c.other_id) for c in found)}); lmsbridge does not "
                "guess: the participant's account, enrolments, cohorts and groups are left as they are"),
                hint=f"merge or correct the accounts in Moodle so that one has this {found[0].field}, or set the "
                     "right one's idnumber to the roster's and match by idnumber (LMSBRIDGE_MATCH_USERS_BY)"))
            continue
        if have is not None and have.matched_by:
            available.add(key)
            part.known("user", key, have.id)
            if key not in adopted:
                part.act("user", key, "adopt", None, {"matched_by": have.matched_by}, want.source,
                         f"existing account (user id {have.id}) matched by {have.matched_by}; enrolled, never "
                         "changed or suspended", full_name(have) or full_name(want))
            continue
        if have is None:
            if key in clashed:
                part.problems.append(Problem(entity="user", key=key, source=want.source, message=(
                    f"participant {idnumber} is not created: {'; '.join(clashed[key])}, an account lmsbridge "
                    "does not manage; the participant's enrolments, cohorts and groups are skipped"),
                    hint="if it is the same person, set that account's idnumber to "
                     f"{idnumber!r} (the roster's) in Moodle and match by idnumber "
                     "(LMSBRIDGE_MATCH_USERS_BY) so that lmsbridge enrols it; otherwise correct the roster"))
                continue
            available.add(key)
            after = {f: getattr(want, f) for f in USER_FIELDS if getattr(want, f) or f not in OPTIONAL_USER_FIELDS}
            part.act("user", key, "create", None, after, want.source, "new participant", full_name(want))
            continue
        available.add(key)
        part.known("user", key, have.id)
        before: dict[str, Any] = {}
        changed: dict[str, Any] = {}
        for field in USER_FIELDS:
            value = getattr(want, field)
            if field in OPTIONAL_USER_FIELDS and not value:
                continue
            if getattr(have, field) is None:  # hidden from the token's user: unknown, never "changed"
                hidden.add(field)
                continue
            if getattr(have, field) != value:
                before[field], changed[field] = getattr(have, field), value
        if changed:
            part.act("user", key, "update", before, changed, want.source, "differs from the roster",
                     full_name(want))
        if have.suspended:
            part.act("user", key, "reactivate", {"suspended": True}, {"suspended": False}, want.source,
                     "listed in the roster again", full_name(want))
    if hidden:
        part.problems.append(Problem(severity="warning", entity="user", message=(
            f"Moodle hides users' {', '.join(sorted(hidden))} from the token's user, so changes to "
            "them in the rosters cannot be seen or synced"), hint=(
            "give the sync user's role moodle/user:viewalldetails, moodle/site:viewfullnames and "
            "moodle/site:viewuseridentity (see the README's least-privilege list)")))
    if suspend_leavers:
        for key, have in sorted(actual.users.items()):
            if key in keep:
                continue  # an alumnus keeps the account for the reunions, listed in a roster or not
            if (key not in desired.users and key.startswith(desired.prefix) and not have.suspended
                    and not have.matched_by):  # an adopted account is never suspended
                part.known("user", key, have.id)
                part.act("user", key, "suspend", {"suspended": False}, {"suspended": True}, "",
                         "no roster lists this participant any more", full_name(have))
    for key, have in actual.users.items():
        part.known("user", key, have.id)
    return part, available
