"""Reading a SCO's tracking data (mod_scorm_get_scorm_sco_tracks) into status, score and time spent.

SCORM 1.2 and 2004 name the same things differently: cmi.core.lesson_status vs cmi.completion_status +
cmi.success_status, cmi.core.score.* vs cmi.score.*, cmi.core.total_time ("HHHH:MM:SS.SS") vs cmi.total_time
(ISO 8601 duration "PT1H2M3.5S"). Moodle adds summary elements (status, score_raw, total_time, session_time,
timemodified) that are set whatever the version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

_HMS = re.compile(r"^\s*(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$")
_ISO = re.compile(r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
                  r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
# Seconds per ISO 8601 unit; years and months as SCORM 2004 RTE treats them (365 and 30 days).
_ISO_UNITS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def parse_duration(value: Any) -> float | None:
    """Seconds in a SCORM time span: "0001:02:03.5" (1.2) or "PT1H2M3.5S" (2004); None when unreadable."""
    if value is None:
        return None
    text = str(value).strip()
    if m := _HMS.match(text):
        return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    if text.startswith("P") and text not in ("P", "PT") and (m := _ISO.match(text)):
        return sum(float(part) * unit for part, unit in zip(m.groups(), _ISO_UNITS, strict=True) if part)
    return None


def format_duration(seconds: float | None) -> str:
    """H:MM:SS for people (the CSV also has the seconds)."""
    if not seconds:
        return "0:00:00"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class AttemptSummary(BaseModel):
    attempt: int
    status: str  # passed | failed | completed | incomplete | browsed | not attempted | unknown
    score: float | None = None  # percent
    time_spent_s: float = 0.0
    timemodified: int | None = None


def summarize(tracks: Mapping[str, Any], attempt: int) -> AttemptSummary | None:
    """One attempt's tracks (element -> value) as status, score percent and time; None when nothing was tracked."""
    if not tracks:
        return None
    success = str(tracks.get("cmi.success_status") or "").strip()
    status = success if success in ("passed", "failed") else str(
        tracks.get("cmi.core.lesson_status") or tracks.get("cmi.completion_status") or tracks.get("status") or ""
    ).strip()
    status = {"notattempted": "not attempted", "": "unknown"}.get(status, status)

    raw = _number(tracks.get("cmi.core.score.raw", tracks.get("cmi.score.raw", tracks.get("score_raw"))))
    low = _number(tracks.get("cmi.core.score.min", tracks.get("cmi.score.min")))
    high = _number(tracks.get("cmi.core.score.max", tracks.get("cmi.score.max")))
    scaled = _number(tracks.get("cmi.score.scaled"))
    score: float | None = None
    if raw is not None and high is not None and high > (low or 0):
        score = (raw - (low or 0)) / (high - (low or 0)) * 100
    elif scaled is not None:
        score = scaled * 100
    elif raw is not None:
        score = raw  # no range: SCORM's customary 0-100
    if score is not None:
        score = round(max(0.0, min(100.0, score)), 2)

    total = parse_duration(tracks.get("cmi.core.total_time") or tracks.get("cmi.total_time"))
    if not total:
        # Moodle keeps cmi.*total_time only when it accumulates sessions itself; otherwise the summary
        # total_time, and failing that the last session's time (a lower bound, better than nothing).
        total = parse_duration(tracks.get("total_time")) or parse_duration(
            tracks.get("cmi.core.session_time") or tracks.get("cmi.session_time") or tracks.get("session_time"))
    modified = _number(tracks.get("timemodified"))
    return AttemptSummary(attempt=attempt, status=status, score=score, time_spent_s=total or 0.0,
                          timemodified=int(modified) if modified else None)


def is_passed(summary: AttemptSummary | None, *, mastery: float | None = None, grade: float | None = None) -> bool:
    """Passed: the SCO says so; or it says completed and the score reaches the module's mastery score."""
    if summary is None:
        return False
    if summary.status == "passed":
        return True
    if summary.status == "completed" and mastery is not None:
        best = max((s for s in (summary.score, grade) if s is not None), default=None)
        return best is not None and best >= mastery
    return False
