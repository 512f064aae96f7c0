"""The desired state: what Moodle should hold, from the programme definitions and the rosters.

Every object is keyed by its Moodle idnumber (lmsbridge's prefix + a stable key) and carries the source it came
from (`file:line`), so that every planned action and every failure can point back at it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel

from lmsbridge.delivery import ConfigError, Delivery
from lmsbridge.roster import Roster, RosterRow, RowProblem

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


class DesiredState(BaseModel):
    prefix: str
    categories: dict[str, DCategory] = {}
    courses: dict[str, DCourse] = {}
    users: dict[str, DUser] = {}
    cohorts: dict[str, DCohort] = {}
    cohort_members: dict[str, dict[str, str]] = {}  # cohort idnumber -> user idnumber -> source
    groups: dict[str, DGroup] = {}  # key "course/group idnumber"
    group_members: dict[str, dict[str, str]] = {}  # group key -> user idnumber -> source
    enrolments: dict[str, DEnrolment] = {}  # key "course|user"
    problems: list[RowProblem] = []
    roster_rows: int = 0


def slug(text: str) -> str:
    """ASCII key of a free text (an institution name, a country): 'Biržų rajono savivaldybė' -> 'birzu-rajono-…'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "x"


def own(prefix: str, key: str) -> str:
    return key if key.startswith(prefix) else prefix + key


def course_plan(delivery: Delivery, prefix: str) -> list[DCourse]:
    """The courses of a programme: per intake, per module (and per language when the programme says so)."""
    courses = []
    category = own(prefix, f"cat-{delivery.code}")
    for intake in delivery.intakes:
        for position, module in enumerate(delivery.modules, start=1):
            langs = delivery.languages if delivery.per_language else [delivery.languages[0]]
            for lang in langs:
                short = f"{delivery.code}-{intake.id}-{module.id}" + (f"-{lang}" if delivery.per_language else "")
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
    state = DesiredState(prefix=prefix, problems=list(roster.problems), roster_rows=roster.data_rows)
    by_programme = {d.programme: d for d in deliveries}
    courses_of: dict[tuple[str, str], list[DCourse]] = {}
    for d in deliveries:
        cat = d.category
        parent = ""
        if cat.parent:
            parent = own(prefix, f"cat-{cat.parent}")
            known = state.categories.get(parent)
            name = cat.parent_name or cat.parent
            if known and known.name != name:
                raise ConfigError(f"{d.source}: parent category {cat.parent!r} is named {name!r} here but "
                                  f"{known.name!r} in {known.source}")
            state.categories.setdefault(parent, DCategory(idnumber=parent, name=name, source=d.source))
        cid = own(prefix, f"cat-{d.code}")
        state.categories[cid] = DCategory(
            idnumber=cid, name=cat.name or d.title.get(d.languages[0], d.programme), parent=parent,
            description=cat.description or d.summary.get(d.languages[0], ""), source=d.source)
        for course in course_plan(d, prefix):
            state.courses[course.idnumber] = course
            courses_of.setdefault((d.programme, course.intake), []).append(course)
        if "programme" in d.cohorts:
            key = own(prefix, d.code)
            state.cohorts[key] = DCohort(idnumber=key, name=d.title.get(d.languages[0], d.programme),
                                         source=d.source)
        if "intake" in d.cohorts:
            for intake in d.intakes:
                key = own(prefix, f"{d.code}-{intake.id}")
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
    user = DUser(idnumber=uid, username=u["username"], firstname=u["firstname"], lastname=u["lastname"],
                 email=u["email"], auth=u["auth"] or default_auth, lang=u["lang"], country=u["country"],
                 institution=u["institution"], department=u["department"], source=row.source)
    seen = state.users.get(uid)
    if seen is not None:
        differs = [k for k in ("username", "firstname", "lastname", "email", "lang", "country", "institution",
                               "department", "auth") if getattr(seen, k) != getattr(user, k)]
        if differs:
            state.problems.append(RowProblem(
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
            key = own(prefix, f"{delivery.code}-{row.intake}")
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
    key = f"{course.idnumber}|{uid}"
    state.enrolments.setdefault(key, DEnrolment(course=course.idnumber, user=uid, role=role, timestart=start,
                                                timeend=end, suspended=suspended, source=source))


def _group(state: DesiredState, course: str, name: str, uid: str, source: str, prefix: str) -> None:
    gid = own(prefix, f"g-{slug(name)}")
    key = f"{course}/{gid}"
    state.groups.setdefault(key, DGroup(course=course, idnumber=gid, name=name, source=source))
    state.group_members.setdefault(key, {}).setdefault(uid, source)
