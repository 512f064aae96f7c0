"""Typed results of the web-service functions lmsbridge uses.

Models keep only the fields lmsbridge reads, typed; every other field Moodle sends is kept too (extra="allow"),
so a newer Moodle that adds fields does not break parsing. Every result that carries Moodle's ``warnings``
exposes them as ``warnings``: they are data, never dropped.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MoodleModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class MoodleWarning(MoodleModel):
    """One entry of Moodle's ``warnings`` list (per-item problems of update calls, access problems of reads)."""

    item: str | None = None
    itemid: int | str | None = None
    warningcode: str | None = None
    message: str = ""

    def __str__(self) -> str:
        where = f"{self.item} {self.itemid}: " if self.item else ""
        return f"{where}{self.message} [{self.warningcode}]"


@dataclasses.dataclass
class BatchResult:
    """The answers of a batched call: list answers concatenated in order, all warnings, every raw answer."""

    items: list[Any] = dataclasses.field(default_factory=list)
    warnings: list[MoodleWarning] = dataclasses.field(default_factory=list)
    responses: list[Any] = dataclasses.field(default_factory=list)

    @property
    def batches(self) -> int:
        return len(self.responses)


class WithWarnings(MoodleModel):
    warnings: list[MoodleWarning] = []


# --- site ---


class SiteFunction(MoodleModel):
    name: str
    version: str = ""


class NameValue(MoodleModel):
    name: str
    value: Any = None


class SiteInfo(MoodleModel):
    sitename: str
    siteurl: str
    username: str
    userid: int
    fullname: str = ""
    release: str = ""
    version: str = ""
    functions: list[SiteFunction] = []
    uploadfiles: int = 0
    downloadfiles: int = 0
    userissiteadmin: bool = False
    advancedfeatures: list[NameValue] = []
    # A per-user key that opens the user's private files feed: a secret, kept out of repr.
    userprivateaccesskey: str | None = Field(default=None, repr=False)

    @property
    def function_names(self) -> set[str]:
        return {f.name for f in self.functions}

    def feature(self, name: str) -> Any:
        return next((f.value for f in self.advancedfeatures if f.name == name), None)


# --- categories and courses ---


class Category(MoodleModel):
    id: int
    name: str
    idnumber: str | None = ""
    parent: int = 0
    description: str = ""
    descriptionformat: int = 1
    coursecount: int = 0
    visible: int = 1
    depth: int = 0
    path: str = ""


class CreatedCategory(MoodleModel):
    id: int
    name: str


class Course(MoodleModel):
    id: int
    fullname: str
    shortname: str
    displayname: str = ""
    categoryid: int | None = None
    idnumber: str | None = ""
    summary: str = ""
    format: str = ""
    visible: int = 1
    startdate: int = 0
    enddate: int = 0
    enablecompletion: int = 0


class CoursesResult(WithWarnings):
    courses: list[Course] = []


class CreatedCourse(MoodleModel):
    id: int
    shortname: str


class DuplicatedCourse(MoodleModel):
    id: int
    shortname: str


class ContentModule(MoodleModel):
    id: int
    name: str
    modname: str
    instance: int | None = None
    visible: int = 1
    url: str | None = None


class CourseSection(MoodleModel):
    id: int
    name: str
    section: int
    visible: int = 1
    summary: str = ""
    modules: list[ContentModule] = []


class CourseModuleInfo(MoodleModel):
    id: int
    course: int
    name: str
    modname: str
    instance: int
    section: int | None = None
    idnumber: str | None = ""
    visible: int = 1


class CourseModuleResult(WithWarnings):
    cm: CourseModuleInfo


# --- users, enrolments ---


class User(MoodleModel):
    id: int
    username: str = ""
    firstname: str = ""
    lastname: str = ""
    fullname: str = ""
    email: str = ""
    idnumber: str | None = ""
    auth: str = ""
    suspended: bool = False
    lang: str = ""
    city: str = ""
    country: str = ""


class UsersResult(WithWarnings):
    users: list[User] = []


class CreatedUser(MoodleModel):
    id: int
    username: str


class Role(MoodleModel):
    roleid: int
    name: str = ""
    shortname: str = ""


class EnrolledCourseRef(MoodleModel):
    id: int
    fullname: str = ""
    shortname: str = ""


class EnrolledUser(MoodleModel):
    id: int
    username: str = ""
    fullname: str = ""
    email: str = ""
    idnumber: str | None = ""
    roles: list[Role] = []
    enrolledcourses: list[EnrolledCourseRef] = []


class UserCourse(MoodleModel):
    id: int
    shortname: str
    fullname: str = ""
    idnumber: str | None = ""
    visible: int = 1
    completed: bool | None = None
    completionhascriteria: bool | None = None  # without criteria Moodle never marks anyone complete
    progress: float | None = None


# --- cohorts, groups ---


class Cohort(MoodleModel):
    id: int
    name: str
    idnumber: str | None = ""
    description: str = ""
    visible: bool = True


class CohortMembers(MoodleModel):
    cohortid: int
    userids: list[int] = []


class CohortSearchResult(MoodleModel):
    cohorts: list[Cohort] = []


class Group(MoodleModel):
    id: int
    courseid: int
    name: str
    idnumber: str | None = ""
    description: str = ""


# --- grades ---


class UserGradeItem(MoodleModel):
    id: int
    itemname: str | None = None
    itemtype: str = ""
    itemmodule: str | None = None
    iteminstance: int | None = None
    itemnumber: int | None = None
    idnumber: str | None = ""
    cmid: int | None = None
    graderaw: float | None = None
    gradeformatted: str | None = None
    grademin: float | None = None
    grademax: float | None = None
    gradedategraded: int | None = None
    gradeishidden: bool | None = None
    feedback: str | None = None


class UserGrades(MoodleModel):
    courseid: int
    userid: int
    userfullname: str = ""
    useridnumber: str | None = ""
    courseidnumber: str | None = ""
    gradeitems: list[UserGradeItem] = []


class UserGradesResult(WithWarnings):
    usergrades: list[UserGrades] = []


class GradeItemRef(MoodleModel):
    id: int  # Moodle sends it as a string ("4")
    itemname: str | None = None
    category: str | None = None


class GradeItemsResult(WithWarnings):
    grade_items: list[GradeItemRef] = Field(default=[], alias="gradeItems")


# --- SCORM ---


class Scorm(MoodleModel):
    id: int
    coursemodule: int
    course: int
    name: str
    version: str = ""
    revision: int = 0
    sha1hash: str | None = None
    packagesize: int | None = None
    packageurl: str | None = None
    protectpackagedownloads: bool | None = None
    maxgrade: float | None = None
    grademethod: int | None = None
    maxattempt: int | None = None


class ScormsResult(WithWarnings):
    scorms: list[Scorm] = []
    options: list[NameValue] = []


class ElementValue(MoodleModel):
    element: str
    value: Any = None


class Sco(MoodleModel):
    id: int
    scorm: int
    identifier: str
    title: str = ""
    launch: str = ""
    scormtype: str = ""
    parent: str = ""
    sortorder: int = 0
    extradata: list[ElementValue] = []


class ScoesResult(WithWarnings):
    scoes: list[Sco] = []


class ScoTrackData(MoodleModel):
    attempt: int
    tracks: list[ElementValue] = []


class ScoTracksResult(WithWarnings):
    data: ScoTrackData

    def track(self, element: str) -> Any:
        return next((t.value for t in self.data.tracks if t.element == element), None)


class AttemptCount(WithWarnings):
    attemptscount: int


# --- competencies ---


class CompetencyFramework(MoodleModel):
    id: int
    shortname: str
    idnumber: str
    description: str = ""
    visible: bool = True
    scaleid: int | None = None
    scaleconfiguration: str | None = None
    contextid: int | None = None


class Competency(MoodleModel):
    id: int
    shortname: str
    idnumber: str
    competencyframeworkid: int
    description: str = ""
    parentid: int = 0
    path: str = ""


class CourseCompetency(MoodleModel):
    id: int
    courseid: int
    competencyid: int
    ruleoutcome: int = 0
    sortorder: int = 0


class CourseCompetencyLink(MoodleModel):
    competency: Competency
    coursecompetency: CourseCompetency


# --- completion ---


class ActivityCompletion(MoodleModel):
    cmid: int
    modname: str
    instance: int
    state: int
    timecompleted: int = 0
    tracking: int = 0
    hascompletion: bool | None = None
    isautomatic: bool | None = None
    isoverallcomplete: bool | None = None


class ActivitiesCompletion(WithWarnings):
    statuses: list[ActivityCompletion] = []


class CompletionCriterion(MoodleModel):
    type: int
    title: str = ""
    status: str = ""
    complete: bool = False
    timecompleted: int | None = None


class CourseCompletionStatus(MoodleModel):
    completed: bool
    aggregation: int | None = None
    completions: list[CompletionCriterion] = []


class CourseCompletion(WithWarnings):
    completionstatus: CourseCompletionStatus


# --- files ---


class UploadedFile(MoodleModel):
    filename: str
    filepath: str = "/"
    itemid: int
    filesize: int | None = None
    component: str = ""
    filearea: str = ""
    contextid: int | None = None


class UploadProblem(MoodleModel):
    filename: str = ""
    errortype: str | None = None
    error: str = ""


class UploadResult(MoodleModel):
    """upload.php's answer: the draft ``itemid`` to hand to the next call, and the files in it."""

    itemid: int | None = None
    files: list[UploadedFile] = []
    problems: list[UploadProblem] = []


# The public face re-exports every model defined here (and nothing it merely imports).
__all__ = [name for name, obj in list(globals().items())
           if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == __name__]
