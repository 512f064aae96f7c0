"""Rosters as a contract (issue 11): a broken file is refused whole, a broken row holds its participant back
exactly as Moodle has them, and rows are checked against what Moodle accepts before anything reaches it."""

from __future__ import annotations

from pathlib import Path

from sync_helpers import own_accounts, participants, run_cli, write_calls

from lmsbridge.demo_data import write_roster
from lmsbridge.moodle import MoodleClient, MoodleError
from lmsbridge.sandbox import Sandbox
from lmsbridge.sandbox.functions.users import SAME_EMAIL


def _state(sb: Sandbox, idnumber: str) -> tuple[object, ...]:
    """What Moodle holds of one participant: account, enrolments, cohorts, groups."""
    user = sb.db.one("SELECT * FROM user WHERE idnumber = ?", idnumber)
    assert user
    enrol = sb.db.q("SELECT e.courseid, ue.status FROM user_enrolments ue JOIN enrol e ON e.id = ue.enrolid "
                    "WHERE ue.userid = ? ORDER BY e.courseid", user["id"])
    cohorts = sb.db.q("SELECT cohortid FROM cohort_members WHERE userid = ? ORDER BY cohortid", user["id"])
    groups = sb.db.q("SELECT groupid FROM groups_members WHERE userid = ? ORDER BY groupid", user["id"])
    return (user["suspended"], user["email"], user["lastname"], [tuple(r.values()) for r in enrol],
            [r["cohortid"] for r in cohorts], [r["groupid"] for r in groups])


def test_a_broken_row_holds_its_participant_back_and_only_the_absent_leave(sandbox: Sandbox, tmp_path: Path
                                                                           ) -> None:
    rows = participants("executive-management", 8)
    path = write_roster(tmp_path / "emp.csv", rows)
    assert run_cli(["sync", "--roster", str(path)], sandbox, tmp_path).returncode == 0
    before = {r["idnumber"]: _state(sandbox, r["idnumber"]) for r in rows}
    assert all(s[3] and s[4] for s in before.values())  # enrolled and in a cohort

    edited = [dict(r) for r in rows]
    edited[1]["email"] = "liis.t@"                      # line 3: an e-mail cut short
    edited[2]["programme"] = "executive-managment"      # line 4: a misspelled programme
    edited[3]["country"] = "ZZ"                         # line 5: a country Moodle does not know
    edited[4]["lastname"] = "<b>Berg</b>"               # line 6: markup in a name
    edited[1]["lastname"] = "Changed"                   # no update either: the row is broken
    gone = edited.pop(7)                                # absent from every roster: has left
    write_roster(path, edited)
    result = run_cli(["sync", "--roster", str(path)], sandbox, tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert f"{path}:3: email 'liis.t@' is not a valid address" in out
    assert f"{path}:4: unknown programme 'executive-managment'" in out and "use one of" in out
    assert f"{path}:5: country 'ZZ'" in out and f"{path}:6: lastname '<b>Berg</b>' contains markup" in out
    assert "held back" in out
    for r in rows[1:5]:
        assert _state(sandbox, r["idnumber"]) == before[r["idnumber"]], r["idnumber"]
    left = _state(sandbox, gone["idnumber"])
    assert left[0] == 1 and all(status == 1 for _, status in left[3])  # account and enrolments suspended
    assert run_cli(["sync", "--roster", str(path)], sandbox, tmp_path).returncode == 1  # still broken, still held


def test_a_broken_header_fails_the_file_with_exit_2_and_nothing_written(sandbox: Sandbox, tmp_path: Path) -> None:
    rows = participants("executive-management", 4)
    path = write_roster(tmp_path / "emp.csv", rows)
    assert run_cli(["sync", "--roster", str(path)], sandbox, tmp_path).returncode == 0
    since = len(sandbox.calls)
    text = path.read_text(encoding="utf-8")
    for header, says in ((text.replace(",email,", ",e-mail,", 1), "did you mean 'email' for 'e-mail'"),
                         (text.replace(",country,", ",cuntry,", 1), "did you mean 'country' for 'cuntry'"),
                         (text.replace(",programme,", ",programe,", 1), "no 'programme' column")):
        path.write_text(header, encoding="utf-8")
        result = run_cli(["sync", "--roster", str(path)], sandbox, tmp_path)
        out = result.stdout + result.stderr
        assert result.returncode == 2 and f"{path}:1:" in out and says in out, out
        assert "--allow-mass-change" not in out and "Traceback" not in out
    assert write_calls(sandbox, since) == []
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE suspended = 1") == 0


def test_no_roster_set_says_so(sandbox: Sandbox, tmp_path: Path) -> None:
    result = run_cli(["sync"], sandbox, tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 2 and "no roster is set" in out and "LMSBRIDGE_ROSTERS" in out and ".env" in out
    assert "have no rows" not in out and write_calls(sandbox) == []


def test_rows_moodle_would_refuse_or_change_are_caught_before_planning(sandbox: Sandbox, tmp_path: Path) -> None:
    a = participants("executive-management", 3)
    b = participants("executive-management", 2, start=100)
    a[0]["lastname"] = "L" * 120                       # a.csv:2: over the user table's 100
    b[1]["email"] = a[2]["email"].upper()              # b.csv:3: the same e-mail as a.csv:4, another person
    first = write_roster(tmp_path / "a.csv", a)
    second = write_roster(tmp_path / "b.csv", b)
    result = run_cli(["sync", "--roster", str(first), "--roster", str(second)], sandbox, tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert f"{first}:2: lastname is 120 characters long; Moodle stores at most 100" in out
    assert f"{second}:3: email '{a[2]['email']}' is also the e-mail of {a[2]['idnumber']} at {first}:4" in out
    assert f"{first}:4: email" in out  # both people are told
    assert set(own_accounts(sandbox)) == {a[1]["idnumber"], b[0]["idnumber"]}


def test_the_sandbox_does_what_moodle_does_with_such_rows(sandbox: Sandbox, client: MoodleClient) -> None:
    def user(n: int, **kw: str) -> dict[str, str]:
        return {"username": f"u{n}", "firstname": "A", "lastname": "B", "email": f"u{n}@example.org",
                "createpassword": "1", **kw}

    made = client.call("core_user_create_users", {"users": [user(1, country="ZZ")]})
    row = sandbox.db.one("SELECT * FROM user WHERE id = ?", made[0]["id"])
    assert row and row["country"] == ""  # dropped without a word
    try:  # validate_param(): PARAM_NOTAGS cleans the markup away, and a cleaned value differing is refused
        client.call("core_user_create_users", {"users": [user(5, lastname="<i>Lee</i>")]})
        raise AssertionError("markup in a name must be refused")
    except MoodleError as exc:
        assert "invalidparameter" in str(exc)
    try:
        client.call("core_user_create_users", {"users": [user(2), user(3, lastname="L" * 120)]})
        raise AssertionError("a too-long name must fail")
    except MoodleError as exc:
        assert "dmlwriteexception" in str(exc) or "Error writing" in str(exc)
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE username IN ('u2', 'u3')") == 0  # the whole batch
    try:
        client.call("core_user_create_users", {"users": [user(4, email="u1@example.org")]})
        raise AssertionError("a duplicate e-mail must be refused by default")
    except MoodleError as exc:
        assert "invalidparameter" in str(exc)
    sandbox.db.set_config(SAME_EMAIL, "1")
    client.call("core_user_create_users", {"users": [user(4, email="u1@example.org")]})
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE email = 'u1@example.org'") == 2


def test_hold_back_drops_every_action_on_a_held_participant_and_says_so_once() -> None:
    from lmsbridge.sync.planner.held import hold_back
    from lmsbridge.sync.planner.part import Part

    part = Part()
    for entity, key, op in (("user", "lmsb-P1", "suspend"), ("user", "lmsb-P2", "suspend"),
                            ("enrolment", "lmsb-C1|lmsb-P1", "suspend"), ("cohort_member", "lmsb-X|lmsb-P1", "remove"),
                            ("group_member", "lmsb-C1/lmsb-g-a|lmsb-P1", "remove"),
                            ("grade", "lmsb-C1|lmsb-ev|lmsb-P1", "set"), ("course", "lmsb-C1", "update")):
        part.act(entity, key, op, None, None, "", "")
    hold_back(part, {"lmsb-P1": "r.csv:3"}, "lmsb-")
    assert [(a.entity, a.key) for a in part.actions] == [("user", "lmsb-P2"), ("course", "lmsb-C1")]
    assert [(p.key, p.source) for p in part.problems] == [("lmsb-P1", "r.csv:3")]
    assert part.problems[0].message.startswith("participant P1 is held back"), "named as roster and Moodle name them"
