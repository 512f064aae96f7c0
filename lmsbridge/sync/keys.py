"""Composite keys, built and taken apart here only. An object is keyed by its Moodle idnumber; what belongs to
two (a cohort's member, an enrolment, a course's competency, a course's activity) by both, joined with "|"; a
group by its course and its own idnumber, joined with "/" (a group's idnumber is unique in its course only); a
grade by course, item and participant. In the plan's JSON they are the strings; the code uses these types.

The idnumbers lmsbridge gives what it creates are made here too: its prefix in front (``own``), and a fixed form
per kind (a programme's category, an intake's cohort, a group named in a roster, a course's shortname)."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple


def own(prefix: str, idnumber: str) -> str:
    """lmsbridge's idnumber for ``idnumber``: the prefix in front, once."""
    return idnumber if idnumber.startswith(prefix) else prefix + idnumber


def slug(text: str) -> str:
    """ASCII key of a free text (an institution name, a country): 'Biržų rajono savivaldybė' -> 'birzu-rajono-…'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "x"


def category_idnumber(prefix: str, code: str) -> str:
    """A programme's category, by the programme's code."""
    return own(prefix, f"cat-{code}")


def intake_idnumber(prefix: str, code: str, intake: str) -> str:
    """An intake's cohort, by its programme's code and its id."""
    return own(prefix, f"{code}-{intake}")


def group_idnumber(prefix: str, name: str) -> str:
    """A group named in a roster (a department, a country ...), by a slug of the name."""
    return own(prefix, f"g-{slug(name)}")


def course_shortname(code: str, intake: str, module: str, lang: str = "") -> str:
    """A programme's course: per intake and module, and per language when the programme says so."""
    return f"{code}-{intake}-{module}" + (f"-{lang}" if lang else "")


class Pair(NamedTuple):
    """``owner|member``: cohort|user, course|user, group key|user, course|competency, course|activity."""

    owner: str
    member: str

    def __str__(self) -> str:
        return f"{self.owner}|{self.member}"

    @classmethod
    def parse(cls, key: str) -> Pair:
        owner, _, member = key.partition("|")
        return cls(owner, member)


class GroupKey(NamedTuple):
    """``course/group``: a group by its course's idnumber and its own."""

    course: str
    group: str

    def __str__(self) -> str:
        return f"{self.course}/{self.group}"

    @classmethod
    def parse(cls, key: str) -> GroupKey:
        course, _, group = key.partition("/")
        return cls(course, group)


class GradeKey(NamedTuple):
    """``course|item|user``: one participant's grade in one grade item."""

    course: str
    item: str
    user: str

    def __str__(self) -> str:
        return f"{self.course}|{self.item}|{self.user}"

    @classmethod
    def parse(cls, key: str) -> GradeKey:
        course, item, user = (key.split("|", 2) + ["", ""])[:3]
        return cls(course, item, user)
