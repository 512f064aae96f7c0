"""The sandbox's own behaviour over real HTTP: batches, PHP input limits, formats, upload, faults, persistence,
tokens and the `lmsbridge sandbox` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from lmsbridge.sandbox import Faults, Sandbox
from lmsbridge.sandbox.phpform import build, split_pairs


def rest(sb: Sandbox, function: str, params: list[tuple[str, str]] | dict | None = None, *, token: str | None = None,
         fmt: str = "json", timeout: float = 10) -> requests.Response:
    data = [("wstoken", token or sb.token), ("wsfunction", function), ("moodlewsrestformat", fmt)]
    data += list(params.items()) if isinstance(params, dict) else list(params or [])
    return requests.post(f"{sb.url}/webservice/rest/server.php", data=data, timeout=timeout)


def user_params(n: int, start: int = 0, prefix: str = "u") -> list[tuple[str, str]]:
    out = []
    for i in range(start, start + n):
        out += [(f"users[{i}][username]", f"{prefix}{i}"), (f"users[{i}][createpassword]", "1"),
                (f"users[{i}][firstname]", "F"), (f"users[{i}][lastname]", "L"),
                (f"users[{i}][email]", f"{prefix}{i}@example.com")]
    return out


@pytest.fixture
def sb():
    with Sandbox() as s:
        yield s


def test_php_bracket_decoding() -> None:
    assert build(split_pairs("v[]=a&v[]=b&x[3]=c&x[7]=d&a[0][b]=1&a[0][c]=2")) == {
        "v": {0: "a", 1: "b"}, "x": {3: "c", 7: "d"}, "a": {0: {"b": "1", "c": "2"}}}
    assert build(split_pairs("a.b=1&c+d=2&e[01]=3")) == {"a_b": "1", "c_d": "2", "e": {"01": "3"}}


def test_create_batch_is_all_or_nothing(sb: Sandbox) -> None:
    params = user_params(2)
    params[5] = ("users[1][username]", "admin")  # the second user clashes with the admin
    r = rest(sb, "core_user_create_users", params)
    assert r.json()["errorcode"] == "invalidparameter"
    assert sb.db.scalar("SELECT COUNT(*) FROM user WHERE username = 'u0'") == 0
    course = sb.db.create_course(fullname="C", shortname="C", category=1)
    r = rest(sb, "enrol_manual_enrol_users", {"enrolments[0][roleid]": "5", "enrolments[0][userid]": "3",
                                              "enrolments[0][courseid]": str(course), "enrolments[1][roleid]": "5",
                                              "enrolments[1][userid]": "999", "enrolments[1][courseid]": str(course)})
    assert r.json()["exception"] == "TypeError" and "errorcode" not in r.json()
    assert not sb.db.is_enrolled(course, 3)


def test_update_gives_per_item_warnings_and_goes_on(sb: Sandbox) -> None:
    uid = sb.db.create_user(username="ann", firstname="A", lastname="L", email="ann@example.com")
    r = rest(sb, "core_user_update_users", {"users[0][id]": "999", "users[0][city]": "X",
                                            "users[1][id]": str(uid), "users[1][city]": "Riga"})
    assert [w["warningcode"] for w in r.json()["warnings"]] == ["invaliduserid"]
    assert sb.db.scalar("SELECT city FROM user WHERE id = ?", uid) == "Riga"


def test_enrol_again_updates_and_reactivates(sb: Sandbox) -> None:
    course = sb.db.create_course(fullname="C", shortname="C", category=1)
    e = {"enrolments[0][roleid]": "5", "enrolments[0][userid]": "3", "enrolments[0][courseid]": str(course)}
    rest(sb, "enrol_manual_enrol_users", {**e, "enrolments[0][suspend]": "1", "enrolments[0][timestart]": "100"})
    assert rest(sb, "core_enrol_get_enrolled_users", {"courseid": str(course), "options[0][name]": "onlyactive",
                                                      "options[0][value]": "1"}).json() == []
    rest(sb, "enrol_manual_enrol_users", e)
    ue = sb.db.one("SELECT * FROM user_enrolments")
    assert (ue["status"], ue["timestart"]) == (0, 0)


def test_max_input_vars_truncates_silently_like_php() -> None:
    with Sandbox(max_input_vars=22) as sb:  # PHP keeps 22 + 1 vars of a POST body: 3 + 4 users x 5 fields
        r = rest(sb, "core_user_create_users", user_params(5))  # 28 vars: user 4 loses everything
        assert len(r.json()) == 4
        assert sb.db.scalar("SELECT COUNT(*) FROM user WHERE username LIKE 'u%'") == 4
        params = [("wsfunction", "core_user_create_users"), ("moodlewsrestformat", "json")] + \
            user_params(5, 10) + [("wstoken", sb.token)]
        r = requests.post(f"{sb.url}/webservice/rest/server.php", data=params, timeout=10)
        assert r.json()["errorcode"] == "invalidtoken"


def test_xml_unless_json_and_json_body_ignored(sb: Sandbox) -> None:
    r = rest(sb, "core_webservice_get_site_info", fmt="yaml")
    assert r.text.startswith('<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n<SINGLE>')
    r = requests.post(f"{sb.url}/webservice/rest/server.php", json={"wstoken": sb.token}, timeout=10)
    assert "<ERRORCODE>invalidtoken</ERRORCODE>" in r.text
    r = rest(sb, "core_user_update_users", {"users[0][id]": "3", "users[0][suspended]": "true"})
    assert r.json()["errorcode"] == "invalidparameter"
    assert rest(sb, "core_webservice_get_site_info", {"foo": "bar"}).json()["errorcode"] == "invalidparameter"


def test_tokens_and_disabled_web_services(sb: Sandbox) -> None:
    norest = sb.add_token(rest_use=False)
    assert rest(sb, "core_webservice_get_site_info", token=norest).json()["errorcode"] == "accessexception"
    narrow = sb.add_token(functions=["core_webservice_get_site_info"])
    info = rest(sb, "core_webservice_get_site_info", token=narrow).json()
    assert [f["name"] for f in info["functions"]] == ["core_webservice_get_site_info"]
    assert rest(sb, "core_user_get_users", {"criteria[0][key]": "id", "criteria[0][value]": "2"},
                token=narrow).json()["errorcode"] == "accessexception"
    sb.webservices_enabled = False
    r = rest(sb, "core_webservice_get_site_info")
    assert (r.status_code, r.text) == (403, "")


def test_upload_then_download(sb: Sandbox) -> None:
    up = requests.post(f"{sb.url}/webservice/upload.php", data={"token": sb.token},
                       files={"file_1": ("pkg.zip", b"PK-data")}, timeout=10).json()
    assert up[0]["filename"] == "pkg.zip" and up[0]["filesize"] == 7
    again = requests.post(f"{sb.url}/webservice/upload.php", data={"token": sb.token, "itemid": up[0]["itemid"]},
                          files={"file_1": ("pkg.zip", b"x")}, timeout=10).json()
    assert again[0]["errortype"] == "filenameexist"
    url = f"{sb.url}/webservice/pluginfile.php/{up[0]['contextid']}/user/draft/{up[0]['itemid']}/pkg.zip"
    assert requests.get(url, params={"token": sb.token}, timeout=10).content == b"PK-data"
    assert requests.get(url, params={"token": "nope"}, timeout=10).status_code == 404
    bad = requests.post(f"{sb.url}/webservice/upload.php", data={"token": "nope"},
                        files={"file_1": ("a", b"a")}, timeout=10).json()
    assert bad["errorcode"] == "invalidtoken" and set(bad) == {"error", "errorcode", "stacktrace", "debuginfo",
                                                               "reproductionlink"}


def _count_users(sb: Sandbox) -> int:
    return int(sb.db.scalar("SELECT COUNT(*) FROM user WHERE username LIKE 'u%'"))


def test_faults_never_half_apply(sb: Sandbox) -> None:
    sb.fault_plan.script("http_5xx", "reset", "drop_after_commit")
    r = rest(sb, "core_user_create_users", user_params(1, 0))
    assert r.status_code >= 500 and _count_users(sb) == 0
    with pytest.raises(requests.ConnectionError):
        rest(sb, "core_user_create_users", user_params(1, 1))
    assert _count_users(sb) == 0
    with pytest.raises(requests.ConnectionError):
        rest(sb, "core_user_create_users", user_params(1, 2))
    assert _count_users(sb) == 1  # committed, then the answer was lost
    assert [f for _, f in sb.fault_plan.injected] == ["http_5xx", "reset", "drop_after_commit"]


def test_timeout_fault_applies_after_the_client_gave_up() -> None:
    with Sandbox(faults=Faults(timeout_s=1.0)) as sb:
        sb.fault_plan.script("timeout")
        with pytest.raises(requests.Timeout):
            rest(sb, "core_user_create_users", user_params(1), timeout=0.3)
        deadline = time.monotonic() + 5
        while _count_users(sb) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _count_users(sb) == 1


def test_latency_and_seeded_fault_rate() -> None:
    with Sandbox(faults=Faults(latency_ms=50, per_row_ms=10)) as sb:
        t = time.monotonic()
        rest(sb, "core_user_create_users", user_params(5))
        assert time.monotonic() - t >= 0.1  # 50 ms + 5 rows x 10 ms

    def outcomes(seed: int) -> list[int]:
        with Sandbox(faults=Faults(fail_rate=0.3, seed=seed)) as sb:
            return [rest(sb, "core_webservice_get_site_info").status_code for _ in range(30)]

    first = outcomes(7)
    assert first == outcomes(7) and 0 < sum(s != 200 for s in first) < 30


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = str(tmp_path / "moodle.sqlite")
    with Sandbox(state=state) as sb:
        token = sb.token
        rest(sb, "core_user_create_users", user_params(2))
    with Sandbox(state=state) as sb:
        assert sb.token == token
        r = rest(sb, "core_user_get_users_by_field", {"field": "username", "values[0]": "u1"})
        assert r.json()[0]["email"] == "u1@example.com"


def test_cli_prints_url_and_token_and_stops_on_sigterm(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("lmsbridge")
    proc = subprocess.Popen([str(exe), "sandbox", "--token", "clitoken123", "--state", str(tmp_path / "s.db")],
                            stdout=subprocess.PIPE, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        url = next(line.split("=", 1)[1].strip() for line in lines if line.startswith("LMSBRIDGE_MOODLE_URL="))
        assert "LMSBRIDGE_MOODLE_TOKEN=clitoken123\n" in lines
        assert url.startswith("http://127.0.0.1:")
        r = requests.post(f"{url}/webservice/rest/server.php", timeout=10, data={
            "wstoken": "clitoken123", "wsfunction": "core_webservice_get_site_info", "moodlewsrestformat": "json"})
        assert r.json()["username"] == "wssync"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "stopped" in out
    assert out.count("clitoken123") == 0  # printed once, in the lines read above


def test_ids_are_never_reused_after_a_delete(sb: Sandbox) -> None:
    """As Moodle's database sequences: a course made after the newest one was deleted gets a new id, so nothing
    left behind that names the old id (a group, a cached id in a state dir) can be mistaken for the new course's."""
    first = sb.db.create_course(fullname="C", shortname="C", category=1)
    made = rest(sb, "core_group_create_groups", {"groups[0][courseid]": str(first), "groups[0][name]": "G",
                                                 "groups[0][description]": "", "groups[0][idnumber]": "g-1"}).json()
    assert made[0]["courseid"] == first
    assert rest(sb, "core_course_delete_courses", {"courseids[0]": str(first)}).json() == {"warnings": []}
    second = sb.db.create_course(fullname="C", shortname="C", category=1)
    assert second > first
    again = rest(sb, "core_group_create_groups", {"groups[0][courseid]": str(second), "groups[0][name]": "G",
                                                  "groups[0][description]": "", "groups[0][idnumber]": "g-1"}).json()
    assert again[0]["courseid"] == second
