"""What a run ends with: its outcome (exit code, the plan, what was applied) and the run summary that the
state dir, monitoring and the closing summary are made of."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel

from lmsbridge.exit_codes import meaning
from lmsbridge.exit_codes import outcome as exit_outcome
from lmsbridge.moodle import redact_data
from lmsbridge.sync.apply.ledger import ApplyResult
from lmsbridge.sync.plan import Plan


class SyncOutcome(BaseModel):
    exit_code: int
    message: str = ""
    plan: Plan | None = None
    result: ApplyResult | None = None
    run_id: str = ""
    seconds: float = 0.0
    dry_run: bool = False

    def summary(self) -> dict[str, Any]:
        return summary_data(self)


def summary_data(outcome: SyncOutcome) -> dict[str, Any]:
    plan, result = outcome.plan, outcome.result
    planned = plan.counts() if plan else {}
    applied = result.applied if result else {}
    failed: dict[str, dict[str, int]] = {}
    skipped: dict[str, dict[str, int]] = {}
    for f in result.failures if result else []:
        target = skipped if f.skipped else failed
        target.setdefault(f.entity, {})[f.op] = target.setdefault(f.entity, {}).get(f.op, 0) + 1
    return redact_data({  # a site may answer anything: no token or password reaches the summary
        "run_id": outcome.run_id,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "exit_code": outcome.exit_code,
        "meaning": meaning(outcome.exit_code),
        "outcome": exit_outcome(outcome.exit_code),
        "message": outcome.message,
        "dry_run": outcome.dry_run,
        "seconds": outcome.seconds,
        "site_url": plan.site_url if plan else "",
        "roster_rows": plan.roster_rows if plan else 0,
        "planned": planned,
        "applied": applied,
        "failed": failed,
        "skipped": skipped,
        "write_calls": result.calls if result else 0,
        "read_calls": plan.reads if plan else 0,
        "reconciled": result.reconciled if result else 0,
        "interrupted": bool(result and result.interrupted),
        "people": plan.people() if plan else {},  # who was created, updated, suspended, ... by name
        "problems": [p.model_dump() for p in plan.problems] if plan else [],
        "failures": [f.model_dump() for f in result.failures] if result else [],
        "safety": [s.model_dump() for s in plan.safety] if plan else [],
        "not_synced": [s.model_dump() for s in plan.skipped] if plan else [],  # parts left out, and why
    })
