"""SCORM activities: the package uploaded through webservice/upload.php, then local_lmsbridge_upsert_scorm."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from lmsbridge.moodle import MoodleAPIError, UploadResult, calls
from lmsbridge.sync.apply.ledger import Ledger, Skip
from lmsbridge.sync.apply.single import each
from lmsbridge.sync.plan import Action

log = logging.getLogger("lmsbridge.applier")

T = TypeVar("T")

# Moodle's file pool (lib/filestorage/file_system_filedir.php) checks is_dir, then mkdir, and writes
# <hash>.tmp then renames it, without tolerating another request doing the same at once: two uploads or package
# extractions storing files under the same new folder (packages share files, and every hash shares its
# two-level folder with others) can fail with these codes. Nothing is stored for the failed call (the upsert's
# transaction is rolled back, a draft upload is all or nothing), so the call is safely sent again.
FILE_POOL_RACES = frozenset({"storedfilecannotcreatefiledirs", "storedfilecannotcreatefile"})
RACE_ATTEMPTS = 5
RACE_PAUSE_S = 0.2

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
        def send() -> UploadResult:
            books.counted_calls()
            return books.client.upload([path])
        upload = _through_races(a, send)
        if not upload.itemid:
            problems = "; ".join(str(p) for p in upload.problems) or "no draft itemid returned"
            books.fail(a, message=f"module {x['module']}, course {x['course']}: upload failed: {problems}",
                       hint="check the site's upload limits (upload_max_filesize) and that the service allows "
                            "uploads")
            return
        draft = int(upload.itemid)
    try:
        answer = _through_races(a, lambda: books.send(calls.plugin_upsert_scorm(
            courseid=courseid, section=x["section"], idnumber=x["idnumber"], name=x["name"],
            intro=x.get("intro", ""), draftitemid=draft, settings=SCORM_SETTINGS)))
    except MoodleAPIError as exc:  # a package Moodle refuses: this row, with Moodle's own message
        books.fail(a, message=f"module {x['module']}, course {x['course']}: {exc.moodle_message}",
                   errorcode=exc.errorcode or "", hint=_hint(a, exc.errorcode or ""))
        return
    for w in (answer or {}).get("warnings", []):
        log.info("%s: %s [%s]", a.key, w.get("message"), w.get("warningcode"))
    if draft and answer.get("sha1hash") and answer["sha1hash"] != x["sha1"]:
        books.fail(a, message=f"module {x['module']}, course {x['course']}: Moodle stores sha1 "
                              f"{answer['sha1hash']}, the built package has {x['sha1']}",
                   hint="re-run the sync; if it persists, report it")
        return
    books.applied([a], {a.seq: int(answer.get("cmid") or 0)})


def _through_races(a: Action, send: Callable[[], T]) -> T:
    """``send`` again, after a short pause, when the file pool lost a race with a parallel call (FILE_POOL_RACES);
    the last attempt's error is the row's."""
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return send()
        except MoodleAPIError as exc:
            if exc.errorcode not in FILE_POOL_RACES or attempt == RACE_ATTEMPTS:
                raise
            log.info("%s: Moodle's file pool raced a parallel call (%s); sending again", a.key, exc.errorcode)
            time.sleep(RACE_PAUSE_S * attempt)
    raise AssertionError("unreachable")
