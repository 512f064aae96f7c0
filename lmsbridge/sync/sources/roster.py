"""Participant rosters: CSV files with the column names of Moodle's own user upload, plus `programme`, `intake`.

UTF-8 with or without a BOM; comma or semicolon, sniffed from the header line. Two layers, as in Moodle's upload
tools: the file (encoding, header, required and unknown columns) fails as a whole; then each row is checked on its
own, against what Moodle will accept (lmsbridge.user_rules), and a bad row is reported with its file, line and
what to fix and never stops the others. A bad row's participant is *held back* (Roster.held): the sync leaves
them exactly as Moodle has them, since a broken row says "we don't know what this person should have now",
never "they left". Numbered columns go together:
`course1` with `role1`, `group1`, `enroltimestart1`, `enrolperiod1` (days), as in Moodle.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from lmsbridge.sync.problem import Problem
from lmsbridge.sync.sources.delivery import Delivery
from lmsbridge.user_rules import COUNTRIES, EMAIL, strip_tags, too_long

USER_FIELDS = ("idnumber", "username", "firstname", "lastname", "email", "institution", "department", "country",
               "lang", "auth")
NUMBERED = ("cohort", "course", "role", "group", "enroltimestart", "enrolperiod", "enrolstatus")
KNOWN = set(USER_FIELDS) | {"programme", "intake", "city"}
REQUIRED = ("idnumber", "firstname", "lastname", "email")
_NUMBERED_RE = re.compile(rf"^({'|'.join(NUMBERED)})(\d+)$")
_USERNAME = re.compile(r"^[a-z0-9_.@-]+$")
_LANG = re.compile(r"^[a-z]{2,3}(_[a-z]+)?$")


@dataclass
class CourseRef:
    """courseN with its role, groups and dates."""

    course: str
    role: str = ""
    group: str = ""
    timestart: int = 0
    period_days: int = 0
    suspended: bool = False


@dataclass
class RosterRow:
    file: str
    line: int
    user: dict[str, str]
    programme: str = ""
    intake: str = ""
    cohorts: list[str] = field(default_factory=list)
    courses: list[CourseRef] = field(default_factory=list)
    source: str = ""  # "file:line", made once: every object from this row shares it

    def __post_init__(self) -> None:
        self.source = f"{self.file}:{self.line}"


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    data_rows: int = 0  # rows read, good or bad: what a truncation check compares
    held: dict[str, str] = field(default_factory=dict)  # idnumber -> "file:line" of a broken row: left as is

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ValueError(f"line {line} is not UTF-8 (save the file as UTF-8 / 'CSV UTF-8' in Excel)") from None


def delimiter_of(header: str) -> str:
    """A CSV's delimiter from its header line: Excel in many locales saves with ';'."""
    return ";" if header.count(";") > header.count(",") else ","


def _parse_date(value: str) -> int:
    """enroltimestartN: an ISO date or date-time (UTC unless it carries an offset), or a Unix timestamp."""
    value = value.strip()
    if value.isdigit():
        return int(value)
    moment = datetime.fromisoformat(value) if "T" in value or " " in value else datetime.combine(
        date.fromisoformat(value), datetime.min.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def read_roster_file(path: Path, deliveries: Iterable[Delivery], managed_courses: set[str] | None = None) -> Roster:
    """Read one roster file. ``managed_courses``: shortnames a `courseN` column may name."""
    roster = Roster(files=[str(path)])
    by_id = {d.programme: d for d in deliveries}
    by_code = {d.code.lower(): d for d in by_id.values()}
    name = str(path)
    try:
        text = _decode(path)
    except (OSError, ValueError) as e:
        roster.problems.append(Problem.in_row(name, 0, f"cannot read the roster: {e}"))
        return roster
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(first))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        roster.problems.append(Problem.in_row(name, 1, "the file is empty", "the first line must name the columns"))
        return roster
    if "password" in header:
        roster.problems.append(Problem.in_row(
            name, 1, "a 'password' column is not accepted", "remove it: lmsbridge never sends passwords; Moodle "
            "generates them (createpassword) or the site's external authentication is used"))
        return roster
    dupes = sorted({h for h in header if header.count(h) > 1 and h})
    if dupes:
        roster.problems.append(Problem.in_row(name, 1, f"columns named twice: {', '.join(dupes)}"))
        return roster
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        roster.problems.append(Problem.in_row(
            name, 1, f"required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}"
            + _did_you_mean(header, missing), "the first line must name the columns idnumber, firstname, "
            "lastname and email (as in Moodle's user upload); nothing was planned"))
        return roster
    if "programme" not in header and not any(h.startswith("course") and _NUMBERED_RE.match(h) for h in header):
        roster.problems.append(Problem.in_row(
            name, 1, "no 'programme' column and no 'course1'"
            + _did_you_mean(header, ["programme", "course1"]),
            "a roster enrols people by programme (and intake) or by course1, course2, ...; nothing was planned"))
        return roster
    unknown = [h for h in header if h and h not in KNOWN and not _NUMBERED_RE.match(h)
               and not h.startswith("profile_field_")]
    if unknown:
        roster.problems.append(Problem.in_row(
            name, 1, f"unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(repr(h) for h in unknown)}"
            + _did_you_mean(unknown), "use the column names of Moodle's user upload (see the README's "
            "roster columns); nothing was planned"))
        return roster
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        roster.data_rows += 1
        if len(cells) > len(header):
            roster.problems.append(Problem.in_row(name, start, f"{len(cells)} cells but {len(header)} columns",
                                              "a value with a comma or semicolon must be in double quotes"))
            continue
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h}
        row, problems = _row(values, name, start, by_id, by_code, managed_courses)
        roster.problems.extend(problems)
        if row is not None and not any(p.severity == "error" for p in problems):
            roster.rows.append(row)
        elif values.get("idnumber"):
            roster.held.setdefault(values["idnumber"], f"{name}:{start}")
    _unique_emails(roster)
    return roster


def _did_you_mean(header: list[str], wanted: Iterable[str] = ()) -> str:
    """" (did you mean 'email' for 'e-mail'?)": the near misses among the header's unknown columns (only those
    that would be one of ``wanted``, when given)."""
    known = sorted(KNOWN | {f"{n}1" for n in NUMBERED})
    wanted = set(wanted)
    guesses = []
    for name in header:
        if not name or name in KNOWN or _NUMBERED_RE.match(name) or name.startswith("profile_field_"):
            continue
        squeezed = re.sub(r"[\s_-]", "", name)
        near = difflib.get_close_matches(squeezed, known, n=1, cutoff=0.7) or difflib.get_close_matches(
            name, known, n=1, cutoff=0.7)
        if near and (not wanted or near[0] in wanted):
            guesses.append(f"{near[0]!r} for {name!r}")
    return f" (did you mean {', '.join(guesses)}?)" if guesses else ""


def _unique_emails(roster: Roster) -> None:
    """Two people (two idnumbers) with one e-mail: Moodle refuses the second or, allowing it, mixes them up in
    log-in and messages. Both rows are errors and both people are held back."""
    owners: dict[str, dict[str, RosterRow]] = {}
    for row in roster.rows:
        owners.setdefault(row.user["email"].lower(), {}).setdefault(row.user["idnumber"], row)
    shared = {email: rows for email, rows in owners.items() if len(rows) > 1}
    if not shared:
        return
    bad: set[str] = set()
    for email, rows in shared.items():
        for idnumber, row in rows.items():
            others = ", ".join(f"{i} at {r.source}" for i, r in rows.items() if i != idnumber)
            roster.problems.append(Problem.in_row(row.file, row.line, f"email {email!r} is also the e-mail of {others}",
                                              "every person needs their own e-mail address; correct one of them"))
            roster.held.setdefault(idnumber, row.source)
            bad.add(idnumber)
    roster.rows = [r for r in roster.rows if r.user["idnumber"] not in bad]


def _row(values: dict[str, str], name: str, line: int, by_id: dict[str, Delivery], by_code: dict[str, Delivery],
         managed_courses: set[str] | None) -> tuple[RosterRow | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(message: str, hint: str = "") -> None:
        problems.append(Problem.in_row(name, line, message, hint))

    user = {k: values.get(k, "") for k in USER_FIELDS}
    if not user["idnumber"]:
        bad("idnumber is empty", "give every participant the id your registration system uses")
    for key in ("firstname", "lastname", "email"):
        if not user[key]:
            bad(f"{key} is empty", f"fill in the participant's {key}")
    for key in ("firstname", "lastname", "institution", "department"):
        if user[key] and strip_tags(user[key]) != user[key]:
            bad(f"{key} {user[key]!r} contains markup",
                "Moodle refuses names with markup (PARAM_NOTAGS): remove the < > part")
    if user["email"] and not EMAIL.match(user["email"]):
        bad(f"email {user['email']!r} is not a valid address", "correct the e-mail address")
    for key in ("idnumber", "username", "firstname", "lastname", "email", "institution", "department"):
        limit = too_long(key, user[key] or (user["email"].lower() if key == "username" else ""))
        if limit:
            bad(f"{key} is {len(user[key] or user['email'])} characters long; Moodle stores at most {limit}",
                f"shorten the {key}")
    if not user["username"] and user["email"]:
        user["username"] = user["email"].lower()
    if user["username"] and not _USERNAME.match(user["username"]):
        bad(f"username {user['username']!r} is not allowed",
            "Moodle usernames are lower case: letters, digits and _ . @ - only")
    if user["country"]:
        user["country"] = user["country"].upper()
        if user["country"] not in COUNTRIES:
            bad(f"country {values['country']!r} is not a two-letter ISO 3166 code that Moodle knows",
                "e.g. LT, SE, FI, DE (Moodle drops an unknown code without a word)")
    if user["lang"] and not _LANG.match(user["lang"]):
        bad(f"lang {user['lang']!r} is not a language code", "e.g. lt, en, sv")
    row = RosterRow(name, line, user)

    programme = values.get("programme", "")
    if programme:
        delivery = by_id.get(programme) or by_code.get(programme.lower())
        if delivery is None:
            bad(f"unknown programme {programme!r}", f"use one of: {', '.join(sorted(by_id))}")
        else:
            row.programme = delivery.programme
            intake = values.get("intake", "")
            if not intake and len(delivery.intakes) == 1:
                intake = delivery.intakes[0].id
            if not intake:
                bad(f"intake is empty and {delivery.programme} has several intakes",
                    f"use one of: {', '.join(i.id for i in delivery.intakes)}")
            elif delivery.intake(intake) is None:
                bad(f"unknown intake {intake!r} of {delivery.programme}",
                    f"use one of: {', '.join(i.id for i in delivery.intakes)} (intakes are in {delivery.source})")
            row.intake = intake
            lang = user["lang"]
            if delivery.per_language and lang and lang not in delivery.languages:
                bad(f"lang {lang!r} is not a language of {delivery.programme}",
                    f"use one of: {', '.join(delivery.languages)}")
    elif values.get("intake"):
        bad("intake is given without programme", "fill in the programme column too")

    numbers = sorted({int(m.group(2)) for k in values if (m := _NUMBERED_RE.match(k))})
    for n in numbers:
        cohort = values.get(f"cohort{n}", "")
        if cohort:
            row.cohorts.append(cohort)
        course = values.get(f"course{n}", "")
        extras = [f"{k}{n}" for k in ("role", "group", "enroltimestart", "enrolperiod") if values.get(f"{k}{n}")]
        if not course:
            if extras:
                bad(f"{', '.join(extras)} given without course{n}", f"fill in course{n} or clear {extras[0]}")
            continue
        if managed_courses is not None and course not in managed_courses:
            bad(f"course{n} {course!r} is not a course lmsbridge manages",
                "use the shortname of a course from a programme's moodle.toml (see `lmsbridge plan`)")
            continue
        ref = CourseRef(course, role=values.get(f"role{n}", ""), group=values.get(f"group{n}", ""))
        if values.get(f"enroltimestart{n}"):
            try:
                ref.timestart = _parse_date(values[f"enroltimestart{n}"])
            except ValueError:
                bad(f"enroltimestart{n} {values[f'enroltimestart{n}']!r} is not a date",
                    "use YYYY-MM-DD (or YYYY-MM-DDTHH:MM)")
        period = values.get(f"enrolperiod{n}", "")
        if period:
            if not period.isdigit():
                bad(f"enrolperiod{n} {period!r} is not a number of days", "e.g. 90")
            else:
                ref.period_days = int(period)
        ref.suspended = values.get(f"enrolstatus{n}", "") == "1"
        row.courses.append(ref)
    if not row.programme and not row.courses and not problems:
        bad("the row enrols the participant nowhere", "fill in programme (and intake) or course1")
    return row, problems


def read_rosters(paths: Iterable[Path], deliveries: list[Delivery], managed_courses: set[str] | None = None
                 ) -> Roster:
    """Read every roster file into one Roster (rows and problems in file order)."""
    total = Roster()
    for path in paths:
        one = read_roster_file(Path(path), deliveries, managed_courses)
        total.rows.extend(one.rows)
        total.problems.extend(one.problems)
        total.files.extend(one.files)
        total.data_rows += one.data_rows
        for idnumber, source in one.held.items():
            total.held.setdefault(idnumber, source)
    _unique_emails(total)  # across files
    return total
