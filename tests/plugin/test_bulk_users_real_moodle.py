"""The plugin's bulk user functions (issue 19), proved the same way on the sandbox and on a real Moodle (4.5/5.0):
local_lmsbridge_create_users answers per row with core_user_create_users' checks and words, and creates only the
good rows; local_lmsbridge_enrol_users enrols, suspends and reactivates as enrol_manual_enrol_users does;
local_lmsbridge_get_users finds what core_user_get_users_by_field finds, with the same fields;
local_lmsbridge_add_cohort_members answers and adds as core_cohort_add_cohort_members. Read back with core's
functions. Uses the `site` and `admin` fixtures of test_plugin_real_moodle (sandbox always; a real Moodle
with LMSBRIDGE_TEST_MOODLE_URL/TOKEN); everything it makes is deleted at the end.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import test_plugin_real_moodle as contract
from test_plugin_real_moodle import EDITING_TEACHER_ROLE, HERE, MOODLE_DIR, STUDENT_ROLE, Site, make_course

from lmsbridge.moodle import MoodleAPIError, MoodleClient
from lmsbridge.plugin_zip import SYNC_CAPABILITIES

# The contract tests' fixtures: the same sites (sandbox and real Moodle).
site, admin = contract.site, contract.admin
COMPARED = ("id", "idnumber", "username", "firstname", "lastname", "email", "auth", "suspended", "lang", "country",
            "institution", "department")


@pytest.fixture(scope="module")
def made(admin: MoodleClient) -> Iterator[dict[str, Any]]:
    """A course, an account made with core's function (its username and e-mail are taken), and what the tests
    create; all deleted afterwards."""
    sfx = secrets.token_hex(3)
    course = make_course(admin, f"bulk-{sfx}")
    [existing] = admin.call("core_user_create_users", {"users": [{
        "username": f"lmsb-bulk-old-{sfx}", "password": f"Pass-word-{sfx}-1", "firstname": "Old", "lastname": "One",
        "email": f"lmsb-bulk-old-{sfx}@example.invalid", "idnumber": f"bulk-old-{sfx}"}]})
    cohorts = admin.call("core_cohort_create_cohorts", {"cohorts": [
        {"categorytype": {"type": "system", "value": ""}, "name": f"Bulk {name} {sfx}", "idnumber": f"bulk-{name}-{sfx}"}
        for name in ("core", "plugin")]})
    out: dict[str, Any] = {"sfx": sfx, "course": course, "existing": existing["id"], "users": [existing["id"]],
                           "courses": [course], "cohorts": {c["idnumber"]: c["id"] for c in cohorts}}
    yield out
    admin.call("core_course_delete_courses", {"courseids": out["courses"]})
    admin.call("core_cohort_delete_cohorts", {"cohortids": list(out["cohorts"].values())})
    admin.call("core_user_delete_users", {"userids": out["users"]})


def row(sfx: str, n: str, **fields: Any) -> dict[str, Any]:
    return {"username": f"lmsb-bulk-{n}-{sfx}", "firstname": "Bulk", "lastname": f"Learner {n}",
            "email": f"lmsb-bulk-{n}-{sfx}@example.invalid", "idnumber": f"bulk-{n}-{sfx}", "auth": "manual",
            "createpassword": 1, **fields}


def by_field(client: MoodleClient, function: str, field: str, values: list[Any]) -> list[dict[str, Any]]:
    """The compared fields, as both answer them: core leaves out an empty field and says suspended as a bool."""
    found = client.call(function, {"field": field, "values": values})
    return sorted(({k: bool(u.get(k)) if k == "suspended" else u.get(k) or "" for k in COMPARED} for u in found),
                  key=lambda u: u["id"])


def test_create_users_answers_per_row_and_creates_the_good_ones(site: Site, admin: MoodleClient,
                                                                made: dict[str, Any]) -> None:
    sfx = made["sfx"]
    rows = [
        row(sfx, "a", country="LT", institution="Vilnius University", department="Economics"),
        row(sfx, "B"),  # upper case: not a username Moodle keeps
        row(sfx, "c", email=f"LMSB-BULK-OLD-{sfx}@example.invalid"),  # the existing account's e-mail, other case
        row(sfx, "d", username=f"lmsb-bulk-a-{sfx}", email=f"lmsb-bulk-d-{sfx}@example.invalid"),  # row a's name
        row(sfx, "e", lang="xx"),
        row(sfx, "f", createpassword=0),  # manual accounts need a password
        row(sfx, "g", auth="oauth2", createpassword=0),  # single sign-on: no password at all
        row(sfx, "h", firstname=" "),
        row(sfx, "i", email="not-an-address"),
        row(sfx, "j", auth="nosuchauth"),
    ]
    answer = admin.call("local_lmsbridge_create_users", {"users": rows})
    made["users"].extend(r["id"] for r in answer if r["id"])
    assert [(r["username"], r["errorcode"], r["message"]) for r in answer] == [
        (f"lmsb-bulk-a-{sfx}", "", ""),
        (f"lmsb-bulk-B-{sfx}", "invalidparameter", f"Invalid username: lmsb-bulk-B-{sfx}"),
        (f"lmsb-bulk-c-{sfx}", "invalidparameter",
         f"Email address already exists: LMSB-BULK-OLD-{sfx}@example.invalid"),
        (f"lmsb-bulk-a-{sfx}", "invalidparameter", f"Username already exists: lmsb-bulk-a-{sfx}"),
        (f"lmsb-bulk-e-{sfx}", "invalidparameter", "Invalid language code: xx"),
        (f"lmsb-bulk-f-{sfx}", "invalidparameter",
         "Invalid password: you must provide a password, or set createpassword."),
        (f"lmsb-bulk-g-{sfx}", "", ""),
        (f"lmsb-bulk-h-{sfx}", "invalidparameter", "The field firstname cannot be blank"),
        (f"lmsb-bulk-i-{sfx}", "invalidparameter", "Email address is invalid: not-an-address"),
        (f"lmsb-bulk-j-{sfx}", "invalidparameter", "Invalid authentication type: nosuchauth"),
    ]
    ids = [r["id"] for r in answer if r["id"]]
    assert len(ids) == 2 and all(r["id"] == 0 for r in answer if r["errorcode"])
    stored = by_field(admin, "core_user_get_users_by_field", "id", ids)
    assert [(u["username"], u["idnumber"], u["auth"], u["lang"], u["country"], u["institution"], u["department"])
            for u in stored] == [
        (f"lmsb-bulk-a-{sfx}", f"bulk-a-{sfx}", "manual", "en", "LT", "Vilnius University", "Economics"),
        (f"lmsb-bulk-g-{sfx}", f"bulk-g-{sfx}", "oauth2", "en", "", "", ""),
    ]
    made["created"] = ids

    again = admin.call("local_lmsbridge_create_users", {"users": [row(sfx, "a")]})
    assert (again[0]["id"], again[0]["message"]) == (0, f"Username already exists: lmsb-bulk-a-{sfx}")


def test_get_users_finds_what_core_finds(site: Site, admin: MoodleClient, made: dict[str, Any]) -> None:
    sfx, ids = made["sfx"], made.get("created") or pytest.skip("needs the accounts of the creation test")
    everyone = [made["existing"], *ids]
    core = by_field(admin, "core_user_get_users_by_field", "id", everyone)
    assert len(core) == 3
    assert by_field(admin, "local_lmsbridge_get_users", "id", everyone) == core
    idnumbers = [u["idnumber"] for u in core] + [f"bulk-nobody-{sfx}"]
    assert by_field(admin, "local_lmsbridge_get_users", "idnumber", idnumbers) == core
    assert by_field(admin, "local_lmsbridge_get_users", "username", [u["username"] for u in core]) == core
    assert by_field(admin, "local_lmsbridge_get_users", "email", [u["email"] for u in core]) == core
    with pytest.raises(MoodleAPIError) as err:
        admin.call("local_lmsbridge_get_users", {"field": "city", "values": ["Vilnius"]})
    assert err.value.errorcode == "invalidparameter"


def enrolled(admin: MoodleClient, course: int, onlyactive: int) -> list[tuple[int, list[int]]]:
    users = admin.call("core_enrol_get_enrolled_users", {"courseid": course, "options": [
        {"name": "onlyactive", "value": onlyactive}, {"name": "userfields", "value": "id,roles"}]})
    return sorted((u["id"], sorted(r["roleid"] for r in u.get("roles") or [])) for u in users)


def test_enrol_users_enrols_suspends_and_reactivates(site: Site, admin: MoodleClient, made: dict[str, Any]) -> None:
    course, ids = made["course"], made.get("created") or pytest.skip("needs the accounts of the creation test")
    everyone = sorted([made["existing"], *ids])
    assert admin.call("local_lmsbridge_enrol_users", {"enrolments": [
        {"roleid": STUDENT_ROLE, "userid": u, "courseid": course} for u in everyone]}) is None
    assert enrolled(admin, course, 1) == [(u, [STUDENT_ROLE]) for u in everyone]
    admin.call("local_lmsbridge_enrol_users", {"enrolments": [
        {"roleid": STUDENT_ROLE, "userid": everyone[0], "courseid": course, "suspend": 1}]})
    assert [u for u, _ in enrolled(admin, course, 1)] == everyone[1:]
    assert [u for u, _ in enrolled(admin, course, 0)] == everyone
    admin.call("local_lmsbridge_enrol_users", {"enrolments": [
        {"roleid": STUDENT_ROLE, "userid": everyone[0], "courseid": course, "suspend": 0}]})
    assert [u for u, _ in enrolled(admin, course, 1)] == everyone
    # New enrolments (written in bulk) and changes (through enrol_user) end as core's: suspended, dated, repeated.
    twin = make_course(admin, f"bulk-twin-{made['sfx']}")
    made["courses"].append(twin)
    for function, where in (("enrol_manual_enrol_users", twin), ("local_lmsbridge_enrol_users", course)):
        admin.call(function, {"enrolments": [
            {"roleid": STUDENT_ROLE, "userid": everyone[0], "courseid": where, "suspend": 1},  # a change
            {"roleid": STUDENT_ROLE, "userid": everyone[1], "courseid": where, "timeend": 2_000_000_000},
            {"roleid": STUDENT_ROLE, "userid": everyone[1], "courseid": where, "suspend": 1},
            {"roleid": STUDENT_ROLE, "userid": everyone[2], "courseid": where}]})
    assert enrolled(admin, course, 1) == enrolled(admin, twin, 1) == [(everyone[2], [STUDENT_ROLE])]
    assert enrolled(admin, course, 0) == enrolled(admin, twin, 0)
    with pytest.raises(MoodleAPIError):  # as core: a course that does not exist fails the call
        admin.call("local_lmsbridge_enrol_users", {"enrolments": [
            {"roleid": STUDENT_ROLE, "userid": everyone[0], "courseid": 987654321}]})


def member(cohort: tuple[str, Any], user: tuple[str, Any]) -> dict[str, Any]:
    return {"cohorttype": {"type": cohort[0], "value": str(cohort[1])},
            "usertype": {"type": user[0], "value": str(user[1])}}


def test_add_cohort_members_answers_and_adds_as_core(site: Site, admin: MoodleClient, made: dict[str, Any]) -> None:
    sfx, ids = made["sfx"], made.get("created") or pytest.skip("needs the accounts of the creation test")
    username = by_field(admin, "core_user_get_users_by_field", "id", ids[:1])[0]["username"]
    for function, name in (("core_cohort_add_cohort_members", "core"), ("local_lmsbridge_add_cohort_members", "plugin")):
        idnumber = f"bulk-{name}-{sfx}"
        cohortid = made["cohorts"][idnumber]
        answer = admin.call(function, {"members": [
            member(("idnumber", idnumber), ("id", made["existing"])),
            member(("id", cohortid), ("username", username)),
            member(("idnumber", idnumber), ("id", made["existing"])),  # again, in the same call
            member(("idnumber", f"bulk-nocohort-{sfx}"), ("id", made["existing"])),
            member(("id", cohortid), ("username", f"nobody-{sfx}")),
            member(("name", idnumber), ("id", made["existing"])),
            member(("id", cohortid), ("email", "x@example.invalid")),
        ]})
        assert [(w["warningcode"], w["message"]) for w in answer["warnings"]] == [
            ("3", f"record already exists: cohort(idnumber={idnumber} id={made['existing']})"),
            ("2", f"cohort idnumber=bulk-nocohort-{sfx} not exists"),
            ("2", f"user username=nobody-{sfx} not exists"),
            ("1", "invalid parameter: cohortype=name"),
            ("1", "invalid parameter: usertype=email"),
        ], function
        again = admin.call(function, {"members": [member(("id", cohortid), ("id", ids[0]))]})
        assert [w["warningcode"] for w in again["warnings"]] == ["3"]
        [members] = admin.call("core_cohort_get_cohort_members", {"cohortids": [cohortid]})
        assert sorted(members["userids"]) == sorted([made["existing"], ids[0]])


def test_the_sync_user_may_call_them_and_a_user_without_the_capabilities_may_not(
        site: Site, admin: MoodleClient, made: dict[str, Any]) -> None:
    sfx, course = made["sfx"], made["course"]
    token = site.make_user("lmsbridgebulktest", "lmsbridge_bulk_test", list(SYNC_CAPABILITIES))
    with MoodleClient(site.url, token, timeout=120) as sync:
        [new] = sync.call("local_lmsbridge_create_users", {"users": [row(sfx, "lp")]})
        made["users"].append(new["id"])
        assert new["errorcode"] == "" and new["id"] > 0
        sync.call("local_lmsbridge_enrol_users", {"enrolments": [
            {"roleid": STUDENT_ROLE, "userid": new["id"], "courseid": course}]})
        [found] = sync.call("local_lmsbridge_get_users", {"field": "idnumber", "values": [f"bulk-lp-{sfx}"]})
        assert (found["id"], found["email"]) == (new["id"], f"lmsb-bulk-lp-{sfx}@example.invalid")
        added = sync.call("local_lmsbridge_add_cohort_members", {"members": [
            member(("idnumber", f"bulk-plugin-{sfx}"), ("id", new["id"]))]})
        assert added == {"warnings": []}
    assert new["id"] in [u for u, _ in enrolled(admin, course, 1)]
    weak_token = site.make_user("lmsbridgebulkweak", "lmsbridge_bulk_weak", ["webservice/rest:use"])
    with MoodleClient(site.url, weak_token, timeout=120) as weak:
        for function, params, capability_name in [
                ("local_lmsbridge_create_users", {"users": [row(sfx, "weak")]}, "Create users"),
                ("local_lmsbridge_get_users", {"field": "idnumber", "values": [f"bulk-lp-{sfx}"]},
                 "View user full information"),
                ("local_lmsbridge_add_cohort_members", {"members": [
                    member(("idnumber", f"bulk-core-{sfx}"), ("id", new["id"]))]}, "Add and remove cohort members")]:
            with pytest.raises(MoodleAPIError) as err:
                weak.call(function, params)
            assert err.value.errorcode == "nopermissions", function
            assert err.value.moodle_message == ("Sorry, but you do not currently have permissions to do that "
                                                f"({capability_name}).")


def user_flags(ids: list[int]) -> dict[int, dict[str, Any]]:
    """What Moodle keeps about these accounts outside any web service (tests/plugin/user_flags.php)."""
    done = subprocess.run(["php", str(HERE / "user_flags.php"), MOODLE_DIR, *map(str, ids)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def welcomes(admin: MoodleClient, user: int) -> list[tuple[str, int]]:
    """The course welcome notifications the learner has: (subject, sender)."""
    found = admin.call("core_message_get_messages", {"useridto": user, "type": "notifications", "read": 2})
    return sorted((m["subject"], m["useridfrom"]) for m in found["messages"] if m["eventtype"] ==
                  "enrolcoursewelcomemessage")


def test_learners_enrolled_in_bulk_are_welcomed_and_their_sessions_told_as_core_does(
        site: Site, admin: MoodleClient, made: dict[str, Any]) -> None:
    """What the bulk functions do once per call instead of per row ends as core's per-row path: learners get the
    course welcome message from the course's teacher (and none where the course has no teacher), their sessions
    are told to reload their access; new accounts wait for cron to make and mail their passwords."""
    if site.sandbox is not None:
        pytest.skip("welcome messages and session flags are Moodle's own: checked on a real Moodle")
    if not MOODLE_DIR or not shutil.which("php"):
        pytest.skip("reading the session flags needs LMSBRIDGE_TEST_MOODLE_DIR (the Moodle code folder) and php")
    sfx = made["sfx"]
    answer = admin.call("local_lmsbridge_create_users", {"users": [row(sfx, f"w{i}") for i in range(7)]})
    ids = [r["id"] for r in answer]
    made["users"].extend(ids)
    assert all(ids), answer
    flags = user_flags(ids)
    assert all(f["create_password"] == "1" and f["preferenceschanged"] for f in flags.values()), flags
    core, bulk, quiet = (make_course(admin, f"bulk-{name}-{sfx}") for name in ("welcome-core", "welcome", "quiet"))
    made["courses"] += [core, bulk, quiet]
    teacher_core, s1, s2, teacher_bulk, s3, s4, s5 = ids
    admin.call("enrol_manual_enrol_users", {"enrolments": [
        {"roleid": role, "userid": u, "courseid": core}
        for role, u in ((EDITING_TEACHER_ROLE, teacher_core), (STUDENT_ROLE, s1), (STUDENT_ROLE, s2))]})
    admin.call("local_lmsbridge_enrol_users", {"enrolments": [
        {"roleid": role, "userid": u, "courseid": bulk}
        for role, u in ((EDITING_TEACHER_ROLE, teacher_bulk), (STUDENT_ROLE, s3), (STUDENT_ROLE, s4))]})
    admin.call("local_lmsbridge_enrol_users", {"enrolments": [
        {"roleid": STUDENT_ROLE, "userid": u, "courseid": quiet} for u in (s1, s5)]})
    subjects = {c: admin.call("core_course_get_courses", {"options": {"ids": [c]}})[0]["fullname"]
                for c in (core, bulk)}
    assert [welcomes(admin, u) for u in (s1, s2)] == [[(f"Welcome to {subjects[core]}", teacher_core)]] * 2
    assert [welcomes(admin, u) for u in (s3, s4)] == [[(f"Welcome to {subjects[bulk]}", teacher_bulk)]] * 2
    assert welcomes(admin, s5) == [] and welcomes(admin, teacher_bulk) == welcomes(admin, teacher_core) == []
    assert all(f["dirty"] for f in user_flags(ids).values())
