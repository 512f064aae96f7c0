"""Running the sync as an administrator does: thresholds, JSON logs, `--every` with SIGTERM, journal hints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sync_helpers import SOURCE, run_cli, write_calls

from lmsbridge.demo_data import participants, write_roster
from lmsbridge.moodle import MoodleClient
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.settings import SyncSettings
from lmsbridge.sync.run import run_sync


def test_removal_threshold_blocks_and_can_be_tuned(sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "r.csv", participants("cluster-manager-education", 40))
    assert run_cli(["sync", "--roster", str(path)], sandbox, tmp_path).returncode == 0
    write_roster(path, participants("cluster-manager-education", 32))  # 8 of 40 leave: 20%
    blocked = run_cli(["sync", "--roster", str(path)], sandbox, tmp_path)
    assert blocked.returncode == 3
    assert "8 user suspend of 40 managed (20.0%), over the threshold of 10% / 100" in blocked.stdout
    planned = run_cli(["plan", "--roster", str(path)], sandbox, tmp_path)
    assert planned.returncode == 3 and "BLOCKED by safety" in planned.stdout
    tuned = run_cli(["sync", "--roster", str(path)], sandbox, tmp_path,
                    LMSBRIDGE_THRESHOLDS="user=25%/100,enrolment=25%/100,cohort_member=25%/100,group_member=50%")
    assert tuned.returncode == 0, tuned.stdout + tuned.stderr
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE suspended = 1") == 8


def test_json_logs_and_run_summary(sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "r.csv", participants("executive-management", 3))
    done = run_cli(["sync", "--roster", str(path), "--log-format", "json"], sandbox, tmp_path,
                   LMSBRIDGE_MOODLE_TOKEN=sandbox.token)
    assert done.returncode == 0
    entries = [json.loads(line) for line in done.stderr.splitlines() if line]
    assert entries and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(e.get("run_id") and "exit 0" in e["message"] for e in entries)
    assert sandbox.token not in done.stdout + done.stderr
    summary = json.loads((tmp_path / "state" / "last-run.json").read_text())
    assert summary["applied"]["user"] == {"create": 3} and summary["write_calls"] > 0
    assert (tmp_path / "state" / "runs" / f"{summary['run_id']}.json").is_file()


def test_every_runs_on_schedule_and_stops_gracefully_on_sigterm(sandbox: Sandbox, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "r.csv", participants("executive-management", 5))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMSBRIDGE_")}
    env.update(LMSBRIDGE_MOODLE_URL=sandbox.url, LMSBRIDGE_MOODLE_TOKEN=sandbox.token,
               LMSBRIDGE_SOURCE=str(SOURCE), LMSBRIDGE_STATE_DIR=str(tmp_path / "state"))
    proc = subprocess.Popen([sys.executable, "-m", "lmsbridge", "sync", "--roster", str(path), "--every", "1s"],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    summary = tmp_path / "state" / "last-run.json"
    while time.monotonic() < deadline and sandbox.calls.count("core_webservice_get_site_info") < 3:
        time.sleep(0.1)
    assert summary.is_file()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, out + err
    assert out.count("exit 0") >= 2 and "received SIGTERM" in err
    again = run_cli(["sync", "--roster", str(path)], sandbox, tmp_path)  # the lock was released
    assert again.returncode == 0 and "Nothing to change" in again.stdout


def test_a_group_deleted_by_hand_is_found_missing_and_made_again(sandbox: Sandbox, client: MoodleClient,
                                                                 settings: SyncSettings) -> None:
    assert run_sync(settings, client).exit_code == 0
    group = sandbox.db.one("SELECT * FROM groups WHERE idnumber LIKE 'lmsb-g-%' ORDER BY id LIMIT 1")
    sandbox.db.execute("DELETE FROM groups_members WHERE groupid = ?", group["id"])
    sandbox.db.execute("DELETE FROM groups WHERE id = ?", group["id"])
    outcome = run_sync(settings, client)
    assert outcome.exit_code == 0
    assert {(a.entity, a.op) for a in outcome.plan.actions} == {("group", "create"), ("group_member", "add")}
    before = len(sandbox.calls)
    assert run_sync(settings, client).plan.actions == [] and write_calls(sandbox, before) == []
