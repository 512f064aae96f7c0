"""SCORM activities: the package uploaded through webservice/upload.php, then local_lmsbridge_upsert_scorm."""

from __future__ import annotations

import logging
from pathlib import Path

from lmsbridge.moodle import MoodleAPIError, calls
from lmsbridge.sync.apply.ledger import Ledger, Skip
from lmsbridge.sync.apply.single import each
from lmsbridge.sync.plan import Action

log = logging.getLogger("lmsbridge.applier")

SCORM_SETTINGS = {"grademethod": "highest", "whatgrade": "highest", "maxgrade": 100, "completionstatus": "passed",
                  "display": "currentwindow"}


def apply_activities(books: Ledger, phase: tuple[str, str], actions: list[Action]) -> None:
    each(books, actions, lambda a: _activity(books, a), hint=_hint)


def _hint(a: Action, code: str) -> str:
    return {"invalidpackage": "rebuild the package (lmsbridge build) and check it with lmsbridge validate",
            "idnumbertaken": "another activity or grade item in the course has this idnumber: rename it"
            }.get(code, "see lmsbridge doctor for the plugin's setup")


def _activity(books: Ledger, a: Action) -> None:
    x = a.after or {}
    courseid = books.id("course", x["course"])
    draft = 0
    if a.op == "create" or "sha1" in (a.before or {}):
        path = Path(x["package"])
        if not path.is_file():
            raise Skip(f"package {path} of module {x['module']} is missing (the plan's build was removed); "
                       "make a new plan")
        books.counted_calls()
        upload = books.client.upload([path])  # a file pool race is sent again by the client (RetryPolicy)
        if not upload.itemid:
            problems = "; ".join(str(p) for p in upload.problems) or "no draft itemid returned"
            books.fail(a, message=f"module {x['module']}, course {x['course']}: upload failed: {problems}",
                       hint="check the site's upload limits (upload_max_filesize) and that the service allows "
                            "uploads")
            return
        draft = int(upload.itemid)
    try:
        answer = books.send(calls.plugin_upsert_scorm(
            courseid=courseid, section=x["section"], idnumber=x["idnumber"], name=x["name"],
            intro=x.get("intro", ""), draftitemid=draft, settings=SCORM_SETTINGS))
    except MoodleAPIError as exc:  # a package Moodle refuses: this row, with Moodle's own message
        books.fail(a, message=f"module {x['module']}, course {x['course']}: {exc.moodle_message}",
                   errorcode=exc.errorcode or "", hint=_hint(a, exc.errorcode or ""))
        return
    for w in answer.warnings:
        log.info("%s: %s [%s]", a.key, w.message, w.warningcode)
    if draft and answer.sha1hash and answer.sha1hash != x["sha1"]:
        books.fail(a, message=f"module {x['module']}, course {x['course']}: Moodle stores sha1 "
                              f"{answer.sha1hash}, the built package has {x['sha1']}",
                   hint="re-run the sync; if it persists, report it")
        return
    books.applied([a], {a.seq: answer.cmid})

