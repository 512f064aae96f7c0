"""`lmsbridge apply` does not trust the ids or keys in plan.json (issue 14, point 9): a plan edited by hand is
refused when it acts on an account lmsbridge does not own, and ids written into it are replaced by the site's."""

from __future__ import annotations

import json
from pathlib import Path

from sync_helpers import run_cli, sample_rows

from lmsbridge.sandbox import Sandbox


def _plan(sandbox: Sandbox, tmp_path: Path, roster: Path) -> tuple[Path, dict]:
    first = run_cli(["sync", "--roster", str(roster)], sandbox, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    out = tmp_path / "plan.json"
    planned = run_cli(["plan", "--roster", str(roster), "--out", str(out)], sandbox, tmp_path)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    return out, json.loads(out.read_text(encoding="utf-8"))


def test_a_hand_edited_plan_changing_a_foreign_accounts_email_is_refused(sandbox: Sandbox, tmp_path: Path,
                                                                          roster: Path) -> None:
    hand = sandbox.db.create_user(username="boss", firstname="Site", lastname="Boss", email="boss@example.org",
                                  idnumber="HR-1")
    out, plan = _plan(sandbox, tmp_path, roster)
    plan["actions"].append({"entity": "user", "key": "HR-1", "op": "update", "before": {"email": "boss@example.org"},
                            "after": {"email": "attacker@example.org"}, "source": "", "reason": "", "seq": 999})
    plan["ids"]["user"]["HR-1"] = hand
    out.write_text(json.dumps(plan), encoding="utf-8")
    applied = run_cli(["apply", str(out)], sandbox, tmp_path)
    assert applied.returncode == 2, applied.stdout + applied.stderr
    assert "refused" in applied.stdout and "HR-1" in applied.stdout
    assert sandbox.db.one("SELECT email FROM user WHERE id = ?", hand)["email"] == "boss@example.org"


def test_an_owned_key_pointed_at_a_foreign_id_acts_on_the_owned_account_only(sandbox: Sandbox, tmp_path: Path,
                                                                             roster: Path) -> None:
    hand = sandbox.db.create_user(username="boss", firstname="Site", lastname="Boss", email="boss@example.org")
    out, plan = _plan(sandbox, tmp_path, roster)
    key = f"lmsb-{sample_rows()[0]['idnumber']}"
    plan["actions"].append({"entity": "user", "key": key, "op": "update", "before": {"firstname": "x"},
                            "after": {"email": "attacker@example.org"}, "source": "", "reason": "", "seq": 999})
    plan["ids"]["user"][key] = hand  # the id of the account made by hand
    out.write_text(json.dumps(plan), encoding="utf-8")
    applied = run_cli(["apply", str(out)], sandbox, tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert sandbox.db.one("SELECT email FROM user WHERE id = ?", hand)["email"] == "boss@example.org"
    assert sandbox.db.one("SELECT email FROM user WHERE idnumber = ?", sample_rows()[0]["idnumber"]
                          )["email"] == "attacker@example.org"
