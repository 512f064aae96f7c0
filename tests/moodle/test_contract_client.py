"""For every recording of a real Moodle 5.0 (../shared/moodle-contract), the client turns the recorded answer,
served over real HTTP from 127.0.0.1, into the right result or exception; and where the recorded request is one
the client makes, the client sends the same body (same parameters, same order, same encoding).

Comparison rules: the answer is replayed byte for byte with its status and content type; the request body is
compared byte for byte after putting the recording's token placeholder in place of the test token.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from lmsbridge.moodle import (
    AccessException,
    AlreadyExists,
    InvalidParameter,
    InvalidToken,
    MoodleAPIError,
    MoodleClient,
    NotFound,
    NotJSON,
    PermissionDenied,
    UploadError,
    UploadFileRejected,
    UploadTooLarge,
    WebServicesDisabled,
    XMLResponse,
    encode_params,
    warnings_of,
)
from lmsbridge.moodle import _models as m

from moodle_loopback import TOKEN, LoopbackServer, Reply, load_recording, recordings

# None = a result (compared with the recorded JSON); otherwise the exact exception class.
EXPECTED: dict[str, type[Exception] | None] = {
    "categories_create_batch_one_bad": AlreadyExists,
    "categories_create_child_ok": None,
    "categories_create_error_duplicate_idnumber": AlreadyExists,
    "categories_create_error_invalid_parent": NotFound,
    "categories_create_error_missing_name": InvalidParameter,
    "categories_create_error_missing_name_debug": InvalidParameter,
    "categories_create_ok": None,
    "categories_get_after_batch_one_bad": None,
    "categories_get_by_idnumber_ok": None,
    "categories_get_not_found": None,
    "categories_get_with_subcategories_ok": None,
    "categories_update_error_nonexistent": NotFound,
    "categories_update_ok": None,
    "cohorts_add_members_ok": None,
    "cohorts_add_members_warning_nonexistent_cohort": None,
    "cohorts_add_members_warning_nonexistent_user": None,
    "cohorts_create_category_ok": None,
    "cohorts_create_error_duplicate_idnumber": InvalidParameter,
    "cohorts_create_error_duplicate_idnumber_debug": InvalidParameter,
    "cohorts_create_error_invalid_categorytype": InvalidParameter,
    "cohorts_create_ok": None,
    "cohorts_delete_error_nonexistent": NotFound,
    "cohorts_delete_ok": None,
    "cohorts_get_cohorts_ok": None,
    "cohorts_get_members_ok": None,
    "cohorts_search_ok": None,
    "competency_add_to_course_again": None,
    "competency_add_to_course_ok": None,
    "competency_create_competency_ok": None,
    "competency_create_framework_error_duplicate_idnumber": InvalidParameter,
    "competency_create_framework_ok": None,
    "competency_list_course_competencies_ok": None,
    "completion_activities_status_not_attempted": None,
    "completion_activities_status_ok": None,
    "completion_course_status_error_no_criteria": MoodleAPIError,
    "completion_course_status_error_not_enrolled": MoodleAPIError,
    "completion_course_status_ok": None,
    "course_duplicate_contents": None,
    "course_duplicate_error_duplicate_shortname": AlreadyExists,
    "course_duplicate_ok": None,
    "course_import_ok": None,
    "course_module_get_by_instance_ok": None,
    "course_module_get_ok": None,
    "courseformat_new_module_scorm_error": MoodleAPIError,
    "courseformat_update_course_cm_duplicate_ok": None,
    "courses_create_batch_one_bad": AlreadyExists,
    "courses_create_empty_for_import": None,
    "courses_create_error_duplicate_idnumber": AlreadyExists,
    "courses_create_error_duplicate_shortname": AlreadyExists,
    "courses_create_error_invalid_category": PermissionDenied,
    "courses_create_error_missing_categoryid": InvalidParameter,
    "courses_create_ok": None,
    "courses_delete_ok": None,
    "courses_delete_warning_nonexistent": None,
    "courses_get_after_batch_one_bad": None,
    "courses_get_by_field_error_invalid_field": InvalidParameter,
    "courses_get_by_field_error_invalid_field_debug": InvalidParameter,
    "courses_get_by_field_idnumber_ok": None,
    "courses_get_by_field_ids_ok": None,
    "courses_get_by_field_not_found": None,
    "courses_get_by_field_shortname_ok": None,
    "courses_get_contents_after_import": None,
    "courses_get_contents_error_nonexistent": NotFound,
    "courses_get_contents_ok": None,
    "courses_update_ok": None,
    "courses_update_warning_duplicate_shortname": None,
    "courses_update_warning_nonexistent": None,
    "enrol_get_course_enrolment_methods_ok": None,
    "enrol_get_enrolled_after_batch_one_bad": None,
    "enrol_get_enrolled_users_error_nonexistent_course": NotFound,
    "enrol_get_enrolled_users_ok": None,
    "enrol_get_enrolled_users_options_ok": None,
    "enrol_get_users_courses_ok": None,
    "enrol_manual_batch_one_bad": MoodleAPIError,
    "enrol_manual_enrol_again_ok": None,
    "enrol_manual_enrol_ok": None,
    "enrol_manual_enrol_teacher_ok": None,
    "enrol_manual_error_nonexistent_course": InvalidParameter,
    "enrol_manual_error_nonexistent_course_debug": InvalidParameter,
    "enrol_manual_error_nonexistent_user": MoodleAPIError,
    "enrol_manual_error_role_not_assignable": PermissionDenied,
    "enrol_manual_unenrol_not_enrolled": None,
    "enrol_manual_unenrol_ok": None,
    "error_bool_as_text": InvalidParameter,
    "error_function_not_in_service": AccessException,
    "error_function_not_in_service_debug": AccessException,
    "error_function_unknown": NotFound,
    "error_function_unknown_debug": NotFound,
    "error_invalid_token": InvalidToken,
    "error_invalid_token_debug": InvalidToken,
    "error_missing_required_param": InvalidParameter,
    "error_missing_required_param_debug": InvalidParameter,
    "error_missing_token": InvalidToken,
    "error_missing_wsfunction": InvalidParameter,
    "error_required_capability_missing": PermissionDenied,
    "error_unexpected_param": InvalidParameter,
    "error_user_lacks_rest_use_capability": AccessException,
    "error_user_lacks_rest_use_capability_debug": AccessException,
    "error_webservices_disabled": WebServicesDisabled,
    "error_wrong_param_type": InvalidParameter,
    "error_xml_format_invalid_parameter": XMLResponse,
    "files_add_user_private_files_ok": None,
    "files_get_files_private_ok": None,
    "gradereport_user_get_grade_items_all_users_ok": None,
    "gradereport_user_get_grade_items_ok": None,
    "grades_get_grade_tree_ok": None,
    "grades_get_gradeitems_ok": None,
    "grades_update_above_grademax": None,
    "grades_update_error_component_manual": MoodleAPIError,
    "grades_update_error_component_manual_debug": MoodleAPIError,
    "grades_update_error_instanceid_not_cmid": NotFound,
    "grades_update_error_permission": PermissionDenied,
    "grades_update_error_wrong_component": NotFound,
    "grades_update_item_hidden_ok": None,
    "grades_update_nonexistent_student": None,
    "grades_update_scorm_ok": None,
    "grades_update_wrong_courseid": NotJSON,
    "limits_max_input_vars_item_split": InvalidParameter,
    "limits_max_input_vars_silent_truncation": NotJSON,  # the recorder cut the 833-item body short
    "limits_max_input_vars_token_dropped": InvalidToken,
    "limits_rest_body_over_post_max_size": XMLResponse,
    "limits_upload_body_over_post_max_size": UploadError,
    "limits_upload_file_over_upload_max_filesize": UploadTooLarge,
    "poc_local_labsync_add_scorm_invalid_package": MoodleAPIError,
    "poc_local_labsync_add_scorm_ok": None,
    "poc_local_labsync_update_scorm_package_ok": None,
    "protocol_array_empty_brackets_ok": None,
    "protocol_array_sparse_indices_ok": None,
    "protocol_get_request_ok": None,
    "protocol_json_body_not_supported": XMLResponse,
    "protocol_unknown_restformat_falls_back_to_xml": XMLResponse,
    "protocol_xml_default_format": XMLResponse,
    "scorm_get_access_information_ok": None,
    "scorm_get_scorm_attempt_count_error_bad_scorm": NotFound,
    "scorm_get_scorm_attempt_count_ok": None,
    "scorm_get_scorm_sco_tracks_no_data": None,
    "scorm_get_scorm_sco_tracks_ok": None,
    "scorm_get_scorm_scoes_2004_ok": None,
    "scorm_get_scorm_scoes_ok": None,
    "scorm_get_scorm_user_data_ok": None,
    "scorm_get_scorms_by_courses_ok": None,
    "scorm_get_scorms_by_courses_warning_bad_course": None,
    "scorm_insert_scorm_tracks_ok": None,
    "scorm_launch_sco_ok": None,
    "site_info_ok": None,
    "upload_duplicate_filename": UploadFileRejected,
    "upload_error_invalid_token": InvalidToken,
    "upload_error_invalid_token_debug": InvalidToken,
    "upload_no_file": None,
    "upload_ok": None,
    "upload_two_files_ok": None,
    "users_create_batch_one_bad": InvalidParameter,
    "users_create_createpassword_ok": None,
    "users_create_error_duplicate_email": InvalidParameter,
    "users_create_error_duplicate_email_debug": InvalidParameter,
    "users_create_error_duplicate_username": InvalidParameter,
    "users_create_error_duplicate_username_debug": InvalidParameter,
    "users_create_error_invalid_email": InvalidParameter,
    "users_create_error_invalid_email_debug": InvalidParameter,
    "users_create_error_missing_required": InvalidParameter,
    "users_create_error_missing_required_debug": InvalidParameter,
    "users_create_error_no_password": InvalidParameter,
    "users_create_error_no_password_debug": InvalidParameter,
    "users_create_error_uppercase_username": InvalidParameter,
    "users_create_error_uppercase_username_debug": InvalidParameter,
    "users_create_error_weak_password": MoodleAPIError,
    "users_create_ok": None,
    "users_delete_error_admin": PermissionDenied,
    "users_delete_error_nonexistent": NotFound,
    "users_delete_ok": None,
    "users_get_after_batch_one_bad": None,
    "users_get_by_field_email_ok": None,
    "users_get_by_field_error_invalid_field": MoodleAPIError,
    "users_get_by_field_idnumber_ok": None,
    "users_get_by_field_not_found": None,
    "users_get_by_field_username_ok": None,
    "users_get_criteria_error_invalid_key": None,
    "users_get_criteria_ok": None,
    "users_update_duplicate_email": None,
    "users_update_nonexistent": None,
    "users_update_ok": None,
    "users_update_suspend_ok": None,
}

HEADER = ("wstoken", "wsfunction", "moodlewsrestformat")


def unflatten(pairs: list[list[str]]) -> dict[str, Any]:
    """PHP bracket pairs back into nested structures (lists where indices run 0..n-1 in order)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        path = re.findall(r"^[^\[]+|(?<=\[)[^\]]*(?=\])", key)
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    def listify(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        node = {k: listify(v) for k, v in node.items()}
        if node and list(node) == [str(i) for i in range(len(node))]:
            return list(node.values())
        return node

    return listify(root)


def rest_call(recording: dict) -> tuple[str, dict[str, Any], bool]:
    """(function, parameters, faithful): ``faithful`` when the client would send the recorded body itself."""
    request = recording["request"]
    if "summary" in request:
        summary = request["summary"]
        first = unflatten(summary.get("first_item_params", [])).get("users", [{"id": 1}])
        return summary["function"], {"users": first * 2}, False
    pairs = request["params"]
    head = dict(p for p in pairs if p[0] in HEADER)
    rest = [p for p in pairs if p[0] not in HEADER]
    params = unflatten(rest)
    faithful = (
        request["method"] == "POST"
        and request["content_type"] == "application/x-www-form-urlencoded"
        and [p[0] for p in pairs[:3]] == list(HEADER)
        and head.get("moodlewsrestformat") == "json"
        and [list(p) for p in encode_params(params)] == [list(p) for p in rest]
    )
    return head.get("wsfunction", "core_webservice_get_site_info"), params, faithful


def upload_files(recording: dict) -> list[tuple[str, bytes]]:
    request = recording["request"]
    if "multipart" in request:
        return [(f["filename"], b"x" * min(f["size"], 4096)) for f in request["multipart"]["files"]]
    return [("big.zip", b"x" * 4096)]


def run_recording(client: MoodleClient, recording: dict) -> Any:
    if recording["request"]["path"].endswith("/upload.php"):
        return client.upload(upload_files(recording))
    function, params, _ = rest_call(recording)
    return client.call(function, params)


@pytest.fixture(autouse=True)
def _capture_everything(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3's debug lines too: the token must be in none of them


def test_every_recording_has_an_expectation(shared) -> None:
    assert sorted(EXPECTED) == recordings()


@pytest.mark.parametrize("name", recordings())
def test_recorded_answer_becomes_result_or_exception(name: str, shared, server: LoopbackServer,
                                                     client: MoodleClient, caplog) -> None:
    recording = load_recording(name)
    server.answer(Reply.recorded(recording))
    expected = EXPECTED[name]
    if expected is None:
        result = run_recording(client, recording)
        body = recording["response"]["body_json"]
        if recording["request"]["path"].endswith("/upload.php"):
            assert [f.filename for f in result.files] == [f["filename"] for f in body]
            assert result.itemid == (body[0]["itemid"] if body else None)
        else:
            assert result == body
            for warning in warnings_of(body):
                assert warning.message in caplog.text  # logged, and still in the result
    else:
        with pytest.raises(expected) as info:
            run_recording(client, recording)
        error = info.value
        assert type(error) is expected, f"{name}: got {type(error).__name__}: {error}"
        assert TOKEN not in str(error) and TOKEN not in repr(error)
        body = recording["response"]["body_json"]
        if isinstance(error, MoodleAPIError) and isinstance(body, dict):
            assert error.errorcode == body.get("errorcode")
            assert error.debuginfo == (body.get("debuginfo") or None)
    assert TOKEN not in caplog.text
    assert all(TOKEN not in r.path for r in server.received)


@pytest.mark.parametrize("name", [n for n in recordings() if "params" in load_recording(n)["request"]
                                  and rest_call(load_recording(n))[2]])
def test_client_sends_the_recorded_body(name: str, shared, server: LoopbackServer, client: MoodleClient) -> None:
    recording = load_recording(name)
    server.answer(Reply.recorded(recording))
    try:
        run_recording(client, recording)
    except Exception:  # the outcome is the other test's business
        pass
    (received,) = server.received
    assert received.method == "POST" and received.path == "/webservice/rest/server.php"
    assert received.headers["Content-Type"] == "application/x-www-form-urlencoded"
    recorded_token = recording["request"]["params"][0][1]
    body = received.body.decode().replace(f"wstoken={TOKEN}", f"wstoken={recorded_token}")
    assert body == recording["request"]["body"]


def test_most_recorded_requests_are_reproduced(shared) -> None:
    """Guard against the faithful-request filter silently excluding everything."""
    faithful = [n for n in recordings() if "params" in load_recording(n)["request"]
                and rest_call(load_recording(n))[2]]
    assert len(faithful) >= 150


@pytest.mark.parametrize("name", [n for n in recordings() if n.startswith("upload_")])
def test_upload_sends_token_in_the_body(name: str, shared, server: LoopbackServer, client: MoodleClient) -> None:
    recording = load_recording(name)
    server.answer(Reply.recorded(recording))
    try:
        run_recording(client, recording)
    except Exception:
        pass
    (received,) = server.received
    assert received.path == "/webservice/upload.php"
    assert received.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert f'name="token"\r\n\r\n{TOKEN}\r\n'.encode() in received.body
    for number, (filename, _) in enumerate(upload_files(recording), start=1):
        assert f'name="file_{number}"; filename="{filename}"'.encode() in received.body


# --- typed calls: the wrapper sends the recorded request and parses the answer into its model ---

TYPED: dict[str, tuple[Any, Any]] = {
    "site_info_ok": (lambda c, p: c.get_site_info(),
                     lambda r: r.sitename == "Moodle Lab (loopback)" and "core_user_create_users" in r.function_names
                     and "userprivateaccesskey" not in repr(r)),
    "categories_get_by_idnumber_ok": (
        lambda c, p: c.get_categories(p["criteria"], addsubcategories=False),
        lambda r: r[0].idnumber == "dept-0uw0z" and isinstance(r[0], m.Category)),
    "categories_create_ok": (lambda c, p: c.create_categories(p["categories"]), lambda r: r[0].id == 2),
    "courses_get_by_field_shortname_ok": (lambda c, p: c.get_courses_by_field(p["field"], p["value"]),
                                          lambda r: r.courses[0].shortname == "LABA-0uw0z"),
    "courses_create_ok": (lambda c, p: c.create_courses(p["courses"]), lambda r: [x.id for x in r] == [2, 3]),
    "courses_update_warning_duplicate_shortname": (
        lambda c, p: c.update_courses(p["courses"]), lambda r: r[0].warningcode == "shortnametaken"),
    "courses_get_contents_ok": (lambda c, p: c.get_course_contents(p["courseid"]),
                                lambda r: r[0].modules[0].modname == "forum"),
    "course_module_get_by_instance_ok": (
        lambda c, p: c.get_course_module_by_instance(p["module"], p["instance"]), lambda r: r.cm.id == 5),
    "course_duplicate_ok": (
        lambda c, p: c.duplicate_course(p["courseid"], p["fullname"], p["shortname"], p["categoryid"],
                                        visible=p["visible"], options=p["options"]),
        lambda r: r.shortname.startswith("LABD-")),
    "users_get_by_field_username_ok": (lambda c, p: c.get_users_by_field(p["field"], p["values"]),
                                       lambda r: len(r) == 2 and isinstance(r[0], m.User)),
    "users_get_criteria_error_invalid_key": (lambda c, p: c.get_users(p["criteria"]),
                                             lambda r: r.warnings[0].warningcode == "invalidfieldparameter"),
    "users_create_ok": (lambda c, p: c.create_users(p["users"]), lambda r: [u.id for u in r] == [6, 7, 8]),
    "users_update_duplicate_email": (lambda c, p: c.update_users(p["users"]),
                                     lambda r: r[0].warningcode == "useremailduplicate" and r[0].itemid == 7),
    "enrol_manual_enrol_ok": (lambda c, p: c.enrol_users(p["enrolments"]), lambda r: r is None),
    "enrol_manual_unenrol_ok": (lambda c, p: c.unenrol_users(p["enrolments"]), lambda r: r is None),
    "enrol_get_enrolled_users_ok": (lambda c, p: c.get_enrolled_users(p["courseid"]),
                                    lambda r: r[0].roles[0].shortname == "student"),
    "enrol_get_users_courses_ok": (lambda c, p: c.get_users_courses(p["userid"]), lambda r: r[0].id == 2),
    "cohorts_create_ok": (lambda c, p: c.create_cohorts(p["cohorts"]), lambda r: r[0].idnumber.startswith("coh-")),
    "cohorts_get_cohorts_ok": (lambda c, p: c.get_cohorts(p["cohortids"]), lambda r: r[0].id == 1),
    "cohorts_get_members_ok": (lambda c, p: c.get_cohort_members(p["cohortids"]), lambda r: r[0].userids == [6, 7]),
    "cohorts_search_ok": (lambda c, p: c.search_cohorts(p["query"], p["context"], includes=p["includes"]),
                          lambda r: len(r.cohorts) >= 1),
    "cohorts_add_members_warning_nonexistent_user": (
        lambda c, p: c.add_cohort_members(p["members"]), lambda r: "nouser" in r[0].message),
    "gradereport_user_get_grade_items_ok": (
        lambda c, p: c.get_user_grade_items(p["courseid"], p["userid"]),
        lambda r: r.usergrades[0].gradeitems[0].graderaw == 85 and r.usergrades[0].gradeitems[0].cmid == 5),
    "grades_get_gradeitems_ok": (lambda c, p: c.get_gradeitems(p["courseid"]),
                                 lambda r: r.grade_items[0].id == 4),
    "scorm_get_scorms_by_courses_ok": (lambda c, p: c.get_scorms_by_courses(p["courseids"]),
                                       lambda r: r.scorms[0].coursemodule == 5 and r.scorms[0].version == "SCORM_1.2"),
    "scorm_get_scorms_by_courses_warning_bad_course": (
        lambda c, p: c.get_scorms_by_courses(p["courseids"]), lambda r: r.warnings[0].itemid == 999999),
    "scorm_get_scorm_scoes_ok": (lambda c, p: c.get_scorm_scoes(p["scormid"]), lambda r: r.scoes[0].scorm == 2),
    "scorm_get_scorm_sco_tracks_ok": (
        lambda c, p: c.get_scorm_sco_tracks(p["scoid"], p["userid"], p["attempt"]),
        lambda r: r.track("cmi.core.lesson_status") == "passed"),
    "scorm_get_scorm_sco_tracks_no_data": (
        lambda c, p: c.get_scorm_sco_tracks(p["scoid"], p["userid"]),
        lambda r: r.data.tracks == [] and r.warnings[0].warningcode == "notattempted"),
    "scorm_get_scorm_attempt_count_ok": (
        lambda c, p: c.get_scorm_attempt_count(p["scormid"], p["userid"]), lambda r: r.attemptscount == 1),
    "competency_create_framework_ok": (
        lambda c, p: c.create_competency_framework(p["competencyframework"]), lambda r: r.scaleid == 2),
    "competency_create_competency_ok": (lambda c, p: c.create_competency(p["competency"]),
                                        lambda r: r.competencyframeworkid == 1),
    "competency_list_course_competencies_ok": (
        lambda c, p: c.list_course_competencies(p["id"]), lambda r: r[0].coursecompetency.courseid == 2),
    "competency_add_to_course_ok": (lambda c, p: c.add_competency_to_course(p["courseid"], p["competencyid"]),
                                    lambda r: r is True),
    "competency_add_to_course_again": (
        lambda c, p: c.add_competency_to_course(p["courseid"], p["competencyid"]), lambda r: r is False),
    "completion_activities_status_ok": (
        lambda c, p: c.get_activities_completion_status(p["courseid"], p["userid"]),
        lambda r: r.statuses[0].state == 1),
    "completion_course_status_ok": (
        lambda c, p: c.get_course_completion_status(p["courseid"], p["userid"]),
        lambda r: r.completionstatus.completed is True),
}


@pytest.mark.parametrize("name", sorted(TYPED))
def test_typed_call_sends_recorded_request_and_parses_answer(name: str, shared, server: LoopbackServer,
                                                             client: MoodleClient) -> None:
    recording = load_recording(name)
    server.answer(Reply.recorded(recording))
    _, params, faithful = rest_call(recording)
    assert faithful
    call, check = TYPED[name]
    result = call(client, params)
    assert check(result), result
    recorded_token = recording["request"]["params"][0][1]
    body = server.received[0].body.decode().replace(f"wstoken={TOKEN}", f"wstoken={recorded_token}")
    assert body == recording["request"]["body"]


def test_typed_upload_parses_draft_itemid(shared, server: LoopbackServer, client: MoodleClient) -> None:
    server.answer(Reply.recorded(load_recording("upload_two_files_ok")))
    result = client.upload([("a.txt", b"aaaaa"), ("b.txt", b"bbbbb")])
    assert result.itemid == 742692860 and [f.filename for f in result.files] == ["a.txt", "b.txt"]


def test_upload_file_error_keeps_the_whole_answer(shared, server: LoopbackServer, client: MoodleClient) -> None:
    server.answer(Reply.recorded(load_recording("upload_duplicate_filename")))
    with pytest.raises(UploadFileRejected) as info:
        client.upload([("golf.zip", b"zip")], itemid=995299202)
    assert info.value.errorcode == "filenameexist"
    assert info.value.result.problems[0].filename == "golf.zip"
    assert b'name="itemid"\r\n\r\n995299202' in server.received[0].body
