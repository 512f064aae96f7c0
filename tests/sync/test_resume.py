"""Crash and flaky-network resilience: killed syncs and 10% transient failures converge with no duplicates."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sync_helpers import SOURCE, own_accounts, sample_rows, write_calls

from lmsbridge.exit_codes import ExitCode
from lmsbridge.demo_data import write_roster
from lmsbridge.moodle import MoodleClient, RetryPolicy
from lmsbridge.sandbox import Faults, Sandbox
from lmsbridge.sync.settings import SyncSettings
from lmsbridge.sync.run import run_sync

DUPLICATES = {
    "user": "SELECT idnumber FROM user WHERE idnumber != '' GROUP BY idnumber HAVING count(*) > 1",
    "course": "SELECT idnumber FROM course WHERE idnumber LIKE 'lmsb-%' GROUP BY idnumber HAVING count(*) > 1",
    "category": "SELECT idnumber FROM course_categories WHERE idnumber LIKE 'lmsb-%' GROUP BY idnumber "
                "HAVING count(*) > 1",
    "cohort": "SELECT idnumber FROM cohort WHERE idnumber LIKE 'lmsb-%' GROUP BY idnumber HAVING count(*) > 1",
    "group": "SELECT courseid, idnumber FROM groups WHERE idnumber LIKE 'lmsb-%' GROUP BY courseid, idnumber "
             "HAVING count(*) > 1",
}


def assert_no_duplicates(sb: Sandbox) -> None:
    for entity, sql in DUPLICATES.items():
        assert sb.db.q(sql) == [], f"duplicate {entity}s"


def _runs(state: Path) -> int:
    try:
        with sqlite3.connect(f"file:{state / 'journal.sqlite'}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM runs").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_at_random_points_then_rerun_converges(tmp_path: Path) -> None:
    """SIGKILL a real `lmsbridge sync` process 20+ times: at random moments from its start (reading, planning)
    and at random moments after its apply began; the roster alternates between two versions so that every run
    has work to do. A final run converges: everything once, and a further run writes nothing."""
    base = sample_rows(sc=100, cme=50, emp=50)
    other = base[15:] + sample_rows(sc=115, cme=0, emp=0)[100:]  # 15 leave, 15 join: under the thresholds
    roster = tmp_path / "roster.csv"
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMSBRIDGE_")}
    rng = random.Random(20261122)
    kills = in_apply = 0
    with Sandbox(faults=Faults(latency_ms=5, per_row_ms=1)) as sb:
        env.update(LMSBRIDGE_MOODLE_URL=sb.url, LMSBRIDGE_MOODLE_TOKEN=sb.token, LMSBRIDGE_SOURCE=str(SOURCE),
                   LMSBRIDGE_STATE_DIR=str(state), LMSBRIDGE_ROSTERS=str(roster))
        cmd = [sys.executable, "-m", "lmsbridge", "sync"]
        for i in range(80):  # until 22 kills: a run that finishes before its moment is not one
            if kills >= 22:
                break
            current = base if (i // 3) % 2 == 0 else other
            write_roster(roster, current)
            runs = _runs(state)
            proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if i % 2:  # a random moment after the apply began
                while proc.poll() is None and _runs(state) == runs:
                    time.sleep(0.02)
                time.sleep(rng.uniform(0.0, 0.6))
            else:  # a random moment from the start
                time.sleep(rng.uniform(0.2, 1.8))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
                in_apply += _runs(state) > runs
            proc.wait()
            assert_no_duplicates(sb)
        final = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert final.returncode == 0, final.stdout + final.stderr
        assert_no_duplicates(sb)
        # The roster the last run read (the loop may stop at the top of an iteration, before writing another).
        want = {r["idnumber"] for r in current}
        active = {r["idnumber"] for r in sb.db.q("SELECT idnumber FROM user WHERE idnumber != '' "
                                                  "AND suspended = 0")}
        assert active == want, final.stdout
        # every account it made is lmsbridge's, by the marker: none was taken for someone else's (adopted)
        assert set(own_accounts(sb)) == {r["idnumber"] for r in sb.db.q("SELECT idnumber FROM user WHERE "
                                                                        "idnumber != ''")}
        before = len(sb.calls)
        again = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and "Nothing to change" in again.stdout, again.stdout
        assert write_calls(sb, before) == []
    assert kills >= 20 and in_apply >= 8, (kills, in_apply)


def test_ten_percent_transient_failures_complete_without_duplicates(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv", sample_rows(sc=60, cme=40, emp=40))
    settings = SyncSettings(source=SOURCE, rosters=[roster], state_dir=tmp_path / "state")
    faults = Faults(fail_rate=0.04, reset_rate=0.03, drop_rate=0.03, seed=5)
    with Sandbox(faults=faults) as sb:
        with MoodleClient(sb.url, sb.token, retry=RetryPolicy(retries=6, backoff_s=0.01)) as client:
            outcome = run_sync(settings, client)
            assert outcome.exit_code == 0, outcome.message + str(outcome.result and outcome.result.failures)
            assert len(sb.fault_plan.injected) >= 5
            assert outcome.result.reconciled > 0
            assert_no_duplicates(sb)
            assert len(own_accounts(sb)) == 140
            before = len(sb.calls)
            again = run_sync(settings, client)
            assert again.exit_code == 0 and again.plan.actions == []
            assert write_calls(sb, before) == []


def test_second_sync_waits_for_the_lock_holder(tmp_path: Path, settings: SyncSettings) -> None:
    from lmsbridge.sync.journal import Lock

    with Sandbox() as sb, MoodleClient(sb.url, sb.token) as client:
        holder = Lock(settings.state_dir)
        holder.acquire()
        try:
            outcome = run_sync(settings, client)
        finally:
            holder.release()
        assert outcome.exit_code == ExitCode.LOCKED and f"pid {os.getpid()}" in outcome.message \
            and "started" in outcome.message
        assert write_calls(sb) == []
        assert run_sync(settings, client).exit_code == 0  # released: the next run goes ahead
