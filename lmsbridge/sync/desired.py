"""The desired state: what Moodle should hold, from the programme definitions and the rosters.

Every object is keyed by its Moodle idnumber (lmsbridge's prefix + a stable key) and carries the source it came
from (`file:line`), so that every planned action and every failure can point back at it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, fields
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from lmsbridge.sync.keys import (
    GradeKey,
    GroupKey,
    Pair,
    category_idnumber,
    course_shortname,
    group_idnumber,
    intake_idnumber,
    own,
    slug,  # noqa: F401 - re-exported (a group's idnumber is a slug of its name)
)
from lmsbridge.sync.problem import Problem
from lmsbridge.sync.sources.delivery import ConfigError, Delivery
from lmsbridge.sync.sources.results import ResultRow
from lmsbridge.sync.sources.roster import Roster, RosterRow

DEFAULT_PREFIX = "lmsb-"


class DCategory(BaseModel):
    idnumber: str
    name: str
    parent: str = ""  # the parent's idnumber ("" = top level)
    description: str = ""
    source: str = ""


class DCourse(BaseModel):
    idnumber: str
    shortname: str
    fullname: str
    category: str  # the category's idnumber
    summary: str = ""
    startdate: int = 0
    enddate: int = 0
    lang: str = ""
    programme: str = ""
    intake: str = ""
    module: str = ""
    source: str = ""


@dataclass(slots=True)
class DUser:  # slotted: one per participant
    idnumber: str
    username: str
    firstname: str
    lastname: str
    email: str
    auth: str = "manual"
    lang: str = ""
    country: str = ""
    institution: str = ""
    department: str = ""
    source: str = ""


# A participant's account as the sync keeps it in line: every field of DUser but its key and source (the
# roster's columns, less the idnumber; the planner compares and updates exactly these).
PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(DUser) if f.name not in ("idnumber", "source"))


class DCohort(BaseModel):
    idnumber: str
    name: str
    description: str = ""
    source: str = ""
    # Members are only ever added (an alumni cohort: a roster that no longer lists someone never drops them).
    keep_members: bool = False


class DGroup(BaseModel):
    course: str  # course idnumber
    idnumber: str
    name: str
    source: str = ""


@dataclass(slots=True)
class DEnrolment:  # slotted: several per participant
    course: str
    user: str
    role: str = "student"
    timestart: int = 0
    timeend: int = 0
    suspended: bool = False
    source: str = ""


class DActivity(BaseModel):
    """A module's SCORM package as an activity of its course (section = the module's position)."""

    course: str  # course idnumber
    idnumber: str
    module: str
    lang: str  # of the package
    section: int
    name: str
    intro: str = ""
    source: str = ""


class DSection(BaseModel):
    """A numbered section of a course: the module's, named by its title in the course's language, its summary the
    module's dates and training events."""

    course: str
    section: int
    name: str
    summary: str = ""
    source: str = ""


class DGradeItem(BaseModel):
    """A training event's manual grade item in one course."""

    course: str
    idnumber: str
    event: str
    name: str
    grademax: float
    source: str = ""


@dataclass(slots=True)
class DGrade:  # slotted: one per participant and event
    course: str
    item: str  # grade item idnumber
    user: str
    grade: float
    feedback: str
    source: str = ""


class DCompetency(BaseModel):
    idnumber: str
    shortname: str
    description: str = ""
    parent: str = ""  # the parent's idnumber ("" = top)


class DFramework(BaseModel):
    idnumber: str
    shortname: str
    description: str = ""
    competencies: list[DCompetency] = []  # parents before children
    courses: dict[str, list[str]] = {}  # course idnumber -> competency idnumbers linked there
    source: str = ""


class DAlumni(BaseModel):
    """Who passes every module activity of an intake (grade >= the module's mastery score) becomes an alumnus."""

    programme: str
    cohort: str
    course: str
    intakes: dict[str, dict[str, dict[str, float]]] = {}  # intake -> module -> course idnumber -> pass mark
    activities: dict[str, str] = {}  # course idnumber -> activity idnumber
    source: str = ""


class DesiredState(BaseModel):
    prefix: str
    activities: dict[str, DActivity] = {}  # key "course|activity idnumber"
    grade_items: dict[str, DGradeItem] = {}  # key "course|item idnumber"
    completion: dict[str, list[str]] = {}  # course idnumber -> activity idnumbers that complete it (all of them)
    sections: dict[str, DSection] = {}  # key "course|section number"
    grades: dict[str, DGrade] = {}  # key "course|item|user"
    frameworks: list[DFramework] = []
    alumni: list[DAlumni] = []
    categories: dict[str, DCategory] = {}
    courses: dict[str, DCourse] = {}
    users: dict[str, DUser] = {}
    cohorts: dict[str, DCohort] = {}
    cohort_members: dict[str, dict[str, str]] = {}  # cohort idnumber -> user idnumber -> source
    groups: dict[str, DGroup] = {}  # key "course/group idnumber"
    group_members: dict[str, dict[str, str]] = {}  # group key -> user idnumber -> source
    enrolments: dict[str, DEnrolment] = {}  # key "course|user"
    problems: list[Problem] = []
    roster_rows: int = 0
    held: dict[str, str] = {}  # user idnumber -> "file:line" of a broken row: that participant is left as is


def _section_summary(d: Delivery, c: DCourse, events: list[str]) -> str:
    """The module's dates (in the programme's time zone, ISO: the same in every language) and its events."""
    tz = ZoneInfo(d.timezone)
    start = datetime.fromtimestamp(c.startdate, tz).date().isoformat() if c.startdate else ""
    end = datetime.fromtimestamp(c.enddate - 1, tz).date().isoformat() if c.enddate else ""
    out = f"<p>{start} – {end}</p>" if start and end else f"<p>{start}</p>" if start else ""
    if events:
        out += "<ul>" + "".join(f"<li>{html.escape(e)}</li>" for e in events) + "</ul>"
    return out


def course_plan(delivery: Delivery, prefix: str) -> list[DCourse]:
    """The courses of a programme: per intake, per module (and per language when the programme says so)."""
    courses = []
    category = category_idnumber(prefix, delivery.code)
    for intake in delivery.intakes:
        for position, module in enumerate(delivery.modules, start=1):
            langs = delivery.languages if delivery.per_language else [delivery.languages[0]]
            for lang in langs:
                short = course_shortname(delivery.code, intake.id, module.id, lang if delivery.per_language else "")
                start, end = intake.dates_of(module.id)
                title = module.title.get(lang) or next(iter(module.title.values()), module.id)
                label = intake.name or intake.id
                courses.append(DCourse(
                    idnumber=own(prefix, short), shortname=short,
                    fullname=f"{position}. {title} ({label})", category=category,
                    summary=module.description.get(lang, ""), startdate=delivery.epoch(start),
                    enddate=delivery.epoch(end, end=True) if end else 0, lang=lang,
                    programme=delivery.programme, intake=intake.id, module=module.id, source=delivery.source))
    return courses


def build_desired(deliveries: list[Delivery], roster: Roster, *, prefix: str = DEFAULT_PREFIX,
                  default_auth: str = "manual") -> DesiredState:
    state = DesiredState(prefix=prefix, problems=list(roster.problems), roster_rows=roster.data_rows,
                         held={own(prefix, k): v for k, v in roster.held.items()})
    by_programme = {d.programme: d for d in deliveries}
    courses_of: dict[tuple[str, str], list[DCourse]] = {}
    for d in deliveries:
        cat = d.category
        parent = ""
        if cat.parent:
            parent = category_idnumber(prefix, cat.parent)
            known = state.categories.get(parent)
            name = cat.parent_name or cat.parent
            if known and known.name != name:
                raise ConfigError(f"{d.source}: parent category {cat.parent!r} is named {name!r} here but "
                                  f"{known.name!r} in {known.source}")
            state.categories.setdefault(parent, DCategory(idnumber=parent, name=name, source=d.source))
        cid = category_idnumber(prefix, d.code)
        state.categories[cid] = DCategory(
            idnumber=cid, name=cat.name or d.title.get(d.languages[0], d.programme), parent=parent,
            description=cat.description or d.summary.get(d.languages[0], ""), source=d.source)
        for course in course_plan(d, prefix):
            state.courses[course.idnumber] = course
            courses_of.setdefault((d.programme, course.intake), []).append(course)
        _extras(state, d, cid, prefix)
        if "programme" in d.cohorts:
            key = own(prefix, d.code)
            state.cohorts[key] = DCohort(idnumber=key, name=d.title.get(d.languages[0], d.programme),
                                         source=d.source)
        if "intake" in d.cohorts:
            for intake in d.intakes:
                key = intake_idnumber(prefix, d.code, intake.id)
                state.cohorts[key] = DCohort(
                    idnumber=key, name=f"{d.title.get(d.languages[0], d.programme)} {intake.name or intake.id}",
                    source=d.source)
    by_short = {c.shortname: c for c in state.courses.values()}
    for row in roster.rows:
        _add_row(state, row, by_programme, courses_of, by_short, prefix, default_auth)
    return state


def _add_row(state: DesiredState, row: RosterRow, by_programme: dict[str, Delivery],
             courses_of: dict[tuple[str, str], list[DCourse]], by_short: dict[str, DCourse], prefix: str,
             default_auth: str) -> None:
    u = row.user
    uid = own(prefix, u["idnumber"])
    user = DUser(idnumber=uid, source=row.source, **{k: u[k] for k in PROFILE_FIELDS})
    user.auth = user.auth or default_auth
    seen = state.users.get(uid)
    if seen is not None:
        differs = [k for k in PROFILE_FIELDS if getattr(seen, k) != getattr(user, k)]
        if differs:
            state.problems.append(Problem.in_row(
                row.file, row.line, f"participant {u['idnumber']} differs from {seen.source} in "
                f"{', '.join(differs)}; this row is skipped", "make the participant's details the same in "
                "every row"))
            return
    else:
        state.users[uid] = user
    delivery = by_programme.get(row.programme)
    if delivery is not None:
        lang = u["lang"] or delivery.languages[0]
        for course in courses_of.get((row.programme, row.intake), []):
            if delivery.per_language and course.lang != lang:
                continue
            _enrol(state, course, uid, delivery.role, 0, 0, False, row.source)
            for kind in delivery.groups:
                value = u.get(kind, "")
                if value:
                    _group(state, course.idnumber, value, uid, row.source, prefix)
        if "programme" in delivery.cohorts:
            state.cohort_members.setdefault(own(prefix, delivery.code), {}).setdefault(uid, row.source)
        if "intake" in delivery.cohorts:
            key = intake_idnumber(prefix, delivery.code, row.intake)
            state.cohort_members.setdefault(key, {}).setdefault(uid, row.source)
    for ref in row.courses:
        course = by_short[ref.course]
        end = ref.timestart + ref.period_days * 86400 if ref.period_days else 0
        if ref.period_days and not ref.timestart:
            end = 0  # Moodle counts the period from enrolment time; without a start there is no fixed end
        _enrol(state, course, uid, ref.role or by_programme[course.programme].role, ref.timestart, end,
               ref.suspended, row.source)
        if ref.group:
            _group(state, course.idnumber, ref.group, uid, row.source, prefix)
    for cohort in row.cohorts:
        key = own(prefix, cohort)
        state.cohorts.setdefault(key, DCohort(idnumber=key, name=cohort, source=row.source))
        state.cohort_members.setdefault(key, {}).setdefault(uid, row.source)


def _enrol(state: DesiredState, course: DCourse, uid: str, role: str, start: int, end: int, suspended: bool,
           source: str) -> None:
    key = str(Pair(course.idnumber, uid))
    state.enrolments.setdefault(key, DEnrolment(course=course.idnumber, user=uid, role=role, timestart=start,
                                                timeend=end, suspended=suspended, source=source))


def _group(state: DesiredState, course: str, name: str, uid: str, source: str, prefix: str) -> None:
    gid = group_idnumber(prefix, name)
    key = str(GroupKey(course, gid))
    state.groups.setdefault(key, DGroup(course=course, idnumber=gid, name=name, source=source))
    state.group_members.setdefault(key, {}).setdefault(uid, source)


def _extras(state: DesiredState, d: Delivery, category: str, prefix: str) -> None:
    """Activities, event grade items, the alumni cohort and course of one programme."""
    courses = [c for c in state.courses.values() if c.programme == d.programme]
    info = {m.id: m for m in d.modules}
    for c in courses:
        m = info[c.module]
        idn = own(prefix, m.id)
        title = m.title.get(c.lang) or next(iter(m.title.values()), m.id)
        # One module per course: its activity in section 1, named as the module, so no section is left unnamed.
        state.activities[str(Pair(c.idnumber, idn))] = DActivity(
            course=c.idnumber, idnumber=idn, module=m.id, lang=c.lang or d.languages[0], section=1,
            name=title, intro=m.description.get(c.lang, ""), source=d.source)
        events = [e.name for e in d.events if m.id in e.modules]
        state.sections[str(Pair(c.idnumber, "1"))] = DSection(
            course=c.idnumber, section=1, name=title, summary=_section_summary(d, c, events), source=d.source)
        if d.completion == "modules":
            state.completion.setdefault(c.idnumber, []).append(idn)
        for e in d.events:
            if m.id in e.modules:
                item = own(prefix, e.idnumber)
                state.grade_items[str(Pair(c.idnumber, item))] = DGradeItem(
                    course=c.idnumber, idnumber=item, event=e.idnumber, name=e.name, grademax=e.grademax,
                    source=d.source)
    if d.alumni:
        a = d.alumni
        key = own(prefix, a.cohort)
        state.cohorts[key] = DCohort(idnumber=key, name=a.cohort_name, source=d.source, keep_members=True)
        course = DCourse(idnumber=own(prefix, a.course), shortname=a.course, fullname=a.course_name,
                         category=category, summary=a.summary, startdate=d.epoch(min(i.start for i in d.intakes)),
                         lang=d.languages[0], programme=d.programme, intake="", module="", source=d.source)
        state.courses[course.idnumber] = course
        rule = DAlumni(programme=d.programme, cohort=key, course=course.idnumber, source=d.source)
        for c in courses:
            # a per-language programme: a module is passed in the course of either language
            rule.intakes.setdefault(c.intake, {}).setdefault(c.module, {})[c.idnumber] = info[c.module].mastery_score
            rule.activities[c.idnumber] = own(prefix, c.module)
        state.alumni.append(rule)


def add_results(state: DesiredState, rows: list[ResultRow], deliveries: list[Delivery]) -> None:
    """Event results (sources.results.ResultRow) -> grades in the course of the event where the participant is
    enrolled; a bad row is a problem with its file:line and a hint, the others go on."""
    events = {e.idnumber: e for d in deliveries for e in d.events}
    items_of: dict[str, list[DGradeItem]] = {}
    for item in state.grade_items.values():
        items_of.setdefault(item.event, []).append(item)
    for row in rows:
        def bad(message: str, hint: str) -> None:
            state.problems.append(Problem.in_row(row.file, row.line, message, hint))

        event = events.get(row.event)
        if event is None:
            bad(f"unknown event {row.event!r}", f"use one of {', '.join(sorted(events)) or '(none defined)'} "
                "(events are defined in each programme's moodle.toml, [[events]])")
            continue
        uid = own(state.prefix, row.participant)
        if uid not in state.users:
            bad(f"unknown participant {row.participant!r}: no roster lists them",
                "check the idnumber against the rosters (the same value as their idnumber column)")
            continue
        try:
            grade = float(row.grade.replace(",", "."))
        except ValueError:
            bad(f"grade {row.grade!r} is not a number", "write the grade as a number, e.g. 7 or 7.5")
            continue
        if not 0 <= grade <= event.grademax:
            bad(f"grade {row.grade} is outside 0 to {event.grademax:g} of event {row.event}",
                "correct the grade, or the event's grademax in its moodle.toml")
            continue
        targets = [i for i in items_of.get(row.event, []) if str(Pair(i.course, uid)) in state.enrolments]
        if not targets:
            bad(f"participant {row.participant!r} is not enrolled in a course of event {row.event}",
                "check the participant's programme and intake in the roster")
            continue
        for item in targets:
            key = str(GradeKey(item.course, item.idnumber, uid))
            if key in state.grades:
                bad(f"participant {row.participant!r} has a second result for event {row.event} "
                    f"(first at {state.grades[key].source}); this row is skipped", "keep one row per event")
                continue
            state.grades[key] = DGrade(course=item.course, item=item.idnumber, user=uid, grade=grade,
                                       feedback=row.feedback, source=row.source)


def add_frameworks(state: DesiredState, deliveries: list[Delivery]) -> None:
    """Each programme's competencies.toml (through scorm.sources) as a framework linked to the courses whose
    modules list its competencies."""
    from pathlib import Path

    from scorm.sources import SourceError, _load_framework  # the one reader of competencies.toml

    for d in deliveries:
        path = Path(d.dir) / "competencies.toml"
        if not d.dir or not path.is_file():
            continue
        try:
            fw = _load_framework(path, d.languages)
        except SourceError as exc:
            raise ConfigError("\n".join(getattr(exc, "problems", [str(exc)]))) from None
        lang = d.languages[0]

        def text(value: dict[str, str] | str) -> str:
            return value if isinstance(value, str) else (value.get(lang) or next(iter(value.values()), ""))

        known = {c.idnumber for c in fw.competencies}
        parent_of = {c.idnumber: c.parent for c in fw.competencies}

        def level(idn: str) -> int:  # parents before children (the loader refuses unknown parents)
            n, seen = 0, set()
            while idn and idn not in seen:
                seen.add(idn)
                idn, n = parent_of.get(idn, ""), n + 1
            return n

        depth = {c.idnumber: level(c.idnumber) for c in fw.competencies}
        comps = [DCompetency(idnumber=own(state.prefix, c.idnumber), shortname=text(c.shortname),
                             description=text(c.description), parent=own(state.prefix, c.parent) if c.parent else "")
                 for c in sorted(fw.competencies, key=lambda c: depth[c.idnumber])]
        courses: dict[str, list[str]] = {}
        info = {m.id: m for m in d.modules}
        for c in state.courses.values():
            if c.programme == d.programme and c.module:
                links = [own(state.prefix, x) for x in info[c.module].competencies if x in known]
                if links:
                    courses[c.idnumber] = links
        state.frameworks.append(DFramework(idnumber=own(state.prefix, fw.idnumber), shortname=text(fw.shortname),
                                           description=text(fw.description), competencies=comps, courses=courses,
                                           source=str(path)))
