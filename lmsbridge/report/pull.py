"""Pulling results from Moodle with as few calls as its web services allow.

Per run: 1 call for the courses, 1 per 50 courses for their SCORM activities, 1 per SCORM for its SCO tree.
Per course: 1 for the participants, 1 for every participant's grades at once (gradereport_user_get_grade_items
with userid=0: SCORM grades and the manual "event" grade items). Per participant: 1 for course completion and
progress in all their courses (core_enrol_get_users_courses). Per participant and SCO: 1 for the tracks of the
last attempt (mod_scorm_get_scorm_sco_tracks without `attempt` answers with the last one; its number is the
attempt count, since attempts are numbered from 1), which Moodle offers no bulk form of.
Independent calls run `concurrency` at a time. A call Moodle refuses (a suspended account, a missing right) is
noted in `problems` and the rest goes on; an unreachable Moodle stops the run.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lmsbridge.moodle import (
    EnrolledUser,
    MoodleAPIError,
    MoodleClient,
    Sco,
    Scorm,
    ScoTracksResult,
    UserCourse,
    UserGradeItem,
    plain_text,
)
from lmsbridge.report.courses import course_infos, mastery_scores
from lmsbridge.report.model import (
    CourseInfo,
    EventGrade,
    Filters,
    ModuleResult,
    Participant,
    ReportData,
    ResultRow,
)
from lmsbridge.report.progress import Progress
from lmsbridge.report.tracks import AttemptSummary, is_passed, summarize
from lmsbridge.sync.sources.delivery import Delivery

T = TypeVar("T")


class _QuietNotAttempted(logging.Filter):
    """The client logs every Moodle warning; "not attempted" from a learner's tracks is the report's normal case."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "[notattempted]" not in record.getMessage()
USER_FIELDS = ("id,username,firstname,lastname,fullname,email,idnumber,institution,department,country,lang,roles,"
               "suspended")
SCORMS_PER_CALL = 50


@dataclass
class _Pulled:
    scorms: dict[int, list[Scorm]] = field(default_factory=dict)  # course id -> SCORMs
    scoes: dict[int, list[Sco]] = field(default_factory=dict)  # scorm id -> SCOs
    users: dict[int, list[EnrolledUser]] = field(default_factory=dict)  # course id -> participants
    grades: dict[int, dict[int, list[UserGradeItem]]] = field(default_factory=dict)  # course -> user -> items
    completion: dict[int, dict[int, UserCourse]] = field(default_factory=dict)  # user -> course -> status
    tracks: dict[tuple[int, int], AttemptSummary | None] = field(default_factory=dict)  # (user, sco) -> last
    problems: list[str] = field(default_factory=list)
    calls: int = 0


class _Runner:
    """Runs independent calls `concurrency` at a time, counts them, and keeps Moodle's refusals as problems."""

    def __init__(self, concurrency: int, pulled: _Pulled, show_progress: bool | None) -> None:
        self.concurrency, self.pulled, self.show_progress = max(1, concurrency), pulled, show_progress

    def run(self, label: str, jobs: list[tuple[str, Callable[[], T]]]) -> list[T | None]:
        bar = Progress(label, len(jobs), enabled=self.show_progress)

        def one(job: tuple[str, Callable[[], T]]) -> T | None:
            what, fn = job
            try:
                return fn()
            except MoodleAPIError as exc:
                self.pulled.problems.append(f"{what}: {exc}")
                return None
            finally:
                bar.advance()

        try:
            if self.concurrency == 1 or len(jobs) < 2:
                results = [one(j) for j in jobs]
            else:
                with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                    results = list(pool.map(one, jobs))
        finally:
            bar.close()
        self.pulled.calls += len(jobs)
        return results


def _participant(u: EnrolledUser, prefix: str) -> Participant:
    """The learner with the registration system's idnumber: the account's own, or, for an account made by a
    version of lmsbridge that prefixed idnumbers and not synced since, with the prefix taken off."""
    extra = u.model_extra or {}
    idnumber = u.idnumber or ""
    if prefix and idnumber.startswith(prefix):
        idnumber = idnumber[len(prefix):]
    first, last = plain_text(extra.get("firstname")), plain_text(extra.get("lastname"))
    return Participant(userid=u.id, idnumber=idnumber, username=u.username, firstname=first, lastname=last,
                       fullname=plain_text(u.fullname) or f"{first} {last}".strip(), email=u.email,
                       institution=plain_text(extra.get("institution")),
                       department=plain_text(extra.get("department")),
                       country=str(extra.get("country") or ""), lang=str(extra.get("lang") or ""),
                       left=bool(extra.get("suspended")))


def _percent(item: UserGradeItem) -> float | None:
    if item.graderaw is None:
        return None
    low, high = item.grademin or 0.0, item.grademax if item.grademax is not None else 100.0
    return round((item.graderaw - low) / (high - low) * 100, 2) if high > low else None


def _scorm_module(scorm: Scorm, course: CourseInfo, grade_idnumber: str, known: Iterable[str]) -> str:
    """The module a SCORM carries: its package file or grade item names the module id; else the course's."""
    hay = f"{(scorm.model_extra or {}).get('reference', '')} {grade_idnumber} {scorm.name}".lower()
    for mid in sorted(known, key=len, reverse=True):
        if mid in hay:
            return mid
    return course.module or scorm.name


def _tracks_map(result: ScoTracksResult) -> dict[str, Any]:
    return {t.element: t.value for t in result.data.tracks}


def pull_results(client: MoodleClient, deliveries: list[Delivery], *, prefix: str = "lmsb-",
                 filters: Filters | None = None, concurrency: int | None = None,
                 show_progress: bool | None = None) -> ReportData:
    """Everything the report and the certificates need, from one Moodle site.

    ``deliveries`` are the programmes (sources.delivery.load_deliveries); ``prefix`` is the idnumber prefix
    of lmsbridge's courses; ``show_progress`` None = a progress bar when stderr is a terminal.
    """
    quiet = _QuietNotAttempted()
    logging.getLogger("lmsbridge.moodle").addFilter(quiet)
    try:
        return _pull(client, deliveries, prefix, filters or Filters(), concurrency, show_progress)
    finally:
        logging.getLogger("lmsbridge.moodle").removeFilter(quiet)


def _pull(client: MoodleClient, deliveries: list[Delivery], prefix: str, filters: Filters, concurrency: int | None,
          show_progress: bool | None) -> ReportData:
    chosen = [d for d in deliveries if not filters.programme or d.programme in filters.programme]
    pulled = _Pulled()
    runner = _Runner(concurrency or client.concurrency, pulled, show_progress)
    report = ReportData(generated_at=int(time.time()), site=client.url, filters=filters,
                        programme_titles={d.programme: dict(d.title) for d in deliveries},
                        module_titles={mod.id: dict(mod.title) for d in deliveries for mod in d.modules})

    listed = client.get_courses_by_field()
    pulled.calls += 1
    courses = [c for c in course_infos(listed.courses, chosen, prefix)
               if not filters.intake or c.intake in filters.intake]
    if not courses:
        report.problems.append(
            f"no course of {', '.join(d.programme for d in chosen) or 'any programme'} found in Moodle "
            f"(course idnumbers starting with {prefix!r}); run `lmsbridge sync` first, or check the prefix")
        report.calls = pulled.calls
        return report
    by_id = {c.id: c for c in courses}

    # SCORM activities of all courses (a few calls), then per course and per SCORM in parallel.
    ids = list(by_id)
    chunks = [ids[i:i + SCORMS_PER_CALL] for i in range(0, len(ids), SCORMS_PER_CALL)]
    for answer in runner.run("SCORM activities", [(f"SCORMs of courses {chunk}",
                                                   functools.partial(client.get_scorms_by_courses, chunk))
                                                  for chunk in chunks]):
        for s in answer.scorms if answer else []:
            pulled.scorms.setdefault(s.course, []).append(s)
    all_scorms = [s for ss in pulled.scorms.values() for s in ss]

    jobs: list[tuple[str, Callable[[], Any]]] = []
    for c in courses:
        jobs.append((f"course {c.idnumber}: participants", _job("users", c.id, client.get_enrolled_users, c.id,
                                                                 [{"name": "userfields", "value": USER_FIELDS}])))
        jobs.append((f"course {c.idnumber}: grades", _job("grades", c.id, client.get_user_grade_items, c.id,
                                                           userid=0)))
    for s in all_scorms:
        jobs.append((f"SCORM {s.name!r} (id {s.id}): SCO tree", _job("scoes", s.id, client.get_scorm_scoes, s.id)))
    for answer in runner.run("Courses and grades", jobs):
        if answer is None:
            continue
        kind, key, data = answer
        if kind == "users":
            pulled.users[key] = data
        elif kind == "grades":
            per_user: dict[int, list[UserGradeItem]] = {}
            for ug in data.usergrades:
                per_user[ug.userid] = ug.gradeitems
            pulled.grades[key] = per_user
        else:
            pulled.scoes[key] = [sco for sco in data.scoes if sco.scormtype == "sco"]

    role_of = {d.programme: d.role for d in deliveries}

    def learners(c: CourseInfo) -> list[EnrolledUser]:
        wanted = role_of.get(c.programme, "student")
        return [u for u in pulled.users.get(c.id, [])
                if not u.roles or any(r.shortname == wanted for r in u.roles)]

    # Per participant (completion in all their courses) and per participant and SCO (last attempt's tracks).
    userids = sorted({u.id for c in courses for u in learners(c)})
    jobs = [(f"user {uid}: course completion", _job("completion", uid, client.get_users_courses, uid))
            for uid in userids]
    for c in courses:
        for s in pulled.scorms.get(c.id, []):
            for sco in pulled.scoes.get(s.id, []):
                for u in learners(c):
                    jobs.append((f"user {u.id}, SCO {sco.id} of {s.name!r}: tracks",
                                 _job("tracks", (u.id, sco.id), client.get_scorm_sco_tracks, sco.id, u.id)))
    for answer in runner.run("Participants' progress", jobs):
        if answer is None:
            continue
        kind, key, data = answer
        if kind == "completion":
            pulled.completion[key] = {uc.id: uc for uc in data}
        else:
            attempted = bool(data.data.tracks) and not any(w.warningcode == "notattempted" for w in data.warnings)
            pulled.tracks[key] = summarize(_tracks_map(data), data.data.attempt) if attempted else None

    report.rows = _rows(courses, pulled, learners, deliveries, filters, prefix)
    report.problems.extend(pulled.problems)
    report.calls = pulled.calls
    return report


def _rows(courses: list[CourseInfo], pulled: _Pulled, learners: Callable[[CourseInfo], list[EnrolledUser]],
          deliveries: list[Delivery], filters: Filters, prefix: str) -> list[ResultRow]:
    mastery = mastery_scores(deliveries)
    known_modules = [mod.id for d in deliveries for mod in d.modules]
    rows: list[ResultRow] = []
    for c in courses:
        grade_items = pulled.grades.get(c.id, {})
        for u in learners(c):
            items = grade_items.get(u.id, [])
            modules = []
            for s in pulled.scorms.get(c.id, []):
                item = next((i for i in items if i.itemmodule == "scorm" and i.iteminstance == s.id), None)
                module = _scorm_module(s, c, (item.idnumber or "") if item else "", known_modules)
                summaries = [pulled.tracks.get((u.id, sco.id)) for sco in pulled.scoes.get(s.id, [])]
                done = [x for x in summaries if x is not None]
                grade = _percent(item) if item else None
                scores = [x.score for x in done if x.score is not None]
                last = max((x.timemodified for x in done if x.timemodified), default=None)
                if item and item.gradedategraded:
                    last = max(last or 0, item.gradedategraded)
                status = _overall_status([x.status for x in done])
                passed = bool(done) and all(is_passed(x, mastery=mastery.get(module), grade=grade) for x in done) \
                    and len(done) == len(summaries)
                modules.append(ModuleResult(
                    module=module, title=plain_text(s.name), attempts=max((x.attempt for x in done), default=0),
                    status=status, score=round(sum(scores) / len(scores), 2) if scores else None, grade=grade,
                    time_spent_s=sum(x.time_spent_s for x in done), last_activity=last, passed=passed))
            events = [EventGrade(idnumber=i.idnumber or "", name=plain_text(i.itemname), grade=i.graderaw,
                                 grademax=i.grademax, graded_at=i.gradedategraded)
                      for i in items if i.itemtype == "manual"]
            course_item = next((i for i in items if i.itemtype == "course"), None)
            completion = pulled.completion.get(u.id, {}).get(c.id)
            row = ResultRow(programme=c.programme, intake=c.intake, course=c, participant=_participant(u, prefix),
                            lang=c.lang or ((u.model_extra or {}).get("lang") or ""), modules=modules, events=events,
                            moodle_completed=completion.completed if completion
                            and completion.completionhascriteria is not False else None,
                            progress=completion.progress if completion else None,
                            course_grade=_percent(course_item) if course_item else None)
            if filters.keeps_time(row.last_activity):
                rows.append(row)
    order = {mod.id: n for d in deliveries for n, mod in enumerate(d.modules)}
    rows.sort(key=lambda r: (r.programme, r.intake, r.participant.lastname.lower(), r.participant.firstname.lower(),
                             r.participant.key, order.get(r.course.module, 99), r.course.idnumber))
    return rows


def _job(kind: str, key: Any, fn: Callable[..., Any], *args: Any, **kw: Any) -> Callable[[], tuple[str, Any, Any]]:
    """A call to run later, its answer tagged with what it is for and whom."""
    return lambda: (kind, key, fn(*args, **kw))


def _overall_status(statuses: list[str]) -> str:
    """Several SCOs: the weakest status stands for the module."""
    if not statuses:
        return "not attempted"
    order = ["not attempted", "unknown", "browsed", "incomplete", "failed", "completed", "passed"]
    return min(statuses, key=lambda s: order.index(s) if s in order else 1)
