"""`lmsbridge undo RUN` (issue 11, point 8): a mass suspension applied by mistake is put back, and Moodle holds
what it held before the run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sync_helpers import run_cli, sample_rows, write_calls

from lmsbridge.demo_data import write_roster
from lmsbridge.sandbox import Sandbox


def site(sandbox: Sandbox) -> dict[str, Any]:
    """What the participants hold: accounts, enrolments (status, dates, roles), cohorts and groups."""
    q = sandbox.db.q
    return {
        "users": sorted((u["idnumber"], u["suspended"], u["firstname"], u["lastname"], u["email"])
                        for u in q("SELECT u.* FROM user u JOIN cohort_members m ON m.userid = u.id JOIN cohort c "
                                   "ON c.id = m.cohortid WHERE c.idnumber = 'lmsb-accounts'")),
        "enrolments": sorted(tuple(r.values()) for r in q(
            "SELECT e.courseid, ue.userid, ue.status, ue.timestart, ue.timeend FROM user_enrolments ue "
            "JOIN enrol e ON e.id = ue.enrolid")),
        "roles": sorted(tuple(r.values()) for r in q("SELECT * FROM role_assignments")),
        "cohorts": sorted(tuple(r.values()) for r in q("SELECT cohortid, userid FROM cohort_members")),
        "groups": sorted(tuple(r.values()) for r in q("SELECT groupid, userid FROM groups_members")),
    }


def test_a_mass_suspension_applied_by_mistake_is_undone(sandbox: Sandbox, tmp_path: Path) -> None:
    rows = sample_rows()
    full = write_roster(tmp_path / "roster.csv", rows)
    assert run_cli(["sync", "--roster", str(full)], sandbox, tmp_path).returncode == 0
    before = site(sandbox)

    wrong = [dict(r) for r in rows[:3]]
    wrong[0]["firstname"] = "Typo"
    bad = write_roster(tmp_path / "wrong.csv", wrong)
    forced = run_cli(["sync", "--roster", str(bad), "--allow-mass-change"], sandbox, tmp_path)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    harmed = site(sandbox)
    assert sum(u[1] for u in harmed["users"]) == 23 and len(harmed["cohorts"]) < len(before["cohorts"])
    run_id = json.loads((tmp_path / "state" / "last-run.json").read_text(encoding="utf-8"))["run_id"]

    out = tmp_path / "undo.json"
    calls = len(sandbox.calls)
    shown = run_cli(["undo", run_id, "--out", str(out)], sandbox, tmp_path)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert write_calls(sandbox, calls) == []  # shown for review: nothing written yet
    assert "user reactivate: 23" in shown.stdout and "user update: 1" in shown.stdout
    assert f"  {rows[5]['idnumber']} {rows[5]['firstname']} {rows[5]['lastname']}" in shown.stdout
    applied = run_cli(["apply", str(out)], sandbox, tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert site(sandbox) == before

    again = run_cli(["undo", run_id, "--yes"], sandbox, tmp_path)
    assert again.returncode == 0 and "Nothing to change" in again.stdout, again.stdout + again.stderr
    calls = len(sandbox.calls)
    resync = run_cli(["sync", "--roster", str(full)], sandbox, tmp_path)
    assert resync.returncode == 0 and write_calls(sandbox, calls) == [], resync.stdout
    unknown = run_cli(["undo", "no-such-run"], sandbox, tmp_path)
    assert unknown.returncode == 2 and "no run 'no-such-run'" in unknown.stdout + unknown.stderr
