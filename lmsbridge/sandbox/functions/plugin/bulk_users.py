"""local_lmsbridge_create_users, local_lmsbridge_enrol_users, local_lmsbridge_get_users,
local_lmsbridge_add_cohort_members: core's user creation, manual enrolment, user look-up and cohort membership
done per call instead of per row (create_users.php, enrol_users.php, get_users.php, add_cohort_members.php).

create_users checks each row as core_user_create_users does, in its order and words, and answers per row: a bad
row is not created and the others are. The password is left to cron (the create_password preference), as the
upload tool does. enrol_users has enrol_manual_enrol_users' contract exactly, add_cohort_members
core_cohort_add_cohort_members'. get_users answers the fields a sync compares, every one, for a caller with
moodle/user:viewalldetails and moodle/site:viewuseridentity.
"""

from __future__ import annotations

from typing import Any

from lmsbridge.sandbox.errors import InvalidParameter
from lmsbridge.sandbox.functions.cohorts import TYPE_VALUE
from lmsbridge.sandbox.functions.cohorts import add_cohort_members as core_add_cohort_members
from lmsbridge.sandbox.functions.enrol import enrol_users as core_enrol_users
from lmsbridge.sandbox.functions.users import INTERNAL_AUTHS, _columns, _email_taken
from lmsbridge.sandbox.params import ALPHA, AUTH_PLUGINS, BOOL, DEFAULT, INT, NOTAGS, OPTIONAL, RAW, TEXT, USERNAME
from lmsbridge.sandbox.params import Multiple, Single, Value, clean, valid_email
from lmsbridge.sandbox.registry import Call, function

from lmsbridge.sandbox.functions.plugin.lookup import PLUGIN_COMPONENT, require_cap

USER = Single({
    "username": Value(RAW), "firstname": Value(NOTAGS), "lastname": Value(NOTAGS), "email": Value(RAW),
    "auth": Value(RAW, DEFAULT, "manual"), "lang": Value(RAW, DEFAULT, ""), "createpassword": Value(BOOL, DEFAULT, 0),
    "idnumber": Value(RAW, DEFAULT, ""), "country": Value(ALPHA, DEFAULT, ""),
    "institution": Value(TEXT, DEFAULT, ""), "department": Value(TEXT, DEFAULT, "")})
FIELDS = ("id", "idnumber", "username", "firstname", "lastname", "email", "auth", "suspended", "lang", "country",
          "institution", "department")


def _problem(call: Call, user: dict[str, Any], taken: set[str], emails: set[str]) -> str:
    """create_users::check(): why the row cannot be created ('' = it can)."""
    for field in ("username", "firstname", "lastname"):
        if user[field].strip() == "":
            return f"The field {field} cannot be blank"
    if clean(user["username"], USERNAME) != user["username"]:
        return f"Invalid username: {user['username']}"
    if user["username"] in taken or call.store.scalar("SELECT 1 FROM user WHERE username = ?", user["username"]):
        return f"Username already exists: {user['username']}"
    if user["auth"] not in AUTH_PLUGINS:
        return f"Invalid authentication type: {user['auth']}"
    if user["lang"] and user["lang"] not in call.langs:
        return f"Invalid language code: {user['lang']}"
    if user["auth"] in INTERNAL_AUTHS and not user["createpassword"]:
        return "Invalid password: you must provide a password, or set createpassword."
    if not valid_email(user["email"]):
        return f"Email address is invalid: {user['email']}"
    if user["email"].lower() in emails or _email_taken(call, user["email"]):
        return f"Email address already exists: {user['email']}"
    return ""


@function("local_lmsbridge_create_users", {"users": Multiple(USER)}, write=True, rows="users",
          component=PLUGIN_COMPONENT)
def create_users(call: Call, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    call.require("moodle/user:create", "Create users")
    out: list[dict[str, Any]] = []
    good: list[tuple[int, dict[str, Any]]] = []
    taken: set[str] = set()
    emails: set[str] = set()
    for i, user in enumerate(users):
        problem = _problem(call, user, taken, emails)
        out.append({"id": 0, "username": user["username"], "errorcode": "invalidparameter" if problem else "",
                    "message": problem})
        if not problem:
            good.append((i, user))
            taken.add(user["username"])
            if call.store.config("allowaccountssameemail") != "1":
                emails.add(user["email"].lower())
    for i, user in good:  # one transaction: a write the database refuses fails the call (_columns)
        cols = _columns({k: v for k, v in user.items() if v != "" or k in ("firstname", "lastname", "email")}
                        | {"lang": user["lang"] or "en"})
        cols["password"] = "to be generated" if user["auth"] in INTERNAL_AUTHS else ""
        out[i]["id"] = call.store.create_user(
            username=user["username"], firstname=user["firstname"], lastname=user["lastname"], email=user["email"],
            **{k: v for k, v in cols.items() if k not in ("firstname", "lastname", "email")})
    return out


@function("local_lmsbridge_enrol_users", {"enrolments": Multiple(Single({
    "roleid": Value(INT), "userid": Value(INT), "courseid": Value(INT), "timestart": Value(INT, OPTIONAL),
    "timeend": Value(INT, OPTIONAL), "suspend": Value(INT, OPTIONAL)}))}, write=True, rows="enrolments",
    component=PLUGIN_COMPONENT)
def enrol_users(call: Call, enrolments: list[dict[str, Any]]) -> None:
    return core_enrol_users(call, enrolments)  # the same checks and effect (the PHP's cost differs, not its result)


@function("local_lmsbridge_add_cohort_members", {"members": Multiple(Single({
    "cohorttype": TYPE_VALUE, "usertype": TYPE_VALUE}))}, write=True, rows="members", component=PLUGIN_COMPONENT)
def add_cohort_members(call: Call, members: list[dict[str, Any]]) -> dict[str, Any]:
    return core_add_cohort_members(call, members)  # the same checks, warnings and effect


@function("local_lmsbridge_get_users", {"field": Value(ALPHA), "values": Multiple(Value(RAW))}, write=False,
          rows="values", component=PLUGIN_COMPONENT)
def get_users(call: Call, field: str, values: list[str]) -> list[dict[str, Any]]:
    if field not in ("idnumber", "username", "email", "id"):
        raise InvalidParameter("field must be idnumber, username, email or id")
    require_cap(call, "moodle/user:viewalldetails")
    require_cap(call, "moodle/site:viewuseridentity")
    wanted = sorted({int(v) if field == "id" else v for v in values}, key=str)
    if not wanted:
        return []
    rows = call.store.q(f"SELECT * FROM user WHERE deleted = 0 AND {field} IN ({','.join('?' * len(wanted))}) "
                        "ORDER BY id", *wanted)
    return [{k: (int(u[k] or 0) if k in ("id", "suspended") else u[k] or "") for k in FIELDS} for u in rows]
