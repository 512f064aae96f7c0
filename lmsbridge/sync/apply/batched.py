"""The batched core list calls: each action becomes the parameters of one list item; the items of a phase go
in batches sized for the site's max_input_vars, a bounded number at a time; every outcome is recorded.

* A create batch that Moodle rejects as a whole (creates are one transaction: one bad item fails all) is split
  in halves until the bad rows are isolated; the rest is applied.
* A write whose outcome is unknown (connection lost, HTTP 5xx, cut-off answer) is reconciled: created objects
  are read back by idnumber and only the ones that are certainly missing are sent again; the other operations
  (updates, enrolments, memberships) set a state and are safe to send again.
* A failed row is reported with its source file and line, Moodle's error code and message, and a hint; the
  actions that depend on it (enrolments of a user that could not be created, ...) are skipped and say why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lmsbridge.capabilities import capability_hint, permission_hint
from lmsbridge.moodle import Call, MoodleAPIError, MoodleError, calls, warnings_of
from lmsbridge.sync.apply.ledger import RECONCILE_ROUNDS, SITE_ERRORS, UNKNOWN_OUTCOME, Ledger, SiteFailure, Skip
from lmsbridge.sync.keys import Pair, own, roster_idnumber
from lmsbridge.sync.plan import Action

log = logging.getLogger("lmsbridge.applier")

# (entity, op) -> the list call its rows go in
FUNCTIONS: dict[tuple[str, str], Callable[[list[dict[str, Any]]], Call[Any]]] = {
    ("category", "create"): calls.create_categories,
    ("category", "update"): calls.update_categories,
    ("course", "create"): calls.create_courses,
    ("course", "update"): calls.update_courses,
    ("user", "create"): calls.create_users,
    ("user", "update"): calls.update_users,
    ("user", "reactivate"): calls.update_users,
    ("user", "suspend"): calls.update_users,
    ("user", "upgrade"): calls.update_users,
    ("cohort", "create"): calls.create_cohorts,
    ("group", "create"): calls.create_groups,
    ("enrolment", "enrol"): calls.enrol_users,
    ("enrolment", "reactivate"): calls.enrol_users,
    ("enrolment", "suspend"): calls.enrol_users,
    ("enrolment", "unenrol"): calls.unenrol_users,
    ("cohort_member", "add"): calls.add_cohort_members,
    ("cohort_member", "remove"): calls.delete_cohort_members,
    ("group_member", "add"): calls.add_group_members,
    ("group_member", "remove"): calls.delete_group_members,
}

# The companion plugin's bulk forms (issue 19), used when the token's service has them (plan.scope.bulk): the same
# rows, answers and effect, with the site's look-ups and checks made once per call instead of per row (also the
# cohort members' warnings); local_lmsbridge_create_users answers per row (a bad row fails alone) and leaves
# passwords to cron, as Moodle's upload tool does.
BULK: dict[tuple[str, str], Callable[[list[dict[str, Any]]], Call[Any]]] = {
    ("user", "create"): calls.plugin_create_users,
    ("enrolment", "enrol"): calls.plugin_enrol_users,
    ("enrolment", "reactivate"): calls.plugin_enrol_users,
    ("enrolment", "suspend"): calls.plugin_enrol_users,
    ("cohort_member", "add"): calls.plugin_add_cohort_members,
}

HINTS: dict[tuple[str, str], str] = {
    ("user", "create"): "check that the username is lower case and not taken, and that the e-mail address is "
                        "valid and not used by another account (Moodle does not say which in production mode); "
                        "when many existing participants fail like this, the token's user lacks "
                        "moodle/user:viewalldetails and Moodle hides their accounts from it",
    ("course", "create"): "a course with this shortname or idnumber may exist already; check the course list",
    ("category", "create"): "a category with this idnumber may exist already",
    ("enrolment", "enrol"): "check that the course has a manual enrolment method and that the token's user may "
                            "assign this role",
}


LANG_ERRORS = {"invalidparameter", "errorinvalidparam"}


def _lang_hint(hint: str, payload: Any, errorcode: str) -> str:
    """Moodle refuses a user's or course's language when the site lacks its language pack, and says only
    "invalid parameter": the hint says so too."""
    if isinstance(payload, dict) and payload.get("lang") and errorcode in LANG_ERRORS:
        hint += (f"; or the site has no '{payload['lang']}' language pack: install it under Site "
                 "administration > Language > Language packs")
    return hint


class BatchedApplier:
    """The phases sent as batched core list calls (FUNCTIONS): categories, courses, users, cohorts, groups,
    enrolments and memberships."""

    def __init__(self, books: Ledger) -> None:
        self.books = books

    def run(self, phase: tuple[str, str], actions: list[Action]) -> None:
        if phase == ("category", "create"):
            self._categories(actions)
        elif phase == ("user", "adopt"):  # nothing is written: the journal records the account as adopted
            self.books.applied(actions, {a.seq: self.books.ids["user"][a.key] for a in actions
                                         if a.key in self.books.ids["user"]})
        else:
            self._phase(phase, actions)

    def _categories(self, actions: list[Action]) -> None:
        """Parents before children: one round per depth."""
        pending = list(actions)
        while pending and not self.books.stop.is_set():
            parents = {a.seq: (a.after or {})["parent"] for a in pending}
            ready = [a for a in pending if not parents[a.seq] or parents[a.seq] in self.books.ids["category"]
                     or parents[a.seq] in self.books.failed_keys.get("category", set())]
            if not ready:
                ready = pending  # a parent no one creates: let the dependency check report it
            self._phase(("category", "create"), ready)
            pending = [a for a in pending if a not in ready]

    def _phase(self, phase: tuple[str, str], actions: list[Action]) -> None:
        items: list[tuple[Action, dict[str, Any]]] = []
        for a in actions:
            try:
                items.append((a, self.params(a)))
            except Skip as skip:
                self.books.fail(a, message=str(skip), skipped=True)
        if not items:
            return
        make, bulk = FUNCTIONS[phase], BULK.get(phase)
        if bulk and bulk([]).function in self.books.plan.scope.bulk:
            make = bulk
        call = make([p for _, p in items])
        chunks: list[list[tuple[Action, dict[str, Any]]]] = []
        start = 0
        for b in self.books.client.batches(call):
            chunks.append(items[start:start + len(b.items)])
            start += len(b.items)
        done = [0]

        def one(chunk: list[tuple[Action, dict[str, Any]]]) -> None:
            if self.books.stop.is_set():
                return
            self.send(call, chunk)
            with self.books.lock:
                done[0] += len(chunk)
                if self.books.progress:
                    self.books.progress(f"{phase[0]} {phase[1]}", done[0], len(items))

        if len(chunks) == 1 or self.books.concurrency == 1:
            for c in chunks:
                one(c)
        else:
            with ThreadPoolExecutor(max_workers=self.books.concurrency) as pool:
                for f in [pool.submit(one, c) for c in chunks]:
                    f.result()
        if self.books.stop.is_set() and done[0] < len(items):
            self.books.result.interrupted = True

    # --- one batch: send, bisect, reconcile ---

    def send(self, call: Call[Any], chunk: list[tuple[Action, dict[str, Any]]], round_: int = 0) -> None:
        """``call`` with the chunk's rows as its items."""
        entity, op = chunk[0][0].entity, chunk[0][0].op
        try:
            answer = self.books.send(call.with_items([p for _, p in chunk]))
        except SITE_ERRORS as exc:
            raise SiteFailure.of(exc) from exc
        except MoodleAPIError as exc:
            if len(chunk) > 1:  # one bad row fails the whole call: halve until it is isolated
                half = len(chunk) // 2
                self.send(call, chunk[:half])
                self.send(call, chunk[half:])
                return
            a, payload = chunk[0]
            hint = (permission_hint(exc.moodle_message) if exc.errorcode == "nopermissions"
                    else HINTS.get((entity, op)) or exc.hint.split(". ")[0])
            self.books.refused(a, exc, _lang_hint(hint, payload, exc.errorcode or ""))
            return
        except UNKNOWN_OUTCOME as exc:
            if round_ + 1 >= RECONCILE_ROUNDS:
                for a, _ in chunk:
                    self.books.fail(a, message=f"outcome unknown after {RECONCILE_ROUNDS} rounds of reconciling: {exc}",
                               hint="re-run the sync: it reads the site first and finishes what is missing")
                return
            log.info("%s: %s; reconciling %d item(s)", call.function, type(exc).__name__, len(chunk))
            self.books.reconciling(len(chunk))
            missing = self._reconcile(entity, op, chunk)
            if missing:
                self.send(call, missing, round_ + 1)
            return
        self._succeeded(entity, op, chunk, answer)

    def _succeeded(self, entity: str, op: str, chunk: list[tuple[Action, dict[str, Any]]], answer: Any) -> None:
        warned: dict[str, tuple[str, str]] = {}
        for w in warnings_of(answer):
            warned[str(w.itemid)] = (f"{w.message} [{w.warningcode}]", permission_hint(w.message)
                                     if w.warningcode == "nopermissions" else "Moodle reported a problem with this row")
        applied: list[Action] = []
        moodle_ids: dict[int, int] = {}
        for i, (a, params) in enumerate(chunk):
            item_ids = {str(params.get("id") or params.get("userid") or "")}
            if entity == "cohort_member" and op == "add":  # warnings name the cohort or the user
                item_ids = {str(params["cohorttype"]["value"]), str(params["usertype"]["value"])}
            hit = next((warned[i] for i in item_ids if i in warned), None) if op != "create" else None
            if hit:
                self.books.fail(a, message=hit[0], hint=hit[1])
                continue
            row = answer[i] if op == "create" and isinstance(answer, list) and i < len(answer) else None
            if isinstance(row, dict) and row.get("errorcode"):  # local_lmsbridge_create_users: this row alone
                self.books.fail(a, message=str(row.get("message") or ""), errorcode=str(row["errorcode"]),
                                hint=_lang_hint(HINTS.get((entity, op), ""), params, str(row["errorcode"])))
                continue
            if row is not None:
                new_id = int(row["id"])
                moodle_ids[a.seq] = new_id
                with self.books.lock:
                    self.books.ids[entity][a.key] = new_id
            applied.append(a)
        self.books.applied(applied, moodle_ids)
        if entity == "course" and op == "create":
            self._check_forced_lang([(a, p) for a, p in chunk if a.seq in moodle_ids and p.get("lang")], moodle_ids)

    def _check_forced_lang(self, created: list[tuple[Action, dict[str, Any]]], moodle_ids: dict[int, int]) -> None:
        """Moodle creates a course without its forced language, and says nothing, when the token's user may not
        force one: read the new courses back (one call) and report it, or the run would claim all was applied."""
        if not created:
            return
        ids = ",".join(str(moodle_ids[a.seq]) for a, _ in created)
        try:
            found = {c.id: c.model_extra.get("lang") if c.model_extra else None
                     for c in self.books.client.get_courses_by_field("ids", ids).courses}
        except MoodleError as exc:  # only a check: the courses were created
            log.warning("could not read the new courses back to check their language: %s", exc)
            return
        for a, params in created:
            have = found.get(moodle_ids[a.seq])
            if have is not None and have != params["lang"]:
                self.books.fail(a, op="lang", errorcode="nopermissions",
                                message=f"created without its forced language '{params['lang']}': Moodle leaves it "
                                        "out when the token's user may not force a course language",
                                hint=capability_hint("moodle/course:setforcedlanguage"))

    def _reconcile(self, entity: str, op: str, chunk: list[tuple[Action, dict[str, Any]]]
                   ) -> list[tuple[Action, dict[str, Any]]]:
        """After an unknown outcome: which items still need sending? Creates are looked up by idnumber."""
        if op != "create":
            return chunk  # updates, enrolments and memberships set a state: sending them again is harmless
        found = self._read_back(entity, [a for a, _ in chunk])
        done = [a for a, _ in chunk if a.key in found]
        moodle_ids = {a.seq: found[a.key] for a in done}
        with self.books.lock:
            for a in done:
                self.books.ids[entity][a.key] = found[a.key]
        self.books.applied(done, moodle_ids)
        return [(a, p) for a, p in chunk if a.key not in found]

    def _read_back(self, entity: str, actions: list[Action]) -> dict[str, int]:
        c = self.books.client
        keys = [a.key for a in actions]
        if entity == "user":
            prefix = self.books.plan.prefix
            return {own(prefix, u.idnumber or ""): u.id for u in c.get_users_by_field(
                "idnumber", [roster_idnumber(prefix, k) for k in keys]) if u.idnumber}
        if entity == "course":
            out = {}
            for k in keys:
                for course in c.get_courses_by_field("idnumber", k).courses:
                    out[k] = course.id
            return out
        if entity == "category":
            out = {}
            for k in keys:
                for cat in c.get_categories([{"key": "idnumber", "value": k}], addsubcategories=False):
                    out[k] = cat.id
            return out
        if entity == "cohort":
            found = c.send(calls.search_cohorts(self.books.plan.prefix))
            return {x["idnumber"]: x["id"] for x in (found or {}).get("cohorts", []) if x.get("idnumber") in keys}
        if entity == "group":
            out = {}
            wanted = [(a.key, a.after or {}) for a in actions]
            for courseid in {self.books.ids["course"].get(x["course"]) for _, x in wanted}:
                for g in c.get_course_groups(courseid or 0):
                    key = next((k for k, x in wanted if x["idnumber"] == g.idnumber
                                and self.books.ids["course"].get(x["course"]) == courseid), None)
                    if key:
                        out[key] = g.id
            return out
        return {}

    # --- action -> parameters ---

    def params(self, a: Action) -> dict[str, Any]:
        x = a.after or {}
        e, op = a.entity, a.op
        if e == "category":
            if op == "create":
                return {"name": x["name"], "parent": self.books.id("category", x["parent"]) if x["parent"] else 0,
                        "idnumber": a.key, "description": x["description"], "descriptionformat": 1}
            p: dict[str, Any] = {"id": self.books.id("category", a.key)}
            for k, v in x.items():
                p[k] = self.books.id("category", v) if k == "parent" else v
            return p
        if e == "course":
            if op == "create":
                p = {"fullname": x["fullname"], "shortname": x["shortname"],
                     "categoryid": self.books.id("category", x["category"]), "idnumber": a.key,
                     "summary": x["summary"], "summaryformat": 1, "startdate": x["startdate"],
                     # Always sent, 0 included: Moodle 4.5 gives a course created without one an end date a
                     # year after its start (courseenddateenabled), and the next sync would set it back.
                     "enddate": x.get("enddate") or 0}
                if x.get("lang"):
                    p["lang"] = x["lang"]
                if x.get("numsections"):
                    p["numsections"] = x["numsections"]
                return p
            p = {"id": self.books.id("course", a.key)}
            for k, v in x.items():
                if k == "category":
                    p["categoryid"] = self.books.id("category", v)
                else:
                    p[k] = v
            return p
        if e == "user":
            if op == "create":
                p = {k: v for k, v in x.items()}
                p["idnumber"] = roster_idnumber(self.books.plan.prefix, a.key)  # the roster's, as others know it
                if x.get("auth", "manual") == "manual":
                    p["createpassword"] = 1  # Moodle makes the password and mails it; lmsbridge never sends one
                return p
            p = {"id": self.books.id("user", a.key)}
            if op in ("update", "upgrade"):
                p.update(x)
            else:
                p["suspended"] = 1 if op == "suspend" else 0
            return p
        if e == "cohort":
            p = {"categorytype": {"type": "system", "value": ""}, "name": x["name"], "idnumber": a.key,
                 "description": x.get("description", "")}
            if "visible" in x:
                p["visible"] = int(x["visible"])
            return p
        if e == "group":
            return {"courseid": self.books.id("course", x["course"]), "name": x["name"], "idnumber": x["idnumber"],
                    "description": ""}
        if e == "enrolment":
            course, user = Pair.parse(a.key)
            p = {"roleid": x["roleid"], "userid": self.books.id("user", user),
                 "courseid": self.books.id("course", course)}
            if op == "unenrol":
                return p
            if x.get("timestart"):
                p["timestart"] = x["timestart"]
            if x.get("timeend"):
                p["timeend"] = x["timeend"]
            p["suspend"] = 1 if op == "suspend" else int(x.get("suspend", 0))
            return p
        if e == "cohort_member":
            cohort, user = Pair.parse(a.key)
            if op == "add":
                return {"cohorttype": {"type": "id", "value": str(self.books.id("cohort", cohort))},
                        "usertype": {"type": "id", "value": str(self.books.id("user", user))}}
            return {"cohortid": self.books.id("cohort", cohort), "userid": self.books.id("user", user)}
        if e == "group_member":
            group, user = Pair.parse(a.key)
            return {"groupid": self.books.id("group", group), "userid": self.books.id("user", user)}
        raise ValueError(f"no translation for {e} {op}")
