"""Sync against the sandbox Moodle: first sync, no-op re-sync, roster edits, leavers, clashes, bad rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sync_helpers import SOURCE, own_accounts, participants, readme_capabilities, run_cli, sample_rows, write_calls

from lmsbridge.demo_data import write_roster
from lmsbridge.moodle import MoodleClient
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.settings import SyncSettings
from lmsbridge.sync.run import make_sync_plan, run_sync


def plan_lines(plan) -> set[tuple[str, str, str]]:
    return {(a.entity, a.op, a.key) for a in plan.actions}


def test_first_sync_creates_everything_and_second_writes_nothing(sandbox: Sandbox, client: MoodleClient,
                                                                  settings: SyncSettings) -> None:
    first = run_sync(settings, client)
    assert first.exit_code == 0, first.message
    db = sandbox.db
    # the accounts have the roster's idnumbers and are lmsbridge's by its marker cohort
    assert sorted(own_accounts(sandbox)) == sorted(p["idnumber"] for p in sample_rows())
    assert db.scalar("SELECT count(*) FROM user WHERE idnumber LIKE 'lmsb-%'") == 0
    courses = {r["idnumber"]: r for r in db.q("SELECT * FROM course WHERE idnumber LIKE 'lmsb-%'")}
    assert len(courses) == 14  # 13 module courses and the executive programme's alumni course
    assert courses["lmsb-SC-2026-sc-intro-lt"]["lang"] == "lt"
    assert courses["lmsb-SC-2026-sc-intro-en"]["lang"] == "en"
    # every participant is enrolled in the courses of their programme and language only
    enrolled = client.get_enrolled_users(courses["lmsb-SC-2026-sc-intro-en"]["id"])
    want_en = {p["idnumber"] for p in participants("social-clustering", 12) if p["lang"] == "en"}
    assert {u.idnumber for u in enrolled} == want_en and want_en
    emp = client.get_enrolled_users(courses["lmsb-EMP-2026-emp-verktyg"]["id"])
    assert len(emp) == 6
    cohort = db.one("SELECT * FROM cohort WHERE idnumber = 'lmsb-CME-2020'")
    assert cohort and db.scalar("SELECT count(*) FROM cohort_members WHERE cohortid = ?", cohort["id"]) == 8
    summary = json.loads((settings.state_dir / "last-run.json").read_text())
    assert summary["exit_code"] == 0 and summary["applied"]["user"]["create"] == 26

    before = len(sandbox.calls)
    second = run_sync(settings, client)
    assert second.exit_code == 0 and second.plan and second.plan.actions == []
    assert write_calls(sandbox, before) == []


def test_roster_edits_give_exactly_the_expected_plan(sandbox: Sandbox, client: MoodleClient, tmp_path: Path,
                                                     settings: SyncSettings) -> None:
    rows = sample_rows()
    assert run_sync(settings, client).exit_code == 0
    emp = [r for r in rows if r["programme"] == "executive-management"]
    emp[0]["lastname"] = "Renamed"                                   # an update
    gone = emp[1]                                                     # a leaver
    emp[2]["institution"] = "Region Norrbotten" if emp[2]["institution"] != "Region Norrbotten" else "Piteå kommun"
    new = participants("executive-management", 1, start=500)[0]       # a newcomer
    edited = [r for r in rows if r is not gone] + [new]
    write_roster(settings.rosters[0], edited)
    plan = make_sync_plan(settings, client)
    uid = lambda r: f"lmsb-{r['idnumber']}"  # noqa: E731
    courses = [f"lmsb-EMP-2026-{m}" for m in ("emp-omvarld", "emp-ledarskap", "emp-verktyg")]
    from lmsbridge.sync.desired import slug

    moved_from = [r for r in sample_rows() if r["idnumber"] == emp[2]["idnumber"]][0]["institution"]
    expected = {("user", "update", uid(emp[0])), ("user", "update", uid(emp[2])), ("user", "create", uid(new)),
                ("user", "suspend", uid(gone)), ("cohort_member", "add", f"lmsb-accounts|{uid(new)}"),
                ("cohort_member", "add", f"lmsb-EMP|{uid(new)}"), ("cohort_member", "add", f"lmsb-EMP-2026|{uid(new)}"),
                ("cohort_member", "remove", f"lmsb-EMP|{uid(gone)}"),
                ("cohort_member", "remove", f"lmsb-EMP-2026|{uid(gone)}")}
    for c in courses:
        expected |= {("enrolment", "enrol", f"{c}|{uid(new)}"), ("enrolment", "suspend", f"{c}|{uid(gone)}"),
                     ("group_member", "add", f"{c}/lmsb-g-{slug(new['institution'])}|{uid(new)}"),
                     ("group_member", "add", f"{c}/lmsb-g-{slug(emp[2]['institution'])}|{uid(emp[2])}"),
                     ("group_member", "remove", f"{c}/lmsb-g-{slug(moved_from)}|{uid(emp[2])}")}
    got = plan_lines(plan)
    got -= {a for a in got if a[0] == "group" and a[1] == "create"}  # a newcomer's organisation may be new
    assert got == expected
    update = next(a for a in plan.actions if a.op == "update" and a.key == uid(emp[0]))
    assert update.after == {"lastname": "Renamed"} and update.source == f"{settings.rosters[0]}:{2 + 12 + 8}"
    text = plan.to_text()
    assert "user suspend: 1" in text and "enrolment suspend: 3" in text

    assert run_sync(settings, client).exit_code == 0
    assert sandbox.db.one("SELECT suspended FROM user WHERE idnumber = ?", gone["idnumber"])["suspended"] == 1
    before = len(sandbox.calls)
    assert run_sync(settings, client).plan.actions == []
    assert write_calls(sandbox, before) == []

    # the leaver comes back: account and enrolments are reactivated, nothing is created twice
    write_roster(settings.rosters[0], edited + [gone])
    plan = make_sync_plan(settings, client)
    assert {(a.entity, a.op) for a in plan.actions} == {("user", "reactivate"), ("enrolment", "reactivate"),
                                                        ("cohort_member", "add")}
    assert run_sync(settings, client).exit_code == 0
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE idnumber = ?", gone["idnumber"]) == 1
    assert run_sync(settings, client).plan.actions == []


def test_hand_made_objects_are_reported_never_overwritten(sandbox: Sandbox, client: MoodleClient,
                                                          settings: SyncSettings) -> None:
    p = sample_rows()[0]
    hand = sandbox.db.create_user(username="someone", firstname="Hand", lastname="Made", email=p["email"])
    cat = sandbox.db.create_category(name="Misc")
    sandbox.db.create_course(fullname="By hand", shortname="CME-2020-cme-strategy", category=cat)
    outcome = run_sync(settings, client)
    assert outcome.exit_code == 1
    problems = [str(x) for x in outcome.plan.problems]
    assert any(f"{settings.rosters[0]}:2" in x and "email" in x and f"user id {hand}" in x for x in problems)
    assert any("CME-2020-cme-strategy" in x and "does not manage" in x for x in problems)
    row = sandbox.db.one("SELECT * FROM user WHERE id = ?", hand)
    assert (row["firstname"], row["idnumber"] or "") == ("Hand", "")
    assert sandbox.db.scalar("SELECT count(*) FROM course WHERE shortname = 'CME-2020-cme-strategy'") == 1


def test_one_bad_row_among_200_is_isolated_and_reported(sandbox: Sandbox, client: MoodleClient, tmp_path: Path
                                                        ) -> None:
    rows = participants("cluster-manager-education", 200)
    rows[136]["lang"] = "zz"  # passes the roster check, refused by Moodle: not an installed language
    path = write_roster(tmp_path / "cme.csv", rows)
    settings = SyncSettings(source=SOURCE, rosters=[path], state_dir=tmp_path / "state")
    outcome = run_sync(settings, client)
    assert outcome.exit_code == 1
    bad_id = f"lmsb-{rows[136]['idnumber']}"
    failed = [f for f in outcome.result.failures if not f.skipped]
    assert len(failed) == 1
    f = failed[0]
    assert (f.key, f.op, f.source) == (bad_id, "create", f"{path}:138")
    assert f.errorcode == "invalidparameter" and f.hint
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE idnumber LIKE 'cme%'") == 199
    skipped = [f for f in outcome.result.failures if f.skipped]
    assert skipped and all(bad_id in f.key and "failed earlier" in f.message for f in skipped)
    course = sandbox.db.one("SELECT id FROM course WHERE idnumber = 'lmsb-CME-2020-cme-collaboration'")
    assert len(client.get_enrolled_users(course["id"])) == 199


def test_truncated_roster_is_blocked_with_exit_3(sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "r.csv", participants("executive-management", 40))
    first = run_cli(["sync", "--roster", str(path)], sandbox, tmp_path)
    assert first.returncode == 0, first.stderr + first.stdout
    write_roster(path, participants("executive-management", 5))
    blocked = run_cli(["sync", "--roster", str(path)], sandbox, tmp_path)
    assert blocked.returncode == 3, blocked.stdout + blocked.stderr
    assert "BLOCKED by safety" in blocked.stdout and "truncated roster" in blocked.stdout
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE suspended = 1") == 0
    empty = write_roster(tmp_path / "empty.csv", [])
    assert run_cli(["sync", "--roster", str(empty)], sandbox, tmp_path).returncode == 3
    forced = run_cli(["sync", "--roster", str(path), "--allow-mass-change"], sandbox, tmp_path)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE suspended = 1") == 35


def test_plan_then_apply_and_drift_check(sandbox: Sandbox, tmp_path: Path, roster: Path) -> None:
    out = tmp_path / "plan.json"
    planned = run_cli(["plan", "--roster", str(roster), "--out", str(out)], sandbox, tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert "user create: 26" in planned.stdout and out.is_file()
    assert write_calls(sandbox) == []
    sandbox.db.create_user(username="late", firstname="L", lastname="L", email="late@example.org",
                           idnumber=sample_rows()[0]["idnumber"])
    drifted = run_cli(["apply", str(out)], sandbox, tmp_path)
    assert drifted.returncode == 4 and "changed since the plan" in drifted.stdout + drifted.stderr
    sandbox.db.execute("DELETE FROM user WHERE username = 'late'")
    applied = run_cli(["apply", str(out)], sandbox, tmp_path)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert re.search(r"^user +create +26 +26 +0 +0$", applied.stdout, re.M)


def test_bad_input_and_unreachable_site_exit_codes(sandbox: Sandbox, tmp_path: Path) -> None:
    missing = run_cli(["sync", "--roster", str(tmp_path / "nope.csv")], sandbox, tmp_path)
    assert missing.returncode == 2 and "roster file not found" in missing.stdout + missing.stderr
    roster = write_roster(tmp_path / "r.csv", participants("executive-management", 3))
    down = run_cli(["sync", "--roster", str(roster)], sandbox, tmp_path, LMSBRIDGE_MOODLE_URL="http://127.0.0.1:9",
                   LMSBRIDGE_RETRIES="0")
    assert down.returncode == 4 and "preflight" in down.stdout + down.stderr


def test_a_sync_user_with_the_readmes_capabilities_converges_and_a_missing_one_is_named(tmp_path: Path) -> None:
    """The README's least-privilege table is the product's list; with it a sync converges. Without the right to
    force a course language, Moodle creates courses without it and says nothing: the run reports it, naming the
    capability to add, and so does every later run until it is added."""
    from lmsbridge.capabilities import SYNC_USER_CAPABILITIES
    from lmsbridge.sync.summary import format_summary

    listed = readme_capabilities()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert listed == set(SYNC_USER_CAPABILITIES) and f"these {len(listed)} capabilities" in readme

    roster = write_roster(tmp_path / "roster.csv", sample_rows())
    for name, capabilities in (("full", list(SYNC_USER_CAPABILITIES)),
                               ("nolang", [c for c in SYNC_USER_CAPABILITIES if c != "moodle/course:setforcedlanguage"])):
        with Sandbox() as sb:
            uid = sb.db.create_user(username="syncer", firstname="Sync", lastname="User", email="s@example.invalid")
            token = sb.add_token(userid=uid, capabilities=capabilities)
            settings = SyncSettings(source=SOURCE, rosters=[roster], state_dir=tmp_path / name)
            with MoodleClient(sb.url, token) as client:
                first, again = run_sync(settings, client), run_sync(settings, client)
        if name == "full":
            assert first.exit_code == 0, format_summary(first)
            assert again.exit_code == 0 and again.plan.actions == []
            continue
        hint = ("the sync user's role lacks 'Force course or activity language' (moodle/course:setforcedlanguage): "
                "allow it in that role (README: the sync user), then sync again")
        assert first.exit_code == again.exit_code == 1
        assert {(f.op, f.hint) for f in first.result.failures} == {("lang", hint)}
        assert len(first.result.failures) == 14 and first.result.applied["course"] == {"create": 14}
        assert "created without its forced language 'lt'" in format_summary(first)
        assert {(f.op, f.hint) for f in again.result.failures} == {("update", hint)}
