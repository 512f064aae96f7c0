"""How each programme is delivered in Moodle: `course_packages/<programme>/moodle.toml` next to programme.toml.

programme.toml says what a programme is (titles, languages, modules in order); moodle.toml says how it runs in
Moodle (its category, one course per module or per module and language, intakes with dates, cohorts, groups).
Only the metadata the sync needs is read from programme.toml and module.toml (ids, titles, descriptions), so a
sync never depends on the pages or quizzes being complete. Every problem names the file and what to fix.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ConfigError(ValueError):
    """Bad programme or delivery configuration: exit code 2."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CourseDates(_Strict):
    """Dates of one module's course in an intake (defaults: the intake's dates)."""

    module: str
    start: date | None = None
    end: date | None = None


class Intake(_Strict):
    id: str = Field(description="ASCII slug, part of every Moodle idnumber of the intake's courses")
    name: str = ""
    start: date
    end: date | None = None
    location: str = ""
    courses: list[CourseDates] = []

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError(f"intake id {v!r} must be lower-case letters, digits and '-'")
        return v

    @model_validator(mode="after")
    def _dates(self) -> Intake:
        if self.end and self.end < self.start:
            raise ValueError(f"intake {self.id}: end {self.end} is before start {self.start}")
        for c in self.courses:
            if c.start and c.end and c.end < c.start:
                raise ValueError(f"intake {self.id}, module {c.module}: end {c.end} is before start {c.start}")
        return self

    def dates_of(self, module: str) -> tuple[date, date | None]:
        own = next((c for c in self.courses if c.module == module), None)
        start = (own.start if own and own.start else None) or self.start
        end = (own.end if own and own.end else None) or self.end
        return start, end


class CategorySpec(_Strict):
    name: str = ""  # default: the programme's title in its first language
    description: str = ""
    parent: str = ""  # optional key of a shared parent category (its idnumber is prefix + "cat-" + key)
    parent_name: str = ""


class EventSpec(_Strict):
    """A training event whose results come as a CSV: a manual grade item in the courses of its modules."""

    idnumber: str = Field(description="the `event` column of the results files")
    name: str
    modules: list[str] = Field(min_length=1, description="the item goes into these modules' courses")
    grademax: float = Field(100, gt=0)
    # Where, when and on what it was held (shown on the certificate among the events attended). `undated = true`
    # says the sources give no date, so that a missing date is a known gap and not an oversight.
    country: str = Field("", pattern=r"^([A-Z]{2})?$", description="ISO 3166 code, e.g. NO, LT")
    place: str = ""
    start: date | None = None
    end: date | None = None
    undated: bool = False
    topics: dict[str, list[str]] = Field({}, description="topics by language")

    @field_validator("idnumber")
    @classmethod
    def _key(cls, v: str) -> str:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", v):
            raise ValueError(f"event idnumber {v!r} must be letters, digits, '.', '_' and '-'")
        return v

    @model_validator(mode="after")
    def _dates(self) -> EventSpec:
        if self.undated and (self.start or self.end):
            raise ValueError(f"event {self.idnumber}: undated = true, yet it has a date")
        if self.end and not self.start:
            raise ValueError(f"event {self.idnumber}: an end without a start")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"event {self.idnumber}: end {self.end} is before start {self.start}")
        return self


class AlumniSpec(_Strict):
    """Participants who pass every module of an intake move to this cohort and course (and are never dropped)."""

    cohort: str  # key: idnumber prefix + this
    cohort_name: str
    course: str  # shortname; idnumber prefix + this
    course_name: str
    summary: str = ""


class DeliveryFile(_Strict):
    """The contents of moodle.toml."""

    modules: list[str] = []  # default: programme.toml's order
    per_language: bool = False
    timezone: str = "UTC"
    role: str = "student"
    cohorts: list[Literal["programme", "intake"]] = ["intake"]
    groups: list[Literal["country", "institution", "department"]] = []
    category: CategorySpec = CategorySpec()
    intakes: list[Intake]
    events: list[EventSpec] = []
    alumni: AlumniSpec | None = None
    # Course completion criteria: "modules" = every module's SCORM activity complete (by its rule: passed);
    # "none" = lmsbridge leaves them to the teachers.
    completion: Literal["modules", "none"] = "modules"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Europe/Stockholm)") from None
        return v


class ModuleInfo(BaseModel):
    id: str
    title: dict[str, str]
    description: dict[str, str] = {}
    mastery_score: float = 0  # the SCO reports "passed" at this score: the alumni rule reads grades against it
    competencies: list[str] = []


class Delivery(BaseModel):
    """One programme as the sync sees it: programme.toml's metadata merged with moodle.toml."""

    programme: str
    code: str
    languages: list[str]
    title: dict[str, str]
    summary: dict[str, str] = {}
    modules: list[ModuleInfo]
    per_language: bool
    timezone: str
    role: str
    cohorts: list[str]
    groups: list[str]
    category: CategorySpec
    intakes: list[Intake]
    events: list[EventSpec] = []
    alumni: AlumniSpec | None = None
    completion: str = "modules"
    dir: str = ""  # the programme folder (competencies.toml, packages)
    source: str  # the moodle.toml path, for messages

    def intake(self, intake_id: str) -> Intake | None:
        return next((i for i in self.intakes if i.id == intake_id), None)

    def epoch(self, day: date | None, *, end: bool = False) -> int:
        """Midnight at the start (or, for ``end``, at the end) of ``day`` in the programme's time zone."""
        if day is None:
            return 0
        moment = datetime.combine(day, time.max if end else time.min, ZoneInfo(self.timezone))
        return int(moment.astimezone(UTC).timestamp()) + (1 if end else 0)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None


def _errors(path: Path, exc: ValidationError) -> str:
    lines = []
    for e in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in e["loc"])
        lines.append(f"{path}: {where + ': ' if where else ''}{e['msg']}")
    return "\n".join(lines)


def load_delivery(programme_dir: Path) -> Delivery:
    """Read programme.toml, moodle.toml and the modules' module.toml of one programme folder."""
    prog_path, moodle_path = programme_dir / "programme.toml", programme_dir / "moodle.toml"
    prog = _read(prog_path)
    try:
        spec = DeliveryFile.model_validate(_read(moodle_path))
    except ValidationError as exc:
        raise ConfigError(_errors(moodle_path, exc)) from None
    missing = [k for k in ("id", "code", "languages", "modules", "title") if k not in prog]
    if missing:
        raise ConfigError(f"{prog_path}: missing {', '.join(missing)}")
    order = spec.modules or list(prog["modules"])
    unknown = [m for m in order if m not in prog["modules"]]
    if unknown:
        raise ConfigError(f"{moodle_path}: modules {unknown} are not modules of {prog['id']} "
                          f"(programme.toml lists {prog['modules']})")
    modules = []
    for mid in order:
        meta = _read(programme_dir / mid / "module.toml")
        modules.append(ModuleInfo(id=mid, title=meta.get("title", {}), description=meta.get("description", {}),
                                  mastery_score=float(meta.get("mastery_score") or 0),
                                  competencies=list(meta.get("competencies", []))))
    seen: set[str] = set()
    for intake in spec.intakes:
        if intake.id in seen:
            raise ConfigError(f"{moodle_path}: intake {intake.id!r} is defined twice")
        seen.add(intake.id)
        for c in intake.courses:
            if c.module not in order:
                raise ConfigError(f"{moodle_path}: intake {intake.id}: module {c.module!r} is not delivered "
                                  f"(modules: {order})")
    if not spec.intakes:
        raise ConfigError(f"{moodle_path}: define at least one [[intakes]]")
    events: set[str] = set()
    for e in spec.events:
        if e.idnumber in events:
            raise ConfigError(f"{moodle_path}: event {e.idnumber!r} is defined twice")
        events.add(e.idnumber)
        stray = [m for m in e.modules if m not in order]
        if stray:
            raise ConfigError(f"{moodle_path}: event {e.idnumber}: modules {stray} are not delivered "
                              f"(modules: {order})")
        if e.idnumber in order:
            raise ConfigError(f"{moodle_path}: event {e.idnumber!r} has a module's id (activities and grade items "
                              "share idnumbers in a course): rename the event")
    return Delivery(
        programme=prog["id"], code=prog["code"], languages=list(prog["languages"]), title=prog["title"],
        summary=prog.get("summary", {}), modules=modules, per_language=spec.per_language, timezone=spec.timezone,
        role=spec.role, cohorts=list(spec.cohorts), groups=list(spec.groups), category=spec.category,
        intakes=spec.intakes, events=spec.events, alumni=spec.alumni, completion=spec.completion,
        dir=str(programme_dir),
        source=str(moodle_path))


def load_deliveries(root: Path) -> list[Delivery]:
    """Every programme folder under ``root`` that has a moodle.toml, sorted by programme id."""
    if not root.is_dir():
        raise ConfigError(f"{root}: the course sources folder does not exist (set --source / LMSBRIDGE_SOURCE)")
    found = [load_delivery(p.parent) for p in sorted(root.glob("*/moodle.toml"))]
    if not found:
        raise ConfigError(f"{root}: no programme has a moodle.toml; see course_packages/README.md")
    codes: dict[str, str] = {}
    for d in found:
        if d.code in codes:
            raise ConfigError(f"{d.source}: programme code {d.code!r} is also used by {codes[d.code]}")
        codes[d.code] = d.programme
    events: dict[str, str] = {}
    for d in found:
        for e in d.events:
            if e.idnumber in events:
                raise ConfigError(f"{d.source}: event {e.idnumber!r} is also defined in {events[e.idnumber]}")
            events[e.idnumber] = d.source
    return found
