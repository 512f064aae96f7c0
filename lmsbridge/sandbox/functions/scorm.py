"""mod_scorm_* reads (activities, SCO tree, tracks, attempt counts, user data) and the token user's own tracks.

Tracking data is seeded with Store.add_scorm() / Store.add_track(), as learners' SCOs would have written it.
"""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.errors import MissingRecord
from lmsbridge.sandbox.params import BOOL, DEFAULT, INT, RAW, Multiple, Single, Value
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import CONTEXT_MODULE


def _scorm_or_missing(call: Call, scormid: int) -> dict[str, Any]:
    s = call.store.one("SELECT * FROM scorm WHERE id = ?", scormid)
    if s is None:
        raise MissingRecord("scorm")
    return s


def scorm_record(call: Call, s: dict[str, Any]) -> dict[str, Any]:
    store = call.store
    cm = store.one("SELECT * FROM course_modules WHERE modname = 'scorm' AND instance = ?", s["id"]) or {}
    section = store.scalar("SELECT section FROM course_sections WHERE id = ?", cm.get("section")) or 0
    ctx = store.context_id(CONTEXT_MODULE, cm.get("id", 0))
    maxgrade = s["maxgrade"]
    return {
        "id": s["id"], "coursemodule": cm.get("id"), "course": s["course"], "name": s["name"], "intro": s["intro"],
        "introformat": 1, "introfiles": [], "section": section, "visible": bool(cm.get("visible", 1)),
        "groupmode": 0, "groupingid": 0, "lang": "", "packagesize": s["packagesize"],
        "packageurl": f"{call.site_url}/webservice/pluginfile.php/{ctx}/mod_scorm/package/0/{s['reference']}",
        "version": s["version"], "maxgrade": int(maxgrade) if maxgrade == int(maxgrade) else maxgrade,
        "grademethod": s["grademethod"], "whatgrade": s["whatgrade"], "maxattempt": s["maxattempt"],
        "forcecompleted": False, "forcenewattempt": 0, "lastattemptlock": False, "displayattemptstatus": 1,
        "displaycoursestructure": False, "sha1hash": s["sha1hash"], "md5hash": "", "revision": s["revision"],
        "launch": s["launch"], "skipview": 0, "hidebrowse": False, "hidetoc": 0, "nav": 1,
        "navpositionleft": -100, "navpositiontop": -100, "auto": False, "popup": s["popup"], "width": 100,
        "height": 500, "timeopen": 0, "timeclose": 0, "scormtype": "local", "reference": s["reference"],
        "protectpackagedownloads": False, "updatefreq": 0, "options": "",
        "completionstatusrequired": s["completionstatusrequired"],
        "completionscorerequired": s["completionscorerequired"],
        "completionstatusallscos": s["completionstatusallscos"], "autocommit": False,
        "timemodified": s["timemodified"]}


@function("mod_scorm_get_scorms_by_courses", {"courseids": Multiple(Value(INT), DEFAULT)}, write=False)
def get_scorms_by_courses(call: Call, courseids: list[int]) -> dict[str, Any]:
    store = call.store
    warnings, scorms = [], []
    if not courseids:
        courseids = [r["id"] for r in store.q("SELECT id FROM course WHERE id != 1 ORDER BY id")]
    for cid in courseids:
        if not store.scalar("SELECT 1 FROM course WHERE id = ?", cid):
            warnings.append({"item": "course", "itemid": cid, "warningcode": "1",
                             "message": "No access rights in course context"})
            continue
        scorms += [scorm_record(call, s) for s in store.q("SELECT * FROM scorm WHERE course = ? ORDER BY id", cid)]
    return {"scorms": scorms, "options": [{"name": "scormstandard", "value": "0"}], "warnings": warnings}


@function("mod_scorm_get_scorm_scoes", {"scormid": Value(INT), "organization": Value(RAW, DEFAULT, "")},
          write=False)
def get_scorm_scoes(call: Call, scormid: int, organization: str) -> dict[str, Any]:
    scorm = _scorm_or_missing(call, scormid)
    rows = call.store.q("SELECT * FROM scorm_scoes WHERE scorm = ? ORDER BY sortorder", scormid)
    if organization:
        rows = [r for r in rows if r["organization"] == organization]
    out = []
    for r in rows:
        extradata: list[dict[str, str]] = []
        if r["scormtype"] == "sco":
            extradata = [{"element": "isvisible", "value": "true"}, {"element": "parameters", "value": ""}]
            if scorm["version"] == "SCORM_1.3":
                extradata += [{"element": "completionsetbycontent", "value": "1"},
                              {"element": "objectivesetbycontent", "value": "1"}]
        elif scorm["version"] == "SCORM_1.3":
            extradata = [{"element": "choice", "value": "1"}, {"element": "flow", "value": "1"}]
        out.append({k: r[k] for k in ("id", "scorm", "manifest", "organization", "parent", "identifier", "launch",
                                      "scormtype", "title", "sortorder")} | {"extradata": extradata})
    return {"scoes": out, "warnings": []}


def _last_attempt(call: Call, scormid: int, userid: int) -> int:
    return int(call.store.scalar("SELECT MAX(attempt) FROM scorm_tracks WHERE scormid = ? AND userid = ?",
                                 scormid, userid) or 1)


def _track_summary(raw: dict[str, str], userid: int, scoid: int) -> list[dict[str, Any]]:
    """scorm_get_tracks(): derived summary first (score_raw, status, times), then the raw cmi elements."""
    out: list[dict[str, Any]] = []
    score = raw.get("cmi.core.score.raw", raw.get("cmi.score.raw"))
    if score not in (None, ""):
        out.append({"element": "score_raw", "value": float(score) if "." in score else int(score)})
    status = raw.get("cmi.core.lesson_status") or raw.get("cmi.success_status") or raw.get("cmi.completion_status")
    if status:
        out.append({"element": "status", "value": status})
    out.append({"element": "total_time", "value": raw.get("cmi.core.total_time", "00:00:00")})
    session = raw.get("cmi.core.session_time") or raw.get("cmi.session_time")
    if session:
        out.append({"element": "session_time", "value": session})
    out.append({"element": "timemodified", "value": raw.pop("__timemodified", "0")})
    out += [{"element": k, "value": v} for k, v in sorted(raw.items())]
    out += [{"element": "userid", "value": userid}, {"element": "scoid", "value": str(scoid)}]
    return out


@function("mod_scorm_get_scorm_sco_tracks", {"scoid": Value(INT), "userid": Value(INT),
                                             "attempt": Value(INT, DEFAULT, 0)}, write=False)
def get_scorm_sco_tracks(call: Call, scoid: int, userid: int, attempt: int) -> dict[str, Any]:
    sco = call.store.one("SELECT * FROM scorm_scoes WHERE id = ?", scoid)
    if sco is None:
        raise MissingRecord("scorm_scoes")
    attempt = attempt or _last_attempt(call, sco["scorm"], userid)
    rows = call.store.q("SELECT * FROM scorm_tracks WHERE scoid = ? AND userid = ? AND attempt = ? ORDER BY id",
                        scoid, userid, attempt)
    if not rows:
        return {"data": {"attempt": attempt, "tracks": []},
                "warnings": [{"item": "attempt", "itemid": attempt, "warningcode": "notattempted",
                              "message": "Not attempted"}]}
    raw = {r["element"]: r["value"] for r in rows}
    raw["__timemodified"] = str(max(r["timemodified"] for r in rows))
    return {"data": {"attempt": attempt, "tracks": _track_summary(raw, userid, scoid)}, "warnings": []}


@function("mod_scorm_get_scorm_attempt_count", {"scormid": Value(INT), "userid": Value(INT),
                                                "ignoremissingcompletion": Value(BOOL, DEFAULT, False)}, write=False)
def get_scorm_attempt_count(call: Call, scormid: int, userid: int, ignoremissingcompletion: bool) -> dict[str, Any]:
    _scorm_or_missing(call, scormid)
    count = call.store.scalar("SELECT COUNT(DISTINCT attempt) FROM scorm_tracks WHERE scormid = ? AND userid = ?",
                              scormid, userid)
    return {"attemptscount": int(count or 0), "warnings": []}


@function("mod_scorm_get_scorm_user_data", {"scormid": Value(INT), "attempt": Value(INT)}, write=False)
def get_scorm_user_data(call: Call, scormid: int, attempt: int) -> dict[str, Any]:
    _scorm_or_missing(call, scormid)
    user = call.store.one("SELECT * FROM user WHERE id = ?", call.userid) or {}
    name = f"{user.get('firstname', '')} {user.get('lastname', '')}"
    data = []
    for sco in call.store.q("SELECT * FROM scorm_scoes WHERE scorm = ? ORDER BY sortorder", scormid):
        tracks = {r["element"]: r["value"] for r in call.store.q(
            "SELECT * FROM scorm_tracks WHERE scoid = ? AND userid = ? AND attempt = ?", sco["id"], call.userid,
            attempt)}
        userdata = [{"element": "student_id", "value": user.get("username", "")},
                    {"element": "student_name", "value": name},
                    {"element": "status", "value": tracks.get("cmi.core.lesson_status", "")},
                    {"element": "score_raw", "value": tracks.get("cmi.core.score.raw", "")},
                    {"element": "parameters", "value": ""},
                    {"element": "entry", "value": "resume" if tracks else "ab-initio"},
                    {"element": "mode", "value": "normal"}, {"element": "credit", "value": "credit"}]
        defaults = {"cmi.core.student_id": user.get("username", ""), "cmi.core.student_name": name,
                    "cmi.core.credit": "credit", "cmi.core.entry": "ab-initio", "cmi.core.lesson_mode": "normal",
                    "cmi.core.total_time": "00:00:00", "cmi.core.lesson_status": "", "cmi.core.score.raw": ""}
        defaults.update(tracks)
        data.append({"scoid": sco["id"], "userdata": userdata,
                     "defaultdata": [{"element": k, "value": v} for k, v in defaults.items()]})
    return {"data": data, "warnings": []}


@function("mod_scorm_insert_scorm_tracks", {"scoid": Value(INT), "attempt": Value(INT), "tracks": Multiple(Single({
    "element": Value(RAW), "value": Value(RAW)}))}, write=True, rows="tracks")
def insert_scorm_tracks(call: Call, scoid: int, attempt: int, tracks: list[dict[str, str]]) -> dict[str, Any]:
    if not call.store.scalar("SELECT 1 FROM scorm_scoes WHERE id = ?", scoid):
        raise MissingRecord("scorm_scoes")
    ids = [call.store.add_track(call.userid, scoid, t["element"], t["value"], attempt=attempt) for t in tracks]
    return {"trackids": ids, "warnings": []}


@function("mod_scorm_launch_sco", {"scormid": Value(INT), "scoid": Value(INT, DEFAULT, 0)}, write=False)
def launch_sco(call: Call, scormid: int, scoid: int) -> dict[str, Any]:
    _scorm_or_missing(call, scormid)
    return {"status": True, "warnings": []}


@function("mod_scorm_get_scorm_access_information", {"scormid": Value(INT)}, write=False)
def get_scorm_access_information(call: Call, scormid: int) -> dict[str, Any]:
    _scorm_or_missing(call, scormid)
    return {"warnings": [], "canaddinstance": True, "canviewreport": True, "canskipview": True, "cansavetrack": True,
            "canviewscores": True, "candeleteresponses": False, "candeleteownresponses": False}
