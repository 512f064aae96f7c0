"""Does the sync user hold every capability of the README's list? Asked of the companion plugin.

Moodle has no core web service that lists a user's capabilities (core_course_get_user_administration_options
answers a handful of course-level yes/no questions), and trying each action would write. The plugin's
local_lmsbridge_check_capabilities answers, for the calling user only and in the system context where the sync
user's role is assigned, which of the given capabilities it has: nothing about anyone else, no capability needed.
"""

from __future__ import annotations

from typing import Protocol

from lmsbridge.capabilities import SYNC_USER_CAPABILITIES, capability_hint
from lmsbridge.moodle import PLUGIN_CHECK_FUNCTION as CHECK_FUNCTION
from lmsbridge.moodle import MoodleClient, MoodleError, calls

NOT_CHECKED = (f"the sync user's capabilities were not checked: the token's service lacks {CHECK_FUNCTION} (add it "
               "with the companion plugin's other functions)")


class Report(Protocol):
    problems: list[str]
    notes: list[str]
    actions: list[str]
    missing_capabilities: list[str]


def missing_capabilities(client: MoodleClient) -> list[str]:
    """The capabilities of the README's list that the token's user lacks (in the list's order)."""
    answer = client.send(calls.plugin_check_capabilities(SYNC_USER_CAPABILITIES))
    allowed = {c.name for c in answer.capabilities if c.allowed}
    return [c for c in SYNC_USER_CAPABILITIES if c not in allowed]


def check_capabilities(client: MoodleClient, functions: set[str], report: Report) -> None:
    """Add to the doctor's report what the sync user lacks, with what to allow (or why it was not checked)."""
    if CHECK_FUNCTION not in functions:
        report.notes.append(NOT_CHECKED)
        return
    try:
        report.missing_capabilities = missing_capabilities(client)
    except MoodleError as exc:
        report.notes.append(f"the sync user's capabilities could not be checked: {str(exc).splitlines()[0]}")
        return
    if report.missing_capabilities:
        report.problems.append(f"the sync user's role lacks {len(report.missing_capabilities)} capabilit"
                               f"{'y' if len(report.missing_capabilities) == 1 else 'ies'} of the README's list: "
                               + ", ".join(report.missing_capabilities))
        report.actions += [capability_hint(c) for c in report.missing_capabilities]
