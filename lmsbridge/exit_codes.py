"""The exit codes of every command, named once: scripts and schedulers act on them, monitoring reads their
outcome names (the `outcome` label of lmsbridge_sync_runs_total, and the run's log record)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # all done (all applied, no package with errors, nothing to do, ...)
    ROWS_FAILED = 1  # some rows, packages or certificates failed (or were held back); the rest was done
    BAD_INPUT = 2  # bad configuration, options or input (a roster's file, header or columns): nothing was done
    BLOCKED = 3  # a safety threshold blocked the sync: nothing was applied
    SITE_FAILED = 4  # Moodle unreachable, preflight failed, a malformed answer, or the site drifted since the plan
    LOCKED = 5  # another sync holds the state dir's lock: this one did nothing (the next scheduled run will)

    @property
    def meaning(self) -> str:
        return meaning(self)

    @property
    def outcome(self) -> str:
        return outcome(self)


def meaning(code: int) -> str:
    """What an exit code says, in the words of the run summary ("" for a code that is not ours)."""
    return _MEANING.get(code, "")


def outcome(code: int) -> str:
    """The exit code's one-word outcome for monitoring ("failed" for a code that is not ours)."""
    return _OUTCOME.get(code, "failed")


_MEANING: dict[int, str] = {ExitCode.OK: "all applied", ExitCode.ROWS_FAILED: "some rows failed",
            ExitCode.BAD_INPUT: "bad configuration or input", ExitCode.BLOCKED: "blocked by a safety threshold",
            ExitCode.SITE_FAILED: "Moodle unreachable, preflight failed or a malformed answer",
            ExitCode.LOCKED: "another sync holds the lock"}
_OUTCOME: dict[int, str] = {ExitCode.OK: "success", ExitCode.ROWS_FAILED: "partial", ExitCode.BAD_INPUT: "config",
                            ExitCode.BLOCKED: "blocked", ExitCode.SITE_FAILED: "unreachable",
                            ExitCode.LOCKED: "locked"}
