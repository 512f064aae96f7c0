"""Typed calls per web-service family. Each sends exactly the function's parameters (in the order given)
and parses the answer into a model from ``_models``; list writes go through ``call_batched``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from . import _models as m

Item = Mapping[str, Any]
T = TypeVar("T", bound=BaseModel)


def _list(model: type[T], data: Any) -> list[T]:
    return TypeAdapter(list[model]).validate_python(data or [])  # type: ignore[valid-type]


class FamilyCalls:
    """Mixed into MoodleClient, which provides ``call`` and ``call_batched``."""

    def call(self, function: str, params: Mapping[str, object] | None = None, *,
             read: bool | None = None) -> Any:  # pragma: no cover - provided by MoodleClient
        raise NotImplementedError

    def call_batched(self, function: str, list_param: str, items: Sequence[Any], *,
                     params: Mapping[str, object] | None = None,
                     read: bool | None = None) -> m.BatchResult:  # pragma: no cover
        raise NotImplementedError

    # --- site ---

    def get_site_info(self) -> m.SiteInfo:
        return m.SiteInfo.model_validate(self.call("core_webservice_get_site_info"))

    # --- categories ---

    def get_categories(self, criteria: Sequence[Item] = (), *, addsubcategories: bool | None = None
                       ) -> list[m.Category]:
        data = self.call("core_course_get_categories",
                         {"criteria": list(criteria), "addsubcategories": addsubcategories})
        return _list(m.Category, data)

    def create_categories(self, categories: Sequence[Item]) -> list[m.CreatedCategory]:
        return _list(m.CreatedCategory, self.call_batched("core_course_create_categories", "categories",
                                                          categories).items)

    def update_categories(self, categories: Sequence[Item]) -> None:
        self.call_batched("core_course_update_categories", "categories", categories)

    # --- courses ---

    def get_courses_by_field(self, field: str | None = None, value: object = None) -> m.CoursesResult:
        return m.CoursesResult.model_validate(
            self.call("core_course_get_courses_by_field", {"field": field, "value": value}))

    def create_courses(self, courses: Sequence[Item]) -> list[m.CreatedCourse]:
        return _list(m.CreatedCourse, self.call_batched("core_course_create_courses", "courses", courses).items)

    def update_courses(self, courses: Sequence[Item]) -> list[m.MoodleWarning]:
        """Per-course problems come back as warnings (the other courses are updated)."""
        return self.call_batched("core_course_update_courses", "courses", courses).warnings

    def delete_courses(self, courseids: Sequence[int]) -> list[m.MoodleWarning]:
        return self.call_batched("core_course_delete_courses", "courseids", courseids).warnings

    def get_course_contents(self, courseid: int) -> list[m.CourseSection]:
        return _list(m.CourseSection, self.call("core_course_get_contents", {"courseid": courseid}))

    def get_course_module_by_instance(self, module: str, instance: int) -> m.CourseModuleResult:
        return m.CourseModuleResult.model_validate(
            self.call("core_course_get_course_module_by_instance", {"module": module, "instance": instance}))

    def duplicate_course(self, courseid: int, fullname: str, shortname: str, categoryid: int, *,
                         visible: bool | None = None, options: Sequence[Item] = ()) -> m.DuplicatedCourse:
        data = self.call("core_course_duplicate_course", {
            "courseid": courseid, "fullname": fullname, "shortname": shortname, "categoryid": categoryid,
            "visible": visible, "options": list(options)})
        return m.DuplicatedCourse.model_validate(data)

    # --- users ---

    def get_users_by_field(self, field: str, values: Sequence[object]) -> list[m.User]:
        return _list(m.User, self.call_batched("core_user_get_users_by_field", "values", values,
                                               params={"field": field}).items)

    def get_users(self, criteria: Sequence[Item]) -> m.UsersResult:
        return m.UsersResult.model_validate(self.call("core_user_get_users", {"criteria": list(criteria)}))

    def create_users(self, users: Sequence[Item]) -> list[m.CreatedUser]:
        return _list(m.CreatedUser, self.call_batched("core_user_create_users", "users", users).items)

    def update_users(self, users: Sequence[Item]) -> list[m.MoodleWarning]:
        """Per-user problems (duplicate e-mail, unknown id) come back as warnings; the rest is updated."""
        return self.call_batched("core_user_update_users", "users", users).warnings

    # --- enrolments ---

    def enrol_users(self, enrolments: Sequence[Item]) -> None:
        self.call_batched("enrol_manual_enrol_users", "enrolments", enrolments)

    def unenrol_users(self, enrolments: Sequence[Item]) -> None:
        self.call_batched("enrol_manual_unenrol_users", "enrolments", enrolments)

    def get_enrolled_users(self, courseid: int, options: Sequence[Item] = ()) -> list[m.EnrolledUser]:
        data = self.call("core_enrol_get_enrolled_users", {"courseid": courseid, "options": list(options)})
        return _list(m.EnrolledUser, data)

    def get_users_courses(self, userid: int) -> list[m.UserCourse]:
        return _list(m.UserCourse, self.call("core_enrol_get_users_courses", {"userid": userid}))

    # --- cohorts ---

    def create_cohorts(self, cohorts: Sequence[Item]) -> list[m.Cohort]:
        return _list(m.Cohort, self.call_batched("core_cohort_create_cohorts", "cohorts", cohorts).items)

    def get_cohorts(self, cohortids: Sequence[int]) -> list[m.Cohort]:
        return _list(m.Cohort, self.call_batched("core_cohort_get_cohorts", "cohortids", cohortids).items)

    def search_cohorts(self, query: str, context: Item, *, includes: str | None = None
                       ) -> m.CohortSearchResult:
        data = self.call("core_cohort_search_cohorts", {"query": query, "context": context, "includes": includes})
        return m.CohortSearchResult.model_validate(data)

    def get_cohort_members(self, cohortids: Sequence[int]) -> list[m.CohortMembers]:
        return _list(m.CohortMembers,
                     self.call_batched("core_cohort_get_cohort_members", "cohortids", cohortids).items)

    def add_cohort_members(self, members: Sequence[Item]) -> list[m.MoodleWarning]:
        """Unknown cohorts or users come back as warnings; the other members are added."""
        return self.call_batched("core_cohort_add_cohort_members", "members", members).warnings

    def delete_cohort_members(self, members: Sequence[Item]) -> None:
        self.call_batched("core_cohort_delete_cohort_members", "members", members)

    # --- groups ---

    def create_groups(self, groups: Sequence[Item]) -> list[m.Group]:
        return _list(m.Group, self.call_batched("core_group_create_groups", "groups", groups).items)

    def get_course_groups(self, courseid: int) -> list[m.Group]:
        return _list(m.Group, self.call("core_group_get_course_groups", {"courseid": courseid}))

    def add_group_members(self, members: Sequence[Item]) -> None:
        self.call_batched("core_group_add_group_members", "members", members)

    # --- grades ---

    def get_user_grade_items(self, courseid: int, userid: int | None = None, groupid: int | None = None
                             ) -> m.UserGradesResult:
        """gradereport_user_get_grade_items; ``userid`` 0 means every user of the course."""
        data = self.call("gradereport_user_get_grade_items",
                         {"courseid": courseid, "userid": userid, "groupid": groupid})
        return m.UserGradesResult.model_validate(data)

    def get_gradeitems(self, courseid: int) -> m.GradeItemsResult:
        return m.GradeItemsResult.model_validate(self.call("core_grades_get_gradeitems", {"courseid": courseid}))

    # --- SCORM ---

    def get_scorms_by_courses(self, courseids: Sequence[int]) -> m.ScormsResult:
        return m.ScormsResult.model_validate(
            self.call("mod_scorm_get_scorms_by_courses", {"courseids": list(courseids)}))

    def get_scorm_scoes(self, scormid: int, organization: str | None = None) -> m.ScoesResult:
        return m.ScoesResult.model_validate(
            self.call("mod_scorm_get_scorm_scoes", {"scormid": scormid, "organization": organization}))

    def get_scorm_sco_tracks(self, scoid: int, userid: int, attempt: int | None = None) -> m.ScoTracksResult:
        return m.ScoTracksResult.model_validate(
            self.call("mod_scorm_get_scorm_sco_tracks", {"scoid": scoid, "userid": userid, "attempt": attempt}))

    def get_scorm_attempt_count(self, scormid: int, userid: int, ignoremissingcompletion: bool | None = None
                                ) -> m.AttemptCount:
        return m.AttemptCount.model_validate(self.call("mod_scorm_get_scorm_attempt_count", {
            "scormid": scormid, "userid": userid, "ignoremissingcompletion": ignoremissingcompletion}))

    # --- competencies ---

    def create_competency_framework(self, framework: Item) -> m.CompetencyFramework:
        return m.CompetencyFramework.model_validate(
            self.call("core_competency_create_competency_framework", {"competencyframework": framework}))

    def create_competency(self, competency: Item) -> m.Competency:
        return m.Competency.model_validate(
            self.call("core_competency_create_competency", {"competency": competency}))

    def list_course_competencies(self, courseid: int) -> list[m.CourseCompetencyLink]:
        return _list(m.CourseCompetencyLink, self.call("core_competency_list_course_competencies", {"id": courseid}))

    def add_competency_to_course(self, courseid: int, competencyid: int) -> bool:
        """True when linked now, False when it was linked already."""
        return bool(self.call("core_competency_add_competency_to_course",
                              {"courseid": courseid, "competencyid": competencyid}))

    # --- completion ---

    def get_activities_completion_status(self, courseid: int, userid: int) -> m.ActivitiesCompletion:
        return m.ActivitiesCompletion.model_validate(self.call(
            "core_completion_get_activities_completion_status", {"courseid": courseid, "userid": userid}))

    def get_course_completion_status(self, courseid: int, userid: int) -> m.CourseCompletion:
        return m.CourseCompletion.model_validate(self.call(
            "core_completion_get_course_completion_status", {"courseid": courseid, "userid": userid}))
