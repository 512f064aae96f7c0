"""What lmsbridge must know about individual web-service functions: which ones it needs (the doctor checks
them, the companion plugin declares its own), and which are reads.

Read/write decides what may be retried: a read can be repeated after any failure; a write only when it
certainly did not reach Moodle. A function not listed here is treated as a write (the safe assumption).
Note that some functions that look like reads write events or logs (mod_scorm_launch_sco,
mod_scorm_view_scorm): they are writes here.
"""

from __future__ import annotations

READ_FUNCTIONS: frozenset[str] = frozenset(
    {
        "core_webservice_get_site_info",
        "core_course_get_categories",
        "core_course_get_courses",
        "core_course_get_courses_by_field",
        "core_course_search_courses",
        "core_course_get_contents",
        "core_course_get_course_module",
        "core_course_get_course_module_by_instance",
        "core_user_get_users",
        "core_user_get_users_by_field",
        "core_enrol_get_enrolled_users",
        "core_enrol_get_users_courses",
        "core_enrol_get_course_enrolment_methods",
        "core_cohort_get_cohorts",
        "core_cohort_get_cohort_members",
        "core_cohort_search_cohorts",
        "core_group_get_course_groups",
        "core_group_get_group_members",
        "core_grades_get_gradeitems",
        "core_grades_get_grade_tree",
        "gradereport_user_get_grade_items",
        "gradereport_user_get_grades_table",
        "core_completion_get_activities_completion_status",
        "core_completion_get_course_completion_status",
        "mod_scorm_get_scorms_by_courses",
        "mod_scorm_get_scorm_scoes",
        "mod_scorm_get_scorm_sco_tracks",
        "mod_scorm_get_scorm_attempt_count",
        "mod_scorm_get_scorm_user_data",
        "mod_scorm_get_scorm_access_information",
        "core_files_get_files",
        "core_competency_read_competency_framework",
        "core_competency_list_competency_frameworks",
        "core_competency_list_competencies",
        "core_competency_list_course_competencies",
        "local_lmsbridge_get_users",
    }
)

# Create functions answer with one record per item sent, in order. A shorter answer means items were lost
# (PHP's max_input_vars cut the request on an item boundary: recording limits_max_input_vars_silent_truncation).
CREATE_LIST_PARAM: dict[str, str] = {
    "core_course_create_categories": "categories",
    "core_course_create_courses": "courses",
    "core_user_create_users": "users",
    "core_cohort_create_cohorts": "cohorts",
    "core_group_create_groups": "groups",
    "local_lmsbridge_create_users": "users",
}


def is_read(function: str) -> bool:
    return function in READ_FUNCTIONS


# --- what lmsbridge needs of a site ---

# The core functions lmsbridge calls. The token's external service must contain every one of them.
REQUIRED_FUNCTIONS: tuple[str, ...] = (
    "core_webservice_get_site_info",
    # categories, courses
    "core_course_get_categories",
    "core_course_create_categories",
    "core_course_update_categories",
    "core_course_get_courses_by_field",
    "core_course_create_courses",
    "core_course_update_courses",
    "core_course_get_contents",
    "core_course_get_course_module_by_instance",
    # users, enrolments
    "core_user_get_users_by_field",
    "core_user_create_users",
    "core_user_update_users",
    "enrol_manual_enrol_users",
    "enrol_manual_unenrol_users",
    "core_enrol_get_enrolled_users",
    # cohorts, groups
    "core_cohort_create_cohorts",
    "core_cohort_search_cohorts",
    "core_cohort_get_cohort_members",
    "core_cohort_add_cohort_members",
    "core_cohort_delete_cohort_members",
    "core_group_create_groups",
    "core_group_get_course_groups",
    "core_group_add_group_members",
    "core_group_get_group_members",
    "core_group_delete_group_members",
    # grades, completion
    "gradereport_user_get_grade_items",
    "core_grades_get_gradeitems",
    "core_completion_get_activities_completion_status",
    "core_completion_get_course_completion_status",
    # SCORM reads
    "mod_scorm_get_scorms_by_courses",
    "mod_scorm_get_scorm_scoes",
    "mod_scorm_get_scorm_sco_tracks",
    "mod_scorm_get_scorm_attempt_count",
    # competencies
    "core_competency_list_competency_frameworks",
    "core_competency_create_competency_framework",
    "core_competency_list_competencies",
    "core_competency_create_competency",
    "core_competency_add_competency_to_course",
    "core_competency_list_course_competencies",
)

# Of those, what a sync cannot run without (checked before every sync) ...
SYNC_FUNCTIONS: tuple[str, ...] = (
    "core_course_get_categories", "core_course_create_categories", "core_course_update_categories",
    "core_course_get_courses_by_field", "core_course_create_courses", "core_course_update_courses",
    "core_user_get_users_by_field", "core_user_create_users", "core_user_update_users",
    "core_enrol_get_enrolled_users", "enrol_manual_enrol_users", "core_cohort_search_cohorts",
    "core_cohort_create_cohorts", "core_cohort_get_cohort_members", "core_cohort_add_cohort_members",
    "core_cohort_delete_cohort_members", "core_group_get_course_groups", "core_group_create_groups",
    "core_group_get_group_members", "core_group_add_group_members", "core_group_delete_group_members",
)
# ... and what its competency part needs: without them that part is skipped (and the plan says so).
COMPETENCY_FUNCTIONS: tuple[str, ...] = (
    "core_competency_list_competency_frameworks", "core_competency_list_competencies",
    "core_competency_list_course_competencies", "core_competency_create_competency_framework",
    "core_competency_create_competency", "core_competency_add_competency_to_course",
)

# The companion plugin (local_lmsbridge, see lmsbridge/moodle_plugin/CONTRACT.md) adds what core lacks: SCORM
# activities from an uploaded package, manual (event) grade items and grades, and one read of many courses.
# Optional: without it those parts are skipped. Its db/services.php declares exactly these.
PLUGIN_FUNCTIONS: tuple[str, ...] = (
    "local_lmsbridge_upsert_scorm",
    "local_lmsbridge_get_activities",
    "local_lmsbridge_upsert_grade_items",
    "local_lmsbridge_set_grades",
    "local_lmsbridge_read_courses",
    "local_lmsbridge_set_completion",
    "local_lmsbridge_get_completion",
    "local_lmsbridge_set_sections",
    "local_lmsbridge_get_sections",
    "local_lmsbridge_create_users",
    "local_lmsbridge_enrol_users",
    "local_lmsbridge_get_users",
    "local_lmsbridge_add_cohort_members",
)
# Only saves calls (the sync reads with core's functions without it), so an older plugin still does the rest.
PLUGIN_READ_FUNCTION = "local_lmsbridge_read_courses"
# Bulk forms of core's user creation, enrolment, user look-up and cohort membership: the site does per call what
# core does per row (issue 19). Only faster, like the read above: without them the sync uses core's functions.
PLUGIN_BULK_FUNCTIONS: tuple[str, ...] = (
    "local_lmsbridge_create_users", "local_lmsbridge_enrol_users", "local_lmsbridge_get_users",
    "local_lmsbridge_add_cohort_members")
# For `lmsbridge doctor` only (the sync user's own capabilities): the sync never needs it.
PLUGIN_CHECK_FUNCTION = "local_lmsbridge_check_capabilities"
# Every function the plugin declares: what an administrator adds to the sync user's service.
# For `lmsbridge certificates` only: the record behind each certificate's public verification page.
PLUGIN_CERTIFICATE_FUNCTION = "local_lmsbridge_publish_certificates"
# ... and the certificate's PDF, for its learner to download from Moodle.
PLUGIN_CERTIFICATE_PDF_FUNCTION = "local_lmsbridge_store_certificate_pdf"
PLUGIN_SERVICE_FUNCTIONS: tuple[str, ...] = (*PLUGIN_FUNCTIONS, PLUGIN_CHECK_FUNCTION, PLUGIN_CERTIFICATE_FUNCTION,
                                             PLUGIN_CERTIFICATE_PDF_FUNCTION)
