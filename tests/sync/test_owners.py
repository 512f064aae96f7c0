"""Who owns participants' accounts (issue 11, point 5), against the sandbox: the scenario of owners_scenario,
and an upgrade that would give an account an idnumber someone else's account has."""

from __future__ import annotations

import json
from pathlib import Path

from owners_scenario import owner_rows, run_owners_scenario
from sync_helpers import own_accounts, run_cli

from lmsbridge.demo_data import write_roster
from lmsbridge.moodle import MoodleClient
from lmsbridge.sandbox import Sandbox


def test_fresh_sync_lost_state_upgrade_and_leaver(client: MoodleClient, tmp_path: Path) -> None:
    run_owners_scenario(client, tmp_path, "lmsb-", "o")


def test_an_account_moodle_refused_to_create_is_not_taken_for_lmsbridges_later(sandbox: Sandbox, tmp_path: Path
                                                                             ) -> None:
    people = owner_rows("r")
    p = people[0]
    roster = write_roster(tmp_path / "roster.csv", [p | {"lang": "zz"}, *people[1:]])  # Moodle refuses the row
    assert run_cli(["sync", "--roster", str(roster)], sandbox, tmp_path).returncode == 1
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE idnumber = ?", p["idnumber"]) == 0
    hand = sandbox.db.create_user(username="hand", firstname="Hand", lastname="Made", email="hand@example.org",
                                  idnumber=p["idnumber"])
    write_roster(roster, people)
    out = run_cli(["sync", "--roster", str(roster), "--out", str(tmp_path / "plan.json")], sandbox, tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert [(a["op"], a["key"]) for a in plan["actions"] if a["entity"] == "user"] == [("adopt", f"lmsb-{p['idnumber']}")]
    assert sandbox.db.one("SELECT firstname FROM user WHERE id = ?", hand)["firstname"] == "Hand"
    assert hand not in own_accounts(sandbox).values()


def test_an_upgrade_never_renames_onto_an_idnumber_another_account_has(sandbox: Sandbox, tmp_path: Path) -> None:
    people = owner_rows("d")
    roster = write_roster(tmp_path / "roster.csv", people)
    assert run_cli(["sync", "--roster", str(roster)], sandbox, tmp_path).returncode == 0
    mine = own_accounts(sandbox)
    p = people[0]
    # as an earlier version left it, and meanwhile someone made an account with the roster's idnumber by hand
    sandbox.db.execute("UPDATE user SET idnumber = ? WHERE id = ?", f"lmsb-{p['idnumber']}", mine[p["idnumber"]])
    hand = sandbox.db.create_user(username="hand", firstname="Hand", lastname="Made", email="hand@example.org",
                                  idnumber=p["idnumber"])
    out = run_cli(["sync", "--roster", str(roster), "--out", str(tmp_path / "plan.json")], sandbox, tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr  # a problem: the run says so
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    [problem] = plan["problems"]
    assert f"{p['idnumber']!r} belongs to user id(s) {hand}" in problem["message"] and "merge" in problem["hint"]
    assert [a for a in plan["actions"] if a["entity"] == "user"] == []  # not renamed, the other not adopted
    assert sandbox.db.scalar("SELECT idnumber FROM user WHERE id = ?", mine[p["idnumber"]]) == f"lmsb-{p['idnumber']}"
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE idnumber = ?", p["idnumber"]) == 1
    assert sandbox.db.scalar("SELECT count(*) FROM user_enrolments WHERE userid = ?", hand) == 0
