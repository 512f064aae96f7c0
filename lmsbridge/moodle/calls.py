"""Every web-service call lmsbridge makes outside the typed client methods, as a ``Call`` value: the function's
name and its parameters' shape live here once. The sync sends them through its ledger (writes, journalled and
bisected) and its reader (reads, counted and batched); the doctor and the certificate publisher through
``MoodleClient.send``. Answers are parsed into ``_models`` where a model exists; answers whose absent fields
mean something (users: a hidden field is absent, not empty) come back as Moodle's JSON (``raw``).

Items of list writes (``create_users(items)``...) are the mappings Moodle documents for the function; the
sync's applier builds them from its plan rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import _models as m
from ._call import Call
from ._functions import (
    PLUGIN_CERTIFICATE_FUNCTION,
    PLUGIN_CERTIFICATE_PDF_FUNCTION,
    PLUGIN_CHECK_FUNCTION,
    PLUGIN_READ_FUNCTION,
)

Item = Mapping[str, Any]
SYSTEM_CONTEXT = {"contextlevel": "system", "instanceid": 0}
# The companion plugin's functions all start so (the doctor tells "plugin installed" by it).
PLUGIN_PREFIX = "local_lmsbridge_"


def _items(function: str, list_param: str, items: Sequence[Any], **fixed: Any) -> Call[Any]:
    return Call(function, {**fixed, list_param: list(items)}, list_param)


# --- categories, courses ---

def get_all_categories() -> Call[Any]:
    return Call("core_course_get_categories", {"addsubcategories": 0})


def get_courses_by_field(field: str, value: str) -> Call[Any]:
    """``field`` "ids" takes a comma-separated list of ids."""
    return Call("core_course_get_courses_by_field", {"field": field, "value": value})


def create_categories(items: Sequence[Item]) -> Call[Any]:
    return _items("core_course_create_categories", "categories", items)


def update_categories(items: Sequence[Item]) -> Call[Any]:
    return _items("core_course_update_categories", "categories", items)


def create_courses(items: Sequence[Item]) -> Call[Any]:
    return _items("core_course_create_courses", "courses", items)


def update_courses(items: Sequence[Item]) -> Call[Any]:
    return _items("core_course_update_courses", "courses", items)


# --- users, enrolments ---

def get_users_by_field(field: str, values: Sequence[Any]) -> Call[Any]:
    return _items("core_user_get_users_by_field", "values", values, field=field)


def create_users(items: Sequence[Item]) -> Call[Any]:
    return _items("core_user_create_users", "users", items)


def update_users(items: Sequence[Item]) -> Call[Any]:
    return _items("core_user_update_users", "users", items)


def enrol_users(items: Sequence[Item]) -> Call[Any]:
    return _items("enrol_manual_enrol_users", "enrolments", items)


def unenrol_users(items: Sequence[Item]) -> Call[Any]:
    return _items("enrol_manual_unenrol_users", "enrolments", items)


def get_enrolled_users(courseid: int, *, userfields: str, onlyactive: int) -> Call[Any]:
    return Call("core_enrol_get_enrolled_users", {"courseid": courseid, "options": [
        {"name": "userfields", "value": userfields}, {"name": "onlyactive", "value": onlyactive}]})


# --- cohorts, groups ---

def search_cohorts(query: str) -> Call[Any]:
    """Every system cohort whose name or idnumber holds ``query``."""
    return Call("core_cohort_search_cohorts", {"query": query, "context": SYSTEM_CONTEXT, "includes": "all",
                                               "limitfrom": 0, "limitnum": 10000})


def create_cohorts(items: Sequence[Item]) -> Call[Any]:
    return _items("core_cohort_create_cohorts", "cohorts", items)


def get_cohort_members(cohortids: Sequence[int]) -> Call[Any]:
    return _items("core_cohort_get_cohort_members", "cohortids", cohortids)


def add_cohort_members(items: Sequence[Item]) -> Call[Any]:
    return _items("core_cohort_add_cohort_members", "members", items)


def delete_cohort_members(items: Sequence[Item]) -> Call[Any]:
    return _items("core_cohort_delete_cohort_members", "members", items)


def get_course_groups(courseid: int) -> Call[Any]:
    return Call("core_group_get_course_groups", {"courseid": courseid})


def create_groups(items: Sequence[Item]) -> Call[Any]:
    return _items("core_group_create_groups", "groups", items)


def get_group_members(groupids: Sequence[int]) -> Call[Any]:
    return _items("core_group_get_group_members", "groupids", groupids)


def add_group_members(items: Sequence[Item]) -> Call[Any]:
    return _items("core_group_add_group_members", "members", items)


def delete_group_members(items: Sequence[Item]) -> Call[Any]:
    return _items("core_group_delete_group_members", "members", items)


# --- grades ---

def get_grade_items(courseid: int) -> Call[Any]:
    """gradereport_user_get_grade_items of every user of the course."""
    return Call("gradereport_user_get_grade_items", {"courseid": courseid})


# --- competencies ---

def list_competency_frameworks() -> Call[Any]:
    """Every framework of the system context, visible or not."""
    return Call("core_competency_list_competency_frameworks", {
        "sort": "shortname", "order": "ASC", "skip": 0, "limit": 0, "context": SYSTEM_CONTEXT,
        "includes": "children", "onlyvisible": 0, "query": ""})


def list_competencies(frameworkid: int) -> Call[Any]:
    return Call("core_competency_list_competencies", {"filters": [
        {"column": "competencyframeworkid", "value": str(frameworkid)}]})


def list_course_competencies(courseid: int) -> Call[Any]:
    return Call("core_competency_list_course_competencies", {"id": courseid})


def create_competency_framework(*, shortname: str, idnumber: str, description: str, scaleid: int,
                                scaleconfiguration: str) -> Call[m.CompetencyFramework]:
    """A visible framework of the system context, its description in HTML."""
    return Call("core_competency_create_competency_framework", {"competencyframework": {
        "shortname": shortname, "idnumber": idnumber, "description": description, "descriptionformat": 1,
        "contextlevel": "system", "instanceid": 0, "scaleid": scaleid, "scaleconfiguration": scaleconfiguration,
        "visible": 1}}, parse=m.CompetencyFramework.model_validate)


def create_competency(*, shortname: str, idnumber: str, description: str, frameworkid: int,
                      parentid: int | None = None) -> Call[m.Competency]:
    competency: dict[str, Any] = {"shortname": shortname, "idnumber": idnumber, "description": description,
                                  "descriptionformat": 1, "competencyframeworkid": frameworkid}
    if parentid:
        competency["parentid"] = parentid
    return Call("core_competency_create_competency", {"competency": competency}, parse=m.Competency.model_validate)


def add_competency_to_course(courseid: int, competencyid: int) -> Call[bool]:
    """True when linked now, False when it was linked already."""
    return Call("core_competency_add_competency_to_course", {"courseid": courseid, "competencyid": competencyid},
                parse=bool)


# --- the companion plugin (lmsbridge/moodle_plugin/CONTRACT.md) ---

def plugin_read_courses(idnumberprefix: str, courses: Sequence[Item]) -> Call[Any]:
    """Per course: {"id", "enrolments", "activities", "grades", "competencies"} (each part 0 or 1)."""
    return Call(PLUGIN_READ_FUNCTION, {"idnumberprefix": idnumberprefix, "courses": list(courses)},
                read=True)


def plugin_get_activities(courseid: int, idnumberprefix: str) -> Call[Any]:
    return Call("local_lmsbridge_get_activities", {"courseid": courseid, "idnumberprefix": idnumberprefix},
                read=True)


def plugin_get_completion(courseids: Sequence[int]) -> Call[Any]:
    return Call("local_lmsbridge_get_completion", {"courseids": list(courseids)}, read=True)


def plugin_get_sections(courseids: Sequence[int]) -> Call[Any]:
    return Call("local_lmsbridge_get_sections", {"courseids": list(courseids)}, read=True)


def plugin_upsert_scorm(*, courseid: int, section: int, idnumber: str, name: str, intro: str, draftitemid: int,
                        settings: Item) -> Call[Any]:
    """``draftitemid`` 0 keeps the stored package; ``settings`` are the activity's grading and display."""
    return Call("local_lmsbridge_upsert_scorm", {"courseid": courseid, "section": section, "idnumber": idnumber,
                                                 "name": name, "intro": intro, "draftitemid": draftitemid,
                                                 **settings})


def plugin_upsert_grade_items(courseid: int, items: Sequence[Item]) -> Call[Any]:
    """Items: {"idnumber", "name", "grademax"}."""
    return Call("local_lmsbridge_upsert_grade_items", {"courseid": courseid, "items": [
        {"idnumber": x["idnumber"], "name": x["name"], "grademax": x["grademax"]} for x in items]})


def plugin_set_grades(courseid: int, itemidnumber: str, grades: Sequence[Item]) -> Call[Any]:
    """Grades: {"useridnumber", "grade", "feedback"}; a list call (split in batches, never bisected)."""
    return _items("local_lmsbridge_set_grades", "grades", grades, courseid=courseid, itemidnumber=itemidnumber)


def plugin_set_completion(courseid: int, activities: Sequence[str]) -> Call[Any]:
    return Call("local_lmsbridge_set_completion", {"courseid": courseid, "activities": activities})


def plugin_set_sections(courseid: int, sections: Sequence[Item]) -> Call[Any]:
    """Sections: {"section", "name", "summary"}."""
    return Call("local_lmsbridge_set_sections", {"courseid": courseid, "sections": [
        {"section": x["section"], "name": x["name"], "summary": x["summary"]} for x in sections]})


def plugin_check_capabilities(capabilities: Iterable[str]) -> Call[Any]:
    return Call(PLUGIN_CHECK_FUNCTION, {"capabilities": list(capabilities)}, read=True)


def plugin_publish_certificates(rows: Sequence[Item]) -> Call[Any]:
    return Call(PLUGIN_CERTIFICATE_FUNCTION, {"certificates": list(rows)})


def plugin_store_certificate_pdf(number: str, draftitemid: int | None) -> Call[Any]:
    return Call(PLUGIN_CERTIFICATE_PDF_FUNCTION, {"number": number, "draftitemid": draftitemid})
