"""The applier: Plan -> web-service calls. Dumb on purpose: it translates each action into the parameters of
one list item, sends the items of a phase in batches sized for the site's max_input_vars, a bounded number at
a time, and records every outcome in the journal.

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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, Field

from lmsbridge.capabilities import capability_hint, permission_hint
from lmsbridge.journal import Journal
from lmsbridge.moodle import (
    AccessException,
    ConnectError,
    InvalidToken,
    MoodleAPIError,
    MoodleClient,
    MoodleError,
    ProtocolError,
    TransportError,
    TruncatedResult,
    WebServicesDisabled,
    split_batches,
    warnings_of,
)
from lmsbridge.plan import PHASES, Action, Plan

log = logging.getLogger("lmsbridge.applier")

MAX_ATTEMPTS = 6  # rounds of reconcile-and-resend for writes whose outcome stays unknown

# (entity, op) -> (function, list parameter)
FUNCTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("category", "create"): ("core_course_create_categories", "categories"),
    ("category", "update"): ("core_course_update_categories", "categories"),
    ("course", "create"): ("core_course_create_courses", "courses"),
    ("course", "update"): ("core_course_update_courses", "courses"),
    ("user", "create"): ("core_user_create_users", "users"),
    ("user", "update"): ("core_user_update_users", "users"),
    ("user", "reactivate"): ("core_user_update_users", "users"),
    ("user", "suspend"): ("core_user_update_users", "users"),
    ("cohort", "create"): ("core_cohort_create_cohorts", "cohorts"),
    ("group", "create"): ("core_group_create_groups", "groups"),
    ("enrolment", "enrol"): ("enrol_manual_enrol_users", "enrolments"),
    ("enrolment", "reactivate"): ("enrol_manual_enrol_users", "enrolments"),
    ("enrolment", "suspend"): ("enrol_manual_enrol_users", "enrolments"),
    ("enrolment", "unenrol"): ("enrol_manual_unenrol_users", "enrolments"),
    ("cohort_member", "add"): ("core_cohort_add_cohort_members", "members"),
    ("cohort_member", "remove"): ("core_cohort_delete_cohort_members", "members"),
    ("group_member", "add"): ("core_group_add_group_members", "members"),
    ("group_member", "remove"): ("core_group_delete_group_members", "members"),
    # One item per call, or one call per course: sent by the handlers in lmsbridge.apply_extras (CUSTOM).
    ("competency_framework", "create"): ("core_competency_create_competency_framework", "competencyframework"),
    ("competency", "create"): ("core_competency_create_competency", "competency"),
    ("course_competency", "add"): ("core_competency_add_competency_to_course", ""),
    ("activity", "create"): ("local_lmsbridge_upsert_scorm", ""),
    ("activity", "update"): ("local_lmsbridge_upsert_scorm", ""),
    ("grade_item", "create"): ("local_lmsbridge_upsert_grade_items", "items"),
    ("grade_item", "update"): ("local_lmsbridge_upsert_grade_items", "items"),
    ("grade", "set"): ("local_lmsbridge_set_grades", "grades"),
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

CUSTOM_ENTITIES = {"competency_framework", "competency", "course_competency", "activity", "grade_item", "grade"}


class SiteFailure(MoodleError):
    """Moodle cannot be used any more (unreachable, token refused): the run stops (exit code 4)."""


class RowFailure(BaseModel):
    seq: int
    entity: str
    key: str
    op: str
    source: str = ""
    errorcode: str = ""
    message: str
    hint: str = ""
    skipped: bool = False  # not sent, because something it depends on failed

    def __str__(self) -> str:
        where = self.source or self.key
        code = f" [{self.errorcode}]" if self.errorcode else ""
        text = f"{where}: {self.entity} {self.op} {self.key}: {self.message}{code}"
        return text + (f"\n    hint: {self.hint}" if self.hint else "")


class ApplyResult(BaseModel):
    run_id: str = ""
    applied: dict[str, dict[str, int]] = {}
    failures: list[RowFailure] = []
    calls: int = 0
    reconciled: int = 0
    interrupted: bool = False
    ids: dict[str, dict[str, int]] = Field({}, exclude=True)  # every Moodle id known at the end (journal hint)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def count(self, a: Action) -> None:
        per = self.applied.setdefault(a.entity, {})
        per[a.op] = per.get(a.op, 0) + 1


class Applier:
    def __init__(self, plan: Plan, client: MoodleClient, journal: Journal | None, run_id: str, *,
                 concurrency: int = 2, stop: threading.Event | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> None:
        self.plan, self.client, self.journal, self.run_id = plan, client, journal, run_id
        self.concurrency = max(1, concurrency)
        self.stop = stop or threading.Event()
        self.progress = progress
        self.ids: dict[str, dict[str, int]] = {e: dict(v) for e, v in plan.ids.items()}
        for e in ("category", "course", "user", "cohort", "group", "competency_framework", "competency"):
            self.ids.setdefault(e, {})
        self.failed_keys: dict[str, set[str]] = {}
        self.result = ApplyResult(run_id=run_id)
        self._lock = threading.Lock()

    # --- the run ---

    def run(self) -> ApplyResult:
        by_phase: dict[tuple[str, str], list[Action]] = {}
        for a in self.plan.actions:
            by_phase.setdefault((a.entity, a.op), []).append(a)
        if self.journal:
            self.journal.record(self.run_id, self.plan.actions, "planned")
        for phase in PHASES:
            actions = by_phase.get(phase)
            if not actions:
                continue
            if self.stop.is_set():
                self.result.interrupted = True
                break
            if phase == ("category", "create"):
                self._categories(actions)
            elif phase[0] in CUSTOM_ENTITIES:
                from lmsbridge.apply_extras import run_custom

                run_custom(self, phase, actions)
            else:
                self._phase(phase, actions)
        self.result.ids = self.ids
        return self.result

    def _categories(self, actions: list[Action]) -> None:
        """Parents before children: one round per depth."""
        pending = list(actions)
        while pending and not self.stop.is_set():
            ready = [a for a in pending if not a.after["parent"] or a.after["parent"] in self.ids["category"]
                     or a.after["parent"] in self.failed_keys.get("category", set())]
            if not ready:
                ready = pending  # a parent no one creates: let the dependency check report it
            self._phase(("category", "create"), ready)
            pending = [a for a in pending if a not in ready]

    def _phase(self, phase: tuple[str, str], actions: list[Action]) -> None:
        function, list_param = FUNCTIONS[phase]
        items: list[tuple[Action, dict[str, Any]]] = []
        for a in actions:
            try:
                items.append((a, self._params(a)))
            except _Skip as skip:
                self._fail(a, message=str(skip), skipped=True)
        if not items:
            return
        batches = split_batches(function, list_param, [p for _, p in items], max_vars=self.client.var_budget,
                                max_bytes=self.client.max_body_bytes)
        chunks: list[list[tuple[Action, dict[str, Any]]]] = []
        start = 0
        for b in batches:
            chunks.append(items[start:start + len(b)])
            start += len(b)
        done = [0]

        def one(chunk: list[tuple[Action, dict[str, Any]]]) -> None:
            if self.stop.is_set():
                return
            self._send(function, list_param, chunk)
            with self._lock:
                done[0] += len(chunk)
                if self.progress:
                    self.progress(f"{phase[0]} {phase[1]}", done[0], len(items))

        if len(chunks) == 1 or self.concurrency == 1:
            for c in chunks:
                one(c)
        else:
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                for f in [pool.submit(one, c) for c in chunks]:
                    f.result()
        if self.stop.is_set() and done[0] < len(items):
            self.result.interrupted = True

    # --- one batch: send, bisect, reconcile ---

    def _send(self, function: str, list_param: str, chunk: list[tuple[Action, dict[str, Any]]],
              attempt: int = 0) -> None:
        entity, op = chunk[0][0].entity, chunk[0][0].op
        try:
            with self._lock:
                self.result.calls += 1
            answer = self.client.call(function, {list_param: [p for _, p in chunk]})
        except (InvalidToken, AccessException, WebServicesDisabled, ConnectError) as exc:
            raise SiteFailure(str(exc), function=function) from exc
        except MoodleAPIError as exc:
            if len(chunk) > 1:  # one bad row fails the whole call: halve until it is isolated
                half = len(chunk) // 2
                self._send(function, list_param, chunk[:half])
                self._send(function, list_param, chunk[half:])
                return
            a, payload = chunk[0]
            hint = (permission_hint(exc.moodle_message) if exc.errorcode == "nopermissions"
                    else HINTS.get((entity, op)) or exc.hint.split(". ")[0])
            if isinstance(payload, dict) and payload.get("lang") and exc.errorcode in LANG_ERRORS:
                # Moodle refuses a user's or course's language when the site lacks its language pack, and
                # says only "invalid parameter".
                hint += (f"; or the site has no '{payload['lang']}' language pack: install it under Site "
                         "administration > Language > Language packs")
            self._fail(a, message=exc.moodle_message, errorcode=exc.errorcode or exc.exception or "", hint=hint)
            return
        except (TransportError, ProtocolError, TruncatedResult) as exc:
            if attempt + 1 >= MAX_ATTEMPTS:
                for a, _ in chunk:
                    self._fail(a, message=f"outcome unknown after {MAX_ATTEMPTS} attempts: {exc}",
                               hint="re-run the sync: it reads the site first and finishes what is missing")
                return
            log.info("%s: %s; reconciling %d item(s)", function, type(exc).__name__, len(chunk))
            with self._lock:
                self.result.reconciled += len(chunk)
            missing = self._reconcile(entity, op, chunk)
            if missing:
                self._send(function, list_param, missing, attempt + 1)
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
                self._fail(a, message=hit[0], hint=hit[1])
                continue
            if op == "create" and isinstance(answer, list) and i < len(answer):
                new_id = int(answer[i]["id"])
                moodle_ids[a.seq] = new_id
                with self._lock:
                    self.ids[entity][a.key] = new_id
            applied.append(a)
        self._applied(applied, moodle_ids)
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
                     for c in self.client.get_courses_by_field("ids", ids).courses}
        except MoodleError as exc:  # only a check: the courses were created
            log.warning("could not read the new courses back to check their language: %s", exc)
            return
        for a, params in created:
            have = found.get(moodle_ids[a.seq])
            if have is not None and have != params["lang"]:
                with self._lock:
                    self.result.failures.append(RowFailure(
                        seq=a.seq, entity="course", key=a.key, op="lang", source=a.source, errorcode="nopermissions",
                        message=f"created without its forced language '{params['lang']}': Moodle leaves it out when "
                                "the token's user may not force a course language",
                        hint=capability_hint("moodle/course:setforcedlanguage")))

    def _reconcile(self, entity: str, op: str, chunk: list[tuple[Action, dict[str, Any]]]
                   ) -> list[tuple[Action, dict[str, Any]]]:
        """After an unknown outcome: which items still need sending? Creates are looked up by idnumber."""
        if op != "create":
            return chunk  # updates, enrolments and memberships set a state: sending them again is harmless
        found = self._read_back(entity, [a for a, _ in chunk])
        done = [a for a, _ in chunk if a.key in found]
        moodle_ids = {a.seq: found[a.key] for a in done}
        with self._lock:
            for a in done:
                self.ids[entity][a.key] = found[a.key]
        self._applied(done, moodle_ids)
        return [(a, p) for a, p in chunk if a.key not in found]

    def _read_back(self, entity: str, actions: list[Action]) -> dict[str, int]:
        c = self.client
        keys = [a.key for a in actions]
        if entity == "user":
            return {u.idnumber or "": u.id for u in c.get_users_by_field("idnumber", keys)}
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
            found = c.call("core_cohort_search_cohorts", {"query": self.plan.prefix, "context": {
                "contextlevel": "system", "instanceid": 0}, "includes": "all", "limitfrom": 0, "limitnum": 10000})
            return {x["idnumber"]: x["id"] for x in (found or {}).get("cohorts", []) if x.get("idnumber") in keys}
        if entity == "group":
            out = {}
            for courseid in {self.ids["course"].get(a.after["course"]) for a in actions}:
                for g in c.get_course_groups(courseid or 0):
                    key = next((a.key for a in actions if a.after["idnumber"] == g.idnumber
                                and self.ids["course"].get(a.after["course"]) == courseid), None)
                    if key:
                        out[key] = g.id
            return out
        return {}

    # --- bookkeeping ---

    def _applied(self, actions: list[Action], moodle_ids: dict[int, int]) -> None:
        if not actions:
            return
        with self._lock:
            for a in actions:
                self.result.count(a)
        if self.journal:
            self.journal.record(self.run_id, actions, "applied", moodle_ids=moodle_ids)

    def _fail(self, a: Action, *, message: str, errorcode: str = "", hint: str = "", skipped: bool = False) -> None:
        failure = RowFailure(seq=a.seq, entity=a.entity, key=a.key, op=a.op, source=a.source, errorcode=errorcode,
                             message=message, hint=hint, skipped=skipped)
        with self._lock:
            self.result.failures.append(failure)
            self.failed_keys.setdefault(a.entity, set()).add(a.key)
        if self.journal:
            self.journal.record(self.run_id, [a], "skipped" if skipped else "failed",
                                errors={a.seq: f"{errorcode} {message}".strip()})

    # --- action -> parameters ---

    def _id(self, entity: str, key: str) -> int:
        if key in self.ids[entity]:
            return self.ids[entity][key]
        if key in self.failed_keys.get(entity, set()):
            raise _Skip(f"skipped: {entity} {key} failed earlier in this run")
        raise _Skip(f"skipped: {entity} {key} does not exist in Moodle")

    def _params(self, a: Action) -> dict[str, Any]:
        x = a.after or {}
        e, op = a.entity, a.op
        if e == "category":
            if op == "create":
                return {"name": x["name"], "parent": self._id("category", x["parent"]) if x["parent"] else 0,
                        "idnumber": a.key, "description": x["description"], "descriptionformat": 1}
            p: dict[str, Any] = {"id": self._id("category", a.key)}
            for k, v in x.items():
                p[k] = self._id("category", v) if k == "parent" else v
            return p
        if e == "course":
            if op == "create":
                p = {"fullname": x["fullname"], "shortname": x["shortname"],
                     "categoryid": self._id("category", x["category"]), "idnumber": a.key,
                     "summary": x["summary"], "summaryformat": 1, "startdate": x["startdate"],
                     # Always sent, 0 included: Moodle 4.5 gives a course created without one an end date a
                     # year after its start (courseenddateenabled), and the next sync would set it back.
                     "enddate": x.get("enddate") or 0}
                if x.get("lang"):
                    p["lang"] = x["lang"]
                return p
            p = {"id": self._id("course", a.key)}
            for k, v in x.items():
                if k == "category":
                    p["categoryid"] = self._id("category", v)
                else:
                    p[k] = v
            return p
        if e == "user":
            if op == "create":
                p = {k: v for k, v in x.items()}
                p["idnumber"] = a.key
                if x.get("auth", "manual") == "manual":
                    p["createpassword"] = 1  # Moodle makes the password and mails it; lmsbridge never sends one
                return p
            p = {"id": self._id("user", a.key)}
            if op == "update":
                p.update(x)
            else:
                p["suspended"] = 1 if op == "suspend" else 0
            return p
        if e == "cohort":
            return {"categorytype": {"type": "system", "value": ""}, "name": x["name"], "idnumber": a.key,
                    "description": x.get("description", "")}
        if e == "group":
            return {"courseid": self._id("course", x["course"]), "name": x["name"], "idnumber": x["idnumber"],
                    "description": ""}
        if e == "enrolment":
            course, user = a.key.split("|", 1)
            p = {"roleid": x["roleid"], "userid": self._id("user", user), "courseid": self._id("course", course)}
            if op == "unenrol":
                return p
            if x.get("timestart"):
                p["timestart"] = x["timestart"]
            if x.get("timeend"):
                p["timeend"] = x["timeend"]
            p["suspend"] = 1 if op == "suspend" else int(x.get("suspend", 0))
            return p
        if e == "cohort_member":
            cohort, user = a.key.split("|", 1)
            if op == "add":
                return {"cohorttype": {"type": "id", "value": str(self._id("cohort", cohort))},
                        "usertype": {"type": "id", "value": str(self._id("user", user))}}
            return {"cohortid": self._id("cohort", cohort), "userid": self._id("user", user)}
        if e == "group_member":
            group, user = a.key.split("|", 1)
            return {"groupid": self._id("group", group), "userid": self._id("user", user)}
        raise ValueError(f"no translation for {e} {op}")


class _Skip(Exception):
    pass


def apply_plan(plan: Plan, client: MoodleClient, journal: Journal | None = None, run_id: str = "", **kw: Any
               ) -> ApplyResult:
    return Applier(plan, client, journal, run_id, **kw).run()
