"""The planner is a pure function: same inputs, same plan; the plan survives a JSON round trip intact."""

from __future__ import annotations

from pathlib import Path

from sync_helpers import SOURCE, sample_rows

from lmsbridge.sync.actual import ActualState, AUser
from lmsbridge.sync.sources.delivery import load_deliveries
from lmsbridge.demo_data import write_roster
from lmsbridge.sync.desired import build_desired
from lmsbridge.sync.plan import Plan
from lmsbridge.sync.planner import PlanSettings, make_plan, scope_of
from lmsbridge.sync.sources.roster import read_rosters


def test_plan_is_deterministic_and_round_trips_through_json(tmp_path: Path) -> None:
    deliveries = load_deliveries(SOURCE)
    roster = read_rosters([write_roster(tmp_path / "r.csv", sample_rows())], deliveries)
    desired = build_desired(deliveries, roster)
    actual = ActualState(prefix="lmsb-")
    actual.users["lmsb-gone"] = AUser(id=77, idnumber="gone", username="gone")
    scope = scope_of(desired)
    one = make_plan(desired, actual, scope, PlanSettings(now=1))
    two = make_plan(desired, actual, scope, PlanSettings(now=1))
    assert [(a.seq, a.entity, a.op, a.key) for a in one.actions] == [(a.seq, a.entity, a.op, a.key)
                                                                    for a in two.actions]
    path = tmp_path / "plan.json"
    one.save(path)
    back = Plan.load(path)
    assert back.actions == one.actions and back.fingerprint == one.fingerprint and back.scope == one.scope
    counts = back.counts()
    assert counts["user"] == {"create": 26, "suspend": 1}
    text = back.to_text(limit=2)
    assert "user create: 26" in text and "user suspend: 1" in text and "... and 2" in text
    # every participant is named, whatever the limit (issue 11, point 6)
    for row in sample_rows():
        assert f"  {row['idnumber']} {row['firstname']} {row['lastname']}" in text  # as Moodle has it
    people = back.people()
    assert len(people["created"]) == 26 and people["suspended"] == [{"idnumber": "gone", "name": ""}]
    # phases run in dependency order: categories before courses before users ... removals last
    order = [a.entity for a in back.actions]
    assert order.index("category") < order.index("course") < order.index("user") < order.index("enrolment")
    assert back.actions[-1].op == "suspend"


def test_fields_moodle_hides_from_the_token_are_unknown_not_changed(tmp_path: Path) -> None:
    """A sync user without moodle/site:viewfullnames or moodle/user:viewalldetails gets users without their
    names or e-mail (a real Moodle 5.0 omits them): that must not read as "the name is empty, set it again"."""
    deliveries = load_deliveries(SOURCE)
    roster = read_rosters([write_roster(tmp_path / "r.csv", sample_rows())], deliveries)
    desired = build_desired(deliveries, roster)
    actual = ActualState(prefix="lmsb-")
    key, want = next(iter(desired.users.items()))
    actual.users[key] = AUser(id=5, idnumber=key.removeprefix("lmsb-"), username=None, firstname=None, lastname=None, email=None,
                              auth=None, lang=None, country=want.country, institution=want.institution,
                              department=want.department)
    plan = make_plan(desired, actual, scope_of(desired), PlanSettings(now=1))
    assert not [a for a in plan.actions if a.entity == "user" and a.key == key]
    warning, = [p for p in plan.problems if p.entity == "user" and "hides" in p.message]
    assert warning.severity == "warning" and "firstname" in warning.message
    assert "moodle/site:viewfullnames" in warning.hint
