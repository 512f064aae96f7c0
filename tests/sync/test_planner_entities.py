"""The planner's functions, one entity at a time, on hand-built desired and actual states: what each plans for
the common and the edge cases. Pure and fast: no Moodle, no files, no clock."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from lmsbridge.sync.actual import (
    AActivity,
    ACategory,
    ACohort,
    ACourse,
    ActualState,
    AEnrolment,
    AFramework,
    AGradeItem,
    AGroup,
    AUser,
    Clash,
    Scope,
)
from lmsbridge.sync.desired import (
    DActivity,
    DAlumni,
    DCategory,
    DCohort,
    DCompetency,
    DCourse,
    DEnrolment,
    DesiredState,
    DFramework,
    DGrade,
    DGradeItem,
    DGroup,
    DUser,
)
from lmsbridge.sync.plan import Plan
from lmsbridge.sync.planner import PlanSettings, make_plan
from lmsbridge.sync.planner.alumni import graduates, kept_accounts, plan_alumni
from lmsbridge.sync.planner.memberships import plan_cohorts, plan_enrolments, plan_groups
from lmsbridge.sync.planner.part import Part
from lmsbridge.sync.planner.owners import plan_ownership
from lmsbridge.sync.planner.people import plan_users
from lmsbridge.sync.planner.plugin_parts import plan_activities, plan_competencies, plan_event_grades
from lmsbridge.sync.planner.structure import plan_categories, plan_courses
from lmsbridge.sync.safety import SafetySettings

P = "lmsb-"
NOW = 1_800_000_000


def ops(part: Part) -> list[tuple[str, str, str]]:
    return [(a.entity, a.op, a.key) for a in part.actions]


def want_state(**kw: Any) -> DesiredState:
    return DesiredState(prefix=P, **kw)


def have_state(**kw: Any) -> ActualState:
    return ActualState(prefix=P, **kw)


# --- categories ---

CAT = DCategory(idnumber="lmsb-c", name="Programme", description="<p>About</p>")
HAVE_CAT = ACategory(id=7, idnumber="lmsb-c", name="Programme", description="About")


@pytest.mark.parametrize("have, expected", [
    (None, [("category", "create", "lmsb-c")]),
    (HAVE_CAT, []),  # the same, markup aside
    (HAVE_CAT.model_copy(update={"name": "Old"}), [("category", "update", "lmsb-c")]),
    (HAVE_CAT.model_copy(update={"description": "Other"}), [("category", "update", "lmsb-c")]),
])
def test_category(have: ACategory | None, expected: list[tuple[str, str, str]]) -> None:
    part = plan_categories(want_state(categories={"lmsb-c": CAT}),
                           have_state(categories={"lmsb-c": have} if have else {}))
    assert ops(part) == expected
    assert part.ids.get("category", {}) == ({"lmsb-c": 7} if have else {})


def test_category_parents_are_created_first_and_moves_are_updates() -> None:
    child = DCategory(idnumber="lmsb-a-child", name="Child", parent="lmsb-z-parent")
    parent = DCategory(idnumber="lmsb-z-parent", name="Parent")
    part = plan_categories(want_state(categories={child.idnumber: child, parent.idnumber: parent}), have_state())
    assert [k for _, _, k in ops(part)] == ["lmsb-z-parent", "lmsb-a-child"]
    assert part.actions[1].after == {"name": "Child", "parent": "lmsb-z-parent", "description": ""}

    moved = have_state(categories={
        "lmsb-z-parent": ACategory(id=1, idnumber="lmsb-z-parent", name="Parent"),
        "lmsb-a-child": ACategory(id=2, idnumber="lmsb-a-child", name="Child", parent=0)})
    update, = plan_categories(want_state(categories={child.idnumber: child, parent.idnumber: parent}),
                              moved).actions
    assert (update.op, update.before, update.after) == ("update", {"parent": 0}, {"parent": "lmsb-z-parent"})


# --- courses ---

COURSE = DCourse(idnumber="lmsb-k", shortname="K1", fullname="Course", category="lmsb-c", summary="<p>S</p>",
                 startdate=100, enddate=200, lang="lt", programme="p", intake="2026")
HAVE_COURSE = ACourse(id=3, idnumber="lmsb-k", shortname="K1", fullname="Course", categoryid=7, summary="S",
                      startdate=100, enddate=200, lang="lt")


@pytest.mark.parametrize("field, old", [
    ("shortname", "K0"), ("fullname", "Old"), ("startdate", 1), ("enddate", 0), ("lang", ""), ("summary", "Old"),
    ("categoryid", 99),
])
def test_course_update_per_field(field: str, old: object) -> None:
    have = HAVE_COURSE.model_copy(update={field: old})
    part, available = plan_courses(want_state(courses={"lmsb-k": COURSE}),
                                   have_state(courses={"lmsb-k": have}, categories={"lmsb-c": HAVE_CAT}))
    update, = part.actions
    name = "category" if field == "categoryid" else field
    assert (update.op, update.before, list(update.after or {})) == ("update", {name: old}, [name])
    assert available == {"lmsb-k"} and part.ids == {"course": {"lmsb-k": 3}}


def test_course_create_unchanged_and_shortname_clash() -> None:
    desired = want_state(courses={"lmsb-k": COURSE})
    part, available = plan_courses(desired, have_state())
    assert ops(part) == [("course", "create", "lmsb-k")] and available == {"lmsb-k"}
    assert part.actions[0].after == {"shortname": "K1", "fullname": "Course", "category": "lmsb-c",
                                     "summary": "<p>S</p>", "startdate": 100, "enddate": 200, "lang": "lt"}
    same, _ = plan_courses(desired, have_state(courses={"lmsb-k": HAVE_COURSE}, categories={"lmsb-c": HAVE_CAT}))
    assert same.actions == []

    clash = Clash(entity="course", key="lmsb-k", field="shortname", value="K1", other_id=40, other_idnumber="")
    part, available = plan_courses(desired, have_state(clashes=[clash]))
    assert part.actions == [] and available == set()  # never taken over: its enrolments are skipped too
    problem, = part.problems
    assert problem.key == "lmsb-k" and "course id 40" in problem.message and "'lmsb-k'" in problem.hint


# --- users ---

ANNA = DUser(idnumber="lmsb-u1", username="anna", firstname="Anna", lastname="Berg", email="anna@example.org",
             lang="sv", country="SE", institution="Luleå", department="")
HAVE_ANNA = AUser(id=11, idnumber="lmsb-u1", username="anna", firstname="Anna", lastname="Berg",
                  email="anna@example.org", auth="manual", lang="sv", country="SE", institution="Luleå",
                  department="HR")


def users(desired_users: list[DUser], actual_users: list[AUser], **kw: Any) -> tuple[Part, set[str]]:
    return plan_users(want_state(users={u.idnumber: u for u in desired_users}),
                      have_state(users={u.idnumber: u for u in actual_users}, **kw))


def test_user_create_leaves_out_empty_optional_fields() -> None:
    part, available = users([ANNA], [])
    create, = part.actions
    assert (create.op, create.key, available) == ("create", "lmsb-u1", {"lmsb-u1"})
    assert create.after == {"username": "anna", "firstname": "Anna", "lastname": "Berg",
                            "email": "anna@example.org", "auth": "manual", "lang": "sv", "country": "SE",
                            "institution": "Luleå"}


@pytest.mark.parametrize("field, old", [
    ("username", "anna.b"), ("firstname", "Ana"), ("lastname", "Berg-Ek"), ("email", "old@example.org"),
    ("auth", "ldap"), ("lang", "en"), ("country", "FI"), ("institution", "Piteå"),
])
def test_user_update_per_field(field: str, old: str) -> None:
    part, _ = users([ANNA], [HAVE_ANNA.__class__(**{**_fields(HAVE_ANNA), field: old})])
    update, = part.actions
    assert (update.op, update.before, update.after) == ("update", {field: old}, {field: getattr(ANNA, field)})


def _fields(u: AUser) -> dict[str, Any]:
    return {f: getattr(u, f) for f in u.__slots__}  # type: ignore[attr-defined]


def test_user_fields_hidden_from_the_token_are_unknown_and_warned_about() -> None:
    hidden = AUser(**{**_fields(HAVE_ANNA), "firstname": None, "email": None, "username": "old"})
    part, _ = users([ANNA], [hidden])
    update, = part.actions
    assert update.after == {"username": "anna"}  # a visible change still goes through
    warning, = part.problems
    assert warning.severity == "warning" and "email, firstname" in warning.message


def test_user_reactivated_when_listed_again_and_suspended_when_not() -> None:
    part, _ = users([ANNA], [AUser(**{**_fields(HAVE_ANNA), "suspended": True})])
    assert ops(part) == [("user", "reactivate", "lmsb-u1")]

    leaver = AUser(id=12, idnumber="lmsb-u2", username="bo")
    handmade = AUser(id=13, idnumber="hr-77", username="carl")
    already = AUser(id=14, idnumber="lmsb-u3", username="dan", suspended=True)
    part, _ = users([ANNA], [HAVE_ANNA, leaver, handmade, already])
    assert ops(part) == [("user", "suspend", "lmsb-u2")]  # only lmsbridge's own, and only once
    assert part.ids["user"] == {"lmsb-u1": 11, "lmsb-u2": 12, "hr-77": 13, "lmsb-u3": 14}

    part, _ = plan_users(want_state(users={"lmsb-u1": ANNA}),
                         have_state(users={"lmsb-u1": HAVE_ANNA, "lmsb-u2": leaver}), suspend_leavers=False)
    assert part.actions == []
    part, _ = plan_users(want_state(users={"lmsb-u1": ANNA}),
                         have_state(users={"lmsb-u1": HAVE_ANNA, "lmsb-u2": leaver}), keep={"lmsb-u2"})
    assert part.actions == []  # an alumnus keeps the account


def test_user_whose_login_is_taken_by_a_handmade_account_is_not_created() -> None:
    clash = Clash(entity="user", key="lmsb-u1", field="email", value="anna@example.org", other_id=90)
    part, available = users([ANNA], [], clashes=[clash])
    assert part.actions == [] and available == set()
    problem, = part.problems
    assert "user id 90" in problem.message and "idnumber to 'u1'" in problem.hint



def test_an_adopted_account_is_enrolled_but_never_changed_or_suspended() -> None:
    """An account lmsbridge did not create, matched by the setting's field (issue 11, point 4)."""
    adopted = AUser(id=40, idnumber="u1", username="anna.sso", firstname="Anna (HR)", lastname="B",
                    email="anna@municipality.example", auth="oidc", suspended=True, matched_by="idnumber")
    part, available = plan_users(want_state(users={"lmsb-u1": ANNA}), have_state(users={"lmsb-u1": adopted}))
    assert ops(part) == [("user", "adopt", "lmsb-u1")] and available == {"lmsb-u1"}
    assert part.actions[0].name == "Anna (HR) B" and part.ids["user"] == {"lmsb-u1": 40}
    # known to the journal: nothing to plan, not even "adopt"
    part, available = plan_users(want_state(users={"lmsb-u1": ANNA}), have_state(users={"lmsb-u1": adopted}),
                                 adopted={"lmsb-u1"})
    assert part.actions == [] and available == {"lmsb-u1"}
    # gone from the rosters: the account is never suspended
    part, _ = plan_users(want_state(), have_state(users={"lmsb-u1": AUser(**{**_fields(adopted),
                                                                            "suspended": False})}))
    assert part.actions == []


def test_ownership_marks_its_accounts_and_upgrades_prefixed_idnumbers() -> None:
    """The marker cohort (issue 11, point 5): made once; every account lmsbridge creates or owns joins it; an
    earlier version's prefixed idnumber becomes the roster's, unless someone else's account has that one."""
    mine = AUser(id=11, idnumber="u1")
    legacy = AUser(id=12, idnumber="lmsb-u2")
    adopted = AUser(id=13, idnumber="u3", matched_by="idnumber")
    desired = want_state(users={"lmsb-u1": ANNA})
    part = plan_ownership(desired, have_state(users={"lmsb-u1": mine, "lmsb-u2": legacy, "lmsb-u3": adopted}),
                          {"lmsb-u4"})
    assert ops(part) == [("cohort", "create", "lmsb-accounts"), ("cohort_member", "add", "lmsb-accounts|lmsb-u1"),
                         ("cohort_member", "add", "lmsb-accounts|lmsb-u2"),
                         ("cohort_member", "add", "lmsb-accounts|lmsb-u4"), ("user", "upgrade", "lmsb-u2")]
    assert part.actions[0].after and part.actions[0].after["visible"] is False
    assert (part.actions[-1].before, part.actions[-1].after) == ({"idnumber": "lmsb-u2"}, {"idnumber": "u2"})
    marker = ACohort(id=5, idnumber="lmsb-accounts", name="M", members=[11, 12])
    have = have_state(users={"lmsb-u1": mine, "lmsb-u2": AUser(id=12, idnumber="u2")}, marker=marker)
    part = plan_ownership(desired, have, set())
    assert part.actions == [] and part.ids["cohort"] == {"lmsb-accounts": 5}
    # the roster's idnumber is someone else's already: kept as it is, and a problem says why
    taken = Clash(entity="user", key="lmsb-u2", field="idnumber", value="u2", other_id=90)
    part = plan_ownership(desired, have_state(users={"lmsb-u2": legacy}, marker=marker, taken=[taken]), set())
    assert part.actions == []
    problem, = part.problems
    assert "'u2' belongs to user id(s) 90" in problem.message and "merge" in problem.hint
    # a site of an earlier version: every account upgraded in one plan, which no threshold counts
    many = {f"lmsb-x{i}": DUser(**{**_fields(ANNA), "idnumber": f"lmsb-x{i}", "username": f"x{i}"}) for i in range(50)}
    legacy = {k: AUser(**{**_fields(HAVE_ANNA), "id": 100 + i, "idnumber": k, "username": f"x{i}"})
              for i, k in enumerate(many)}
    plan = make_plan(want_state(users=many, roster_rows=50), have_state(users=legacy), Scope(prefix=P),
                     PlanSettings(now=NOW))
    assert plan.counts() == {"cohort": {"create": 1}, "cohort_member": {"add": 50}, "user": {"upgrade": 50}}
    assert not plan.safety
    # a roster cohort that would be the marker is refused, never made a way into lmsbridge's accounts
    named = want_state(users={"lmsb-u1": ANNA}, cohorts={"lmsb-accounts": DCohort(idnumber="lmsb-accounts",
                                                                                 name="accounts", source="r.csv:2")},
                       cohort_members={"lmsb-accounts": {"lmsb-u1": "r.csv:2"}})
    plan = make_plan(named, have_state(), Scope(prefix=P), PlanSettings(now=NOW))
    assert [(a.entity, a.op, a.key) for a in plan.actions if a.entity.startswith("cohort")] == [
        ("cohort", "create", "lmsb-accounts"), ("cohort_member", "add", "lmsb-accounts|lmsb-u1")]
    assert plan.actions[[a.entity for a in plan.actions].index("cohort")].after["name"] != "accounts"
    assert [p.source for p in plan.problems if "no roster may name it" in p.message] == ["r.csv:2"]


def test_two_accounts_matching_one_participant_are_a_problem_never_a_guess() -> None:
    twins = [Clash(entity="user", key="lmsb-u1", field="email", value="anna@example.org", other_id=i)
             for i in (51, 52)]
    part, available = users([ANNA], [], ambiguous=twins)
    assert part.actions == [] and available == set()
    problem, = part.problems
    assert "matches 2 accounts by email" in problem.message and "51, 52" in problem.message and problem.hint


# --- cohorts ---

def test_cohort_create_and_members_added_and_removed() -> None:
    desired = want_state(cohorts={"lmsb-h": DCohort(idnumber="lmsb-h", name="H")},
                         cohort_members={"lmsb-h": {"lmsb-u1": "r.csv:2", "lmsb-u9": "r.csv:3"}})
    part = plan_cohorts(desired, have_state(), {"lmsb-u1"}, {})
    assert ops(part) == [("cohort", "create", "lmsb-h"), ("cohort_member", "add", "lmsb-h|lmsb-u1")]

    have = have_state(cohorts={"lmsb-h": ACohort(id=4, idnumber="lmsb-h", name="H", members=[11, 12, 13])})
    idnumber_of = {11: "lmsb-u1", 12: "lmsb-u2", 13: "hr-7"}
    part = plan_cohorts(desired, have, {"lmsb-u1"}, idnumber_of)
    assert ops(part) == [("cohort_member", "remove", "lmsb-h|lmsb-u2")]  # hr-7 is not lmsbridge's
    assert part.ids == {"cohort": {"lmsb-h": 4}}

    kept = desired.model_copy(update={"cohorts": {"lmsb-h": DCohort(idnumber="lmsb-h", name="H",
                                                                     keep_members=True)}})
    assert plan_cohorts(kept, have, {"lmsb-u1"}, idnumber_of).actions == []


# --- enrolments ---

ENROL = DEnrolment(course="lmsb-k", user="lmsb-u1", role="student", source="r.csv:2")


def enrolments(want: DEnrolment | None, have: AEnrolment | None, *, on_leave: str = "suspend",
               **desired: Any) -> Part:
    d = want_state(courses={"lmsb-k": COURSE}, enrolments={"lmsb-k|lmsb-u1": want} if want else {}, **desired)
    a = have_state(users={"lmsb-u1": HAVE_ANNA}, enrolments={"lmsb-k": {11: have}} if have else {})
    part, _ = plan_enrolments(d, a, PlanSettings(now=NOW, on_leave=on_leave), {"lmsb-k"}, {"lmsb-u1"},
                              {11: "lmsb-u1"})
    return part


@pytest.mark.parametrize("want, have, expected", [
    (ENROL, None, [("enrolment", "enrol", "lmsb-k|lmsb-u1")]),
    (ENROL, AEnrolment(roles=[5]), []),
    (ENROL, AEnrolment(roles=[4]), [("enrolment", "enrol", "lmsb-k|lmsb-u1")]),  # add the role
    (DEnrolment(course="lmsb-k", user="lmsb-u1", suspended=True), AEnrolment(roles=[5]),
     [("enrolment", "suspend", "lmsb-k|lmsb-u1")]),
    (ENROL, AEnrolment(roles=[5], active=False), [("enrolment", "reactivate", "lmsb-k|lmsb-u1")]),
    # not active because its window is closed, not because it is suspended: nothing to do
    (DEnrolment(course="lmsb-k", user="lmsb-u1", timeend=NOW - 1), AEnrolment(roles=[5], active=False), []),
    (None, AEnrolment(roles=[5]), [("enrolment", "suspend", "lmsb-k|lmsb-u1")]),  # a leaver
    (None, AEnrolment(roles=[5], active=False), []),
])
def test_enrolment(want: DEnrolment | None, have: AEnrolment | None, expected: list[tuple[str, str, str]]
                   ) -> None:
    assert ops(enrolments(want, have)) == expected


def test_enrolment_of_a_leaver_follows_on_leave_and_spares_alumni_courses() -> None:
    unenrol, = enrolments(None, AEnrolment(roles=[5]), on_leave="unenrol").actions
    assert (unenrol.op, unenrol.after) == ("unenrol", {"roleid": 5, "suspend": 1})
    assert enrolments(None, AEnrolment(roles=[5]), on_leave="keep").actions == []
    alumni = DAlumni(programme="p", cohort="lmsb-al", course="lmsb-k")
    assert enrolments(None, AEnrolment(roles=[5]), alumni=[alumni]).actions == []


def test_enrolment_with_an_unknown_role_is_a_problem() -> None:
    part = enrolments(DEnrolment(course="lmsb-k", user="lmsb-u1", role="wizard", source="r.csv:4"), None)
    problem, = part.problems
    assert part.actions == [] and problem.source == "r.csv:4" and "wizard" in problem.message


# --- groups ---

def test_group_create_and_members_only_of_enrolled_participants() -> None:
    desired = want_state(groups={"lmsb-k/lmsb-g": DGroup(course="lmsb-k", idnumber="lmsb-g", name="G")},
                         group_members={"lmsb-k/lmsb-g": {"lmsb-u1": "r.csv:2", "lmsb-u2": "r.csv:3"}})
    part = plan_groups(desired, have_state(), {"lmsb-k"}, {"lmsb-u1", "lmsb-u2"}, {}, {"lmsb-k": {"lmsb-u1"}})
    assert ops(part) == [("group", "create", "lmsb-k/lmsb-g"), ("group_member", "add", "lmsb-k/lmsb-g|lmsb-u1")]
    assert plan_groups(desired, have_state(), set(), {"lmsb-u1"}, {}, {}).actions == []  # course not synced

    have = have_state(groups={"lmsb-k/lmsb-g": AGroup(id=8, courseid=3, idnumber="lmsb-g", name="G",
                                                      members=[11, 13])})
    moved = desired.model_copy(update={"group_members": {"lmsb-k/lmsb-g": {}}})
    part = plan_groups(moved, have, {"lmsb-k"}, {"lmsb-u1"}, {11: "lmsb-u1", 13: "lmsb-u3"},
                       {"lmsb-k": {"lmsb-u1", "lmsb-u3"}})
    assert ops(part) == [("group_member", "remove", "lmsb-k/lmsb-g|lmsb-u1"),
                         ("group_member", "remove", "lmsb-k/lmsb-g|lmsb-u3")]
    assert part.ids == {"group": {"lmsb-k/lmsb-g": 8}}


# --- alumni ---

def test_alumni_who_passed_every_module_join_the_cohort_and_course_and_keep_their_account() -> None:
    rule = DAlumni(programme="EMP", cohort="lmsb-al", course="lmsb-alc", source="moodle.toml",
                   intakes={"2026": {"m1": {"lmsb-k1": 80.0}, "m2": {"lmsb-k2": 80.0}}},
                   activities={"lmsb-k1": "lmsb-a1", "lmsb-k2": "lmsb-a2"})
    desired = want_state(alumni=[rule])
    actual = have_state(users={"lmsb-u1": HAVE_ANNA, "lmsb-u2": AUser(id=12, idnumber="lmsb-u2")},
                        gradebook={"lmsb-k1": {"lmsb-u1": {"lmsb-a1": [90.0, ""]}, "lmsb-u2": {"lmsb-a1": [95, ""]}},
                                   "lmsb-k2": {"lmsb-u1": {"lmsb-a2": [80.0, ""]}, "lmsb-u2": {"lmsb-a2": [79, ""]}}})
    graduated = graduates(desired, actual)
    assert graduated == {"lmsb-al": {"lmsb-u1"}}
    assert kept_accounts(desired, actual, graduated) == {"lmsb-u1"}
    part = plan_alumni(desired, actual, graduated, {"lmsb-alc"}, 5)
    assert ops(part) == [("cohort_member", "add", "lmsb-al|lmsb-u1"), ("enrolment", "enrol", "lmsb-alc|lmsb-u1")]


# --- competencies ---

FRAMEWORK = DFramework(idnumber="lmsb-f", shortname="F", source="competencies.toml",
                       competencies=[DCompetency(idnumber="lmsb-f1", shortname="F1"),
                                     DCompetency(idnumber="lmsb-f1a", shortname="F1a", parent="lmsb-f1")],
                       courses={"lmsb-k": ["lmsb-f1", "lmsb-f1a"]})


def test_competencies_created_parents_first_and_linked_once() -> None:
    desired = want_state(frameworks=[FRAMEWORK])
    part = plan_competencies(desired, have_state(), PlanSettings(), {"lmsb-k"})
    assert ops(part) == [("competency_framework", "create", "lmsb-f"), ("competency", "create", "lmsb-f1"),
                         ("competency", "create", "lmsb-f1a"), ("course_competency", "add", "lmsb-k|lmsb-f1"),
                         ("course_competency", "add", "lmsb-k|lmsb-f1a")]
    have = have_state(frameworks={"lmsb-f": AFramework(id=2, idnumber="lmsb-f", competencies={"lmsb-f1": 21})},
                      course_competencies={"lmsb-k": ["lmsb-f1"]})
    part = plan_competencies(desired, have, PlanSettings(), {"lmsb-k"})
    assert ops(part) == [("competency", "create", "lmsb-f1a"), ("course_competency", "add", "lmsb-k|lmsb-f1a")]
    assert part.ids == {"competency_framework": {"lmsb-f": 2}, "competency": {"lmsb-f1": 21}}


def test_competencies_skipped_without_the_services() -> None:
    part = plan_competencies(want_state(frameworks=[FRAMEWORK]), have_state(),
                             PlanSettings(competencies_missing="no services"), {"lmsb-k"})
    assert part.actions == [] and [(s.what, s.count) for s in part.skipped] == [("competencies", 2)]


# --- SCORM activities and event grades ---

ACTIVITY = DActivity(course="lmsb-k", idnumber="lmsb-a1", module="m1", lang="lt", section=1, name="M1")
PACKAGES = {"m1|lt": ("abc", "/out/m1-lt.zip")}


@pytest.mark.parametrize("have, expected_op, before", [
    (None, "create", None),
    (AActivity(cmid=5, idnumber="lmsb-a1", section=1, name="M1", sha1hash="abc"), None, None),
    (AActivity(cmid=5, idnumber="lmsb-a1", section=1, name="M1", sha1hash="old"), "update", {"sha1": "old"}),
    (AActivity(cmid=5, idnumber="lmsb-a1", section=1, name="Old", sha1hash="abc"), "update", {"name": "Old"}),
    (AActivity(cmid=5, idnumber="lmsb-a1", section=3, name="M1", sha1hash="abc"), "update", {"section": 3}),
])
def test_activity(have: AActivity | None, expected_op: str | None, before: dict[str, Any] | None) -> None:
    part = plan_activities(want_state(activities={"lmsb-k|lmsb-a1": ACTIVITY}),
                           have_state(activities={"lmsb-k|lmsb-a1": have} if have else {}),
                           PlanSettings(packages=PACKAGES), {"lmsb-k"})
    assert [a.op for a in part.actions] == ([expected_op] if expected_op else [])
    if expected_op:
        assert part.actions[0].before == before and part.actions[0].after["sha1"] == "abc"  # type: ignore[index]


@pytest.mark.parametrize("settings, what", [
    (PlanSettings(packages=PACKAGES, plugin_missing="no plugin"), "SCORM activities"),
    (PlanSettings(packages_problem="build failed"), "SCORM activities"),
    (PlanSettings(), "SCORM activity lmsb-k|lmsb-a1"),  # no package of its language was built
])
def test_activity_skipped(settings: PlanSettings, what: str) -> None:
    part = plan_activities(want_state(activities={"lmsb-k|lmsb-a1": ACTIVITY}), have_state(), settings, {"lmsb-k"})
    assert part.actions == [] and [s.what for s in part.skipped] == [what]


ITEM = DGradeItem(course="lmsb-k", idnumber="lmsb-e1", event="e1", name="Workshop", grademax=10)
GRADE = DGrade(course="lmsb-k", item="lmsb-e1", user="lmsb-u1", grade=8, feedback="<p>Good</p>")


@pytest.mark.parametrize("have_item, have_grade, expected", [
    (None, None, [("grade_item", "create", "lmsb-k|lmsb-e1"), ("grade", "set", "lmsb-k|lmsb-e1|lmsb-u1")]),
    (AGradeItem(itemid=1, idnumber="lmsb-e1", name="Workshop", grademax=10), [8.0, "Good"], []),
    (AGradeItem(itemid=1, idnumber="lmsb-e1", name="Old", grademax=10), [8.0, "Good"],
     [("grade_item", "update", "lmsb-k|lmsb-e1")]),
    (AGradeItem(itemid=1, idnumber="lmsb-e1", name="Workshop", grademax=20), [7.0, "Good"],
     [("grade_item", "update", "lmsb-k|lmsb-e1"), ("grade", "set", "lmsb-k|lmsb-e1|lmsb-u1")]),
    (AGradeItem(itemid=1, idnumber="lmsb-e1", name="Workshop", grademax=10), [8.0, "Fine"],
     [("grade", "set", "lmsb-k|lmsb-e1|lmsb-u1")]),
])
def test_event_grades(have_item: AGradeItem | None, have_grade: list[Any] | None,
                      expected: list[tuple[str, str, str]]) -> None:
    actual = have_state(grade_items={"lmsb-k|lmsb-e1": have_item} if have_item else {},
                        gradebook={"lmsb-k": {"lmsb-u1": {"lmsb-e1": have_grade}}} if have_grade else {})
    part = plan_event_grades(want_state(grade_items={"lmsb-k|lmsb-e1": ITEM},
                                        grades={"lmsb-k|lmsb-e1|lmsb-u1": GRADE}),
                             actual, PlanSettings(), {"lmsb-k"}, {"lmsb-u1"})
    assert ops(part) == expected


def test_event_grades_skipped_without_the_plugin() -> None:
    part = plan_event_grades(want_state(grade_items={"lmsb-k|lmsb-e1": ITEM}, grades={"g": GRADE}), have_state(),
                             PlanSettings(plugin_missing="no plugin"), {"lmsb-k"}, {"lmsb-u1"})
    skipped, = part.skipped
    assert part.actions == [] and skipped.count == 1 and "1 event grade items" in skipped.reason


# --- the whole plan: order, thresholds, no clock ---

def leavers(n: int) -> tuple[DesiredState, ActualState]:
    actual = have_state(users={f"lmsb-x{i}": AUser(id=100 + i, idnumber=f"x{i}") for i in range(n)},
                        marker=ACohort(id=5, idnumber="lmsb-accounts", name="M", members=[100 + i for i in range(n)]))
    return want_state(roster_rows=n), actual


def test_thresholds_block_mass_removals_unless_allowed() -> None:
    desired, actual = leavers(10)
    scope = Scope(prefix=P)
    plan = make_plan(desired, actual, scope, PlanSettings(now=NOW))
    finding, = plan.safety
    assert plan.blocked and finding.entity == "user" and finding.count == 10 and finding.percent == 100.0
    plan = make_plan(desired, actual, scope, PlanSettings(now=NOW, allow_mass_change=True))
    assert not plan.blocked and plan.override
    few = make_plan(*leavers(3), scope, PlanSettings(now=NOW))  # up to min_count never trips a percentage
    assert not few.safety and len(few.actions) == 3
    loose = PlanSettings(now=NOW, safety=SafetySettings.parse("user=100%/1000"))
    assert not make_plan(desired, actual, scope, loose).safety


def test_a_truncated_roster_removes_nobody() -> None:
    desired, actual = leavers(2)
    plan = make_plan(desired.model_copy(update={"roster_rows": 10}), actual, Scope(prefix=P),
                     PlanSettings(now=NOW, last_roster_rows=100))
    assert plan.blocked and plan.safety[0].entity == "roster" and "truncated" in plan.safety[0].message
    empty = make_plan(desired.model_copy(update={"roster_rows": 0}), actual, Scope(prefix=P), PlanSettings())
    assert empty.blocked and "no rows" in empty.safety[0].message


def test_plan_orders_phases_numbers_actions_and_takes_its_time_from_the_caller() -> None:
    desired = want_state(categories={"lmsb-c": CAT}, courses={"lmsb-k": COURSE}, users={"lmsb-u1": ANNA},
                         enrolments={"lmsb-k|lmsb-u1": ENROL}, roster_rows=1)
    actual = have_state(users={"lmsb-u2": AUser(id=12, idnumber="u2")},
                        marker=ACohort(id=5, idnumber="lmsb-accounts", name="M", members=[12]))
    plan = make_plan(desired, actual, Scope(prefix=P), PlanSettings(now=NOW, created_at="2027-01-01T00:00:00Z"))
    assert [(a.seq, a.entity, a.op) for a in plan.actions] == [
        (1, "category", "create"), (2, "course", "create"), (3, "user", "create"), (4, "enrolment", "enrol"),
        (5, "cohort_member", "add"), (6, "user", "suspend")]
    assert plan.created_at == "2027-01-01T00:00:00Z" and plan.ids["user"] == {"lmsb-u2": 12}
    assert Plan.model_validate_json(plan.model_dump_json()).actions == plan.actions


def test_the_planner_imports_no_http() -> None:
    code = "import sys, lmsbridge.sync.planner; print('requests' in sys.modules, 'lmsbridge.moodle' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
