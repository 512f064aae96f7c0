"""Simulated learners for the demo: the tracking data, gradebook grades and activity completion that learners
taking the SCOs in Moodle's player would have left behind, so that reports and certificates have something to
show on the embedded default. Deterministic: the same site gives the same learners' results on every run.
"""

from __future__ import annotations

import hashlib

from lmsbridge.sandbox.store import Store, now

DAY = 86_400


def _share(*keys: object) -> float:
    """A stable number in [0, 1) for the keys (not random: re-runs of the demo give the same results)."""
    digest = hashlib.sha256("/".join(map(str, keys)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _outcome(learner: str, activity: str) -> tuple[str, int] | None:
    """What this learner did in this activity: (status, score), or None for not started.

    Learners differ by disposition rather than per activity, so that some finish a whole programme. Keyed by
    idnumbers, not Moodle ids: parallel creates assign ids in varying order, and the demo must not vary."""
    who, what = _share("learner", learner), _share("activity", learner, activity)
    if who < 0.55:  # keen: passes everything
        return "passed", 80 + int(what * 21)
    if who < 0.80:  # on the way: some passed, one in progress, some not started
        return ("passed", 80 + int(what * 21)) if what < 0.5 else ("incomplete", 0) if what < 0.75 else None
    if who < 0.90:  # struggling: attempted and failed
        return "failed", 40 + int(what * 35)
    return None  # enrolled, never started


def _tracks(version: str, status: str, score: int, minutes: int) -> dict[str, str]:
    """The elements Moodle stores for a learner's attempt, as our runtime writes them."""
    finished = status in ("passed", "failed")
    if version == "SCORM_1.3":
        tracks = {"cmi.completion_status": "completed" if finished else "incomplete",
                  "cmi.success_status": status if finished else "unknown",
                  "cmi.total_time": f"PT{minutes}M", "cmi.session_time": f"PT{minutes}M",
                  "cmi.exit": "normal" if finished else "suspend"}
        if finished:
            tracks |= {"cmi.score.raw": str(score), "cmi.score.min": "0", "cmi.score.max": "100",
                       "cmi.score.scaled": f"{score / 100:g}"}
        return tracks
    tracks = {"cmi.core.lesson_status": status, "cmi.core.total_time": f"00:{minutes:02d}:00",
              "cmi.core.exit": "" if finished else "suspend"}
    if finished:
        tracks |= {"cmi.core.score.raw": str(score), "cmi.core.score.min": "0", "cmi.core.score.max": "100"}
    return tracks


def simulate_learners(store: Store, *, prefix: str) -> int:
    """Writes the simulated learners' results into every SCORM activity of the courses lmsbridge owns.

    Returns how many attempts were written."""
    attempts = 0
    # Learners act only before today (UTC): never after the moment a report is made, and the same all day long,
    # so that two demos of one day give the same results.
    until = now() // DAY * DAY
    activities = store.q(
        "SELECT s.id AS scormid, s.version, cm.id AS cmid, cm.idnumber, c.id AS course, c.startdate, c.enddate "
        "FROM scorm s "
        "JOIN course_modules cm ON cm.modname = 'scorm' AND cm.instance = s.id "
        "JOIN course c ON c.id = cm.course WHERE c.idnumber LIKE ? ORDER BY s.id", prefix + "%")
    with store.transaction():
        for a in activities:
            sco = store.scalar("SELECT id FROM scorm_scoes WHERE scorm = ? AND scormtype = 'sco' ORDER BY id",
                               a["scormid"])
            item = store.scalar("SELECT id FROM grade_items WHERE itemmodule = 'scorm' AND iteminstance = ?",
                                a["scormid"])
            learners = store.q("SELECT ue.userid, u.idnumber FROM user_enrolments ue JOIN enrol e ON "
                               "e.id = ue.enrolid JOIN user u ON u.id = ue.userid WHERE e.courseid = ? AND "
                               "ue.status = 0 ORDER BY ue.userid", a["course"])
            # Within the course's dates (its intake's), and not in the future: a course yet to start has no results.
            start = a["startdate"] or 0
            end = min(a["enddate"] or start + 60 * DAY, until)
            if end <= start:
                continue
            for row in learners:
                userid, keys = row["userid"], (row["idnumber"], a["idnumber"])
                if sco is None or store.scalar("SELECT 1 FROM scorm_tracks WHERE userid = ? AND scoid = ?",
                                               userid, sco):
                    continue  # a learner's own data is never overwritten
                outcome = _outcome(*keys)
                if outcome is None:
                    continue
                status, score = outcome
                minutes = 20 + int(_share("time", *keys) * 40)
                when = start + int(_share("day", *keys) * (end - start))
                for element, value in _tracks(a["version"], status, score, minutes).items():
                    store.add_track(userid, sco, element, value)
                store.execute("UPDATE scorm_tracks SET timemodified = ? WHERE userid = ? AND scoid = ?", when,
                              userid, sco)
                if status in ("passed", "failed") and item is not None:
                    store.set_grade(item, userid, float(score))
                    store.execute("UPDATE grade_grades SET timemodified = ? WHERE itemid = ? AND userid = ?", when,
                                  item, userid)
                if status == "passed":
                    store.set_completion(a["cmid"], userid, 2, when)  # COMPLETION_COMPLETE_PASS
                attempts += 1
    return attempts
