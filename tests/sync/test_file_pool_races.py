"""Moodle's file pool races parallel uploads of overlapping packages (storedfilecannotcreatefiledirs): the sync
sends the call again, so a first sync never fails because of its own parallelism."""

from __future__ import annotations

from pathlib import Path

from sync_helpers import SOURCE, sample_rows, write_calls

from lmsbridge.demo_data import write_roster
from lmsbridge.moodle import MoodleClient, RetryPolicy
from lmsbridge.sandbox import Faults, Sandbox
from lmsbridge.sync.run import run_sync
from lmsbridge.sync.settings import SyncSettings


def test_file_pool_races_are_sent_again_and_the_first_sync_succeeds(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv", sample_rows(sc=3, cme=3, emp=3))
    settings = SyncSettings(source=SOURCE, rosters=[roster], state_dir=tmp_path / "state", concurrency=4)
    with Sandbox(faults=Faults(file_race_rate=0.4, seed=3)) as sb:
        with MoodleClient(sb.url, sb.token, retry=RetryPolicy(retries=2, backoff_s=0.01)) as client:
            outcome = run_sync(settings, client)
            assert outcome.exit_code == 0, outcome.message + str(outcome.result and outcome.result.failures)
            races = [f for f, fault in sb.fault_plan.injected if fault == "file_race"]
            assert {"upload.php", "local_lmsbridge_upsert_scorm"} <= set(races)
            planned = [a for a in outcome.plan.actions if a.entity == "activity"]
            assert planned and outcome.result.applied["activity"]["create"] == len(planned)
            assert sb.db.scalar("SELECT count(*) FROM course_modules WHERE modname = 'scorm'") == len(planned)
            before = len(sb.calls)
            again = run_sync(settings, client)
            assert again.exit_code == 0 and again.plan.actions == []
            assert write_calls(sb, before) == []


def test_a_file_pool_error_that_persists_fails_only_its_row(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv", sample_rows(sc=2, cme=2, emp=2))
    settings = SyncSettings(source=SOURCE, rosters=[roster], state_dir=tmp_path / "state")
    with Sandbox(faults=Faults(file_race_rate=1.0)) as sb:  # a dataroot that is really not writable
        with MoodleClient(sb.url, sb.token, retry=RetryPolicy(retries=2, backoff_s=0.01)) as client:
            outcome = run_sync(settings, client)
            assert outcome.exit_code != 0 and outcome.result
            failures = [f for f in outcome.result.failures if f.entity == "activity"]
            assert failures and all(f.errorcode == "storedfilecannotcreatefiledirs" for f in failures)
            assert outcome.result.applied["user"]["create"] == 6  # the rest was applied
