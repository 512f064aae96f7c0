"""The Plan: every change lmsbridge would make, in order, readable by a person and as JSON.

An action names its entity and key (the Moodle idnumber, or `course|user` for memberships), the operation,
the values before and after, the source row (`file:line`) and the reason. The applier only translates actions
into web-service calls; every decision is here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from lmsbridge.private_files import write_private
from lmsbridge.sync.actual import Scope
from lmsbridge.sync.problem import Problem as Problem  # re-exported: the plan carries it

Entity = Literal["category", "course", "user", "cohort", "group", "enrolment", "cohort_member", "group_member",
                 "competency_framework", "competency", "course_competency", "activity", "grade_item", "grade",
                 "completion", "section"]
Op = Literal["create", "adopt", "update", "reactivate", "enrol", "add", "remove", "suspend", "unenrol", "set"]

# The order in which the applier runs the phases: what others depend on first, removals last.
PHASES: list[tuple[str, str]] = [
    ("category", "create"), ("category", "update"),
    ("course", "create"), ("course", "update"), ("section", "set"),
    ("user", "create"), ("user", "adopt"), ("user", "update"), ("user", "reactivate"),
    ("cohort", "create"), ("group", "create"),
    ("competency_framework", "create"), ("competency", "create"), ("course_competency", "add"),
    ("activity", "create"), ("activity", "update"), ("grade_item", "create"), ("grade_item", "update"),
    ("completion", "set"),
    ("enrolment", "enrol"), ("enrolment", "reactivate"),
    ("cohort_member", "add"), ("group_member", "add"),
    ("grade", "set"),
    ("group_member", "remove"), ("cohort_member", "remove"),
    ("enrolment", "suspend"), ("enrolment", "unenrol"),
    ("user", "suspend"),
]
PEOPLE_OPS = {"create": "created", "update": "updated", "suspend": "suspended", "reactivate": "reactivated",
              "adopt": "adopted"}
REMOVALS = {("user", "suspend"), ("enrolment", "suspend"), ("enrolment", "unenrol"), ("cohort_member", "remove"),
            ("group_member", "remove")}


@dataclass(slots=True)
class Action:
    """A slotted dataclass rather than a model: a first sync of 100,000 participants plans about a million."""

    entity: str
    key: str
    op: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    source: str = ""
    reason: str = ""
    seq: int = 0
    name: str = ""  # who, for a person: "Liis Tamm" (the plan and the run summary name every participant)

    def line(self) -> str:
        change = ""
        if self.op == "update" and self.before is not None and self.after is not None:
            change = ", ".join(f"{k}: {self.before.get(k)!r} -> {v!r}" for k, v in self.after.items()
                               if k in self.before)
        text = f"{self.key}" + (f" {self.name}" if self.name else "") + (f"  [{change}]" if change else "")
        if self.reason:
            text += f"  ({self.reason})"
        if self.source:
            text += f"  <- {self.source}"
        return text


class Skipped(BaseModel):
    """A part of the sync left out as a whole, and why (the companion plugin is missing, ...)."""

    what: str  # "SCORM activities", "event grades"
    count: int
    reason: str

    def __str__(self) -> str:
        return f"{self.what}: {self.count} skipped — {self.reason}"


class SafetyFinding(BaseModel):
    entity: str
    op: str
    count: int
    base: int
    percent: float
    limit_percent: float | None = None
    limit_absolute: int | None = None
    message: str


class Plan(BaseModel):
    version: int = 1
    created_at: str = ""
    site_url: str = ""
    prefix: str
    fingerprint: str  # of the actual state the plan was made against
    scope: Scope
    ids: dict[str, dict[str, int]] = {}  # entity -> key -> Moodle id of existing objects the actions refer to
    actions: list[Action] = []
    problems: list[Problem] = []
    safety: list[SafetyFinding] = []  # thresholds crossed: the plan is blocked unless overridden
    skipped: list[Skipped] = []
    override: bool = False
    roster_rows: int = 0
    reads: int = 0

    @property
    def blocked(self) -> bool:
        return bool(self.safety) and not self.override

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (entity, op), n in Counter((a.entity, a.op) for a in self.actions).items():
            out.setdefault(entity, {})[op] = n
        return out

    def people(self) -> dict[str, list[dict[str, Any]]]:
        """Every participant the plan creates, updates (with the fields), suspends, reactivates or adopts, and
        those held back by a problem: idnumber and name, for the text plan and the run summary."""
        out: dict[str, list[dict[str, Any]]] = {word: [] for word in PEOPLE_OPS.values()}
        for a in self.actions:
            if a.entity == "user" and a.op in PEOPLE_OPS:
                who: dict[str, Any] = {"idnumber": a.key, "name": a.name}
                if a.op == "update":
                    who["fields"] = sorted(a.after or {})
                out[PEOPLE_OPS[a.op]].append(who)
        out["held_back"] = [{"idnumber": p.key, "source": p.source, "why": p.message} for p in self.problems
                            if p.held or (p.entity == "user" and p.key and p.severity == "error")]
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, self.model_dump_json(indent=1))  # names, e-mails, before/after: owner-only

    @classmethod
    def load(cls, path: Path) -> Plan:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def to_text(self, *, limit: int = 20) -> str:
        """Grouped by entity and operation in the order they would run, with counts."""
        lines = [f"Plan against {self.site_url or 'Moodle'} (prefix {self.prefix!r}, {self.roster_rows} roster rows, "
                 f"{len(self.actions)} changes)"]
        by_phase: dict[tuple[str, str], list[Action]] = {}
        for a in self.actions:
            by_phase.setdefault((a.entity, a.op), []).append(a)
        for phase in PHASES:
            group = by_phase.get(phase)
            if not group:
                continue
            lines.append(f"\n{phase[0]} {phase[1]}: {len(group)}")
            shown = len(group) if phase[0] == "user" else limit  # every participant named, whatever the limit
            lines.extend(f"  {a.line()}" for a in group[:shown])
            if len(group) > shown:
                lines.append(f"  ... and {len(group) - limit} more (the JSON plan has them all)")
        if not self.actions:
            lines.append("\nNothing to change: Moodle matches the programmes and rosters.")
        if self.skipped:
            lines.append("\nSkipped:")
            lines.extend(f"  {s}" for s in self.skipped)
        if self.problems:
            errors = self.errors
            lines.append(f"\nProblems: {len(errors)} error(s), {len(self.problems) - len(errors)} warning(s)")
            lines.extend(f"  {p.severity}: {p}" for p in self.problems[:200])
            if len(self.problems) > 200:
                lines.append(f"  ... and {len(self.problems) - 200} more")
        lines.extend(self.blocked_lines())
        return "\n".join(lines)

    def blocked_lines(self) -> list[str]:
        """Each safety finding once, and what to do: --allow-mass-change is suggested only when the input is valid
        and the mass change plausible; broken rows or columns, or an empty roster, are to be fixed instead."""
        if not self.safety:
            return []
        lines = [f"\nBLOCKED by safety: {f.message}" for f in self.safety]
        if self.errors:
            lines.append(f"  Nothing is applied. The input has {len(self.errors)} error(s) (see the problems): fix "
                         "the roster files and sync again. Do not use --allow-mass-change: it would apply these "
                         "removals.")
        elif any(f.entity == "roster" and f.count == 0 for f in self.safety):
            lines.append("  Nothing is applied. Check that LMSBRIDGE_ROSTERS names the right files and that they "
                         "hold the participants.")
        else:
            lines.append("  Nothing is applied. Check that the rosters are complete; if these removals are intended "
                         "(e.g. a programme has ended), re-run with --allow-mass-change.")
        return lines
