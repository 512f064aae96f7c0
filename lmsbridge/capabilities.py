"""The capabilities the sync user's role needs (least privilege), by the names Moodle shows for them.

The README's table of the sync user lists the same ones (a test keeps the two in step). Moodle's "nopermissions"
answer names a missing capability only by that name ("... permissions to do that (Force course or activity
language)"), so a hint can say which capability to add.
"""

from __future__ import annotations

import re

SYNC_USER_CAPABILITIES: dict[str, str] = {
    "webservice/rest:use": "Use REST protocol",
    "moodle/category:manage": "Manage categories",
    "moodle/course:create": "Create courses",
    "moodle/course:update": "Update course settings",
    "moodle/course:setforcedlanguage": "Force course or activity language",
    "moodle/course:view": "View courses without participation",
    "moodle/course:viewhiddencourses": "View hidden courses",
    "moodle/user:create": "Create users",
    "moodle/user:update": "Update user profiles",
    "moodle/user:viewdetails": "View user profiles",
    "moodle/user:viewalldetails": "View user full information",
    "moodle/site:viewfullnames": "Always see full names of users",
    "moodle/site:viewuseridentity": "See full user identity in lists",
    "moodle/cohort:manage": "Create, delete and move cohorts",
    "moodle/cohort:assign": "Add and remove cohort members",
    "moodle/course:managegroups": "Manage groups",
    "enrol/manual:enrol": "Enrol users",
    "enrol/manual:unenrol": "Unenrol users from the course",
    "moodle/role:assign": "Assign roles to users",
    "moodle/course:viewparticipants": "View participants",
    "moodle/course:enrolreview": "Review course enrolments",
    "moodle/course:manageactivities": "Manage activities",
    "mod/scorm:addinstance": "Add a new SCORM package",
    "moodle/course:activityvisibility": "Hide/show activities",
    "moodle/grade:manage": "Manage grade items",
    "moodle/grade:edit": "Edit grades",
    "moodle/grade:viewall": "View grades of other users",
    "gradereport/user:view": "View user report",
    "mod/scorm:viewreport": "View reports",
    "moodle/competency:competencymanage": "Manage competency frameworks",
    "moodle/competency:coursecompetencymanage": "Manage course competencies",
    # read_courses checks it; Moodle gives it to every authenticated user by default, which a site may change.
    "moodle/competency:coursecompetencyview": "View course competencies",
    # Publishing certificates (local_lmsbridge_publish_certificates): awarding a programme's certificate is
    # what awarding a badge is in Moodle's own interface.
    "moodle/badges:awardbadge": "Award badge to user",
}
_BY_NAME = {name: cap for cap, name in SYNC_USER_CAPABILITIES.items()}
_NAMED = re.compile(r"\(([^()]+)\)\.?\s*(\[\w+\])?\s*$")


def _lacks(what: str) -> str:
    return f"the sync user's role lacks {what}: allow it in that role (README: the sync user), then sync again"


def capability_hint(capability: str) -> str:
    """What to do when the sync user's role lacks this capability."""
    name = SYNC_USER_CAPABILITIES.get(capability, "")
    return _lacks(f"'{name}' ({capability})" if name else capability)


def permission_hint(message: str) -> str:
    """What to do about Moodle's "nopermissions" message: which capability the sync user's role must allow."""
    found = _NAMED.search(message or "")
    name = found.group(1) if found else ""
    if name in _BY_NAME:
        return capability_hint(_BY_NAME[name])
    return _lacks(f"the capability '{name}'" if name else "a capability")
