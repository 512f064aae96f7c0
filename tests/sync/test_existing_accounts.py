"""Existing accounts (issue 11, point 4): a participant whose account was made by hand or by single sign-on is
matched by the chosen field and adopted: enrolled, added to cohorts and groups, never changed or suspended; two
accounts that match are a row error, never a guess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sync_helpers import own_accounts, run_cli, sample_rows, write_calls

from lmsbridge.demo_data import write_roster
from lmsbridge.sandbox import Sandbox


def account(sandbox: Sandbox, uid: int) -> dict[str, Any]:
    row = sandbox.db.one("SELECT * FROM user WHERE id = ?", uid)
    assert row is not None
    return {k: row[k] for k in ("username", "firstname", "lastname", "email", "auth", "idnumber", "suspended",
                                "password", "lang", "country", "institution", "department")}


def enrolments(sandbox: Sandbox, uid: int) -> list[int]:
    """The statuses of the user's enrolments (0 active, 1 suspended)."""
    return [r["status"] for r in sandbox.db.q("SELECT status FROM user_enrolments WHERE userid = ?", uid)]


def test_an_account_made_by_hand_with_the_rosters_idnumber_is_adopted_never_changed(sandbox: Sandbox,
                                                                                     tmp_path: Path) -> None:
    rows = sample_rows()
    p = rows[0]
    hand = sandbox.db.create_user(username="liis.sso", firstname="Liis (HR)", lastname="Hand", auth="oidc",
                                  email="liis@municipality.example", idnumber=p["idnumber"], lang="en")
    made = account(sandbox, hand)
    roster = write_roster(tmp_path / "roster.csv", rows)
    first = run_cli(["sync", "--roster", str(roster), "--out", str(tmp_path / "plan.json")], sandbox, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    adopt = [a for a in plan["actions"] if a["op"] == "adopt"]
    assert [(a["entity"], a["key"]) for a in adopt] == [("user", f"lmsb-{p['idnumber']}")]
    assert not [a for a in plan["actions"] if a["entity"] == "user" and a["key"] == f"lmsb-{p['idnumber']}"
                and a["op"] != "adopt"]
    assert account(sandbox, hand) == made  # profile, password, auth untouched
    assert enrolments(sandbox, hand) and set(enrolments(sandbox, hand)) == {0}
    assert sandbox.db.scalar("SELECT count(*) FROM cohort_members WHERE userid = ?", hand) >= 1
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE idnumber = ?", f"lmsb-{p['idnumber']}") == 0
    summary = json.loads((tmp_path / "state" / "last-run.json").read_text(encoding="utf-8"))
    assert summary["people"]["adopted"] == [{"idnumber": p["idnumber"], "name": "Liis (HR) Hand"}]
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE idnumber = ?", p["idnumber"]) == 1  # no duplicate

    calls = len(sandbox.calls)
    again = run_cli(["sync", "--roster", str(roster)], sandbox, tmp_path)
    assert again.returncode == 0 and write_calls(sandbox, calls) == [], again.stdout  # a second run is a no-op

    left = write_roster(tmp_path / "left.csv", rows[1:])
    gone = run_cli(["sync", "--roster", str(left)], sandbox, tmp_path)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert account(sandbox, hand) == made  # never suspended
    assert set(enrolments(sandbox, hand)) == {1}  # the enrolments lmsbridge made are suspended


def test_match_by_email_adopts_one_account_and_refuses_to_guess_between_two(sandbox: Sandbox, tmp_path: Path
                                                                           ) -> None:
    rows = sample_rows()
    one, two = rows[1], rows[2]
    sso = sandbox.db.create_user(username="sso-1", firstname="S", lastname="O", email=one["email"], auth="oidc")
    twins = [sandbox.db.create_user(username=f"twin{i}", firstname="T", lastname=str(i), email=two["email"])
             for i in (1, 2)]
    roster = write_roster(tmp_path / "roster.csv", rows)
    out = run_cli(["sync", "--roster", str(roster)], sandbox, tmp_path, LMSBRIDGE_MATCH_USERS_BY="email")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "matches 2 accounts by email" in out.stdout and "does not guess" in out.stdout
    assert enrolments(sandbox, sso) and account(sandbox, sso)["auth"] == "oidc"
    assert account(sandbox, sso)["idnumber"] == ""  # not changed, not even the idnumber
    for twin in twins:
        assert enrolments(sandbox, twin) == [] and account(sandbox, twin)["idnumber"] == ""
    for p in (one, two):
        assert sandbox.db.scalar("SELECT count(*) FROM user WHERE idnumber = ?", p["idnumber"]) == 0
    # lmsbridge's own accounts: the others, with the roster's idnumbers; the adopted one is not among them
    assert sorted(own_accounts(sandbox)) == sorted(p["idnumber"] for p in rows[3:] + rows[:1])


@pytest.mark.parametrize("edit", ["update", "mark"])
def test_a_hand_edited_plan_cannot_change_an_adopted_account(sandbox: Sandbox, tmp_path: Path, edit: str) -> None:
    rows = sample_rows()
    p = rows[0]
    hand = sandbox.db.create_user(username="liis.sso", firstname="Liis", lastname="Hand", auth="oidc",
                                  email="liis@municipality.example", idnumber=p["idnumber"])
    roster = write_roster(tmp_path / "roster.csv", rows)
    assert run_cli(["sync", "--roster", str(roster)], sandbox, tmp_path).returncode == 0
    out = tmp_path / "plan.json"
    assert run_cli(["plan", "--roster", str(roster), "--out", str(out)], sandbox, tmp_path).returncode == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    key = f"lmsb-{p['idnumber']}"
    plan["actions"].append({"entity": "user", "key": key, "op": "update", "before": {"email": "x"},
                            "after": {"email": "attacker@example.org"}, "source": "", "reason": "", "seq": 999}
                           if edit == "update" else  # or made lmsbridge's own, to be changed by a later run
                           {"entity": "cohort_member", "key": f"lmsb-accounts|{key}", "op": "add", "before": None,
                            "after": None, "source": "", "reason": "", "seq": 999})
    out.write_text(json.dumps(plan), encoding="utf-8")
    refused = run_cli(["apply", str(out)], sandbox, tmp_path)
    assert refused.returncode == 2 and "refused" in refused.stdout, refused.stdout + refused.stderr
    assert account(sandbox, hand)["email"] == "liis@municipality.example"
    assert hand not in own_accounts(sandbox).values()
