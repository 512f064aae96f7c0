"""Who owns participants' accounts (issue 11, point 5), as one scenario run against the sandbox (test_owners.py)
and a real Moodle (test_real_moodle_owners.py): what Moodle holds after each step.

A fresh sync gives accounts the roster's idnumbers and makes them members of the marker cohort; a second run
changes nothing. A lost state directory changes nothing (the marker says whose the accounts are). A site as an
earlier version left it (prefixed idnumbers, no marker, no state) is upgraded in one run: same user ids, the
roster's idnumbers, enrolments and cohorts kept, nothing created or adopted, no threshold tripped; then a no-op.
A leaver of lmsbridge's is suspended without the journal.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sync_helpers import SOURCE

from lmsbridge.demo_data import participants, write_roster
from lmsbridge.moodle import MoodleClient
from lmsbridge.sync.run import run_sync
from lmsbridge.sync.settings import SyncSettings


def owner_rows(tag: str) -> list[dict[str, str]]:
    """Six participants with idnumbers, usernames and e-mails of their own (``tag``: unique per site)."""
    out = []
    for row in participants("executive-management", 6, seed=29):
        pid = f"{tag}{row['idnumber']}"
        out.append(row | {"idnumber": pid, "username": pid.lower(), "email": f"{pid.lower()}@example.org"})
    return out


def accounts(client: MoodleClient, idnumbers: list[str]) -> dict[str, dict[str, Any]]:
    """The accounts holding these idnumbers: idnumber -> {id, suspended}."""
    found = client.call("core_user_get_users_by_field", {"field": "idnumber", "values": idnumbers}) or []
    return {u["idnumber"]: {"id": u["id"], "suspended": bool(u.get("suspended"))} for u in found}


def cohorts(client: MoodleClient, prefix: str) -> dict[str, list[int]]:
    """lmsbridge's cohorts (the marker included) and their members."""
    found = client.call("core_cohort_search_cohorts", {"query": prefix, "context": {"contextid": 1},
                                                       "includes": "all", "limitnum": 1000})["cohorts"]
    mine = {c["id"]: c["idnumber"] for c in found if str(c.get("idnumber", "")).startswith(prefix)}
    members = client.call("core_cohort_get_cohort_members", {"cohortids": sorted(mine)}) if mine else []
    return {mine[m["cohortid"]]: sorted(m["userids"]) for m in members}


def enrolled(client: MoodleClient, courses: list[int], users: set[int]) -> dict[int, list[tuple[int, bool]]]:
    """Per course, the given users enrolled there and whether the enrolment is active."""
    out = {}
    for cid in courses:
        everyone = client.call("core_enrol_get_enrolled_users", {"courseid": cid, "options": [
            {"name": "userfields", "value": "id"}, {"name": "onlyactive", "value": 0}]})
        active = {u["id"] for u in client.call("core_enrol_get_enrolled_users", {"courseid": cid, "options": [
            {"name": "userfields", "value": "id"}, {"name": "onlyactive", "value": 1}]})}
        out[cid] = sorted((u["id"], u["id"] in active) for u in everyone if u["id"] in users)
    return out


def run_owners_scenario(client: MoodleClient, tmp_path: Path, prefix: str, tag: str) -> None:
    people = owner_rows(tag)
    ids = [p["idnumber"] for p in people]
    marker = f"{prefix}accounts"
    roster = write_roster(tmp_path / "roster.csv", people)
    settings = SyncSettings(source=SOURCE, rosters=[roster], prefix=prefix, state_dir=tmp_path / "state")

    # (a) A fresh sync: the roster's idnumbers, every account in the marker; then nothing to do.
    first = run_sync(settings, client)
    assert first.exit_code == 0, first.message or first.summary()
    made = accounts(client, ids)
    assert sorted(made) == sorted(ids)
    assert accounts(client, [prefix + i for i in ids]) == {}
    assert cohorts(client, prefix)[marker] == sorted(a["id"] for a in made.values())
    assert first.plan is not None and first.plan.counts()["user"] == {"create": len(people)}
    again = run_sync(settings, client)
    assert again.exit_code == 0 and again.plan is not None and again.plan.actions == [], again.summary()
    assert again.result is not None and again.result.calls == 0
    courses = sorted(again.plan.ids["course"].values())
    users = {a["id"] for a in made.values()}
    before = (enrolled(client, courses, users), cohorts(client, prefix))

    # (c) The state directory lost: the accounts are still lmsbridge's (no duplicates, nothing adopted).
    shutil.rmtree(settings.state_dir)
    lost = run_sync(settings, client)
    assert lost.exit_code == 0 and lost.plan is not None and lost.plan.actions == [], lost.summary()
    assert accounts(client, ids) == made

    # (b) The site as an earlier version left it: prefixed idnumbers, no marker cohort, no state directory.
    client.call("core_user_update_users", {"users": [
        {"id": a["id"], "idnumber": prefix + i} for i, a in made.items()]})
    [marker_id] = [c["id"] for c in client.call("core_cohort_search_cohorts", {
        "query": marker, "context": {"contextid": 1}, "includes": "all"})["cohorts"] if c["idnumber"] == marker]
    client.call("core_cohort_delete_cohorts", {"cohortids": [marker_id]})
    shutil.rmtree(settings.state_dir)
    assert accounts(client, ids) == {}
    upgrade = run_sync(settings, client)
    assert upgrade.exit_code == 0, upgrade.message or upgrade.summary()
    assert upgrade.plan is not None and not upgrade.plan.safety
    counts = upgrade.plan.counts()
    assert counts["user"] == {"upgrade": len(people)}  # nothing created, adopted or suspended
    assert counts["cohort"] == {"create": 1} and counts["cohort_member"] == {"add": len(people)}
    assert sorted(p["idnumber"] for p in upgrade.summary()["people"]["upgraded"]) == sorted(ids)
    assert accounts(client, ids) == made  # the same accounts, the roster's idnumbers
    assert accounts(client, [prefix + i for i in ids]) == {}
    assert (enrolled(client, courses, users), cohorts(client, prefix)) == (before[0], {**before[1], marker: sorted(
        users)})
    settled = run_sync(settings, client)
    assert settled.exit_code == 0 and settled.plan is not None and settled.plan.actions == [], settled.summary()

    # (e) A leaver of lmsbridge's is suspended, known by the marker alone.
    shutil.rmtree(settings.state_dir)
    leaver = people[0]["idnumber"]
    left = write_roster(tmp_path / "left.csv", people[1:])
    gone = run_sync(settings.model_copy(update={"rosters": [left], "allow_mass_change": True}), client)
    assert gone.exit_code == 0, gone.message or gone.summary()
    assert gone.plan is not None and [(a.op, a.key) for a in gone.plan.actions if a.entity == "user"] == [
        ("suspend", prefix + leaver)]
    now = accounts(client, ids)
    assert now[leaver]["suspended"] and not any(now[i]["suspended"] for i in ids if i != leaver)
    assert made[leaver]["id"] in cohorts(client, prefix)[marker]  # still lmsbridge's, suspended
