"""Every web-service call lmsbridge makes, as a ``Call`` value: each function's name and its parameters' shape
live here once. The typed client methods (``_api``) send them and parse the answers into ``_models``; the sync
sends them through its ledger (writes, journalled and bisected) and its reader (reads, counted and batched);
the doctor and the certificate publisher through ``MoodleClient.send``. An answer comes back as Moodle's JSON
(``raw``) unless the builder says otherwise: the reader needs it so (a user's hidden field is absent, not
empty), the typed methods parse it.

Parameters left None (and empty lists) are not sent: Moodle then uses the function's default.

Items of list writes (``create_users(items)``...) are the mappings Moodle documents for the function; the
sync's applier builds them from its plan rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import _models as m
from . import _plugin_models as pm
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


# --- site ---

def get_site_info() -> Call[Any]:
    return Call("core_webservice_get_site_info")


# --- categories, courses ---

def get_categories(criteria: Sequence[Item] = (), *, addsubcategories: bool | None = None) -> Call[Any]:
    """Without criteria: every category."""
    return Call("core_course_get_categories", {"criteria": list(criteria), "addsubcategories": addsubcategories})


def get_courses_by_field(field: str | None = None, value: object = None) -> Call[Any]:
    """``field`` "ids" takes a comma-separated list of ids."""
    return Call("core_course_get_courses_by_field", {"field": field, "value": value})


def delete_courses(courseids: Sequence[int]) -> Call[Any]:
    return _items("core_course_delete_courses", "courseids", courseids)


def get_course_contents(courseid: int) -> Call[Any]:
    return Call("core_course_get_contents", {"courseid": courseid})


def get_course_module_by_instance(module: str, instance: int) -> Call[Any]:
    return Call("core_course_get_course_module_by_instance", {"module": module, "instance": instance})


def duplicate_course(courseid: int, fullname: str, shortname: str, categoryid: int, *,
                     visible: bool | None = None, options: Sequence[Item] = ()) -> Call[Any]:
    return Call("core_course_duplicate_course", {
        "courseid": courseid, "fullname": fullname, "shortname": shortname, "categoryid": categoryid,
        "visible": visible, "options": list(options)})


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


def get_users(criteria: Sequence[Item]) -> Call[Any]:
    return Call("core_user_get_users", {"criteria": list(criteria)})


def create_users(items: Sequence[Item]) -> Call[Any]:
    return _items("core_user_create_users", "users", items)


def update_users(items: Sequence[Item]) -> Call[Any]:
    return _items("core_user_update_users", "users", items)


def enrol_users(items: Sequence[Item]) -> Call[Any]:
    return _items("enrol_manual_enrol_users", "enrolments", items)


def unenrol_users(items: Sequence[Item]) -> Call[Any]:
    return _items("enrol_manual_unenrol_users", "enrolments", items)


def get_enrolled_users(courseid: int, options: Sequence[Item] = (), *, userfields: str | None = None,
                       onlyactive: int | None = None) -> Call[Any]:
    """``userfields`` (comma-separated) and ``onlyactive`` are added to ``options``."""
    named = [{"name": n, "value": v} for n, v in (("userfields", userfields), ("onlyactive", onlyactive))
             if v is not None]
    return Call("core_enrol_get_enrolled_users", {"courseid": courseid, "options": [*options, *named]})


def get_users_courses(userid: int) -> Call[Any]:
    return Call("core_enrol_get_users_courses", {"userid": userid})


# --- cohorts, groups ---

def search_cohorts(query: str, context: Item = SYSTEM_CONTEXT, *, includes: str | None = "all",
                   limitfrom: int | None = 0, limitnum: int | None = 10000) -> Call[Any]:
    """By default every cohort (of any context) whose name or idnumber holds ``query``."""
    return Call("core_cohort_search_cohorts", {"query": query, "context": context, "includes": includes,
                                               "limitfrom": limitfrom, "limitnum": limitnum})


def get_cohorts(cohortids: Sequence[int]) -> Call[Any]:
    return _items("core_cohort_get_cohorts", "cohortids", cohortids)


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

def get_grade_items(courseid: int, userid: int | None = None, groupid: int | None = None) -> Call[Any]:
    """gradereport_user_get_grade_items; without ``userid`` (or with 0) of every user of the course."""
    return Call("gradereport_user_get_grade_items", {"courseid": courseid, "userid": userid, "groupid": groupid})


def get_gradeitems(courseid: int) -> Call[Any]:
    return Call("core_grades_get_gradeitems", {"courseid": courseid})


# --- SCORM ---

def get_scorms_by_courses(courseids: Sequence[int]) -> Call[Any]:
    return Call("mod_scorm_get_scorms_by_courses", {"courseids": list(courseids)})


def get_scorm_scoes(scormid: int, organization: str | None = None) -> Call[Any]:
    return Call("mod_scorm_get_scorm_scoes", {"scormid": scormid, "organization": organization})


def get_scorm_sco_tracks(scoid: int, userid: int, attempt: int | None = None) -> Call[Any]:
    """Without ``attempt``: the last one."""
    return Call("mod_scorm_get_scorm_sco_tracks", {"scoid": scoid, "userid": userid, "attempt": attempt})


def get_scorm_attempt_count(scormid: int, userid: int, ignoremissingcompletion: bool | None = None) -> Call[Any]:
    return Call("mod_scorm_get_scorm_attempt_count", {
        "scormid": scormid, "userid": userid, "ignoremissingcompletion": ignoremissingcompletion})


# --- completion ---

def get_activities_completion_status(courseid: int, userid: int) -> Call[Any]:
    return Call("core_completion_get_activities_completion_status", {"courseid": courseid, "userid": userid})


def get_course_completion_status(courseid: int, userid: int) -> Call[Any]:
    return Call("core_completion_get_course_completion_status", {"courseid": courseid, "userid": userid})


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


def create_competency_framework(framework: Item) -> Call[m.CompetencyFramework]:
    return Call("core_competency_create_competency_framework", {"competencyframework": framework},
                parse=m.CompetencyFramework.model_validate)


def system_framework(*, shortname: str, idnumber: str, description: str, scaleid: int,
                     scaleconfiguration: str) -> dict[str, Any]:
    """A visible framework of the system context, its description in HTML (for create_competency_framework)."""
    return {"shortname": shortname, "idnumber": idnumber, "description": description, "descriptionformat": 1,
            "contextlevel": "system", "instanceid": 0, "scaleid": scaleid, "scaleconfiguration": scaleconfiguration,
            "visible": 1}


def create_competency(competency: Item) -> Call[m.Competency]:
    return Call("core_competency_create_competency", {"competency": competency}, parse=m.Competency.model_validate)


def competency_of(*, shortname: str, idnumber: str, description: str, frameworkid: int,
                  parentid: int | None = None) -> dict[str, Any]:
    """A competency, its description in HTML (for create_competency)."""
    competency: dict[str, Any] = {"shortname": shortname, "idnumber": idnumber, "description": description,
                                  "descriptionformat": 1, "competencyframeworkid": frameworkid}
    if parentid:
        competency["parentid"] = parentid
    return competency


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


def plugin_get_users(field: str, values: Sequence[Any]) -> Call[Any]:
    """core_user_get_users_by_field's answer for the fields a sync compares, in one query per call."""
    return Call("local_lmsbridge_get_users", {"field": field, "values": list(values)}, "values", read=True)


def plugin_create_users(items: Sequence[Item]) -> Call[Any]:
    """Accounts created as the upload tool creates them; one result per item ({id, username, errorcode,
    message}: id 0 and an error code for a row not created)."""
    return _items("local_lmsbridge_create_users", "users", items)


def plugin_enrol_users(items: Sequence[Item]) -> Call[Any]:
    """enrol_manual_enrol_users' items and effect, its checks made once per course."""
    return _items("local_lmsbridge_enrol_users", "enrolments", items)


def plugin_add_cohort_members(items: Sequence[Item]) -> Call[Any]:
    """core_cohort_add_cohort_members' items, answer (warnings) and effect, its look-ups made once per call."""
    return _items("local_lmsbridge_add_cohort_members", "members", items)


def plugin_upsert_scorm(*, courseid: int, section: int, idnumber: str, name: str, intro: str, draftitemid: int,
                        settings: Item) -> Call[pm.ScormUpserted]:
    """``draftitemid`` 0 keeps the stored package; ``settings`` are the activity's grading and display."""
    return Call("local_lmsbridge_upsert_scorm", {"courseid": courseid, "section": section, "idnumber": idnumber,
                                                 "name": name, "intro": intro, "draftitemid": draftitemid,
                                                 **settings}, parse=pm.answer(pm.ScormUpserted))


def plugin_upsert_grade_items(courseid: int, items: Sequence[Item]) -> Call[pm.GradeItemsUpserted]:
    """Items: {"idnumber", "name", "grademax"}."""
    return Call("local_lmsbridge_upsert_grade_items", {"courseid": courseid, "items": [
        {"idnumber": x["idnumber"], "name": x["name"], "grademax": x["grademax"]} for x in items]},
                parse=pm.answer(pm.GradeItemsUpserted))


def plugin_set_grades(courseid: int, itemidnumber: str, grades: Sequence[Item]) -> Call[pm.GradesSet]:
    """Grades: {"userid" (or "useridnumber"), "grade", "feedback"}; a list call (split in batches, never bisected)."""
    return Call("local_lmsbridge_set_grades", {"courseid": courseid, "itemidnumber": itemidnumber,
                                               "grades": list(grades)}, "grades", parse=pm.answer(pm.GradesSet))


def plugin_set_completion(courseid: int, activities: Sequence[str]) -> Call[pm.CompletionSet]:
    return Call("local_lmsbridge_set_completion", {"courseid": courseid, "activities": activities},
                parse=pm.answer(pm.CompletionSet))


def plugin_set_sections(courseid: int, sections: Sequence[Item]) -> Call[pm.SectionsSet]:
    """Sections: {"section", "name", "summary"}."""
    return Call("local_lmsbridge_set_sections", {"courseid": courseid, "sections": [
        {"section": x["section"], "name": x["name"], "summary": x["summary"]} for x in sections]},
                parse=pm.answer(pm.SectionsSet))


def plugin_check_capabilities(capabilities: Iterable[str]) -> Call[pm.CapabilityChecks]:
    return Call(PLUGIN_CHECK_FUNCTION, {"capabilities": list(capabilities)}, read=True,
                parse=pm.answer(pm.CapabilityChecks))


def plugin_publish_certificates(rows: Sequence[Item]) -> Call[pm.CertificatesPublished]:
    return Call(PLUGIN_CERTIFICATE_FUNCTION, {"certificates": list(rows)}, parse=pm.answer(pm.CertificatesPublished))


def plugin_store_certificate_pdf(number: str, draftitemid: int | None) -> Call[pm.PdfStored]:
    return Call(PLUGIN_CERTIFICATE_PDF_FUNCTION, {"number": number, "draftitemid": draftitemid},
                parse=pm.answer(pm.PdfStored))
