"""report.csv: one row per participant and course, for spreadsheets.

UTF-8 with a BOM (so Excel shows ą, ė, å right), comma-separated, ISO dates in UTC. Text that a spreadsheet would
run as a formula (=, +, -, @ at the start) gets a leading apostrophe, the usual defence against CSV injection.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from lmsbridge.report.model import ReportData, ResultRow
from lmsbridge.report.tracks import format_duration

COLUMNS = [
    "programme", "intake", "course_idnumber", "course", "module", "lang",
    "user_idnumber", "username", "firstname", "lastname", "email", "organisation", "department", "country",
    "state", "status", "passed", "attempts", "score", "grade", "time_spent_s", "time_spent",
    "course_completed", "progress", "course_grade", "events_attended", "events_graded", "last_activity",
    "left",
]


def _safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _when(ts: int | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else ""


def row_values(r: ResultRow) -> dict[str, object]:
    p = r.participant
    statuses = "; ".join(m.status for m in r.modules)
    return {
        "programme": r.programme, "intake": r.intake, "course_idnumber": r.course.idnumber,
        "course": r.course.fullname, "module": "; ".join(m.module for m in r.modules) or r.course.module,
        "lang": r.lang, "user_idnumber": p.idnumber, "username": p.username, "firstname": p.firstname,
        "lastname": p.lastname, "email": p.email, "organisation": p.institution, "department": p.department,
        "country": p.country, "state": r.state, "status": statuses,
        "passed": "yes" if r.modules and r.modules_passed == len(r.modules) else "no",
        "attempts": r.attempts, "score": _num(r.score),
        "grade": _num(next((m.grade for m in r.modules if m.grade is not None), None)),
        "time_spent_s": int(round(r.time_spent_s)), "time_spent": format_duration(r.time_spent_s),
        "course_completed": "" if r.moodle_completed is None else ("yes" if r.moodle_completed else "no"),
        "progress": _num(r.progress), "course_grade": _num(r.course_grade),
        "events_attended": sum(1 for e in r.events if e.grade), "events_graded": sum(
            1 for e in r.events if e.grade is not None),
        "last_activity": _when(r.last_activity),
        "left": "yes" if p.left else "no",
    }


def write_csv(report: ReportData, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in report.rows:
            w.writerow({k: _safe(v) for k, v in row_values(r).items()})
    return path
