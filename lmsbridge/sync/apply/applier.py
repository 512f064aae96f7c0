"""apply_plan: the plan's phases in order (PHASES), each handed to the module of its concern; every outcome is
recorded in the ledger and the journal. Dumb on purpose: every decision is in the plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lmsbridge.moodle import MoodleClient
from lmsbridge.sync.apply.batched import BatchedApplier
from lmsbridge.sync.apply.competencies import apply_competencies
from lmsbridge.sync.apply.completion import apply_completion
from lmsbridge.sync.apply.grades import apply_grades
from lmsbridge.sync.apply.ledger import ApplyResult, Ledger
from lmsbridge.sync.apply.scorm import apply_activities
from lmsbridge.sync.apply.sections import apply_sections
from lmsbridge.sync.journal import Journal
from lmsbridge.sync.plan import PHASES, Action, Plan

Concern = Callable[[Ledger, tuple[str, str], list[Action]], None]
# What is not a batched core list call, by entity; the rest goes to BatchedApplier.
CONCERNS: dict[str, Concern] = {
    "competency_framework": apply_competencies, "competency": apply_competencies,
    "course_competency": apply_competencies, "activity": apply_activities, "grade_item": apply_grades,
    "grade": apply_grades, "completion": apply_completion,
    "section": apply_sections,
}


def apply_plan(plan: Plan, client: MoodleClient, journal: Journal | None = None, run_id: str = "", **kw: Any
               ) -> ApplyResult:
    books = Ledger(plan, client, journal, run_id, **kw)
    batched = BatchedApplier(books)
    by_phase: dict[tuple[str, str], list[Action]] = {}
    for a in plan.actions:
        by_phase.setdefault((a.entity, a.op), []).append(a)
    if journal:
        journal.record(run_id, plan.actions, "planned")
    for phase in PHASES:
        actions = by_phase.get(phase)
        if not actions:
            continue
        if books.stop.is_set():
            books.result.interrupted = True
            break
        concern = CONCERNS.get(phase[0])
        if concern:
            concern(books, phase, actions)
        else:
            batched.run(phase, actions)
    books.result.ids = books.ids
    return books.result
