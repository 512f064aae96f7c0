"""The applier's books for one run, shared by every concern: the Moodle ids known so far, what failed and why,
the counts, the journal; and the one mapping of Moodle's errors onto what the applier does about them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, Field

from lmsbridge.moodle import (
    AccessException,
    Call,
    ConnectError,
    InvalidToken,
    MoodleAPIError,
    MoodleClient,
    MoodleError,
    ProtocolError,
    TransportError,
    TruncatedResult,
    WebServicesDisabled,
)
from lmsbridge.sync.journal import Journal
from lmsbridge.sync.plan import Action, Plan

T = TypeVar("T")

# The one mapping of Moodle's errors onto what the applier does (batched.py and single.py both use it):
# the site cannot be used any more: the run stops (SiteFailure);
SITE_ERRORS = (InvalidToken, AccessException, WebServicesDisabled, ConnectError)
# the write's outcome is unknown: reconcile (read back creates, send again what sets a state);
UNKNOWN_OUTCOME = (TransportError, ProtocolError, TruncatedResult)
# any other MoodleAPIError: Moodle refused the row (Ledger.refused), the rest goes on.
#
# Not a retry policy: retries are the client's alone (lmsbridge.moodle.RetryPolicy, which repeats only what is
# certainly safe). A write that may have reached Moodle is never simply repeated by the client; the applier
# reconciles it against the site first, and gives up after this many rounds (each round's own calls are again
# under the client's policy).
RECONCILE_ROUNDS = 6

ID_ENTITIES = ("category", "course", "user", "cohort", "group", "competency_framework", "competency")


class SiteFailure(MoodleError):
    """Moodle cannot be used any more (unreachable, token refused): the run stops (exit code 4)."""

    @classmethod
    def of(cls, exc: MoodleError) -> SiteFailure:
        return cls(str(exc), function=exc.function)


class Skip(Exception):
    """The row is not sent: something it depends on is missing or failed earlier in this run."""


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


class Ledger:
    """What every concern's applier reads and records; thread-safe (phases send batches in parallel)."""

    def __init__(self, plan: Plan, client: MoodleClient, journal: Journal | None, run_id: str, *,
                 concurrency: int = 2, stop: threading.Event | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> None:
        self.plan, self.client, self.journal, self.run_id = plan, client, journal, run_id
        self.concurrency = max(1, concurrency)
        self.stop = stop or threading.Event()
        self.progress = progress
        self.ids: dict[str, dict[str, int]] = {e: dict(v) for e, v in plan.ids.items()}
        for e in ID_ENTITIES:
            self.ids.setdefault(e, {})
        self.failed_keys: dict[str, set[str]] = {}
        self.result = ApplyResult(run_id=run_id)
        self.lock = threading.Lock()

    def send(self, call: Call[T]) -> T:
        """A write (built by lmsbridge.moodle.calls), counted."""
        self.counted_calls()
        return self.client.send(call)

    def counted_calls(self, n: int = 1) -> None:
        with self.lock:
            self.result.calls += n

    def reconciling(self, n: int) -> None:
        with self.lock:
            self.result.reconciled += n

    def remember(self, entity: str, key: str, moodle_id: int) -> None:
        with self.lock:
            self.ids[entity][key] = moodle_id

    def id(self, entity: str, key: str) -> int:
        """The Moodle id of an object the row refers to; Skip when it is missing or failed earlier."""
        if key in self.ids[entity]:
            return self.ids[entity][key]
        if key in self.failed_keys.get(entity, set()):
            raise Skip(f"skipped: {entity} {key} failed earlier in this run")
        raise Skip(f"skipped: {entity} {key} does not exist in Moodle")

    def applied(self, actions: list[Action], moodle_ids: dict[int, int]) -> None:
        if not actions:
            return
        with self.lock:
            for a in actions:
                self.result.count(a)
        if self.journal:
            self.journal.record(self.run_id, actions, "applied", moodle_ids=moodle_ids)

    def refused(self, a: Action, exc: MoodleAPIError, hint: str) -> None:
        """Moodle refused the row: its message and error code (or exception class, when it gives no code)."""
        self.fail(a, message=exc.moodle_message, errorcode=exc.errorcode or exc.exception or "", hint=hint)

    def fail(self, a: Action, *, message: str, errorcode: str = "", hint: str = "", skipped: bool = False,
             op: str = "") -> None:
        """A failed (or, with ``skipped``, unsent) row; ``op`` names a check that failed after the write."""
        failure = RowFailure(seq=a.seq, entity=a.entity, key=a.key, op=op or a.op, source=a.source,
                             errorcode=errorcode, message=message, hint=hint, skipped=skipped)
        with self.lock:
            self.result.failures.append(failure)
            if not op:
                self.failed_keys.setdefault(a.entity, set()).add(a.key)
        if self.journal and not op:
            self.journal.record(self.run_id, [a], "skipped" if skipped else "failed",
                                errors={a.seq: f"{errorcode} {message}".strip()})
