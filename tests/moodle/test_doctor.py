"""`lmsbridge doctor` against loopback servers answering like Moodle (recorded site info, edited)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from moodle_loopback import TOKEN, LoopbackServer, Received, Reply, free_port, load_recording

from lmsbridge.capability_check import NOT_CHECKED
from lmsbridge.cli import cli
from lmsbridge.doctor import PLUGIN_FUNCTIONS, PLUGIN_MISSING, REQUIRED_FUNCTIONS
from lmsbridge.moodle import PLUGIN_CHECK_FUNCTION as CHECK_FUNCTION
from lmsbridge.moodle import PLUGIN_BULK_FUNCTIONS
from lmsbridge.moodle import PLUGIN_SERVICE_FUNCTIONS as SERVICE_FUNCTIONS


def site_info(*, drop: tuple[str, ...] = (), add: tuple[str, ...] = (), **fields: object) -> dict:
    info = dict(load_recording("site_info_ok")["response"]["body_json"])
    names = [f["name"] for f in info["functions"]]
    # The recorded service predates the sync's group-membership functions: a ready site has them too.
    names += [n for n in REQUIRED_FUNCTIONS if n not in names]
    names = [n for n in names if n not in drop] + list(add)
    info["functions"] = [{"name": n, "version": "2025041400"} for n in names]
    info.update(fields)
    return info


def doctor(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["doctor", "--url", url, *args], env={"LMSBRIDGE_MOODLE_TOKEN": TOKEN})
    assert TOKEN not in result.output
    return result.exit_code, result.output


def test_ready_site_reports_site_user_version_and_plugin_note(shared, server: LoopbackServer) -> None:
    server.default = Reply.json(site_info())
    code, out = doctor(server.url)
    assert code == 0, out
    assert "Moodle Lab (loopback)" in out and "wssync" in out and "5.0 (Build: 20250414)" in out
    assert PLUGIN_MISSING in out and "Ready" in out


def test_missing_required_functions_are_listed_with_the_fix(shared, server: LoopbackServer) -> None:
    server.default = Reply.json(site_info(drop=("core_user_create_users", "mod_scorm_get_scorm_sco_tracks")))
    code, out = doctor(server.url)
    assert code == 4
    assert "- core_user_create_users" in out and "- mod_scorm_get_scorm_sco_tracks" in out
    assert "External services" in out and "Not ready" in out


def test_plugin_installed_needs_uploads(shared, server: LoopbackServer) -> None:
    server.default = Reply.json(site_info(add=PLUGIN_FUNCTIONS, uploadfiles=0))
    code, out = doctor(server.url, "--json")
    report = json.loads(out)
    assert code == 4 and report["plugin_installed"] and report["missing_required"] == []
    assert any("upload" in p for p in report["problems"])
    server.default = Reply.json(site_info(add=PLUGIN_FUNCTIONS))
    code, out = doctor(server.url, "--json")
    assert code == 0 and json.loads(out)["notes"] == [NOT_CHECKED]  # an older plugin: ready, unchecked
    server.default = site_and_capabilities(lacking=())
    code, out = doctor(server.url, "--json")
    assert code == 0 and json.loads(out)["notes"] == [] and json.loads(out)["missing_capabilities"] == []


def site_and_capabilities(lacking: tuple[str, ...]):
    """A site with the whole plugin, whose check_capabilities says the token's user lacks `lacking`."""
    def answer(request: Received) -> Reply:
        form = parse_qs(request.body.decode())
        if form["wsfunction"] == [CHECK_FUNCTION]:
            asked = [v[0] for k, v in sorted(form.items()) if k.startswith("capabilities[")]
            return Reply.json({"capabilities": [{"name": c, "known": True, "allowed": c not in lacking}
                                                for c in asked]})
        return Reply.json(site_info(add=SERVICE_FUNCTIONS))
    return answer


def test_the_sync_users_missing_capabilities_are_named_with_the_fix(shared, server: LoopbackServer) -> None:
    server.default = site_and_capabilities(lacking=("moodle/competency:coursecompetencyview",
                                                    "moodle/course:setforcedlanguage"))
    code, out = doctor(server.url)
    assert code == 4 and "Not ready" in out
    assert "lacks 2 capabilities of the README's list" in out
    assert "'View course competencies' (moodle/competency:coursecompetencyview)" in out
    assert "'Force course or activity language' (moodle/course:setforcedlanguage)" in out


def test_older_plugin_without_the_bulk_read_is_ready_with_a_note(shared, server: LoopbackServer) -> None:
    older = tuple(f for f in PLUGIN_FUNCTIONS if f != "local_lmsbridge_read_courses")
    server.default = Reply.json(site_info(add=older))
    code, out = doctor(server.url)
    assert code == 0 and "Ready" in out
    assert "  - local_lmsbridge_read_courses" in out
    assert "a few calls per course instead of one for all" in out and "lmsbridge moodle-plugin" in out


def test_older_plugin_without_the_bulk_functions_is_ready_with_a_note(shared, server: LoopbackServer) -> None:
    older = tuple(f for f in PLUGIN_FUNCTIONS if f not in PLUGIN_BULK_FUNCTIONS)
    server.default = Reply.json(site_info(add=older))
    code, out = doctor(server.url)
    assert code == 0 and "Ready" in out
    assert "  - local_lmsbridge_create_users" in out and "  - local_lmsbridge_get_users" in out
    assert "row by row (a first sync takes at least twice as long)" in out


def test_invalid_token_and_disabled_web_services(shared, server: LoopbackServer) -> None:
    server.default = Reply.recorded(load_recording("error_invalid_token"))
    code, out = doctor(server.url)
    assert code == 4 and "Manage tokens" in out
    server.default = Reply.recorded(load_recording("error_webservices_disabled"))
    code, out = doctor(server.url)
    assert code == 4 and "Enable web services" in out
    server.default = Reply.recorded(load_recording("error_user_lacks_rest_use_capability"))
    code, out = doctor(server.url)
    assert code == 4 and "webservice/rest:use" in out


def test_unreachable_moodle_exits_4() -> None:
    code, out = doctor(f"http://127.0.0.1:{free_port()}", "--json")
    report = json.loads(out)
    assert code == 4 and report["reachable"] is False and "Connection refused" in report["problems"][0]


def test_bad_settings_are_usage_errors() -> None:
    result = CliRunner().invoke(cli, ["doctor", "--url", "http://moodle.example.org"],
                                env={"LMSBRIDGE_MOODLE_TOKEN": TOKEN})
    assert result.exit_code == 2 and "refusing plain http://" in result.output


def test_required_list_has_no_duplicates_and_no_plugin_functions() -> None:
    assert len(set(REQUIRED_FUNCTIONS)) == len(REQUIRED_FUNCTIONS)
    assert not any(f.startswith("local_") for f in REQUIRED_FUNCTIONS)


def test_doctor_against_the_sandbox() -> None:
    """Once lmsbridge.sandbox.Sandbox exists: the doctor reads its site info like a real Moodle's."""
    try:
        from lmsbridge.sandbox import Sandbox
    except ImportError:
        pytest.skip("lmsbridge.sandbox.Sandbox is not available yet")
    from lmsbridge.moodle import MoodleSettings
    from lmsbridge.doctor import run_doctor

    with Sandbox() as sandbox:
        report = run_doctor(MoodleSettings(url=sandbox.url, token=sandbox.token))
        assert report.reachable and report.site_name and report.release, report
        assert report.ready == (not report.missing_required), report
        code, out = doctor(sandbox.url, "--token", sandbox.token)
        assert code == report.exit_code
