"""Seeding for the report tests: a sandbox Moodle with the sample programmes' courses (named as the sync names
them), learners, SCORM tracking data, gradebook grades (SCORM and training-event grades) and course completion.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from pathlib import Path

from lmsbridge.sync.sources.delivery import Delivery, load_deliveries
from lmsbridge.sync.desired import course_plan
from lmsbridge.moodle import MoodleClient
from lmsbridge.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCE = ROOT / "course_packages"
PREFIX = "lmsb-"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def ts(day: str, hour: int = 10) -> int:
    """Unix time of an ISO day at `hour`:00 UTC."""
    y, m, d = (int(x) for x in day.split("-"))
    return calendar.timegm((y, m, d, hour, 0, 0))


# What each learner did: module -> (status, score, time, day, attempts); SCORM 2004 for executive-management.
PEOPLE = [
    # social-clustering, in Lithuanian: everything passed and two training events attended -> certificate (lt)
    dict(id="sc000001", first="Rūta", last="Žukauskaitė", org="Biržų rajono savivaldybė", country="LT", lang="lt",
         programme="social-clustering", intake="2026",
         results={"sc-intro": ("passed", 92, "0:35:10", "2026-01-20", 1),
                  "sc-korupcija": ("passed", 85, "0:48:00", "2026-02-03", 1),
                  "sc-rizika": ("passed", 88, "0:41:30", "2026-02-17", 2),
                  "sc-prevencija": ("passed", 100, "0:39:05", "2026-03-02", 1)},
         events={"01": 1, "02": 1, "03": 0}),
    # in English: everything passed, but no training event -> not yet
    dict(id="sc000002", first="Jonas", last="Petrauskas", org="Vilniaus dizaino kolegija", country="LT", lang="en",
         programme="social-clustering", intake="2026",
         results={"sc-intro": ("passed", 80, "0:30:00", "2026-01-25", 1),
                  "sc-korupcija": ("passed", 90, "0:50:00", "2026-02-10", 1),
                  "sc-rizika": ("passed", 84, "0:45:00", "2026-02-20", 1),
                  "sc-prevencija": ("passed", 96, "0:35:00", "2026-03-05", 1)},
         events={}),
    # half-way
    dict(id="sc000003", first="Eglė", last="Kazlauskienė", org="Prienų rajono savivaldybė", country="LT", lang="lt",
         programme="social-clustering", intake="2026",
         results={"sc-intro": ("passed", 76, "0:28:00", "2026-02-01", 1),
                  "sc-korupcija": ("incomplete", None, "0:12:40", "2026-02-12", 1)},
         events={"01": 1}),
    # enrolled, never started
    dict(id="sc000004", first="Tomas", last="Jankauskas", org="Druskininkų savivaldybė", country="LT", lang="lt",
         programme="social-clustering", intake="2026", results={}, events={}),
    # cluster managers: both modules passed -> certificate (en); Moodle's course completion set too
    dict(id="cme000001", first="Ingrid", last="Berg", org="Paper Province", country="SE", lang="en",
         programme="cluster-manager-education", intake="2020",
         results={"cme-collaboration": ("passed", 90, "1:10:00", "2020-11-20", 1),
                  "cme-strategy": ("passed", 87, "1:25:00", "2021-03-15", 1)},
         events={}, completed=True),
    dict(id="cme000002", first="Piotr", last="Nowak", org="Pomeranian Cluster", country="PL", lang="en",
         programme="cluster-manager-education", intake="2020",
         results={"cme-collaboration": ("passed", 81, "0:58:00", "2020-11-25", 1),
                  "cme-strategy": ("failed", 55, "1:02:00", "2021-03-20", 2)},
         events={}),
    # executive programme (SCORM 2004): all three sessions passed -> certificate (sv)
    dict(id="emp000001", first="Karin", last="Öberg", org="Luleå kommun", country="SE", lang="sv",
         programme="executive-management", intake="2026",
         results={"emp-omvarld": ("passed", 95, "PT42M30S", "2026-10-09", 1),
                  "emp-ledarskap": ("passed", 88, "PT1H5M", "2026-10-30", 1),
                  "emp-verktyg": ("passed", 91, "PT50M12.5S", "2026-11-13", 1)},
         events={}),
    dict(id="emp000002", first="Lars", last="Nilsson", org="Piteå kommun", country="SE", lang="sv",
         programme="executive-management", intake="2026",
         results={"emp-omvarld": ("passed", 82, "PT38M", "2026-10-12", 1)}, events={}),
]


@dataclass
class Seeded:
    sandbox: Sandbox
    deliveries: list[Delivery]
    users: dict[str, int] = field(default_factory=dict)  # roster id -> Moodle user id
    courses: dict[str, int] = field(default_factory=dict)  # course idnumber -> id

    @property
    def env(self) -> dict[str, str]:
        return {"LMSBRIDGE_MOODLE_URL": self.sandbox.url, "LMSBRIDGE_MOODLE_TOKEN": self.sandbox.token,
                "LMSBRIDGE_SOURCE": str(SOURCE), "LMSBRIDGE_CHROMIUM": "/nonexistent"}

    def client(self) -> MoodleClient:
        return MoodleClient(self.sandbox.url, self.sandbox.token, concurrency=4)


def _tracks(db, userid: int, scoid: int, version: str, status: str, score: float | None, time: str,
            when: int, attempts: int) -> None:
    for attempt in range(1, attempts + 1):
        last = attempt == attempts
        if version == "2004":
            values = {"cmi.completion_status": "completed" if status in ("passed", "failed", "completed")
                      else "incomplete",
                      "cmi.success_status": status if status in ("passed", "failed") and last else "unknown",
                      "cmi.total_time": time, "cmi.session_time": "PT5M"}
            if score is not None:
                values.update({"cmi.score.raw": str(score), "cmi.score.min": "0", "cmi.score.max": "100",
                               "cmi.score.scaled": str(score / 100)})
        else:
            values = {"cmi.core.lesson_status": status if last else "failed", "cmi.core.total_time": time,
                      "cmi.core.session_time": "00:05:00"}
            if score is not None:
                values.update({"cmi.core.score.raw": str(score if last else 40), "cmi.core.score.min": "0",
                               "cmi.core.score.max": "100"})
        for element, value in values.items():
            db.add_track(userid, scoid, element, value, attempt=attempt)
    db.execute("UPDATE scorm_tracks SET timemodified = ? WHERE userid = ? AND scoid = ?", when, userid, scoid)


def seed(sb: Sandbox) -> Seeded:
    db = sb.db
    deliveries = load_deliveries(SOURCE)
    seeded = Seeded(sb, deliveries)
    by_programme = {d.programme: d for d in deliveries}
    scorm_of: dict[str, dict] = {}  # course idnumber -> add_scorm result
    with db.transaction():
        for d in deliveries:
            category = db.create_category(name=d.title[d.languages[0]], idnumber=f"{PREFIX}cat-{d.code}")
            version = "2004" if d.programme == "executive-management" else "1.2"
            for c in course_plan(d, PREFIX):
                cid = db.create_course(fullname=c.fullname, shortname=c.shortname, category=category,
                                       idnumber=c.idnumber, lang=c.lang)
                seeded.courses[c.idnumber] = cid
                package = f"{c.module}-{c.lang}-scorm{version.replace('.', '')}.zip"
                scorm_of[c.idnumber] = db.add_scorm(
                    cid, c.fullname, idnumber=f"{c.idnumber}-scorm", reference=package,
                    version="SCORM_1.3" if version == "2004" else "SCORM_1.2", completionstatusrequired=4,
                    scoes=[{"identifier": "sco", "title": c.fullname, "launch": "index.html"}])
        # A hand-made course without the prefix: never in the report.
        db.create_course(fullname="Staff room", shortname="staff", category=1, idnumber="staff-room")

        events: dict[str, int] = {}
        # Three of the 24 training events of moodle.toml: the first in each country (dated) and one undated.
        ids = {"01": "SC-NO-01", "02": "SC-LT-01", "03": "SC-LT-02"}
        for n in ("01", "02", "03"):
            for lang in ("lt", "en"):
                course = seeded.courses[f"{PREFIX}SC-2026-sc-intro-{lang}"]
                cat = db.scalar("SELECT id FROM grade_items WHERE courseid = ? AND itemtype = 'course'", course)
                events[f"{n}-{lang}"] = db.insert(
                    "grade_items", courseid=course, categoryid=cat, itemname=f"Training event {n}",
                    itemtype="manual", idnumber=f"{PREFIX}{ids[n]}", grademax=1, grademin=0,
                    sortorder=100 + int(n))

        for p in PEOPLE:
            d = by_programme[p["programme"]]
            uid = db.create_user(username=p["id"], firstname=p["first"], lastname=p["last"],
                                 email=f"{p['id']}@example.org", idnumber=p["id"], institution=p["org"],
                                 country=p["country"], lang=p["lang"])
            seeded.users[p["id"]] = uid
            version = "2004" if d.programme == "executive-management" else "1.2"
            for c in course_plan(d, PREFIX):
                if d.per_language and c.lang != p["lang"]:
                    continue
                cid = seeded.courses[c.idnumber]
                db.enrol(cid, uid, 5)
                if c.module not in p["results"]:
                    continue
                status, score, time, day, attempts = p["results"][c.module]
                s = scorm_of[c.idnumber]
                _tracks(db, uid, s["launch"], version, status, score, time, ts(day), attempts)
                item = db.scalar("SELECT id FROM grade_items WHERE itemmodule = 'scorm' AND iteminstance = ?",
                                 s["scormid"])
                if score is not None:
                    db.set_grade(item, uid, float(score))
                    db.execute("UPDATE grade_grades SET timemodified = ? WHERE itemid = ? AND userid = ?",
                               ts(day), item, uid)
                if status == "passed":
                    db.set_completion(s["cmid"], uid, 2)
                if p.get("completed"):  # a course with completion criteria (its SCORM activity), as the sync sets
                    db.execute("DELETE FROM course_completion_criteria WHERE courseid = ?", cid)
                    db.execute("INSERT INTO course_completion_criteria VALUES (?, ?)", cid, s["cmid"])
                    db.execute("INSERT OR REPLACE INTO course_completions VALUES (?, ?, ?)", cid, uid, ts(day))
            for n, grade in p["events"].items():
                item = events[f"{n}-{p['lang']}"]
                db.set_grade(item, uid, float(grade))
                db.execute("UPDATE grade_grades SET timemodified = ? WHERE itemid = ? AND userid = ?",
                           ts("2026-02-0" + str(int(n))), item, uid)
    return seeded
