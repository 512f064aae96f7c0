"""Composite keys, built and taken apart here only. An object is keyed by its Moodle idnumber; what belongs to
two (a cohort's member, an enrolment, a course's competency, a course's activity) by both, joined with "|"; a
group by its course and its own idnumber, joined with "/" (a group's idnumber is unique in its course only); a
grade by course, item and participant. In the plan's JSON they are the strings; the code uses these types."""

from __future__ import annotations

from typing import NamedTuple


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
