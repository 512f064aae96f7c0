"""The plugin's strings, error helpers and the look-ups every function shares (lookup.php)."""

from __future__ import annotations

from typing import Any


from lmsbridge.sandbox.errors import InvalidParameter, MoodleException
from lmsbridge.sandbox.registry import Call
from lmsbridge.sandbox.store import Store


PLUGIN_COMPONENT = "local_lmsbridge"
# PARAM_RAW_TRIMMED: accepted as sent only when it has no surrounding white space (checked by require_trimmed()).
RAW_TRIMMED = "raw_trimmed"
ALPHAEXT = "alphaext"

GRADEMETHODS = {"scoes": 0, "highest": 1, "average": 2, "sum": 3}
WHATGRADES = {"highest": 0, "average": 1, "first": 2, "last": 3}
COMPLETIONSTATUSES = {"none": 0, "passed": 2, "completed": 4, "passed_or_completed": 6}
DISPLAYS = {"currentwindow": 0, "popup": 1}
COMPLETION_AUTOMATIC = 2

# Capability names as Moodle's lang strings give them in "nopermissions".
CAPABILITY_LABELS = {
    "moodle/course:manageactivities": "Manage activities",
    "mod/scorm:addinstance": "Add a new SCORM package",
    "moodle/course:activityvisibility": "Hide/show activities",
    "moodle/grade:manage": "Manage grade items",
    "moodle/grade:edit": "Edit grades",
    "moodle/course:viewparticipants": "View participants",
    "moodle/course:enrolreview": "Review course enrolments",
    "moodle/grade:viewall": "View grades of other users",
    "moodle/competency:coursecompetencyview": "View course competencies",
    "moodle/badges:awardbadge": "Award badge to user",
    "moodle/course:update": "Update course settings",
    "moodle/user:viewalldetails": "View user full information",
    "moodle/site:viewuseridentity": "See full user identity in lists",
}

# lang/en/local_lmsbridge.php (the plugin's) and mod/scorm/lang/en/scorm.php (Moodle's validation messages).
STRINGS = {
    "coursenotfound": "Course {} does not exist, or the token's user may not enter it.",
    "draftfilemissing": "No file in draft area {} of this user. Upload the package through webservice/upload.php "
                        "with the same token and pass the itemid it returns.",
    "draftfilemultiple": "Draft area {itemid} holds {count} files; upload the package alone (one file per draft "
                         "itemid).",
    "gradeitemlocked": 'Grade item "{}" is locked in the gradebook; unlock it to change grades.',
    "gradeitemnotfound": 'No manual grade item with idnumber "{}" in this course; create it with '
                         "local_lmsbridge_upsert_grade_items first.",
    "gradelocked": "This learner's grade is locked in the gradebook; unlock it to change it.",
    "gradenotanumber": 'The grade "{}" is not a number.',
    "gradeoutofrange": "The grade {grade} is outside the item's range {min} to {max}; nothing was stored.",
    "idnumberduplicate": 'The idnumber "{idnumber}" is used {count} times in this course; give each item its own '
                         "idnumber.",
    "idnumbertaken": 'The idnumber "{}" is already used in this course by another activity or grade item '
                     "(activities and grade items share idnumbers).",
    "invaliditem": 'Grade item "{idnumber}": {reason}.',
    "invalidoption": 'Invalid {name} "{value}": allowed {allowed}.',
    "invalidpackage": "The SCORM package was rejected: {}",
    "manifestunreadable": "Moodle could not read the imsmanifest.xml of this package.",
    "packagerequired": 'Activity "{}" does not exist yet: a package (draftitemid) is required to create it.',
    "usermissing": "The row names no learner: give useridnumber or userid.",
    "usernotenrolled": "User {} is not enrolled in this course; enrol the learner first. Nothing was stored.",
    "useridnumberduplicate": "Several users have the idnumber {}; make user idnumbers unique. Nothing was stored.",
    "warning_apponlineonly": "The package is {}: the Moodle app plays it online only (it downloads SCORM 1.2 "
                             "packages for offline use).",
    "warning_completiondisabled": "Completion tracking is off for this course (or site): the completion rule is "
                                  "stored but not applied.",
    "warning_completionrecalculated": "The completion rule changed: Moodle recalculates the completion of every "
                                      "learner of this activity.",
    "warning_packagedownloadsprotected": "Package downloads are protected on this site: the Moodle app cannot "
                                         "download the package for offline use (Site administration > Plugins > "
                                         "Activity modules > SCORM package > Protect package downloads).",
    "invalidcertificate": 'Certificate "{}": the number (letters, digits, -), the code (20 letters and digits), '
                          "the name and the dates (YYYY-MM-DD, issued required) must be valid; nothing was stored.",
    "completionactivity": 'No activity with idnumber "{}" and completion tracking in this course: only activities '
                          "with completion tracking can be completion criteria.",
    "completionlocked": "Learners of course {} have already completed criteria: Moodle freezes its completion "
                        "criteria then. Change them on the course's completion page (which deletes their "
                        "completion data) if that is intended.",
    "completionnotenabled": "Completion tracking is off on this site or in course {}: enable it (Site "
                            "administration > Advanced features, and the course settings) to set completion "
                            "criteria.",
    "certificatenotpublished": 'Certificate "{}" has not been published (local_lmsbridge_publish_certificates) '
                               "yet.",
    "certificatepdfdraft": "Draft area {} must hold exactly one file: the certificate's PDF, uploaded through "
                           "webservice/upload.php.",
    "badarchive": "You must provide a valid zip file",
    "nomanifest": "Incorrect file package - missing imsmanifest.xml or AICC structure",
    "badimsmanifestlocation": "An imsmanifest.xml file was found but it was not in the root of your zip file, "
                              "please re-package your SCORM",
}
# Set with sb.db.set_config(PROTECT_DOWNLOADS, "1"): the site setting scorm/protectpackagedownloads.
PROTECT_DOWNLOADS = "scorm/protectpackagedownloads"
MANIFEST_MAX_BYTES = 16 * 1024 * 1024  # a manifest larger than this is treated as unreadable (zip bombs)


class PluginError(MoodleException):
    """A moodle_exception of module local_lmsbridge (set_grades tells its own row errors from the rest by it)."""


def plugin_error(code: str, *args: Any, **kw: Any) -> MoodleException:
    """moodle_exception($code, 'local_lmsbridge', '', $a): the message is the plugin's string filled in."""
    return PluginError(code, STRINGS[code].format(*args, **kw))


def php_str(value: Any) -> str:
    """A number as PHP prints it into a string (150.0 -> "150", 150.5 -> "150.5")."""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.14G}"
    return str(value)


def require_trimmed(value: str, *path: str) -> None:
    """validate_parameters() for PARAM_RAW_TRIMMED: white space around the value is an invalid parameter."""
    if value != value.strip():
        info = f'Invalid external api parameter: the value is "{value}", the server was expecting "{RAW_TRIMMED}" type'
        for key in reversed(path):
            info = f"{key} => Invalid parameter value detected: {info}"
        raise InvalidParameter(info)


def enter_course(call: Call, courseid: int) -> dict[str, Any]:
    """lookup::enter(): the course once validate_context() let the caller in. A course that does not exist and
    one the caller may not enter answer alike (coursenotfound), so a token of one course learns nothing of others."""
    course = call.store.one("SELECT * FROM course WHERE id = ?", courseid)
    if course is None or courseid == 1:
        raise plugin_error("coursenotfound", courseid)
    caps = call.token.capabilities
    if caps is not None:
        enrolled = call.store.is_enrolled(courseid, call.userid)
        hidden_ok = course["visible"] or "moodle/course:viewhiddencourses" in caps
        if not hidden_ok or not (enrolled or "moodle/course:view" in caps):
            raise plugin_error("coursenotfound", courseid)
    return course


def require_cap(call: Call, capability: str) -> None:
    call.require(capability, CAPABILITY_LABELS[capability])


def course_module(store: Store, courseid: int, idnumber: str) -> dict[str, Any] | None:
    """lookup::course_module(): the course module with this idnumber (compared exactly), or None."""
    rows = store.q("SELECT * FROM course_modules WHERE course = ? AND idnumber = ?", courseid, idnumber)
    if len(rows) > 1:
        raise plugin_error("idnumberduplicate", idnumber=idnumber, count=len(rows))
    return rows[0] if rows else None


def manual_item(store: Store, courseid: int, idnumber: str) -> dict[str, Any] | None:
    """lookup::manual_grade_item(): the manual item with this idnumber, refusing one held by something else."""
    items = store.q("SELECT * FROM grade_items WHERE courseid = ? AND idnumber = ?", courseid, idnumber)
    manual = [i for i in items if i["itemtype"] == "manual"]
    if len(items) > len(manual) or (not manual and course_module(store, courseid, idnumber)):
        raise plugin_error("idnumbertaken", idnumber)
    if len(manual) > 1:
        raise plugin_error("idnumberduplicate", idnumber=idnumber, count=len(manual))
    return manual[0] if manual else None
