"""The actual state: what the live Moodle holds of the objects lmsbridge manages, as the reader found it, and
the Scope that says what to read. Plain models without I/O: the planner, the plan and the reader share them.

Keys: Moodle idnumbers; groups by ``course/group``, activities and grade items by ``course|item`` (see ``keys``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field


class Scope(BaseModel):
    """What to read: the idnumbers the plan is about (stored in the plan so that `apply` reads the same)."""

    prefix: str
    categories: list[str] = []
    courses: list[str] = []
    course_shortnames: dict[str, str] = {}  # idnumber -> shortname (for clash look-ups)
    users: list[str] = []  # user idnumbers: desired, plus those lmsbridge knows it manages
    new_user_logins: dict[str, tuple[str, str]] = {}  # idnumber -> (username, email), for clash look-ups
    # How a participant finds an account lmsbridge did not create (the roster's idnumber without the prefix, the
    # e-mail or the username), and the accounts adopted so far (the journal's: key -> Moodle id), to find them
    # again when they leave.
    match_by: str = "idnumber"
    adopted: dict[str, int] = {}
    # Accounts lmsbridge created, as the journal remembers them (key -> Moodle id; 0: a create whose answer never
    # came): its own even when they are missing from the marker cohort (an interrupted run, an administrator's edit).
    managed: dict[str, int] = {}
    cohorts: list[str] = []
    enrolled: dict[str, list[str]] = {}  # course idnumber -> user idnumbers the rosters enrol there
    groups: dict[str, list[str]] = {}  # course idnumber -> group idnumbers the rosters want there
    # Moodle ids the journal remembers: read by id in one call each, and verified; a miss falls back to look-ups.
    known_courses: dict[str, int] = {}
    known_groups: dict[str, int] = {}  # "course idnumber/group idnumber" -> id
    # What needs the companion plugin or optional services is read only when the site has them.
    plugin: bool = False  # local_lmsbridge's functions are in the token's service
    read_courses: bool = False  # and its local_lmsbridge_read_courses: all per-course parts in few calls
    bulk: list[str] = []  # and those of its bulk functions (PLUGIN_BULK_FUNCTIONS) the service has
    activity_courses: list[str] = []  # courses whose SCORM activities and grade items are read (plugin)
    grade_courses: list[str] = []  # courses whose gradebook is read (event grades, the alumni rule)
    frameworks: list[str] = []  # competency framework idnumbers
    competency_courses: list[str] = []  # courses whose linked competencies are read


class ACategory(BaseModel):
    id: int
    idnumber: str
    name: str
    parent: int = 0
    description: str = ""
    coursecount: int = Field(0, exclude=True)  # not part of the fingerprint: it changes as courses are made


class ACourse(BaseModel):
    id: int
    idnumber: str
    shortname: str
    fullname: str
    categoryid: int = 0
    summary: str = ""
    startdate: int = 0
    enddate: int = 0
    lang: str = ""


@dataclass(slots=True)
class AUser:  # slotted: one per participant
    id: int
    idnumber: str = ""
    # None: Moodle did not show the field to the token's user (a capability it lacks), so its value is unknown.
    username: str | None = ""
    firstname: str | None = ""
    lastname: str | None = ""
    email: str | None = ""
    auth: str | None = ""
    suspended: bool = False
    lang: str | None = ""
    country: str = ""
    institution: str = ""
    department: str = ""
    # "" for lmsbridge's own account (in the marker cohort, created per the journal, or with an earlier version's
    # prefixed idnumber); else the field by which an account lmsbridge did not create was matched (adopted:
    # enrolled and added to cohorts and groups, never changed or suspended)
    matched_by: str = ""


class ACohort(BaseModel):
    id: int
    idnumber: str
    name: str
    description: str = ""
    members: list[int] = []


class AGroup(BaseModel):
    id: int
    courseid: int
    idnumber: str
    name: str
    members: list[int] = []


@dataclass(slots=True)
class AEnrolment:  # slotted: several per participant
    roles: list[int] = field(default_factory=list)
    active: bool = True


class AActivity(BaseModel):
    cmid: int
    idnumber: str
    section: int = 0
    name: str = ""
    sha1hash: str = ""


class AGradeItem(BaseModel):
    itemid: int
    idnumber: str
    name: str = ""
    grademax: float = 100


class AFramework(BaseModel):
    id: int
    idnumber: str
    competencies: dict[str, int] = {}  # competency idnumber -> id


class Clash(BaseModel):
    """A desired object whose name or login is taken by something lmsbridge does not own."""

    entity: str
    key: str
    field: str
    value: str
    other_id: int
    other_idnumber: str = ""


class ActualState(BaseModel):
    prefix: str
    categories: dict[str, ACategory] = {}  # by idnumber
    courses: dict[str, ACourse] = {}  # by idnumber
    users: dict[str, AUser] = {}  # by idnumber
    cohorts: dict[str, ACohort] = {}  # by idnumber
    groups: dict[str, AGroup] = {}  # "course idnumber/group idnumber"
    enrolments: dict[str, dict[int, AEnrolment]] = {}  # course idnumber -> userid -> enrolment
    enrolled_idnumbers: dict[int, str] = {}  # userid -> idnumber, for enrolled users not otherwise read
    clashes: list[Clash] = []
    # The marker cohort (keys.marker_idnumber): its members are the accounts lmsbridge created. Not a programme
    # cohort: the membership logic and the thresholds never count it.
    marker: ACohort | None = None
    # Accounts lmsbridge did not create that hold the roster idnumber of one of its own (Moodle does not force
    # user idnumbers to be unique): its own is kept and never renamed onto the duplicate.
    taken: list[Clash] = []
    ambiguous: list[Clash] = []  # two or more accounts match a participant: never guessed
    activities: dict[str, AActivity] = {}  # "course idnumber|activity idnumber"
    grade_items: dict[str, AGradeItem] = {}  # "course idnumber|item idnumber"
    completion: dict[str, list[str]] = {}  # course idnumber -> activity idnumbers of its completion criteria
    sections: dict[str, list[str]] = {}  # "course idnumber|section number" -> [name, summary] as stored
    # course idnumber -> user idnumber -> item idnumber -> [grade, feedback]; learners change it all the time,
    # so it is not part of the fingerprint (a plan stays valid while they work)
    gradebook: dict[str, dict[str, dict[str, list[Any]]]] = {}
    frameworks: dict[str, AFramework] = {}
    course_competencies: dict[str, list[str]] = {}  # course idnumber -> competency idnumbers linked there
    reads: int = 0

    def fingerprint(self) -> str:
        data = self.model_dump(exclude={"reads", "gradebook"}, mode="json")
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def user_by_id(self) -> dict[int, AUser]:
        return {u.id: u for u in self.users.values()}
