"""What the planner is told besides the two states: roles, what a leaver loses, thresholds, what the site lacks,
this run's packages, and the time (the planner has no clock of its own)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from lmsbridge.sync.safety import SafetySettings

DEFAULT_ROLES = {"student": 5, "teacher": 4, "editingteacher": 3, "manager": 1}


class PlanSettings(BaseModel):
    roles: dict[str, int] = DEFAULT_ROLES
    on_leave: Literal["suspend", "unenrol", "keep"] = "suspend"  # what happens to a leaver's enrolments
    suspend_leavers: bool = True  # suspend the account of a participant no roster lists any more
    safety: SafetySettings = SafetySettings()
    allow_mass_change: bool = False
    last_roster_rows: int | None = None  # from the journal: rows of the last applied run
    now: int = 0  # epoch seconds: is an enrolment's window open?
    created_at: str = ""  # the plan's time stamp, ISO 8601
    site_url: str = ""
    # Parts that need the companion plugin or the competency services: "" = available, else why they are skipped.
    plugin_missing: str = ""
    competencies_missing: str = ""
    packages: dict[str, tuple[str, str]] = {}  # "module|lang" -> (sha1, zip path) of this run's build
    packages_problem: str = ""  # the build failed: why
