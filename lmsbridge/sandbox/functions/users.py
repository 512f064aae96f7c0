"""core_user_*: create (all-or-nothing, Moodle's validation order), update (per-item warnings), look-ups, delete."""

from __future__ import annotations

import re
from typing import Any

from lmsbridge.sandbox.errors import CodingError, InvalidParameter, MissingRecord, MoodleException
from lmsbridge.sandbox.functions._shapes import user_details
from lmsbridge.sandbox.params import (ALPHA, AUTH, BOOL, DEFAULT, INT, LANG, NOTAGS, OPTIONAL, RAW, TEXT,
                                      TIMEZONE, USERNAME, Multiple, Single, Value, clean, valid_email)
from lmsbridge.sandbox.registry import Call, function
from lmsbridge.sandbox.store import ADMIN_ID, now
from lmsbridge.user_rules import COUNTRIES, too_long

# Site setting allowaccountssameemail: "1" lets two accounts share an e-mail (sb.db.set_config(SAME_EMAIL, "1")).
SAME_EMAIL = "allowaccountssameemail"

INTERNAL_AUTHS = {"manual", "email"}  # auth plugins whose is_internal() is true: they need a password
USER_FIELDS = ("idnumber", "institution", "department", "city", "country", "lang", "timezone", "description",
               "mailformat", "auth", "firstname", "lastname", "email")


def password_problems(password: str) -> str:
    """check_password_policy() with a stock site's policy; Moodle's HTML list of what is wrong, or ''."""
    errs = []
    if len(password) < 8:
        errs.append("Passwords must be at least 8 characters long.")
    if len(re.findall(r"\d", password)) < 1:
        errs.append("Passwords must have at least 1 digit(s).")
    if len(re.findall(r"[a-z]", password)) < 1:
        errs.append("Passwords must have at least 1 lower case letter(s).")
    if len(re.findall(r"[A-Z]", password)) < 1:
        errs.append("Passwords must have at least 1 upper case letter(s).")
    if len(re.findall(r"[^a-zA-Z0-9]", password)) < 1:
        errs.append("The password must have at least 1 special character(s) such as *, -, or #.")
    return "".join(f"<div>{e}</div>" for e in errs)


def _policy(password: str) -> None:
    problems = password_problems(password)
    if problems:
        raise MoodleException(problems, f"error/{problems}")


def _email_taken(call: Call, email: str, exclude: int = 0) -> bool:
    if call.store.config(SAME_EMAIL) == "1":
        return False
    return call.store.scalar("SELECT 1 FROM user WHERE lower(email) = lower(?) AND deleted = 0 AND id != ?",
                             email, exclude) is not None


_OPTIONAL_FIELDS = {
    "maildisplay": Value(INT, OPTIONAL), "city": Value(NOTAGS, OPTIONAL), "country": Value(ALPHA, OPTIONAL),
    "timezone": Value(TIMEZONE, OPTIONAL), "description": Value(RAW, OPTIONAL),
    "firstnamephonetic": Value(NOTAGS, OPTIONAL), "lastnamephonetic": Value(NOTAGS, OPTIONAL),
    "middlename": Value(NOTAGS, OPTIONAL), "alternatename": Value(NOTAGS, OPTIONAL),
    "interests": Value(TEXT, OPTIONAL), "idnumber": Value(RAW, DEFAULT, ""),
    "institution": Value(TEXT, OPTIONAL), "department": Value(TEXT, OPTIONAL), "phone1": Value(NOTAGS, OPTIONAL),
    "phone2": Value(NOTAGS, OPTIONAL), "address": Value(TEXT, OPTIONAL), "lang": Value(LANG, DEFAULT, "en"),
    "calendartype": Value(RAW, OPTIONAL), "theme": Value(RAW, OPTIONAL), "mailformat": Value(INT, OPTIONAL),
    "customfields": Multiple(Single({"type": Value(RAW), "value": Value(RAW)}), OPTIONAL),
    "preferences": Multiple(Single({"type": Value(RAW), "value": Value(RAW)}), OPTIONAL),
}

CREATE_USER = Single({
    "createpassword": Value(BOOL, OPTIONAL), "username": Value(USERNAME), "auth": Value(AUTH, DEFAULT, "manual"),
    "password": Value(RAW, OPTIONAL), "firstname": Value(NOTAGS), "lastname": Value(NOTAGS),
    "email": Value(RAW), **_OPTIONAL_FIELDS})


def _columns(user: dict[str, Any]) -> dict[str, Any]:
    """The user table's columns as Moodle writes them: an unknown country is dropped without a word, and a value
    longer than its column fails the write (the whole batch: the database refuses it)."""
    cols = {k: user[k] for k in USER_FIELDS if k in user and user[k] is not None}
    if cols.get("country") and cols["country"] not in COUNTRIES:
        del cols["country"]
    for key in (*cols, *(["username"] if "username" in user else [])):
        if isinstance(user.get(key), str) and too_long(key, user[key]):
            raise MoodleException("dmlwriteexception", "Error writing to database",
                                  f"value too long for type character varying({too_long(key, user[key])}): {key}")
    return cols


@function("core_user_create_users", {"users": Multiple(CREATE_USER)}, write=True, rows="users")
def create_users(call: Call, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    call.require("moodle/user:create", "Create users")
    out = []
    for user in users:
        for field in ("username", "firstname", "lastname"):
            if user[field].strip() == "":
                raise InvalidParameter(f"The field {field} cannot be blank")
        if call.store.scalar("SELECT 1 FROM user WHERE username = ?", user["username"]):
            raise InvalidParameter(f"Username already exists: {user['username']}")
        if user["lang"] not in call.langs:
            raise InvalidParameter(f"Invalid language code: {user['lang']}")
        internal = user["auth"] in INTERNAL_AUTHS
        if internal and not user.get("password") and not user.get("createpassword"):
            raise InvalidParameter("Invalid password: you must provide a password, or set createpassword.")
        if not valid_email(user["email"]):
            raise InvalidParameter(f"Email address is invalid: {user['email']}")
        if _email_taken(call, user["email"]):
            raise InvalidParameter(f"Email address already exists: {user['email']}")
        if internal and not user.get("createpassword"):
            _policy(user["password"])
        cols = _columns(user)
        cols["password"] = "" if user.get("createpassword") or not internal else "hashed"
        uid = call.store.create_user(username=user["username"], **{k: v for k, v in cols.items()
                                                                     if k not in ("firstname", "lastname", "email")},
                                     firstname=user["firstname"], lastname=user["lastname"], email=user["email"])
        out.append({"id": uid, "username": user["username"]})
    return out


UPDATE_USER = Single({
    "id": Value(INT), "username": Value(USERNAME, OPTIONAL), "auth": Value(AUTH, OPTIONAL),
    "suspended": Value(BOOL, OPTIONAL), "password": Value(RAW, OPTIONAL), "firstname": Value(NOTAGS, OPTIONAL),
    "lastname": Value(NOTAGS, OPTIONAL), "email": Value(RAW, OPTIONAL),
    **{k: (Value(v.type, OPTIONAL) if isinstance(v, Value) else v) for k, v in _OPTIONAL_FIELDS.items()},
    "userpicture": Value(INT, OPTIONAL)})


def _warning(itemid: int, code: str, message: str) -> dict[str, Any]:
    return {"item": "user", "itemid": itemid, "warningcode": code, "message": message}


@function("core_user_update_users", {"users": Multiple(UPDATE_USER)}, write=True, rows="users")
def update_users(call: Call, users: list[dict[str, Any]]) -> dict[str, Any]:
    call.require("moodle/user:update", "Update user profiles")
    store = call.store
    warnings = []
    for user in users:
        existing = store.one("SELECT * FROM user WHERE id = ?", user["id"])
        if existing is None:
            warnings.append(_warning(user["id"], "invaliduserid", "Invalid user ID"))
            continue
        if existing["id"] != call.userid and existing["id"] == ADMIN_ID:
            warnings.append(_warning(user["id"], "usernotupdatedadmin", "Unable to update admin accounts"))
            continue
        if existing["deleted"]:
            warnings.append(_warning(user["id"], "usernotupdateddeleted", "User is a deleted user"))
            continue
        if existing["username"] == "guest":
            warnings.append(_warning(user["id"], "usernotupdatedguest", "Unable to update guest user"))
            continue
        if "email" in user and user["email"] != existing["email"]:
            if not valid_email(user["email"]):
                warnings.append(_warning(user["id"], "useremailinvalid", "Invalid email address"))
                continue
            if _email_taken(call, user["email"], exclude=existing["id"]):
                warnings.append(_warning(user["id"], "useremailduplicate", "Duplicate address"))
                continue
        if "username" in user and user["username"] != existing["username"] and \
                store.scalar("SELECT 1 FROM user WHERE username = ?", user["username"]):
            raise MoodleException("dmlwriteexception", "Error writing to database",
                                  f"duplicate key value violates unique constraint: username={user['username']}")
        if user.get("password"):
            _policy(user["password"])
        cols = _columns(user)
        if "username" in user:
            cols["username"] = user["username"]
        if "suspended" in user:
            cols["suspended"] = int(user["suspended"])
        store.update("user", existing["id"], timemodified=now(), **cols)
    return {"warnings": warnings}


@function("core_user_get_users_by_field", {"field": Value(ALPHA), "values": Multiple(Value(RAW))}, write=False,
          rows="values")
def get_users_by_field(call: Call, field: str, values: list[str]) -> list[dict[str, Any]]:
    types = {"id": INT, "idnumber": RAW, "username": USERNAME, "email": RAW}
    if field not in types:
        raise CodingError("invalid field parameter")
    cleaned = []
    for v in values:
        c = clean(v, types[field])
        if str(c) != v:
            raise InvalidParameter(f"The field '{field}' value is invalid: {v}(cleaned value: {c})")
        cleaned.append(c)
    if not cleaned:
        return []
    marks = ",".join("?" * len(cleaned))
    rows = call.store.q(f"SELECT * FROM user WHERE deleted = 0 AND {field} IN ({marks}) ORDER BY id", *cleaned)
    return [user_details(call, u) for u in rows]


@function("core_user_get_users", {"criteria": Multiple(Single({"key": Value(ALPHA), "value": Value(RAW)}))},
          write=False)
def get_users(call: Call, criteria: list[dict[str, str]]) -> dict[str, Any]:
    warnings, where, args = [], ["deleted = 0"], []
    for c in criteria:
        key, value = c["key"], c["value"]
        if key in ("id", "idnumber", "username", "auth"):
            where.append(f"{key} = ?")
            args.append(value)
        elif key in ("firstname", "lastname", "email"):
            where.append(f"lower({key}) LIKE lower(?)")  # sql_like(), case-insensitive; % works as in Moodle
            args.append(value)
        else:
            warnings.append({"item": key, "warningcode": "invalidfieldparameter",
                             "message": f"The search key '{key}' is not supported, look at the web service "
                                        "documentation"})
    rows = call.store.q(f"SELECT * FROM user WHERE {' AND '.join(where)} ORDER BY id", *args)
    return {"users": [user_details(call, u) for u in rows], "warnings": warnings}


@function("core_user_delete_users", {"userids": Multiple(Value(INT))}, write=True, rows="userids")
def delete_users(call: Call, userids: list[int]) -> None:
    call.require("moodle/user:delete", "Delete users")
    store = call.store
    for uid in userids:
        user = store.one("SELECT * FROM user WHERE id = ? AND deleted = 0", uid)
        if user is None:
            raise MissingRecord("user")
        if uid == ADMIN_ID:
            raise MoodleException("useradminodelete", "Administrator accounts cannot be deleted.")
        store.update("user", uid, deleted=1, username=f"{user['email']}.{now()}", idnumber="", email="",
                     timemodified=now())
        for table in ("user_enrolments", "cohort_members", "groups_members"):
            store.execute(f"DELETE FROM {table} WHERE userid = ?", uid)
        store.execute("DELETE FROM role_assignments WHERE userid = ?", uid)
    return None
