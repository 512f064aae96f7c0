"""Every Moodle 5.0 recording in ../shared/moodle-contract, replayed against the sandbox.

For each recording: a fresh sandbox holding the recording's world (tests/sandbox/contract_world.py: the same
names, and the objects the request refers to), the recorded request sent over HTTP (tokens substituted per
placeholder, recorded ids remapped to the sandbox's), and the answer compared with the recorded one.

Comparison rules (what must match, what may differ):
- HTTP status: equal. Content type: same family (JSON, XML, text/plain, text/html).
- Errors (JSON with "exception"): same exception class, same errorcode (or none, as for PHP's TypeError), same
  keys (so "debuginfo" appears exactly when the recording has it). Message and debuginfo text may differ.
- Other JSON: same shape, recursively. Objects: same key set. Scalars: same JSON type, where int and float are one
  "number" type (PHP prints 85.0 as 85). Lists: at the top level both empty or both not; every element the
  sandbox returns has the shape of some recorded element; a nested empty list matches any list (the recorded
  site's data and ours differ in amount, not kind).
- XML: same root (RESPONSE or EXCEPTION), same exception class and ERRORCODE.
- Non-JSON text (grades_update_wrong_courseid, upload errors' bodies are JSON): equal text.
- May differ: generated ids, names, timestamps, URLs, hashes, the 5-char run suffix, counts of list elements.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests

from contract_world import RECORDED_IDS, SUFFIX, build_world, load, recordings
from lmsbridge.sandbox import Sandbox

MIB = 1024 * 1024

# Recordings no sandbox replays, and why.
SKIP = {
    "poc_local_labsync_add_scorm_ok": "PoC plugin local_labsync (not core, not ours); local_lmsbridge replaces it",
    "poc_local_labsync_add_scorm_invalid_package": "PoC plugin local_labsync (not core, not ours)",
    "poc_local_labsync_update_scorm_package_ok": "PoC plugin local_labsync (not core, not ours)",
    "course_duplicate_ok": "core_course_duplicate_course (a backup+restore) is not in the sandbox: lmsbridge "
                           "does not use it",
    "course_duplicate_error_duplicate_shortname": "core_course_duplicate_course is not in the sandbox",
    "course_import_ok": "core_course_import_course (backup+restore) is not in the sandbox: lmsbridge does not use it",
    "courseformat_update_course_cm_duplicate_ok": "core_courseformat_update_course (course editor state) is not "
                                                  "in the sandbox: lmsbridge does not use it",
}

# Create-ok recordings make objects the world already holds under the run's suffix: they get a fresh suffix.
FRESH = {"categories_create_ok", "categories_create_child_ok", "courses_create_ok", "courses_create_empty_for_import",
         "users_create_ok", "users_create_createpassword_ok", "cohorts_create_ok", "cohorts_create_category_ok",
         "competency_create_framework_ok", "competency_create_competency_ok"}

# Which kind of id a parameter holds (by its name without indices); None = look at the sibling "type" key.
ID_PARAMS = {
    "courseid": "course", "courseids": "course", "importfrom": "course", "importto": "course",
    "courses.id": "course", "enrolments.courseid": "course", "categoryid": "category", "courses.categoryid":
        "category", "categories.parent": "category", "categories.id": "category", "userid": "user",
    "userids": "user", "users.id": "user", "enrolments.userid": "user", "grades.studentid": "user",
    "messages.touserid": "user", "cohortids": "cohort", "scormid": "scorm", "cmid": "cm", "activityid": "cm",
    "ids": "cm", "scoid": "sco", "competency.competencyframeworkid": "framework", "competencyid": "competency",
    "instance": "scorm", "id": "course",
}


def _kind(name: str) -> str | None:
    parts = [p for p in re.split(r"[\[\]]+", name) if p and not p.isdigit()]
    return ID_PARAMS.get(".".join(parts)) or ID_PARAMS.get(parts[-1] if len(parts) == 1 else "")


class Replay:
    def __init__(self, sb: Sandbox, ids: dict[str, int], tokens: dict[str, str], scenario: str) -> None:
        self.sb, self.ids, self.tokens, self.scenario = sb, ids, tokens, scenario

    def value(self, name: str, value: str, params: list[list[str]]) -> str:
        for placeholder, token in self.tokens.items():
            value = value.replace(placeholder, token)
        if self.scenario in FRESH and "[categorytype]" not in name:
            value = value.replace(SUFFIX, "new01")
        kind = _kind(name)
        if name.endswith("[value]") and re.search(r"\[(cohorttype|usertype|categorytype)\]", name):
            sib = dict((k, v) for k, v in params).get(name.replace("[value]", "[type]"))
            kind = {"cohorttype": "cohort", "usertype": "user", "categorytype": "category"}[
                re.search(r"\[(cohorttype|usertype|categorytype)\]", name).group(1)] if sib == "id" else None
        if name.startswith("criteria") and name.endswith("[value]"):
            key = dict((k, v) for k, v in params).get(name.replace("[value]", "[key]"))
            kind = "category" if key == "id" and "categories" in self.scenario else (
                "user" if key == "id" else None)
        if kind and value.isdigit() and int(value) in RECORDED_IDS.get(kind, {}):
            value = str(self.ids[RECORDED_IDS[kind][int(value)]])
        if name in ("ids", "value") and "," in value and "courses_get_by_field" in self.scenario:
            value = ",".join(str(self.ids[RECORDED_IDS["course"][int(v)]]) for v in value.split(","))
        return value

    def params(self, params: list[list[str]]) -> list[tuple[str, str]]:
        return [(k, self.value(k, v, params)) for k, v in params]


def _world(scenario: str, **kw: Any) -> tuple[Sandbox, dict[str, int], dict[str, str]]:
    sb = Sandbox(debug=scenario.endswith("_debug"), **kw).start()
    ids = build_world(sb)
    tokens = {"{{WS_TOKEN}}": sb.token,
              "{{ADMIN_TOKEN}}": sb.add_token(userid=2),
              "{{NOREST_TOKEN}}": sb.add_token(userid=ids["norest"], rest_use=False),
              "{{RESTONLY_TOKEN}}": sb.add_token(userid=ids["restonly"], capabilities=["webservice/rest:use"])}
    return sb, ids, tokens


def _upload(sb: Sandbox, files: dict[str, tuple[str, bytes]], **fields: str) -> requests.Response:
    return requests.post(f"{sb.url}/webservice/upload.php", data={"token": sb.token, **fields}, files=files,
                         timeout=30)


def _preconditions(scenario: str, sb: Sandbox, ids: dict[str, int], params: list[list[str]]) -> list[list[str]]:
    """Per-recording state the shared world lacks; returns the params, adjusted where the state is new."""
    db = sb.db
    if scenario == "competency_add_to_course_again":
        with db.transaction():
            db.insert("course_competency", courseid=ids["courseA"], competencyid=ids["comp"], sortorder=0,
                      ruleoutcome=1, timecreated=1, timemodified=1, usermodified=3)
    if scenario == "competency_list_course_competencies_ok":
        with db.transaction():
            db.insert("course_competency", courseid=ids["courseA"], competencyid=ids["comp"], sortorder=0,
                      ruleoutcome=1, timecreated=1, timemodified=1, usermodified=3)
    if scenario in ("files_add_user_private_files_ok", "files_get_files_private_ok", "upload_duplicate_filename"):
        draft = _upload(sb, {"file_1": ("golf.zip", b"x" * 100)}).json()[0]["itemid"]
        if scenario == "files_get_files_private_ok":
            requests.post(f"{sb.url}/webservice/rest/server.php", timeout=30, data={
                "wstoken": sb.token, "wsfunction": "core_user_add_user_private_files", "moodlewsrestformat": "json",
                "draftid": draft})
        return [[k, str(draft) if k in ("draftid", "itemid") else v] for k, v in params]
    return params


def _send(sb: Sandbox, replay: Replay, rec: dict) -> requests.Response:
    req = rec["request"]
    url = sb.url + req["path"]
    if "multipart" in req:
        mp = req["multipart"]
        fields = replay.params(mp["form_fields"])
        files = [(f["field"], (f["filename"], b"x" * f["size"])) for f in mp["files"]]
        return _multipart_post(url, fields, files)
    if req["content_type"] == "application/json":
        body = req["body"]
        for placeholder, token in replay.tokens.items():
            body = body.replace(placeholder, token)
        return requests.post(url, data=body.encode(), headers={"Content-Type": "application/json"}, timeout=30)
    params = replay.params(req["params"])
    if req["method"] == "GET":
        return requests.get(url, params=params, timeout=30)
    return requests.post(url, data=params, timeout=30)


def _multipart_post(url: str, fields: list[tuple[str, str]], files: list) -> requests.Response:
    boundary = "sandboxboundary1234"
    parts = []
    for k, v in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for field, (filename, content) in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return requests.post(url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                         timeout=30)


# --- shape comparison ---------------------------------------------------------------------------------------------

def _type(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return {str: "string", type(None): "null", list: "list", dict: "object"}[type(v)]


def shape_errors(rec: Any, got: Any, path: str = "$", top: bool = True) -> list[str]:
    if _type(rec) != _type(got):
        return [f"{path}: recorded {_type(rec)}, sandbox {_type(got)} ({got!r:.80})"]
    if isinstance(rec, dict):
        if set(rec) != set(got):
            return [f"{path}: keys differ: only recorded {sorted(set(rec) - set(got))}, "
                    f"only sandbox {sorted(set(got) - set(rec))}"]
        return [e for k in rec for e in shape_errors(rec[k], got[k], f"{path}.{k}", False)]
    if isinstance(rec, list):
        if top and bool(rec) != bool(got):
            return [f"{path}: recorded {len(rec)} elements, sandbox {len(got)}"]
        if not rec or not got:
            return []
        errors = []
        for i, g in enumerate(got):
            tries = [shape_errors(r, g, f"{path}[{i}]", False) for r in rec]
            if all(tries):
                errors.append(min(tries, key=len)[0])
        return errors[:5]
    return []


def _family(content_type: str | None) -> str:
    ct = (content_type or "").lower()
    return next((f for f in ("json", "xml", "text/plain", "text/html") if f in ct), "other")


def compare(rec: dict, resp: requests.Response) -> None:
    expected = rec["response"]
    assert resp.status_code == expected["http_status"], resp.text[:300]
    text = expected["body_text"]
    if text.startswith("<?xml"):
        mine, theirs = ET.fromstring(resp.text), ET.fromstring(text)
        assert mine.tag == theirs.tag, resp.text[:300]
        if theirs.tag == "EXCEPTION":
            assert mine.get("class") == theirs.get("class")
            assert mine.findtext("ERRORCODE") == theirs.findtext("ERRORCODE")
        return
    if expected["body_json"] is None and text not in ("null", ""):
        try:
            json.loads(text)
        except ValueError:
            assert resp.text == text
            assert _family(resp.headers.get("Content-Type")) == _family(expected["headers"].get("Content-type"))
            return
    if text == "":
        assert resp.text == ""
        return
    got = resp.json()
    want = json.loads(text)
    if isinstance(want, dict) and "exception" in want:
        assert got.get("exception") == want["exception"], got
        assert got.get("errorcode") == want.get("errorcode"), got
        assert set(got) == set(want), got
        return
    if isinstance(want, dict) and "errorcode" in want and "error" in want:  # upload.php's own error shape
        assert got.get("errorcode") == want["errorcode"], got
        assert set(got) == set(want)
        return
    errors = shape_errors(want, got)
    assert not errors, "\n".join(errors)


# --- the recordings ------------------------------------------------------------------------------------------------

LIMITS = {n for n in recordings() if n.startswith("limits_")}


@pytest.mark.parametrize("scenario", [n for n in recordings() if n not in LIMITS])
def test_recording(shared: Any, scenario: str) -> None:
    if scenario in SKIP:
        pytest.skip(SKIP[scenario])
    rec = load(scenario)
    sb, ids, tokens = _world(scenario, webservices_enabled=scenario != "error_webservices_disabled")
    try:
        replay = Replay(sb, ids, tokens, scenario)
        req = rec["request"]
        if "params" in req:
            req["params"] = _preconditions(scenario, sb, ids, req["params"])
        elif "multipart" in req:
            req["multipart"]["form_fields"] = _preconditions(scenario, sb, ids, req["multipart"]["form_fields"])
        compare(rec, _send(sb, replay, rec))
    finally:
        sb.close()


def _users_body(token: str, items: int, fields: int, prefix: str, token_last: bool = False) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = [("wsfunction", "core_user_create_users"), ("moodlewsrestformat", "json")]
    names = ["username", "password", "firstname", "lastname", "email", "idnumber"][:fields]
    for i in range(items):
        values = {"username": f"{prefix}{i}-sbx", "password": "Pa55word!x", "firstname": "L", "lastname": f"M{i}",
                  "email": f"{prefix}{i}-sbx@example.com", "idnumber": f"{prefix}{i}-sbx"}
        params += [(f"users[{i}][{n}]", values[n]) for n in names]
    return params + [("wstoken", token)] if token_last else [("wstoken", token)] + params


@pytest.mark.parametrize("scenario", sorted(LIMITS))
def test_limit_recording(shared: Any, scenario: str) -> None:
    """The limits_* recordings: their request is a summary; the sandbox gets the recorded PHP ini values."""
    rec = load(scenario)
    summary = rec["request"]["summary"]
    with Sandbox(max_input_vars=5000, post_max_size=2 * MIB,
                 upload_max_filesize=1 * MIB if "upload_file" in scenario else 2 * MIB) as sb:
        url = sb.url + rec["request"]["path"]
        if scenario.startswith("limits_max_input_vars"):
            params = _users_body(sb.token, summary["items"], summary["fields_per_item"], scenario[-5:-2],
                                 summary["wstoken_position"] == "last")
            assert len(params) == summary["total_input_vars"]
            resp = requests.post(url, data=params, timeout=60)
            created = sb.db.scalar("SELECT COUNT(*) FROM user WHERE username LIKE '%-sbx'")
            assert created == summary["users_actually_created"]
            if summary["results_returned"]:
                assert len(resp.json()) == summary["results_returned"]
                assert resp.status_code == 200
                return
        elif scenario == "limits_rest_body_over_post_max_size":
            resp = requests.post(url, data=[("wstoken", sb.token), ("wsfunction", summary["function"]),
                                            ("moodlewsrestformat", "json"), ("users[0][id]", "3"),
                                            ("users[0][description]", "x" * summary["body_bytes"])], timeout=60)
        else:
            resp = _multipart_post(url, [("token", sb.token)], [("file_1", ("big.bin", b"x" * summary["file_bytes"]))])
        compare(rec, resp)
