"""People through the companion plugin's bulk functions (issue 19) on the sandbox: a first sync creates, enrols,
finds and adds to cohorts participants with local_lmsbridge_create_users / _enrol_users / _get_users /
_add_cohort_members, a row the site refuses fails
alone with its file and line, and a service without those functions gets the same result through core's."""

from __future__ import annotations

from pathlib import Path

from sync_helpers import SOURCE, sample_rows, write_calls

from lmsbridge.demo_data import write_roster
from lmsbridge.moodle import PLUGIN_BULK_FUNCTIONS, MoodleClient
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.run import run_sync
from lmsbridge.sync.settings import SyncSettings

CORE = {"core_user_create_users", "enrol_manual_enrol_users", "core_user_get_users_by_field",
        "core_cohort_add_cohort_members"}


def test_a_bad_row_fails_alone_and_the_rest_goes_in_bulk(tmp_path: Path) -> None:
    rows = sample_rows()
    swedes = [r for r in rows if r["lang"] == "sv"]
    roster = write_roster(tmp_path / "roster.csv", rows)
    with Sandbox(langs=("en", "lt", "lv", "et", "fi", "de", "pl", "ru")) as sb, \
            MoodleClient(sb.url, sb.token) as client:  # no Swedish language pack on this site
        settings = SyncSettings(source=SOURCE, rosters=[roster], state_dir=tmp_path / "state")
        first = run_sync(settings, client)
        assert first.exit_code == 1 and first.result is not None
        created = [f for f in first.result.failures if f.entity == "user" and not f.skipped]
        assert sorted(f.key for f in created) == sorted("lmsb-" + r["idnumber"] for r in swedes)
        lines = {r["idnumber"]: i + 2 for i, r in enumerate(rows)}  # the header is line 1
        f = created[0]
        assert f.source == f"{roster}:{lines[f.key.removeprefix('lmsb-')]}"
        assert (f.errorcode, f.message) == ("invalidparameter", "Invalid language code: sv")
        assert "the site has no 'sv' language pack" in f.hint
        skipped = [f for f in first.result.failures if f.entity == "enrolment"]
        assert skipped and all(f.skipped and "failed earlier in this run" in f.message for f in skipped)
        assert first.result.applied["user"]["create"] == len(rows) - len(swedes)
        calls = set(sb.calls)
        assert set(PLUGIN_BULK_FUNCTIONS) <= calls and not CORE & calls

        sb.langs = frozenset(sb.langs | {"sv"})  # the pack is installed: the next sync creates the rest
        second = run_sync(settings, client)
        assert second.exit_code == 0 and second.result is not None
        assert second.result.applied["user"] == {"create": len(swedes)}
        since = len(sb.calls)
        third = run_sync(settings, client)
        assert third.exit_code == 0 and third.plan is not None and not third.plan.actions
        assert write_calls(sb, since) == []


def test_without_the_bulk_functions_core_gives_the_same_site(tmp_path: Path) -> None:
    rows = sample_rows()
    roster = write_roster(tmp_path / "roster.csv", rows)
    with Sandbox() as sb:
        core_only = sb.add_token(functions=[f for f in sb.functions if f not in PLUGIN_BULK_FUNCTIONS])
        with MoodleClient(sb.url, core_only) as client:
            settings = SyncSettings(source=SOURCE, rosters=[roster], state_dir=tmp_path / "state")
            first = run_sync(settings, client)
            assert first.exit_code == 0 and first.result is not None
            assert first.result.applied["user"]["create"] == len(rows)
            assert CORE <= set(sb.calls) and not set(PLUGIN_BULK_FUNCTIONS) & set(sb.calls)
        since = len(sb.calls)
        with MoodleClient(sb.url, sb.token) as client:  # the plugin's look-up reads the same site: nothing to do
            again = run_sync(settings, client)
            assert again.exit_code == 0 and again.plan is not None and not again.plan.actions
            assert "local_lmsbridge_get_users" in sb.calls[since:] and write_calls(sb, since) == []
