"""What a sync is told: SyncSettings, each field with its LMSBRIDGE_* variable, and how the CLI's options become
them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from lmsbridge.moodle import DEFAULT_CONCURRENCY
from lmsbridge.settings_errors import explain
from lmsbridge.sync.desired import DEFAULT_PREFIX
from lmsbridge.sync.planner import DEFAULT_ROLES
from lmsbridge.sync.safety import SafetySettings
from lmsbridge.sync.sources.delivery import ConfigError

# Each setting's environment variable (the CLI option's envvar): what a message about a bad setting names.
SYNC_ENV = {"source": "LMSBRIDGE_SOURCE", "rosters": "LMSBRIDGE_ROSTERS", "prefix": "LMSBRIDGE_PREFIX",
            "state_dir": "LMSBRIDGE_STATE_DIR", "concurrency": "LMSBRIDGE_CONCURRENCY", "auth": "LMSBRIDGE_AUTH",
            "on_leave": "LMSBRIDGE_ON_LEAVE", "roles": "LMSBRIDGE_ROLES", "safety": "LMSBRIDGE_THRESHOLDS",
            "results": "LMSBRIDGE_RESULTS", "scorm_version": "LMSBRIDGE_SCORM_VERSION",
            "metrics_file": "LMSBRIDGE_METRICS_FILE"}


class SyncSettings(BaseModel):
    """Every field has its environment variable (named in the CLI option)."""

    source: Path = Path("course_packages")  # LMSBRIDGE_SOURCE
    rosters: list[Path] = []  # LMSBRIDGE_ROSTERS (separated by os.pathsep, as PATH)
    prefix: str = DEFAULT_PREFIX  # LMSBRIDGE_PREFIX
    state_dir: Path = Path(".lmsbridge")  # LMSBRIDGE_STATE_DIR
    concurrency: int = Field(DEFAULT_CONCURRENCY, ge=1, le=16)  # LMSBRIDGE_CONCURRENCY
    auth: str = "manual"  # LMSBRIDGE_AUTH: manual (Moodle generates passwords) or an external method
    on_leave: Literal["suspend", "unenrol", "keep"] = "suspend"  # LMSBRIDGE_ON_LEAVE
    # LMSBRIDGE_MATCH_USERS_BY: how a participant finds an account lmsbridge did not create (then adopted)
    match_users_by: Literal["idnumber", "email", "username"] = "idnumber"
    roles: dict[str, int] = DEFAULT_ROLES  # LMSBRIDGE_ROLES "student=5,teacher=4"
    safety: SafetySettings = SafetySettings()  # LMSBRIDGE_THRESHOLDS
    allow_mass_change: bool = False
    results: list[Path] = []  # LMSBRIDGE_RESULTS: results CSV files of the training events
    scorm_version: Literal["1.2", "2004"] = "1.2"  # LMSBRIDGE_SCORM_VERSION: 1.2 plays offline in the Moodle app
    metrics_file: Path | None = None  # LMSBRIDGE_METRICS_FILE: OpenMetrics text for node_exporter

    @staticmethod
    def parse_roles(text: str | None) -> dict[str, int]:
        roles = dict(DEFAULT_ROLES)
        for part in (text or "").split(","):
            if part.strip():
                name, _, rid = part.partition("=")
                if not rid.strip().isdigit():
                    raise ConfigError(f"role mapping {part!r} is not shortname=ID, e.g. student=5")
                roles[name.strip()] = int(rid)
        return roles


def settings_from_options(*, source: Path | None, rosters: tuple[Path, ...] | list[Path], prefix: str | None,
                          state_dir: Path | None, concurrency: int | None, auth: str | None, on_leave: str | None,
                          thresholds: str | None, roles: str | None, allow_mass_change: bool = False,
                          results: tuple[Path, ...] | list[Path] = (), scorm_version: str | None = None,
                          metrics_file: Path | None = None, match_users_by: str | None = None) -> SyncSettings:
    """SyncSettings from CLI options (each already filled from its LMSBRIDGE_* variable by click)."""
    from pydantic import ValidationError

    from scorm.build import default_source

    try:
        values: dict[str, Any] = {
            "source": source or default_source(), "rosters": list(rosters),
            "safety": SafetySettings.parse(thresholds), "roles": SyncSettings.parse_roles(roles),
            "allow_mass_change": allow_mass_change, "results": list(results)}
        for key, value in (("prefix", prefix), ("state_dir", state_dir), ("concurrency", concurrency),
                           ("auth", auth), ("on_leave", on_leave), ("scorm_version", scorm_version),
                           ("metrics_file", metrics_file), ("match_users_by", match_users_by)):
            if value is not None:
                values[key] = value
        return SyncSettings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(explain(exc, SYNC_ENV, SyncSettings)) from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
