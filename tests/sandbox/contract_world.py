"""The world the Moodle recordings were made in, rebuilt in a sandbox: same names, same kinds of objects.

(A uniquely named helper module, not conftest: test modules import it by name.)
`build_world(sb)` returns the sandbox ids of every object a recording refers to, by role; RECORDED_IDS maps the
ids the recording run had (see ../shared/moodle-contract/_last_run_ids.json and the recordings) to those roles.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lmsbridge.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = Path(os.environ.get("LMSBRIDGE_SHARED", ROOT.parent / "shared")) / "moodle-contract"
SUFFIX = "0uw0z"

# Recorded id -> role, per kind of object.
RECORDED_IDS: dict[str, dict[int, str]] = {
    "course": {2: "courseA", 3: "template", 5: "dup", 6: "import", 7: "todelete"},
    "category": {2: "dept", 3: "prog"},
    "user": {2: "admin", 3: "wssync", 6: "stu0", 7: "stu1", 8: "stu2", 10: "genpass", 11: "dbguser"},
    "cohort": {1: "coh", 3: "cohdel"},
    "scorm": {2: "scormA", 3: "scorm2004"},
    "cm": {5: "scormA_cm", 6: "scorm2004_cm"},
    "sco": {4: "scoA"},
    "framework": {1: "fw"},
    "competency": {1: "comp"},
}


def recordings() -> list[str]:
    if not CONTRACT.is_dir():
        return []
    return sorted(p.stem for p in CONTRACT.glob("*.json") if not p.name.startswith("_"))


def load(name: str) -> dict:
    return json.loads((CONTRACT / f"{name}.json").read_text(encoding="utf-8"))


def _student(db, n: int, *, city: str = "Leeds") -> int:
    return db.create_user(username=f"stu{n}-{SUFFIX}", firstname=f"Student{n}", lastname=f"Lab {SUFFIX}",
                          email=f"stu{n}-{SUFFIX}@example.com", idnumber=f"emp-{n}-{SUFFIX}", city=city,
                          country="GB", timezone="Europe/London", password="hashed")


def build_world(sb: Sandbox) -> dict[str, int]:
    db = sb.db
    ids: dict[str, int] = {"admin": 2, "wssync": 3}
    with db.transaction():
        ids["norest"] = db.create_user(username="norest", firstname="No", lastname="Rest", email="norest@example.com")
        ids["restonly"] = db.create_user(username="restonly", firstname="Rest", lastname="Only",
                                         email="restonly@example.com")
        ids["dept"] = db.create_category(name=f"Lab Dept {SUFFIX}", idnumber=f"dept-{SUFFIX}",
                                         description="<p>Department</p>")
        ids["prog"] = db.create_category(name=f"Lab Programme {SUFFIX}", idnumber=f"prog-{SUFFIX}",
                                         parent=ids["dept"])
        ids["courseA"] = db.create_course(fullname=f"Lab Course A {SUFFIX}", shortname=f"LABA-{SUFFIX}",
                                          category=ids["prog"], idnumber=f"crs-a-{SUFFIX}", summary="Course A",
                                          numsections=3, startdate=1767225600)
        ids["template"] = db.create_course(fullname=f"Lab Template {SUFFIX}", shortname=f"LABT-{SUFFIX}",
                                           category=ids["prog"], idnumber=f"crs-t-{SUFFIX}", visible=0)
        ids["dup"] = db.create_course(fullname=f"Lab From Template {SUFFIX}", shortname=f"LABD-{SUFFIX}",
                                      category=ids["prog"])
        ids["import"] = db.create_course(fullname=f"Lab Import target {SUFFIX}", shortname=f"LABI-{SUFFIX}",
                                         category=ids["prog"])
        ids["todelete"] = db.create_course(fullname="To delete", shortname=f"DEL-{SUFFIX}", category=ids["prog"])
        a = db.add_scorm(ids["courseA"], "Golf SCORM", idnumber=f"scorm-a-{SUFFIX}", completionstatusrequired=6,
                         package=b"PK\x05\x06" + b"\0" * 18, reference="singlescobasic.zip",
                         scoes=[{"identifier": "item_1", "title": "Golf Explained",
                                 "launch": "shared/launchpage.html"}])
        b = db.add_scorm(ids["courseA"], "SCORM 2004 sample", idnumber=f"scorm2004-a-{SUFFIX}", version="SCORM_1.3")
        db.add_scorm(ids["dup"], "Template SCORM")
        db.add_scorm(ids["import"], "Template SCORM")
        ids.update(scormA=a["scormid"], scormA_cm=a["cmid"], scoA=a["launch"], scorm2004=b["scormid"],
                   scorm2004_cm=b["cmid"])
        db.execute("UPDATE grade_items SET hidden = 1 WHERE itemmodule = 'scorm' AND iteminstance = ?", b["scormid"])
        for n, city in ((0, "York"), (1, "Leeds"), (2, "Leeds")):
            ids[f"stu{n}"] = _student(db, n, city=city)
        ids["genpass"] = db.create_user(username=f"genpass-{SUFFIX}", firstname="G", lastname="P",
                                        email=f"genpass-{SUFFIX}@example.com")
        ids["dbguser"] = db.create_user(username="dbg-ohyca", firstname="D", lastname="U",
                                        email="dbg-ohyca@example.com")
        for n in range(3):
            db.enrol(ids["courseA"], ids[f"stu{n}"], 5)
        db.enrol(ids["template"], ids["stu1"], 3)
        db.enrol(ids["dup"], ids["stu0"], 5)
        ids["coh"] = db.create_cohort(name=f"Lab Cohort {SUFFIX}", idnumber=f"coh-{SUFFIX}", description="Cohort")
        ids["cohd"] = db.create_cohort(name=f"Dept Cohort {SUFFIX}", idnumber=f"cohd-{SUFFIX}")
        ids["cohdel"] = db.create_cohort(name="Delete me", idnumber=f"cohdel-{SUFFIX}")
        db.create_cohort(name="Debug", idnumber="dbg-ohyca")
        for n in (0, 1):
            db.execute("INSERT INTO cohort_members VALUES (?, ?, 0)", ids["coh"], ids[f"stu{n}"])
        for element, value in (("cmi.core.lesson_status", "passed"), ("cmi.core.score.raw", "85"),
                               ("cmi.core.score.max", "100"), ("cmi.core.score.min", "0"),
                               ("cmi.core.session_time", "00:05:00")):
            db.add_track(ids["stu0"], ids["scoA"], element, value)
        item = db.scalar("SELECT id FROM grade_items WHERE itemmodule = 'scorm' AND iteminstance = ?", a["scormid"])
        for n, grade in ((0, 85.0), (1, 150.0), (2, 77.5)):
            db.set_grade(item, ids[f"stu{n}"], grade)
        db.set_completion(a["cmid"], ids["stu0"], 1)
        db.execute("INSERT INTO course_completion_criteria VALUES (?, ?)", ids["courseA"], a["cmid"])
        db.execute("INSERT INTO course_completions VALUES (?, ?, 1)", ids["courseA"], ids["stu0"])
        ids["fw"] = db.insert("competency_framework", shortname=f"Lab FW {SUFFIX}", idnumber=f"fw-{SUFFIX}",
                              scaleid=2,
                              scaleconfiguration='[{"scaleid":"2"},{"id":1,"scaledefault":1,"proficient":1}]',
                              contextid=1, timecreated=1, timemodified=1, usermodified=3)
        ids["comp"] = db.insert("competency", shortname=f"Putting {SUFFIX}", idnumber=f"comp-{SUFFIX}",
                                competencyframeworkid=ids["fw"], timecreated=1, timemodified=1, usermodified=3)
    return ids
