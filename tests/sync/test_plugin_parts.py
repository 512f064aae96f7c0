"""SCORM activities, event grades, competencies, alumni and metrics, synced against the sandbox (with and
without the companion plugin)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sync_helpers import SOURCE, run_cli, sample_rows, write_calls

from lmsbridge.demo_data import participants, write_roster, write_sample_results
from lmsbridge.moodle import MoodleClient
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.summary import format_summary
from lmsbridge.sync.settings import SyncSettings
from lmsbridge.sync.run import apply_sync_plan, make_sync_plan, run_sync
from lmsbridge.sync.journal import Journal


def _results(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("idnumber,event,grade,feedback\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _course_id(client: MoodleClient, idnumber: str) -> int:
    return client.get_courses_by_field("idnumber", idnumber).courses[0].id


def test_activities_grades_competencies_then_nothing(sandbox: Sandbox, client: MoodleClient,
                                                      settings: SyncSettings, tmp_path: Path) -> None:
    results = write_sample_results(tmp_path / "results.csv", sc=12, cme=8, emp=6)
    settings.results = [results]
    first = run_sync(settings, client)
    assert first.exit_code == 0, format_summary(first)
    assert first.result.applied["activity"] == {"create": 13}

    # every module's package in its course, in programme order, a section per module, the built sha1
    built = {p.name: p for p in (settings.state_dir / "packages").iterdir()}
    emp = client.call("local_lmsbridge_get_activities", {"courseid": _course_id(client, "lmsb-EMP-2026-emp-ledarskap"),
                                                         "idnumberprefix": "lmsb-"}, read=True)
    [scorm] = emp["scorms"]
    # The module's activity in section 1, named as the module, with its dates and events: no gap, no "New section".
    assert (scorm["idnumber"], scorm["section"], scorm["version"]) == ("lmsb-emp-ledarskap", 1, "SCORM_1.2")
    contents = client.call("core_course_get_contents", {"courseid": _course_id(client, "lmsb-EMP-2026-emp-ledarskap")},
                           read=True)
    assert [s["section"] for s in contents] == [0, 1]
    assert contents[1]["name"] == scorm["name"] and "New section" not in [s["name"] for s in contents]
    assert "2026-11-09 – 2026-12-18" in contents[1]["summary"] and "Träff 2" in contents[1]["summary"]
    import hashlib
    assert scorm["sha1hash"] == hashlib.sha1(built["emp-ledarskap-sv-scorm12.zip"].read_bytes()).hexdigest()
    row = sandbox.store.q("SELECT completionstatusrequired, grademethod, whatgrade FROM scorm WHERE id = ?",
                          scorm["instance"])[0]
    assert row["completionstatusrequired"] == 2  # passed
    en = client.call("local_lmsbridge_get_activities", {"courseid": _course_id(client, "lmsb-SC-2026-sc-rizika-en"),
                                                        "idnumberprefix": "lmsb-"}, read=True)
    assert en["scorms"][0]["section"] == 1 and en["scorms"][0]["packagefilename"].startswith("sc-rizika-en")

    # event grades with feedback, as the gradebook has them
    emp_course = _course_id(client, "lmsb-EMP-2026-emp-omvarld")
    report = client.call("gradereport_user_get_grade_items", {"courseid": emp_course}, read=True)
    items = {(u["useridnumber"], i["idnumber"]): i for u in report["usergrades"] for i in u["gradeitems"]}
    lines = results.read_text(encoding="utf-8").splitlines()
    first_emp = next(line.split(",", 3) for line in lines if line.startswith("emp000001,EMP-S1-CASE"))
    got = items[("emp000001", "lmsb-EMP-S1-CASE")]  # the learner by the roster's idnumber
    assert (got["graderaw"], got["feedback"]) == (float(first_emp[2]), first_emp[3])

    # the competency framework, its hierarchy, and the links to the courses whose modules build them
    fws = client.call("core_competency_list_competency_frameworks", {"context": {"contextlevel": "system",
                                                                                 "instanceid": 0}}, read=True)
    [fw] = [f for f in fws if f["idnumber"] == "lmsb-SC-COMPETENCY-MODEL"]
    comps = {c["idnumber"]: c for c in client.call("core_competency_list_competencies", {"filters": [
        {"column": "competencyframeworkid", "value": str(fw["id"])}]}, read=True)}
    assert comps["lmsb-SC-NETWORKING"]["parentid"] == comps["lmsb-SC-COOPERATION"]["id"]
    linked = client.call("core_competency_list_course_competencies",
                         {"id": _course_id(client, "lmsb-SC-2026-sc-rizika-lt")}, read=True)
    assert [x["competency"]["idnumber"] for x in linked] == ["lmsb-SC-RISK-ANALYSIS"]

    # a second sync writes nothing: no upload, no grade, no competency
    mark = len(sandbox.calls)
    second = run_sync(settings, client)
    assert second.exit_code == 0 and second.plan.actions == [], second.plan.to_text()
    assert write_calls(sandbox, mark) == []


def test_changed_package_updates_in_place(sandbox: Sandbox, client: MoodleClient, tmp_path: Path,
                                          settings: SyncSettings) -> None:
    source = tmp_path / "src"
    shutil.copytree(SOURCE, source, ignore=shutil.ignore_patterns("moodle.toml"))
    shutil.copy(SOURCE / "executive-management" / "moodle.toml", source / "executive-management" / "moodle.toml")
    for other in ("social-clustering", "cluster-manager-education"):
        shutil.rmtree(source / other)
    settings.source = source
    settings.rosters = [write_roster(tmp_path / "emp.csv", participants("executive-management", 3))]
    assert run_sync(settings, client).exit_code == 0
    page = next((source / "executive-management" / "emp-verktyg").rglob("*.md"))
    page.write_text(page.read_text(encoding="utf-8") + "\n\nEtt nytt stycke.\n", encoding="utf-8")
    outcome = run_sync(settings, client)
    assert outcome.exit_code == 0
    [update] = [a for a in outcome.plan.actions if a.entity == "activity"]
    assert (update.key, update.op, update.reason) == ("lmsb-EMP-2026-emp-verktyg|lmsb-emp-verktyg", "update",
                                                      "the package changed")
    scorms = sandbox.store.q("SELECT revision FROM scorm s JOIN course_modules cm ON cm.instance = s.id AND "
                             "cm.modname = 'scorm' WHERE cm.idnumber = 'lmsb-emp-verktyg'")
    assert [s["revision"] for s in scorms] == [2]  # in place: no duplicate


def test_refused_package_and_bad_results_rows_are_reported(sandbox: Sandbox, client: MoodleClient, tmp_path: Path,
                                                          settings: SyncSettings) -> None:
    settings.results = [_results(tmp_path / "results.csv", [
        ("emp000001", "EMP-S1-CASE", "8", "Bra"),
        ("nobody", "EMP-S1-CASE", "8", ""),
        ("emp000002", "EMP-S9", "8", ""),
        ("emp000002", "EMP-S2-CASE", "11", ""),
        ("emp000003", "EMP-S2-CASE", "åtta", ""),
    ])]
    journal = Journal(settings.state_dir)
    plan = make_sync_plan(settings, client, journal)
    bad = {p.source.rsplit(":", 1)[1]: p for p in plan.problems}
    assert "unknown participant 'nobody'" in bad["3"].message
    assert "unknown event 'EMP-S9'" in bad["4"].message and "EMP-S1-CASE" in bad["4"].hint
    assert "outside 0 to 10" in bad["5"].message
    assert "not a number" in bad["6"].message
    # a package Moodle refuses: that row fails with Moodle's message, the rest goes on
    broken = settings.state_dir / "packages" / "emp-omvarld-sv-scorm12.zip"
    broken.write_bytes(b"not a zip")
    outcome = apply_sync_plan(plan, settings, client, journal, check_drift=False)
    journal.close()
    [failure] = [f for f in outcome.result.failures if f.entity == "activity"]
    assert failure.key == "lmsb-EMP-2026-emp-omvarld|lmsb-emp-omvarld"
    assert "module emp-omvarld, course lmsb-EMP-2026-emp-omvarld" in failure.message
    assert failure.errorcode == "invalidpackage"
    assert outcome.result.applied["activity"]["create"] == 12
    assert outcome.result.applied["grade"]["set"] == 1
    assert outcome.exit_code == 1
    text = format_summary(outcome)
    assert "results.csv:3" in text and "invalidpackage" in text


def test_without_the_plugin_the_rest_syncs(tmp_path: Path, roster: Path) -> None:
    with Sandbox(plugin=False) as sb, MoodleClient(sb.url, sb.token) as client:
        settings = SyncSettings(source=SOURCE, rosters=[roster], state_dir=tmp_path / "state",
                                results=[write_sample_results(tmp_path / "r.csv", sc=12, cme=8, emp=6)])
        outcome = run_sync(settings, client)
        assert outcome.exit_code == 0, format_summary(outcome)
        why = "the companion plugin local_lmsbridge is not installed; see lmsbridge doctor"
        line = f"SCORM activities: 13 skipped — {why}"
        assert line in outcome.plan.to_text() and line in format_summary(outcome)
        assert "event grades: " in format_summary(outcome)
        assert outcome.result.applied["enrolment"]["enrol"] > 0 and "competency" in outcome.result.applied
        assert outcome.summary()["not_synced"][0]["what"] == "SCORM activities"
        assert not any(c.startswith("local_lmsbridge") for c in sb.calls)


def test_alumni_move_on_and_stay(sandbox: Sandbox, client: MoodleClient, tmp_path: Path,
                                 settings: SyncSettings) -> None:
    assert run_sync(settings, client).exit_code == 0
    # emp000001 passes every session (the SCORM grade reaches the mastery score); emp000002 fails one
    store = sandbox.store
    users = {u["idnumber"]: u["id"] for u in store.q("SELECT id, idnumber FROM user")}
    for module, scores in (("emp-omvarld", (90, 95)), ("emp-ledarskap", (85, 60)), ("emp-verktyg", (80, 99))):
        item = store.q("SELECT id FROM grade_items WHERE itemmodule = 'scorm' AND idnumber = ?", f"lmsb-{module}")
        for who, score in zip(("emp000001", "emp000002"), scores):
            store.set_grade(item[0]["id"], users[who], score)
    outcome = run_sync(settings, client)
    assert outcome.exit_code == 0
    keys = {(a.entity, a.key) for a in outcome.plan.actions}
    assert keys == {("cohort_member", "lmsb-EMP-alumni|lmsb-emp000001"),
                    ("enrolment", "lmsb-EMP-alumni|lmsb-emp000001")}
    # the roster no longer lists the alumnus: they stay in the alumni cohort and course, account active
    settings.rosters = [write_roster(tmp_path / "later.csv", [r for r in sample_rows()
                                                              if r["idnumber"] != "emp000001"])]
    later = run_sync(settings, client)
    assert later.exit_code == 0
    assert not [a for a in later.plan.actions if "EMP-alumni" in a.key or a.key == "lmsb-emp000001"
                and a.entity == "user"]
    alumni = client.get_enrolled_users(_course_id(client, "lmsb-EMP-alumni"),
                                       [{"name": "onlyactive", "value": 1}])
    assert [u.idnumber for u in alumni] == ["emp000001"]


def test_cli_results_and_metrics_file(sandbox: Sandbox, tmp_path: Path, roster: Path) -> None:
    results = write_sample_results(tmp_path / "r.csv", sc=12, cme=8, emp=6)
    metrics = tmp_path / "metrics" / "lmsbridge.prom"
    done = run_cli(["sync", "--roster", str(roster), "--results", str(results)], sandbox, tmp_path,
                   LMSBRIDGE_METRICS_FILE=str(metrics), LMSBRIDGE_SCORM_VERSION="2004")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "grade                set" in done.stdout
    text = metrics.read_text(encoding="utf-8")
    assert 'lmsbridge_sync_runs_total{outcome="success"} 1' in text
    assert 'lmsbridge_sync_actions{entity="activity",action="create",outcome="ok"} 13' in text
    assert text.rstrip().endswith("# EOF")
    assert {r["version"] for r in sandbox.store.q("SELECT version FROM scorm")} == {"SCORM_1.3"}


def test_resync_reads_all_courses_in_few_calls_and_still_sees_changes(sandbox: Sandbox, client: MoodleClient,
                                                                     tmp_path: Path, settings: SyncSettings) -> None:
    """With local_lmsbridge_read_courses a sync that finds nothing to change reads each course's enrolments,
    activities, grades and competency links in one call for all courses; it agrees with the per-course core reads
    of an older plugin, and changes made by hand in Moodle are still seen and put right."""
    settings.results = [write_sample_results(tmp_path / "results.csv", sc=12, cme=8, emp=6)]
    assert run_sync(settings, client).exit_code == 0
    settings.rosters = [write_roster(tmp_path / "less.csv", sample_rows()[1:])]  # a leaver: suspended
    results = settings.results[0]
    results.write_text("".join(line for line in results.read_text(encoding="utf-8").splitlines(keepends=True)
                               if not line.startswith("sc000001,")), encoding="utf-8")
    left = run_sync(settings, client)
    assert left.exit_code == 0, format_summary(left)
    mark = len(sandbox.calls)
    again = run_sync(settings, client)
    assert again.exit_code == 0 and again.plan.actions == []
    reads = sandbox.calls[mark:]
    assert reads.count("local_lmsbridge_read_courses") == 1
    per_course = {"core_enrol_get_enrolled_users", "gradereport_user_get_grade_items", "local_lmsbridge_get_activities",
                  "core_competency_list_course_competencies", "core_group_get_course_groups"}
    assert per_course.isdisjoint(reads), reads
    assert len(reads) <= 12 < len(again.plan.scope.courses), reads

    older = sandbox.add_token(functions=[f for f in sandbox.functions if f != "local_lmsbridge_read_courses"])
    with MoodleClient(sandbox.url, older) as core_only:
        mark = len(sandbox.calls)
        core = run_sync(settings, core_only)
        assert core.exit_code == 0 and core.plan.actions == []
        assert "core_enrol_get_enrolled_users" in sandbox.calls[mark:]

    # By hand in Moodle: a learner suspended, an event grade changed, a competency unlinked.
    store = sandbox.store
    user = store.one("SELECT id FROM user WHERE idnumber = 'emp000002'")["id"]
    course = _course_id(client, "lmsb-EMP-2026-emp-omvarld")
    store.enrol(course, user, suspended=True)
    item = store.one("SELECT id FROM grade_items WHERE idnumber = 'lmsb-EMP-S1-CASE'")["id"]
    graded = store.one("SELECT userid FROM grade_grades WHERE itemid = ? AND finalgrade IS NOT NULL", item)["userid"]
    store.set_grade(item, graded, 1.0, feedback="changed by hand")
    link = store.one("SELECT cc.courseid, cc.competencyid, c.idnumber, co.idnumber AS course FROM course_competency "
                     "cc JOIN competency c ON c.id = cc.competencyid JOIN course co ON co.id = cc.courseid LIMIT 1")
    store.execute("DELETE FROM course_competency WHERE courseid = ? AND competencyid = ?", link["courseid"],
                  link["competencyid"])
    fixed = run_sync(settings, client)
    assert fixed.exit_code == 0
    assert sorted((a.entity, a.op) for a in fixed.plan.actions) == [
        ("course_competency", "add"), ("enrolment", "reactivate"), ("grade", "set")]
    assert run_sync(settings, client).plan.actions == []
