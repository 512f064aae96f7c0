"""Typed calls per web-service family: each sends the call ``calls`` builds (the function's name and parameter
shape live there) and parses the answer into a model from ``_models``; list writes go in batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from . import _models as m
from . import calls
from ._call import Call

Item = Mapping[str, Any]
T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")


def _list(model: type[T], data: Any) -> list[T]:
    return TypeAdapter(list[model]).validate_python(data or [])  # type: ignore[valid-type]


class FamilyCalls:
    """Mixed into MoodleClient, which provides ``send`` and ``send_batched``."""

    def send(self, call: Call[R]) -> R:  # pragma: no cover - provided by MoodleClient
        raise NotImplementedError

    def send_batched(self, call: Call[Any]) -> m.BatchResult:  # pragma: no cover - provided by MoodleClient
        raise NotImplementedError

    # --- site ---

    def get_site_info(self) -> m.SiteInfo:
        return m.SiteInfo.model_validate(self.send(calls.get_site_info()))

    # --- categories ---

    def get_categories(self, criteria: Sequence[Item] = (), *, addsubcategories: bool | None = None
                       ) -> list[m.Category]:
        return _list(m.Category, self.send(calls.get_categories(criteria, addsubcategories=addsubcategories)))

    def create_categories(self, categories: Sequence[Item]) -> list[m.CreatedCategory]:
        return _list(m.CreatedCategory, self.send_batched(calls.create_categories(categories)).items)

    def update_categories(self, categories: Sequence[Item]) -> None:
        self.send_batched(calls.update_categories(categories))

    # --- courses ---

    def get_courses_by_field(self, field: str | None = None, value: object = None) -> m.CoursesResult:
        return m.CoursesResult.model_validate(self.send(calls.get_courses_by_field(field, value)))

    def create_courses(self, courses: Sequence[Item]) -> list[m.CreatedCourse]:
        return _list(m.CreatedCourse, self.send_batched(calls.create_courses(courses)).items)

    def update_courses(self, courses: Sequence[Item]) -> list[m.MoodleWarning]:
        """Per-course problems come back as warnings (the other courses are updated)."""
        return self.send_batched(calls.update_courses(courses)).warnings

    def delete_courses(self, courseids: Sequence[int]) -> list[m.MoodleWarning]:
        return self.send_batched(calls.delete_courses(courseids)).warnings

    def get_course_contents(self, courseid: int) -> list[m.CourseSection]:
        return _list(m.CourseSection, self.send(calls.get_course_contents(courseid)))

    def get_course_module_by_instance(self, module: str, instance: int) -> m.CourseModuleResult:
        return m.CourseModuleResult.model_validate(self.send(calls.get_course_module_by_instance(module, instance)))

    def duplicate_course(self, courseid: int, fullname: str, shortname: str, categoryid: int, *,
                         visible: bool | None = None, options: Sequence[Item] = ()) -> m.DuplicatedCourse:
        return m.DuplicatedCourse.model_validate(self.send(calls.duplicate_course(
            courseid, fullname, shortname, categoryid, visible=visible, options=options)))

    # --- users ---

    def get_users_by_field(self, field: str, values: Sequence[object]) -> list[m.User]:
        return _list(m.User, self.send_batched(calls.get_users_by_field(field, values)).items)

    def get_users(self, criteria: Sequence[Item]) -> m.UsersResult:
        return m.UsersResult.model_validate(self.send(calls.get_users(criteria)))

    def create_users(self, users: Sequence[Item]) -> list[m.CreatedUser]:
        return _list(m.CreatedUser, self.send_batched(calls.create_users(users)).items)

    def update_users(self, users: Sequence[Item]) -> list[m.MoodleWarning]:
        """Per-user problems (duplicate e-mail, unknown id) come back as warnings; the rest is updated."""
        return self.send_batched(calls.update_users(users)).warnings

    # --- enrolments ---

    def enrol_users(self, enrolments: Sequence[Item]) -> None:
        self.send_batched(calls.enrol_users(enrolments))

    def unenrol_users(self, enrolments: Sequence[Item]) -> None:
        self.send_batched(calls.unenrol_users(enrolments))

    def get_enrolled_users(self, courseid: int, options: Sequence[Item] = ()) -> list[m.EnrolledUser]:
        return _list(m.EnrolledUser, self.send(calls.get_enrolled_users(courseid, options)))

    def get_users_courses(self, userid: int) -> list[m.UserCourse]:
        return _list(m.UserCourse, self.send(calls.get_users_courses(userid)))

    # --- cohorts ---

    def create_cohorts(self, cohorts: Sequence[Item]) -> list[m.Cohort]:
        return _list(m.Cohort, self.send_batched(calls.create_cohorts(cohorts)).items)

    def get_cohorts(self, cohortids: Sequence[int]) -> list[m.Cohort]:
        return _list(m.Cohort, self.send_batched(calls.get_cohorts(cohortids)).items)

    def search_cohorts(self, query: str, context: Item, *, includes: str | None = None
                       ) -> m.CohortSearchResult:
        return m.CohortSearchResult.model_validate(self.send(calls.search_cohorts(
            query, context, includes=includes, limitfrom=None, limitnum=None)))

    def get_cohort_members(self, cohortids: Sequence[int]) -> list[m.CohortMembers]:
        return _list(m.CohortMembers, self.send_batched(calls.get_cohort_members(cohortids)).items)

    def add_cohort_members(self, members: Sequence[Item]) -> list[m.MoodleWarning]:
        """Unknown cohorts or users come back as warnings; the other members are added."""
        return self.send_batched(calls.add_cohort_members(members)).warnings

    def delete_cohort_members(self, members: Sequence[Item]) -> None:
        self.send_batched(calls.delete_cohort_members(members))

    # --- groups ---

    def create_groups(self, groups: Sequence[Item]) -> list[m.Group]:
        return _list(m.Group, self.send_batched(calls.create_groups(groups)).items)

    def get_course_groups(self, courseid: int) -> list[m.Group]:
        return _list(m.Group, self.send(calls.get_course_groups(courseid)))

    def add_group_members(self, members: Sequence[Item]) -> None:
        self.send_batched(calls.add_group_members(members))

    # --- grades ---

    def get_user_grade_items(self, courseid: int, userid: int | None = None, groupid: int | None = None
                             ) -> m.UserGradesResult:
        """gradereport_user_get_grade_items; ``userid`` 0 means every user of the course."""
        return m.UserGradesResult.model_validate(self.send(calls.get_grade_items(courseid, userid, groupid)))

    def get_gradeitems(self, courseid: int) -> m.GradeItemsResult:
        return m.GradeItemsResult.model_validate(self.send(calls.get_gradeitems(courseid)))

    # --- SCORM ---

    def get_scorms_by_courses(self, courseids: Sequence[int]) -> m.ScormsResult:
        return m.ScormsResult.model_validate(self.send(calls.get_scorms_by_courses(courseids)))

    def get_scorm_scoes(self, scormid: int, organization: str | None = None) -> m.ScoesResult:
        return m.ScoesResult.model_validate(self.send(calls.get_scorm_scoes(scormid, organization)))

    def get_scorm_sco_tracks(self, scoid: int, userid: int, attempt: int | None = None) -> m.ScoTracksResult:
        return m.ScoTracksResult.model_validate(self.send(calls.get_scorm_sco_tracks(scoid, userid, attempt)))

    def get_scorm_attempt_count(self, scormid: int, userid: int, ignoremissingcompletion: bool | None = None
                                ) -> m.AttemptCount:
        return m.AttemptCount.model_validate(self.send(calls.get_scorm_attempt_count(
            scormid, userid, ignoremissingcompletion)))

    # --- competencies ---

    def create_competency_framework(self, framework: Item) -> m.CompetencyFramework:
        return self.send(calls.create_competency_framework(framework))

    def create_competency(self, competency: Item) -> m.Competency:
        return self.send(calls.create_competency(competency))

    def list_course_competencies(self, courseid: int) -> list[m.CourseCompetencyLink]:
        return _list(m.CourseCompetencyLink, self.send(calls.list_course_competencies(courseid)))

    def add_competency_to_course(self, courseid: int, competencyid: int) -> bool:
        """True when linked now, False when it was linked already."""
        return self.send(calls.add_competency_to_course(courseid, competencyid))

    # --- completion ---

    def get_activities_completion_status(self, courseid: int, userid: int) -> m.ActivitiesCompletion:
        return m.ActivitiesCompletion.model_validate(self.send(
            calls.get_activities_completion_status(courseid, userid)))

    def get_course_completion_status(self, courseid: int, userid: int) -> m.CourseCompletion:
        return m.CourseCompletion.model_validate(self.send(calls.get_course_completion_status(courseid, userid)))
