"""Record shapes shared by several families (users, courses), keyed and ordered as Moodle 5.0 returns them."""

from __future__ import annotations

import re
from typing import Any

from lmsbridge.sandbox.errors import MissingRecord
from lmsbridge.sandbox.registry import Call
from lmsbridge.sandbox.store import ROLES, Store

IMAGE_REV = 1


def user_or_missing(store: Store, userid: int) -> dict[str, Any]:
    u = store.one("SELECT * FROM user WHERE id = ? AND deleted = 0", userid)
    if u is None:
        raise MissingRecord("user")
    return u


def course_or_missing(store: Store, courseid: int) -> dict[str, Any]:
    c = store.one("SELECT * FROM course WHERE id = ?", courseid)
    if c is None:
        raise MissingRecord("course")
    return c


def fullname(u: dict[str, Any]) -> str:
    return f"{u['firstname']} {u['lastname']}"


def _images(call: Call) -> dict[str, str]:
    base = f"{call.site_url}/theme/image.php/boost/core/{IMAGE_REV}/u"
    return {"profileimageurlsmall": f"{base}/f2", "profileimageurl": f"{base}/f1"}


# Site setting showuseridentity (Moodle's default: e-mail only); set with sb.db.set_config(SHOW_IDENTITY, "...").
SHOW_IDENTITY = "showuseridentity"


def idnumber_visible(call: Call, userid: int) -> bool:
    """user_get_user_details()' rule for the idnumber: one of the identity fields shown to the caller
    (showuseridentity and moodle/site:viewuseridentity), or moodle/user:viewalldetails, or the caller's own."""
    shown = (call.store.config(SHOW_IDENTITY) or "email").split(",")
    return (("idnumber" in shown and call.has("moodle/site:viewuseridentity"))
            or call.has("moodle/user:viewalldetails") or userid == call.userid)


def _identity(u: dict[str, Any]) -> dict[str, Any]:
    """Who the user is, as both user_get_user_details() and the course view start (empty fields left out)."""
    out: dict[str, Any] = {"id": u["id"], "username": u["username"], "firstname": u["firstname"],
                           "lastname": u["lastname"], "fullname": fullname(u), "email": u["email"],
                           "department": u["department"]}
    if u["institution"]:
        out["institution"] = u["institution"]
    if u["idnumber"]:
        out["idnumber"] = u["idnumber"]
    return out


def user_details(call: Call, u: dict[str, Any]) -> dict[str, Any]:
    """user_get_user_details() as the sync user sees a user in the system context (empty fields left out)."""
    out = _identity(u)
    out.update(firstaccess=u["firstaccess"], lastaccess=u["lastaccess"], auth=u["auth"],
               suspended=bool(u["suspended"]), confirmed=bool(u["confirmed"]), lang=u["lang"], theme="",
               timezone=u["timezone"], mailformat=u["mailformat"], trackforums=0)
    if u["description"]:
        out.update(description=u["description"], descriptionformat=1)
    if u["city"]:
        out["city"] = u["city"]
    if u["country"]:
        out["country"] = u["country"]
    out.update(_images(call))
    if u["id"] == call.userid:
        out["preferences"] = [{"name": "auth_manual_passwordupdatetime", "value": str(u["timecreated"])},
                              {"name": "_lastloaded", "value": call.now}]
    return out


def course_user_details(call: Call, u: dict[str, Any], courseid: int) -> dict[str, Any]:
    """The same user seen in a course (core_enrol_get_enrolled_users): roles, groups, enrolled courses."""
    store = call.store
    out = _identity(u)
    if not idnumber_visible(call, u["id"]):
        out.pop("idnumber", None)
    out.update(firstaccess=u["firstaccess"], lastaccess=u["lastaccess"], lastcourseaccess=0)
    if u["city"]:
        out["city"] = u["city"]
    if u["country"]:
        out["country"] = u["country"]
    out.update(_images(call))
    out["roles"] = [{"roleid": r["roleid"], "name": "", "shortname": ROLES.get(r["roleid"], ("role", ""))[0],
                     "sortorder": 0}
                    for r in store.q("SELECT roleid FROM role_assignments WHERE courseid = ? AND userid = ? "
                                     "ORDER BY roleid", courseid, u["id"])]
    groups = store.q("SELECT g.* FROM groups g JOIN groups_members m ON m.groupid = g.id WHERE g.courseid = ? "
                     "AND m.userid = ? ORDER BY g.id", courseid, u["id"])
    if groups:
        out["groups"] = [{"id": g["id"], "name": g["name"], "description": g["description"],
                          "descriptionformat": g["descriptionformat"]} for g in groups]
    out["enrolledcourses"] = [
        {"id": c["id"], "fullname": c["fullname"], "shortname": c["shortname"]}
        for c in store.q("SELECT DISTINCT c.* FROM course c JOIN enrol e ON e.courseid = c.id JOIN user_enrolments "
                         "ue ON ue.enrolid = e.id WHERE ue.userid = ? ORDER BY c.id", u["id"])]
    return out


def course_image(call: Call, courseid: int) -> str:
    return f"{call.site_url}/pluginfile.php/{courseid}/course/generated/course.svg"


_BARE_AMPERSAND = re.compile(r"&(?!#?\w+;)")


def display(text: str) -> str:
    """Text as Moodle returns it for display: format_string()/format_text() turn a bare "&" into "&amp;"
    (replace_ampersands_not_followed_by_entity), so a client must not compare it raw with what it sent."""
    return _BARE_AMPERSAND.sub("&amp;", text or "")
