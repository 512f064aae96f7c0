"""The reader: what the live Moodle holds of the objects lmsbridge manages, read in few batched calls.

Reads: all categories (1 call); courses per managed category (1 each) plus, for a course not found there, a
look-up by idnumber and by shortname; cohorts by a search for the prefix and their members in batches (the
marker cohort's members are the accounts lmsbridge created); users by the roster's idnumber in batches, those
not found by an earlier version's prefixed one (and, for users that would be created, by username and e-mail,
to find hand-made accounts that clash); groups (per course, unless the journal knows them) and their members
in batches; competency frameworks. Per course, its enrolled users, SCORM activities, grades and competency
links: with the companion plugin's local_lmsbridge_read_courses all of that in one call per ROWS_PER_READ rows,
else a core call per course and part. The fingerprint is a hash of all of it: `apply` compares it to see that
the site has not drifted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from lmsbridge.moodle import Call, MoodleClient, NotFound, calls, plain_text
from lmsbridge.sync.actual import (
    AActivity,
    ACategory,
    ACohort,
    ACourse,
    ActualState,
    AEnrolment,
    AFramework,
    AGradeItem,
    AGroup,
    AUser,
    Clash,
    Scope,
)
from lmsbridge.sync.keys import GroupKey, Pair, marker_idnumber, own, roster_idnumber

T = TypeVar("T")


class _Counter:
    """Counts the read calls (for the benchmark's budget) and runs them in a bounded pool."""

    def __init__(self, client: MoodleClient, concurrency: int) -> None:
        self.client, self.concurrency, self.n = client, max(1, concurrency), 0

    def call(self, call: Call[T]) -> T:
        self.n += 1
        return self.client.send(replace(call, read=True))

    def batched(self, call: Call[Any]) -> list[Any]:
        """A list read split for max_input_vars, the batches sent a bounded number at a time, answers joined."""
        if not call.items:
            return []
        answers = self.map(self.call, self.client.batches(call))
        out: list[Any] = []
        for a in answers:
            out.extend(a if isinstance(a, list) else [])
        return out

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        if len(items) <= 1 or self.concurrency == 1:
            return [fn(i) for i in items]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(fn, items))


_s = plain_text  # short: applied to every string read


def _users_by(scope: Scope, field: str, values: list[Any]) -> Call[Any]:
    """Accounts by a field: with the plugin's local_lmsbridge_get_users in one query per call, else core's
    function (which builds every account's whole profile)."""
    bulk = calls.plugin_get_users(field, values)
    return bulk if bulk.function in scope.bulk else calls.get_users_by_field(field, values)


def _shown(raw: dict[str, Any], field: str) -> str | None:
    """A field Moodle always returns when the caller may see it: absent means hidden, not empty."""
    return _s(raw[field]) if field in raw else None


def _user(raw: dict[str, Any]) -> AUser:
    return AUser(id=raw["id"], idnumber=_s(raw.get("idnumber")), username=_shown(raw, "username"),
                 firstname=_shown(raw, "firstname"), lastname=_shown(raw, "lastname"), email=_shown(raw, "email"),
                 auth=_shown(raw, "auth"), suspended=bool(raw.get("suspended")), lang=_shown(raw, "lang"),
                 country=_s(raw.get("country")), institution=_s(raw.get("institution")),
                 department=_s(raw.get("department")))


def _course(raw: dict[str, Any]) -> ACourse:
    return ACourse(id=raw["id"], idnumber=_s(raw.get("idnumber")), shortname=_s(raw.get("shortname")),
                   fullname=_s(raw.get("fullname")), categoryid=int(raw.get("categoryid") or 0),
                   summary=_s(raw.get("summary")), startdate=int(raw.get("startdate") or 0),
                   enddate=int(raw.get("enddate") or 0), lang=_s(raw.get("lang")))


def read_actual(client: MoodleClient, scope: Scope, *, concurrency: int = 2) -> ActualState:
    r = _Counter(client, concurrency)
    prefix = scope.prefix
    state = ActualState(prefix=prefix)

    # Categories: every category in one call; ours are those with our prefix.
    for raw in r.call(calls.get_categories(addsubcategories=False)) or []:
        idn = _s(raw.get("idnumber"))
        if idn.startswith(prefix):
            state.categories[idn] = ACategory(id=raw["id"], idnumber=idn, name=_s(raw.get("name")),
                                              parent=int(raw.get("parent") or 0),
                                              description=_s(raw.get("description")),
                                              coursecount=int(raw.get("coursecount") or 0))

    # Courses: those the journal knows, by id in one call; look-ups for the others.
    known = {v: k for k, v in scope.known_courses.items() if k in scope.courses}
    if known:
        answer = r.call(calls.get_courses_by_field("ids", ",".join(map(str, known))))
        for raw in (answer or {}).get("courses", []):
            if known.get(raw["id"]) == _s(raw.get("idnumber")):
                state.courses[raw["idnumber"]] = _course(raw)
    missing = [c for c in scope.courses if c not in state.courses]

    def look_up_course(idn: str) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        by_id = (r.call(calls.get_courses_by_field("idnumber", idn)) or {}
                 ).get("courses", [])
        short = scope.course_shortnames.get(idn)
        by_short = (r.call(calls.get_courses_by_field("shortname", short)) or {}
                    ).get("courses", []) if short and not by_id else []
        return idn, by_id, by_short

    for idn, by_id, by_short in r.map(look_up_course, missing):
        if by_id:
            state.courses[idn] = _course(by_id[0])
        for raw in by_short:
            state.clashes.append(Clash(entity="course", key=idn, field="shortname", value=raw["shortname"],
                                       other_id=raw["id"], other_idnumber=_s(raw.get("idnumber"))))

    # Cohorts first: a search for the prefix, then members of ours. The marker cohort's members are the accounts
    # lmsbridge created: the users' read below tells them from accounts it did not create.
    found = r.call(calls.search_cohorts(prefix)) or {}
    for raw in found.get("cohorts", []):
        idn = _s(raw.get("idnumber"))
        if idn.startswith(prefix):
            state.cohorts[idn] = ACohort(id=raw["id"], idnumber=idn, name=_s(raw.get("name")),
                                         description=_s(raw.get("description")))
    if state.cohorts:
        by_cid = {c.id: c for c in state.cohorts.values()}
        for entry in r.batched(calls.get_cohort_members(sorted(by_cid))):
            by_cid[entry["cohortid"]].members = sorted(entry.get("userids", []))
    state.marker = state.cohorts.pop(marker_idnumber(prefix), None)
    owned = set(state.marker.members if state.marker else []) | set(scope.managed.values())

    def ours(raw: dict[str, Any], key: str = "") -> bool:
        """lmsbridge's own account: in the marker, created per the journal (a create the journal recorded
        before its answer came: the id unknown, found by the idnumber), or made by an earlier version."""
        return (raw["id"] in owned or _s(raw.get("idnumber")).startswith(prefix)
                or scope.managed.get(key, -1) == 0)

    # Users: the scope's (desired, and those lmsbridge managed before: leavers are found this way), by the
    # roster's idnumber and by an earlier version's prefixed one; then accounts lmsbridge did not create, matched
    # as the settings say, and those it adopted before.
    foreign: dict[str, list[dict[str, Any]]] = {}

    def read_users(lookup: dict[str, str]) -> None:
        for raw in r.batched(_users_by(scope, "idnumber", sorted(lookup))):
            key = lookup.get(_s(raw.get("idnumber")))
            if key is None:
                continue
            if not ours(raw, key):
                foreign.setdefault(key, []).append(raw)
            elif key not in state.users or raw["id"] in owned:  # two of its own: the marked one
                state.users[key] = _user(raw)

    read_users({roster_idnumber(prefix, k): k for k in scope.users})
    read_users({k: k for k in scope.users if k not in state.users})  # not found: made by an earlier version?
    _match_existing(r, scope, state, foreign, ours)

    courses = list(state.courses.values())
    _read_frameworks(r, scope, state)
    if scope.read_courses:
        _read_courses_plugin(r, scope, state, courses)
    else:
        _read_enrolments_core(r, scope, state, courses)
        _read_parts_core(r, scope, state)
    # Course completion criteria of the courses whose activities are read (plugin), in one call.
    completion_of = [state.courses[c] for c in scope.activity_courses if c in state.courses] if scope.plugin else []
    if completion_of:
        answer = r.call(calls.plugin_get_completion([c.id for c in completion_of])) or {}
        by_id = {c.id: c.idnumber for c in completion_of}
        for part in answer.get("courses", []):
            state.completion[by_id[part["courseid"]]] = sorted(_s(a) for a in part.get("activities", []))
        answer = r.call(calls.plugin_get_sections([c.id for c in completion_of])) or {}
        for part in answer.get("courses", []):
            for s in part.get("sections", []):
                state.sections[str(Pair(by_id[part["courseid"]], str(s["section"])))] = [_s(s.get("name")),
                                                                                       _s(s.get("summary"))]

    # Groups of a course are read only when the journal does not know the ids of all the groups wanted there.
    known_groups = {k: v for k, v in scope.known_groups.items() if GroupKey.parse(k).course in state.courses}

    def read_groups(of: list[ACourse]) -> None:
        for course, groups in r.map(lambda c: (c, r.call(calls.get_course_groups(c.id)) or []),
                                    of):
            for g in groups:
                idn = _s(g.get("idnumber"))
                if idn.startswith(prefix):
                    state.groups[str(GroupKey(course.idnumber, idn))] = AGroup(
                        id=g["id"], courseid=course.id, idnumber=idn, name=_s(g.get("name")))

    unknown = {c.idnumber for c in courses
               if any(str(GroupKey(c.idnumber, g)) not in known_groups for g in scope.groups.get(c.idnumber, []))}
    read_groups([c for c in courses if c.idnumber in unknown])
    for key, gid in known_groups.items():  # known from the journal; verified below by reading their members
        course = state.courses[GroupKey.parse(key).course]
        if course.idnumber not in unknown:
            state.groups[key] = AGroup(id=gid, courseid=course.id, idnumber=GroupKey.parse(key).group, name="")
    if state.groups:
        by_id = {g.id: g for g in state.groups.values()}
        try:
            entries = r.batched(calls.get_group_members(sorted(by_id)))
        except NotFound:  # a remembered group is gone: read the groups of every course instead
            state.groups = {}
            read_groups(courses)
            by_id = {g.id: g for g in state.groups.values()}
            entries = r.batched(calls.get_group_members(sorted(by_id)))
        for entry in entries:
            by_id[entry["groupid"]].members = sorted(entry.get("userids", []))

    # Ours, enrolled or in our cohorts, but not asked for (leavers lmsbridge did not know of): read them too.
    known_ids = {u.id for u in state.users.values()}
    enrolled = {uid for uid, i in state.enrolled_idnumbers.items() if i.startswith(prefix) or uid in owned}
    members = {m for c in state.cohorts.values() for m in c.members}
    for raw in r.batched(_users_by(scope, "id", sorted((enrolled | members) - known_ids))):
        if ours(raw, "") and _s(raw.get("idnumber")):
            user = _user(raw)
            state.users.setdefault(own(prefix, user.idnumber), user)

    # Enrolled participants by their key (the planner finds leavers' enrolments so), adopted accounts too.
    for key, user in state.users.items():
        if user.id in state.enrolled_idnumbers:
            state.enrolled_idnumbers[user.id] = key
    # Clashes: accounts made by hand with the login of a user we would create.
    ambiguous = {c.key for c in state.ambiguous}
    new = {k: v for k, v in scope.new_user_logins.items() if k not in state.users and k not in ambiguous}
    if new:
        usernames = {v[0]: k for k, v in new.items() if v[0]}
        emails = {v[1].lower(): k for k, v in new.items() if v[1]}
        for field, values in (("username", usernames), ("email", emails)):
            for raw in r.batched(_users_by(scope, field, sorted(values))):
                value = _s(raw.get(field))
                wanted = values.get(value.lower() if field == "email" else value)
                if wanted:
                    state.clashes.append(Clash(entity="user", key=wanted, field=field, value=value, other_id=raw["id"],
                                               other_idnumber=_s(raw.get("idnumber"))))
    state.reads = r.n
    return state


def _match_existing(r: _Counter, scope: Scope, state: ActualState, foreign: dict[str, list[dict[str, Any]]],
                    ours: Callable[[dict[str, Any], str], bool]) -> None:
    """Participants without an account of lmsbridge's: an existing account found by scope.match_by (the roster's
    idnumber, read already into ``foreign``; the e-mail; the username) is adopted, exactly one or none (two are
    ambiguous, never a guess). Adopted accounts the journal knows are read by id, to find them when they leave.
    An account lmsbridge did not create that holds the roster idnumber of one of its own, or of a participant
    matched by another field, is reported (``taken``, a clash): Moodle would then hold the idnumber twice."""
    by_id = {v: k for k, v in scope.adopted.items() if k not in state.users}
    if by_id:
        for raw in r.batched(_users_by(scope, "id", sorted(by_id))):
            state.users[by_id[raw["id"]]] = _matched(raw, "journal")
    wanted = {k: v for k, v in scope.new_user_logins.items() if k not in state.users}
    field = scope.match_by
    found: dict[str, list[dict[str, Any]]] = {k: v for k, v in foreign.items() if k in wanted}
    if field != "idnumber":
        found = {}
        values: dict[str, str] = {}
        for key, (username, email) in wanted.items():
            value = {"email": email.lower(), "username": username}.get(field, "")
            if value:
                values[value] = key
        for raw in r.batched(_users_by(scope, field, sorted(values))):
            text = _s(raw.get(field))
            wanted_key = values.get(text.lower() if field == "email" else text)
            if wanted_key and not ours(raw, ""):  # lmsbridge's own: another participant's, a clash
                found.setdefault(wanted_key, []).append(raw)
    for key, accounts in found.items():
        if len(accounts) == 1:
            state.users[key] = _matched(accounts[0], field)
        else:
            state.ambiguous.extend(Clash(entity="user", key=key, field=field, value=_s(a.get(field)), other_id=a["id"],
                                         other_idnumber=_s(a.get("idnumber"))) for a in accounts)
    ambiguous = {c.key for c in state.ambiguous}
    for key, accounts in foreign.items():
        have = state.users.get(key)
        others = [a for a in accounts if have is None or a["id"] != have.id]
        if have is None and key in wanted and key not in ambiguous:  # would be created with a taken idnumber
            into = state.clashes
        elif have is not None and not have.matched_by:  # its own account, and another with the same idnumber
            into = state.taken
        else:
            continue
        into.extend(Clash(entity="user", key=key, field="idnumber", value=_s(a.get("idnumber")), other_id=a["id"],
                          other_idnumber=_s(a.get("idnumber"))) for a in others)


def _matched(raw: dict[str, Any], field: str) -> AUser:
    user = _user(raw)
    user.matched_by = field
    return user


def _keep_enrolment(state: ActualState, course: ACourse, userid: int, idnumber: Any, roles: Iterable[int],
                    active: bool) -> None:
    per_user = state.enrolments.setdefault(course.idnumber, {})
    if userid not in per_user:
        per_user[userid] = AEnrolment(roles=sorted(roles), active=active)
        state.enrolled_idnumbers[userid] = _s(idnumber)


def _keep_grade(state: ActualState, course: ACourse, user: str, item: str, grade: Any, feedback: Any) -> None:
    """A grade of an item of lmsbridge's, by the learner's participant key (their account's idnumber is the
    roster's; an unknown learner's key is never planned for)."""
    if user and item.startswith(state.prefix) and grade is not None:
        state.gradebook.setdefault(course.idnumber, {}).setdefault(own(state.prefix, user), {})[item] = [
            float(grade), _s(feedback)]


def _keep_activities(state: ActualState, course: ACourse, answer: dict[str, Any]) -> None:
    for a in answer.get("scorms", []):
        state.activities[str(Pair(course.idnumber, a["idnumber"]))] = AActivity(
            cmid=a["cmid"], idnumber=a["idnumber"], section=int(a.get("section") or 0), name=_s(a.get("name")),
            sha1hash=_s(a.get("sha1hash")))
    for g in answer.get("gradeitems", []):
        state.grade_items[str(Pair(course.idnumber, g["idnumber"]))] = AGradeItem(
            itemid=g["itemid"], idnumber=g["idnumber"], name=_s(g.get("name")), grademax=float(g.get("grademax") or 0))


def _read_enrolments_core(r: _Counter, scope: Scope, state: ActualState, courses: list[ACourse]) -> None:
    """Per course its active enrolments. Only a course where a wanted participant is missing from the active list
    is read again in full, to tell a suspended enrolment from none (so a course in line with the rosters costs one
    enrolment read)."""
    def read(course: ACourse, onlyactive: int) -> tuple[ACourse, list[dict[str, Any]]]:
        return course, r.call(calls.get_enrolled_users(course.id, userfields="id,idnumber,roles",
                                                        onlyactive=onlyactive)) or []

    def keep(course: ACourse, users: list[dict[str, Any]], active: bool) -> None:
        for u in users:
            _keep_enrolment(state, course, u["id"], u.get("idnumber"), (x["roleid"] for x in u.get("roles") or []),
                            active)

    incomplete = []
    for course, active in r.map(lambda c: read(c, 1), courses):
        keep(course, active, True)
        wanted_ids = {state.users[i].id for i in scope.enrolled.get(course.idnumber, []) if i in state.users}
        if wanted_ids - {u["id"] for u in active}:
            incomplete.append(course)
    for course, everyone in r.map(lambda c: read(c, 0), incomplete):
        keep(course, everyone, False)


def _read_parts_core(r: _Counter, scope: Scope, state: ActualState) -> None:
    """Activities and grade items (plugin), gradebooks and competency links: one call per course and part."""
    prefix = scope.prefix
    if scope.plugin:
        courses = [state.courses[c] for c in scope.activity_courses if c in state.courses]
        for course, answer in r.map(lambda c: (c, r.call(calls.plugin_get_activities(c.id, prefix))), courses):
            _keep_activities(state, course, answer or {})
    courses = [state.courses[c] for c in scope.grade_courses if c in state.courses]
    for course, answer in r.map(lambda c: (c, r.call(calls.get_grade_items(c.id))),
                                courses):
        state.gradebook.setdefault(course.idnumber, {})
        for ug in (answer or {}).get("usergrades", []):
            for item in ug.get("gradeitems", []):
                _keep_grade(state, course, _s(ug.get("useridnumber")), _s(item.get("idnumber")),
                            item.get("graderaw"), item.get("feedback"))
    if state.frameworks:
        courses = [state.courses[c] for c in scope.competency_courses if c in state.courses]
        for course, links in r.map(lambda c: (c, r.call(calls.list_course_competencies(c.id)) or []), courses):
            state.course_competencies[course.idnumber] = sorted(_s(x["competency"].get("idnumber")) for x in links)


# Rows a local_lmsbridge_read_courses answer may hold (enrolments and grades): courses are grouped up to it.
ROWS_PER_READ = 10_000


def _read_courses_plugin(r: _Counter, scope: Scope, state: ActualState, courses: list[ACourse]) -> None:
    """Everything per course in local_lmsbridge_read_courses calls, courses grouped by their expected rows."""
    activities, grades = set(scope.activity_courses), set(scope.grade_courses)
    linked = set(scope.competency_courses) if state.frameworks else set()
    batches: list[list[ACourse]] = [[]]
    rows = 0
    for course in courses:
        expected = len(scope.enrolled.get(course.idnumber, [])) * (2 if course.idnumber in grades else 1)
        if batches[-1] and rows + expected > ROWS_PER_READ:
            batches.append([])
            rows = 0
        batches[-1].append(course)
        rows += expected

    def read(batch: list[ACourse]) -> list[dict[str, Any]]:
        answer = r.call(calls.plugin_read_courses(scope.prefix, [
            {"id": c.id, "enrolments": 1, "activities": int(scope.plugin and c.idnumber in activities),
             "grades": int(c.idnumber in grades), "competencies": int(c.idnumber in linked)} for c in batch]))
        parts: list[dict[str, Any]] = (answer or {}).get("courses", [])
        return parts

    by_id = {c.id: c for c in courses}
    for answer in r.map(read, [b for b in batches if b]):
        for part in answer:
            course = by_id[part["courseid"]]
            for e in part.get("enrolments", []):
                _keep_enrolment(state, course, e["userid"], e.get("idnumber"), e.get("roles") or [],
                                bool(e.get("active")))
            _keep_activities(state, course, part)
            if "grades" in part:
                state.gradebook.setdefault(course.idnumber, {})
            for g in part.get("grades", []):
                _keep_grade(state, course, _s(g.get("useridnumber")), _s(g.get("itemidnumber")), g.get("grade"),
                            g.get("feedback"))
            if "competencies" in part:
                state.course_competencies[course.idnumber] = sorted(_s(c) for c in part["competencies"])


def _read_frameworks(r: _Counter, scope: Scope, state: ActualState) -> None:
    """Our competency frameworks (one call) and their competencies (one call each)."""
    if not scope.frameworks:
        return
    found = r.call(calls.list_competency_frameworks()) or []
    for fw in found:
        if fw.get("idnumber") in scope.frameworks:
            state.frameworks[fw["idnumber"]] = AFramework(id=fw["id"], idnumber=fw["idnumber"])
    for fw, comps in r.map(lambda f: (f, r.call(calls.list_competencies(f.id)) or []), list(state.frameworks.values())):
        fw.competencies = {c["idnumber"]: c["id"] for c in comps}
