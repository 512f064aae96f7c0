"""People against a real Moodle (issue 11, points 4, 6 and 8): an account made by hand with the roster's idnumber
is adopted (enrolled, never changed or suspended), a second sync changes nothing, and a mass suspension applied
by mistake is undone by `lmsbridge undo` until Moodle holds what it held before. Runs only with
LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN (an administrator's token on a test site); everything
it makes carries the prefix `lmsbp-` or the username `lmsbp-hand`, and is deleted before and after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sync_helpers import SOURCE, remove_everything

from lmsbridge.demo_data import participants, write_roster
from lmsbridge.moodle import MoodleClient
from lmsbridge.sync.journal import Journal
from lmsbridge.sync.run import apply_sync_plan, run_sync
from lmsbridge.sync.settings import SyncSettings
from lmsbridge.sync.undo import make_undo_plan

URL, TOKEN = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL"), os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN")
PREFIX = "lmsbp-"
pytestmark = [pytest.mark.moodle, pytest.mark.skipif(
    not (URL and TOKEN), reason="needs a real Moodle: set LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN")]


def rows() -> list[dict[str, str]]:
    out = []
    for row in participants("executive-management", 6, seed=23):
        pid = "p" + row["idnumber"]
        out.append(row | {"idnumber": pid, "username": pid.lower(), "email": f"{pid.lower()}@example.org"})
    return out


def _remove_hand(c: MoodleClient) -> None:
    found = c.call("core_user_get_users_by_field", {"field": "username", "values": ["lmsbp-hand"]})
    if found:
        c.call("core_user_delete_users", {"userids": [u["id"] for u in found]})


@pytest.fixture(scope="module")
def client() -> Iterator[MoodleClient]:
    users = [PREFIX + row["idnumber"] for row in rows()]
    with MoodleClient(URL or "", TOKEN or "", timeout=300) as c:
        remove_everything(c, PREFIX, users)
        _remove_hand(c)
        yield c
        remove_everything(c, PREFIX, users)
        _remove_hand(c)


def site(client: MoodleClient, courses: list[int], users: list[int]) -> dict[str, Any]:
    """Per course its active participants, and which of the users are suspended."""
    active = {cid: sorted(u["id"] for u in client.call("core_enrol_get_enrolled_users", {
        "courseid": cid, "options": [{"name": "onlyactive", "value": 1}, {"name": "userfields", "value": "id"}]})
        if u["id"] in users) for cid in courses}
    found = client.call("core_user_get_users_by_field", {"field": "id", "values": users})
    return {"active": active, "suspended": sorted(u["id"] for u in found if u.get("suspended"))}


def test_an_existing_account_is_adopted_and_a_mass_suspension_is_undone(client: MoodleClient, tmp_path: Path
                                                                        ) -> None:
    people = rows()
    hand_row = people[0]
    [made] = client.call("core_user_create_users", {"users": [{
        "username": "lmsbp-hand", "firstname": "Hand", "lastname": "Made", "email": "lmsbp-hand@example.org",
        "auth": "manual", "password": "Hand-Made-2026!", "idnumber": hand_row["idnumber"]}]})
    hand = made["id"]

    def profile() -> dict[str, Any]:
        [u] = client.call("core_user_get_users_by_field", {"field": "id", "values": [hand]})
        return {k: u.get(k) for k in ("username", "firstname", "lastname", "email", "auth", "idnumber", "suspended")}

    before_profile = profile()
    roster = write_roster(tmp_path / "roster.csv", people)
    settings = SyncSettings(source=SOURCE, rosters=[roster], prefix=PREFIX, state_dir=tmp_path / "state")
    first = run_sync(settings, client)
    assert first.exit_code == 0, first.message or [first.summary()[k] for k in ("failures", "problems")]
    assert first.plan is not None
    assert [(a.op, a.key) for a in first.plan.actions if a.entity == "user" and a.op != "create"] == [
        ("adopt", PREFIX + hand_row["idnumber"])]
    assert profile() == before_profile
    people_summary = first.summary()["people"]
    assert len(people_summary["created"]) == len(people) - 1 and people_summary["adopted"][0]["name"] == "Hand Made"

    second = run_sync(settings, client)
    assert second.exit_code == 0 and second.plan is not None and second.plan.actions == []

    courses = sorted(second.plan.ids["course"].values())
    users = sorted(second.plan.ids["user"].values())
    assert hand in users
    before = site(client, courses, users)
    assert [c for c, ids in before["active"].items() if hand in ids] and before["suspended"] == []

    wrong = write_roster(tmp_path / "wrong.csv", people[3:])
    harm = run_sync(settings.model_copy(update={"rosters": [wrong], "allow_mass_change": True}), client)
    assert harm.exit_code == 0, harm.message or harm.summary()
    harmed = site(client, courses, users)
    assert len(harmed["suspended"]) == 2 and hand not in harmed["suspended"]  # an adopted account: never
    assert all(hand not in ids for ids in harmed["active"].values())  # but the enrolments lmsbridge made are
    assert profile() == before_profile

    journal = Journal(settings.state_dir)
    try:
        undo = make_undo_plan(harm.run_id, settings, client, journal)
        assert undo.counts()["user"] == {"reactivate": 2}
        done = apply_sync_plan(undo, settings, client, journal, check_drift=True, command="undo")
        assert done.exit_code == 0, done.summary()
        assert make_undo_plan(harm.run_id, settings, client, journal).actions == []
    finally:
        journal.close()
    assert site(client, courses, users) == before
    assert profile() == before_profile
