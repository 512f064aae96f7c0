"""The exit codes of every command, named once: scripts and schedulers act on them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # all done (all applied, no package with errors, ...)
    ROWS_FAILED = 1  # some rows, packages or certificates failed; the rest was done
    BAD_INPUT = 2  # bad configuration, options or input: nothing was done
    BLOCKED = 3  # a safety threshold blocked the sync: nothing was applied
    SITE_FAILED = 4  # Moodle unreachable, preflight failed, or the site drifted since the plan

    @property
    def meaning(self) -> str:
        return meaning(self)


def meaning(code: int) -> str:
    """What an exit code says, in the words of the run summary ("" for a code that is not ours)."""
    return _MEANING.get(code, "")


_MEANING: dict[int, str] = {ExitCode.OK: "all applied", ExitCode.ROWS_FAILED: "some rows failed",
            ExitCode.BAD_INPUT: "bad configuration or input", ExitCode.BLOCKED: "blocked by a safety threshold",
            ExitCode.SITE_FAILED: "Moodle unreachable or preflight failed"}
