"""Fault injection for reliability tests: latency, HTTP 5xx, timeouts, connection resets, lost responses.

Decisions come from one seeded RNG, so a sequence of calls meets the same faults on every run. A fault either
happens before the call runs (5xx, reset: nothing applied) or after it committed (drop_after_commit: applied, the
client never hears) or around it (timeout: the server sleeps past the client's timeout, then applies the call, as
a slow PHP worker would) - never halfway, so state is never corrupted.
"""

from __future__ import annotations

import random
import threading
from typing import Literal

from pydantic import BaseModel, Field

Fault = Literal["http_5xx", "reset", "timeout", "drop_after_commit", "file_race"]


class Faults(BaseModel):
    latency_ms: float = Field(0.0, ge=0, description="Fixed delay per call.")
    per_row_ms: float = Field(0.0, ge=0, description="Extra delay per item sent or returned.")
    fail_rate: float = Field(0.0, ge=0, le=1, description="Fraction of calls answered HTTP 5xx, not applied.")
    reset_rate: float = Field(0.0, ge=0, le=1, description="Fraction of calls whose connection is reset unapplied.")
    timeout_rate: float = Field(0.0, ge=0, le=1, description="Fraction of calls that hang for timeout_s first.")
    timeout_s: float = Field(5.0, ge=0, description="How long a 'timeout' call hangs before it is applied.")
    drop_rate: float = Field(0.0, ge=0, le=1, description="Fraction of calls applied, then the response dropped.")
    only_writes: bool = Field(False, description="Inject the random faults into write calls only.")
    file_race_rate: float = Field(0.0, ge=0, le=1, description=(
        "Fraction of the calls that store files (upload.php, a SCORM upsert with a package) that fail, unapplied, "
        "as Moodle's file pool does when a parallel request creates the same folder: storedfilecannotcreatefiledirs."))
    seed: int = 0

    def active(self) -> bool:
        return any((self.fail_rate, self.reset_rate, self.timeout_rate, self.drop_rate))


class FaultPlan:
    """Draws the fault (if any) for each call, deterministically from the seed; also scripted faults for tests."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._lock = threading.Lock()
        self._script: list[Fault | None] = []
        self._race_rng = random.Random(faults.seed)  # its own: file races leave the other faults' sequence as it was
        self.injected: list[tuple[str, Fault]] = []  # (function, fault): what happened, for tests and logs

    def script(self, *faults: Fault | None) -> None:
        """Give the next calls these faults in order (None = no fault), before the random ones resume."""
        with self._lock:
            self._script.extend(faults)

    def file_race(self, function: str) -> bool:
        """Whether this call that stores files loses a race in the file pool (file_race_rate)."""
        if not self.faults.file_race_rate:
            return False
        with self._lock:
            if self._race_rng.random() >= self.faults.file_race_rate:
                return False
            self.injected.append((function, "file_race"))
            return True

    def draw(self, function: str, write: bool) -> Fault | None:
        f = self.faults
        with self._lock:
            if self._script:
                fault = self._script.pop(0)
            elif not f.active() or (f.only_writes and not write):
                return None
            else:
                r = self._rng.random()
                fault = None
                for name, rate in (("http_5xx", f.fail_rate), ("reset", f.reset_rate),
                                   ("timeout", f.timeout_rate), ("drop_after_commit", f.drop_rate)):
                    if r < rate:
                        fault = name
                        break
                    r -= rate
            if fault:
                self.injected.append((function, fault))
            return fault  # type: ignore[return-value]
