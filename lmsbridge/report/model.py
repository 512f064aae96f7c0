"""The report's data: what was pulled from Moodle, one row per participant and course.

Plain pydantic models so the same data feeds the CSV, the HTML report, the certificate rules and tests.
Times are Unix seconds (UTC) as Moodle gives them; `None` means "Moodle has nothing", never zero.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, Field


class Participant(BaseModel):
    """A learner as Moodle knows them (core_enrol_get_enrolled_users)."""

    userid: int
    idnumber: str = ""
    username: str = ""
    firstname: str = ""
    lastname: str = ""
    fullname: str = ""
    email: str = ""
    institution: str = ""  # the organisation
    department: str = ""
    country: str = ""
    lang: str = ""
    left: bool = False  # the account is suspended: the sync suspends a participant who left the programme

    @property
    def key(self) -> str:
        """Stable identity across runs and sites: the registration system's id, else the username."""
        return self.idnumber or self.username or f"user-{self.userid}"

    @property
    def display_name(self) -> str:
        return self.fullname or f"{self.firstname} {self.lastname}".strip() or self.username


class ModuleResult(BaseModel):
    """One SCORM activity of a course for one participant (its last attempt, and the gradebook's grade)."""

    module: str  # the module id (sc-intro, ...) or, for an unknown SCORM, its name
    title: str = ""
    attempts: int = 0
    status: str = "not attempted"  # passed | failed | completed | incomplete | browsed | not attempted
    score: float | None = None  # percent 0-100 of the last attempt
    grade: float | None = None  # percent 0-100 in the gradebook (what the SCORM's grading method keeps)
    time_spent_s: float = 0.0
    last_activity: int | None = None
    passed: bool = False


class EventGrade(BaseModel):
    """A manual grade item (a training event's attendance or assessment) and this participant's grade."""

    idnumber: str = ""
    name: str = ""
    grade: float | None = None
    grademax: float | None = None
    graded_at: int | None = None

    @property
    def key(self) -> str:
        return self.idnumber or self.name


class CourseInfo(BaseModel):
    """A Moodle course lmsbridge delivers: which programme, intake, module and language it carries."""

    id: int
    idnumber: str
    shortname: str = ""
    fullname: str = ""
    programme: str
    intake: str = ""
    module: str = ""
    lang: str = ""


class ResultRow(BaseModel):
    """One participant in one course."""

    programme: str
    intake: str = ""
    course: CourseInfo
    participant: Participant
    lang: str = ""  # the course's language (or the participant's)
    modules: list[ModuleResult] = []
    events: list[EventGrade] = []
    moodle_completed: bool | None = None  # Moodle's course completion (None: no criteria, or not visible)
    progress: float | None = None  # Moodle's activity completion progress, percent
    course_grade: float | None = None  # percent

    @property
    def modules_passed(self) -> int:
        return sum(1 for m in self.modules if m.passed)

    @property
    def passed(self) -> bool:
        """Every SCORM module of the course passed (by its last attempt and the gradebook)."""
        return bool(self.modules) and self.modules_passed == len(self.modules)

    @property
    def completed(self) -> bool:
        """Moodle's course completion where Moodle tracks it; where it does not, every SCORM module passed."""
        return self.moodle_completed if self.moodle_completed is not None else self.passed

    @property
    def started(self) -> bool:
        """The learner opened a SCORM module (an attempt or a status) or has an event grade."""
        return any(m.attempts or m.status != "not attempted" for m in self.modules) \
            or any(e.grade is not None for e in self.events)

    @property
    def state(self) -> str:
        """completed (Moodle's course completion) | passed (every module passed, Moodle not yet marked the course
        complete) | failed (a module's last attempt failed) | in progress | not started."""
        if self.completed:
            return "completed"
        if self.passed:
            return "passed"
        if any(m.status == "failed" and not m.passed for m in self.modules):
            return "failed"
        return "in progress" if self.started else "not started"

    @property
    def attempts(self) -> int:
        return sum(m.attempts for m in self.modules)

    @property
    def time_spent_s(self) -> float:
        return sum(m.time_spent_s for m in self.modules)

    @property
    def score(self) -> float | None:
        """The mean of the modules' last-attempt scores that exist."""
        scores = [m.score for m in self.modules if m.score is not None]
        return sum(scores) / len(scores) if scores else None

    @property
    def last_activity(self) -> int | None:
        """The learner's last SCORM track or SCORM grade. Event grades do not count: their time is when the sync
        stored them, not when the learner did anything."""
        times = [m.last_activity for m in self.modules if m.last_activity]
        return max(times) if times else None


class Filters(BaseModel):
    programme: list[str] = []
    intake: list[str] = []
    since: date | None = None
    until: date | None = None

    def keeps_time(self, ts: int | None) -> bool:
        """A row is kept when its last activity falls in [since, until] (both days included)."""
        if self.since is None and self.until is None:
            return True
        if ts is None:
            return False
        day = datetime.fromtimestamp(ts, UTC).date()
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


class ReportData(BaseModel):
    generated_at: int
    site: str = ""
    filters: Filters = Filters()
    programme_titles: dict[str, dict[str, str]] = {}  # programme id -> {lang: title}
    module_titles: dict[str, dict[str, str]] = {}  # module id -> {lang: title}
    rows: list[ResultRow] = []
    problems: list[str] = Field(default=[], description="what could not be read, one line each")
    calls: int = 0  # web-service calls made to pull this

    def title_of(self, programme: str, lang: str = "en") -> str:
        titles = self.programme_titles.get(programme, {})
        return titles.get(lang) or titles.get("en") or next(iter(titles.values()), programme)
