"""The applier's handlers for what is not a batched core list call: competencies (one item per call), SCORM
activities (upload through webservice/upload.php, then local_lmsbridge_upsert_scorm), event grade items and
grades (one call per course and item). Each failure is a row of the run summary; the rest goes on."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lmsbridge.moodle import (
    AccessException,
    ConnectError,
    InvalidToken,
    MoodleAPIError,
    MoodleError,
    ProtocolError,
    TransportError,
    TruncatedResult,
    WebServicesDisabled,
    split_batches,
)
from lmsbridge.plan import Action

if TYPE_CHECKING:
    from lmsbridge.applier import Applier

log = logging.getLogger("lmsbridge.applier")

# Moodle's default competence scale (id 2: "Not yet competent", "Competent"), as recorded on Moodle 5.0.
SCALE_ID = 2
SCALE_CONFIGURATION = json.dumps([{"scaleid": "2"}, {"id": 1, "scaledefault": 1, "proficient": 0},
                                  {"id": 2, "scaledefault": 0, "proficient": 1}], separators=(",", ":"))
SCORM_SETTINGS = {"grademethod": "highest", "whatgrade": "highest", "maxgrade": 100, "completionstatus": "passed",
                  "display": "currentwindow"}


def run_custom(ap: Applier, phase: tuple[str, str], actions: list[Action]) -> None:
    entity = phase[0]
    if entity == "competency_framework":
        _each(ap, actions, lambda a: _framework(ap, a), parallel=False)
    elif entity == "competency":
        _each(ap, actions, lambda a: _competency(ap, a), parallel=False)  # parents first: in plan order
    elif entity == "course_competency":
        _each(ap, actions, lambda a: _link(ap, a))
    elif entity == "activity":
        _each(ap, actions, lambda a: _activity(ap, a))
    elif entity == "grade_item":
        by_course: dict[str, list[Action]] = {}
        for a in actions:
            by_course.setdefault(a.after["course"], []).append(a)
        _each(ap, list(by_course.values()), lambda group: _grade_items(ap, group))
    elif entity == "grade":
        by_item: dict[tuple[str, str], list[Action]] = {}
        for a in actions:
            by_item.setdefault((a.after["course"], a.after["item"]), []).append(a)
        _each(ap, list(by_item.values()), lambda group: _grades(ap, group))


def _each(ap: Applier, work: list[Any], fn: Callable[[Any], None], *, parallel: bool = True) -> None:
    def guarded(item: Any) -> None:
        if ap.stop.is_set():
            ap.result.interrupted = True
            return
        actions = item if isinstance(item, list) else [item]
        from lmsbridge.applier import MAX_ATTEMPTS

        try:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    fn(item)
                    break
                except (TransportError, ProtocolError, TruncatedResult) as exc:
                    # Outcome unknown. Every call here is idempotent by idnumber (upserts, set grades, link), or,
                    # for the two creates, looked up by idnumber first: so the item is simply sent again.
                    if attempt == MAX_ATTEMPTS:
                        raise
                    log.info("%s: %s; sending again", actions[0].key, type(exc).__name__)
                    with ap._lock:
                        ap.result.reconciled += len(actions)
                    if _found(ap, actions[0]):
                        break
        except _SkipRow as skip:
            for a in actions:
                ap._fail(a, message=str(skip), skipped=True)
        except (InvalidToken, AccessException, WebServicesDisabled, ConnectError) as exc:
            from lmsbridge.applier import SiteFailure

            raise SiteFailure(str(exc)) from exc
        except MoodleAPIError as exc:
            for a in actions:
                ap._fail(a, message=exc.moodle_message, errorcode=exc.errorcode or exc.exception or "",
                         hint=_hint(a, exc.errorcode or ""))
        except MoodleError as exc:  # outcome unknown: the next sync reads the site and finishes what is missing
            for a in actions:
                ap._fail(a, message=f"outcome unknown: {exc}", hint="re-run the sync")

    if parallel and ap.concurrency > 1 and len(work) > 1:
        with ThreadPoolExecutor(max_workers=ap.concurrency) as pool:
            for f in [pool.submit(guarded, w) for w in work]:
                f.result()
    else:
        for w in work:
            guarded(w)


class _SkipRow(Exception):
    pass


def _id(ap: Applier, entity: str, key: str) -> int:
    from lmsbridge.applier import _Skip

    try:
        return ap._id(entity, key)
    except _Skip as exc:
        raise _SkipRow(str(exc)) from None


def _call(ap: Applier, function: str, params: dict[str, Any]) -> Any:
    with ap._lock:
        ap.result.calls += 1
    return ap.client.call(function, params)


def _hint(a: Action, code: str) -> str:
    if a.entity == "activity":
        return {"invalidpackage": "rebuild the package (lmsbridge build) and check it with lmsbridge validate",
                "idnumbertaken": "another activity or grade item in the course has this idnumber: rename it"
                }.get(code, "see lmsbridge doctor for the plugin's setup")
    if a.entity in ("grade_item", "grade"):
        return "check the event in moodle.toml and the results file"
    return ""


def _found(ap: Applier, a: Action) -> bool:
    """After an unknown outcome of a create: is it there? (Then it is recorded as applied.)"""
    if a.entity == "competency_framework":
        found = [f for f in ap.client.call("core_competency_list_competency_frameworks", {
            "context": {"contextlevel": "system", "instanceid": 0}}, read=True) or [] if f.get("idnumber") == a.key]
    elif a.entity == "competency":
        fwid = ap.ids["competency_framework"].get((a.after or {}).get("framework", ""))
        found = [c for c in ap.client.call("core_competency_list_competencies", {"filters": [
            {"column": "competencyframeworkid", "value": str(fwid)}]}, read=True) or []
            if c.get("idnumber") == a.key] if fwid else []
    else:
        return False
    if not found:
        return False
    with ap._lock:
        ap.ids[a.entity][a.key] = int(found[0]["id"])
    ap._applied([a], {a.seq: int(found[0]["id"])})
    return True


def _framework(ap: Applier, a: Action) -> None:
    x = a.after or {}
    answer = _call(ap, "core_competency_create_competency_framework", {"competencyframework": {
        "shortname": x["shortname"], "idnumber": a.key, "description": x.get("description", ""),
        "descriptionformat": 1, "contextlevel": "system", "instanceid": 0, "scaleid": SCALE_ID,
        "scaleconfiguration": SCALE_CONFIGURATION, "visible": 1}})
    new_id = int(answer["id"])
    with ap._lock:
        ap.ids["competency_framework"][a.key] = new_id
    ap._applied([a], {a.seq: new_id})


def _competency(ap: Applier, a: Action) -> None:
    x = a.after or {}
    params: dict[str, Any] = {"shortname": x["shortname"], "idnumber": a.key, "description": x["description"],
                              "descriptionformat": 1,
                              "competencyframeworkid": _id(ap, "competency_framework", x["framework"])}
    if x.get("parent"):
        params["parentid"] = _id(ap, "competency", x["parent"])
    answer = _call(ap, "core_competency_create_competency", {"competency": params})
    new_id = int(answer["id"])
    with ap._lock:
        ap.ids["competency"][a.key] = new_id
    ap._applied([a], {a.seq: new_id})


def _link(ap: Applier, a: Action) -> None:
    course, competency = a.key.split("|", 1)
    # true: linked now; false: it was linked already (both are what we want)
    _call(ap, "core_competency_add_competency_to_course", {"courseid": _id(ap, "course", course),
                                                           "competencyid": _id(ap, "competency", competency)})
    ap._applied([a], {})


def _activity(ap: Applier, a: Action) -> None:
    x = a.after or {}
    courseid = _id(ap, "course", x["course"])
    draft = 0
    if a.op == "create" or "sha1" in (a.before or {}):
        path = Path(x["package"])
        if not path.is_file():
            raise _SkipRow(f"package {path} of module {x['module']} is missing (the plan's build was removed); "
                           "make a new plan")
        with ap._lock:
            ap.result.calls += 1
        upload = ap.client.upload([path])
        if not upload.itemid:
            problems = "; ".join(str(p) for p in upload.problems) or "no draft itemid returned"
            ap._fail(a, message=f"module {x['module']}, course {x['course']}: upload failed: {problems}",
                     hint="check the site's upload limits (upload_max_filesize) and that the service allows uploads")
            return
        draft = int(upload.itemid)
    try:
        answer = _call(ap, "local_lmsbridge_upsert_scorm", {
            "courseid": courseid, "section": x["section"], "idnumber": x["idnumber"], "name": x["name"],
            "intro": x.get("intro", ""), "draftitemid": draft, **SCORM_SETTINGS})
    except MoodleAPIError as exc:  # a package Moodle refuses: this row, with Moodle's own message
        ap._fail(a, message=f"module {x['module']}, course {x['course']}: {exc.moodle_message}",
                 errorcode=exc.errorcode or "", hint=_hint(a, exc.errorcode or ""))
        return
    for w in (answer or {}).get("warnings", []):
        log.info("%s: %s [%s]", a.key, w.get("message"), w.get("warningcode"))
    if draft and answer.get("sha1hash") and answer["sha1hash"] != x["sha1"]:
        ap._fail(a, message=f"module {x['module']}, course {x['course']}: Moodle stores sha1 {answer['sha1hash']}, "
                 f"the built package has {x['sha1']}", hint="re-run the sync; if it persists, report it")
        return
    ap._applied([a], {a.seq: int(answer.get("cmid") or 0)})


def _grade_items(ap: Applier, group: list[Action]) -> None:
    courseid = _id(ap, "course", group[0].after["course"])
    answer = _call(ap, "local_lmsbridge_upsert_grade_items", {"courseid": courseid, "items": [
        {"idnumber": a.after["idnumber"], "name": a.after["name"], "grademax": a.after["grademax"]} for a in group]})
    ids = {i["idnumber"]: int(i["itemid"]) for i in (answer or {}).get("items", [])}
    ap._applied([a for a in group if a.after["idnumber"] in ids],
                {a.seq: ids[a.after["idnumber"]] for a in group if a.after["idnumber"] in ids})


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _grades(ap: Applier, group: list[Action]) -> None:
    course, item = group[0].after["course"], group[0].after["item"]
    courseid = _id(ap, "course", course)
    rows = [{"useridnumber": a.after["user"], "grade": _fmt(a.after["grade"]), "feedback": a.after["feedback"]}
            for a in group]
    params = {"courseid": courseid, "itemidnumber": item}
    batches = split_batches("local_lmsbridge_set_grades", "grades", rows, params=params,
                            max_vars=ap.client.var_budget, max_bytes=ap.client.max_body_bytes)
    start = 0
    for batch in batches:
        actions = group[start:start + len(batch)]
        start += len(batch)
        answer = _call(ap, "local_lmsbridge_set_grades", {**params, "grades": batch})
        done = []
        for a, r in zip(actions, (answer or {}).get("results", [])):
            if r.get("status") != "ok":
                ap._fail(a, message=r.get("message") or "refused", errorcode=r.get("errorcode") or "",
                         hint="check the participant's enrolment and the results file")
                continue
            # read back and checked per learner: what the gradebook holds now
            stored, feedback = r.get("grade"), r.get("feedback") or ""
            if stored is None or abs(float(stored) - a.after["grade"]) > 1e-6 or \
                    " ".join(feedback.split()) != " ".join(a.after["feedback"].split()):
                ap._fail(a, message=f"read back {stored!r} / {feedback!r}, asked {a.after['grade']:g} / "
                         f"{a.after['feedback']!r}", errorcode="mismatch",
                         hint="the gradebook differs from what was sent: check the item's range and locks")
                continue
            done.append(a)
        ap._applied(done, {})
