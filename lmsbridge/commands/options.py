"""Options that several commands share, each naming its environment variable, and what they become."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from lmsbridge.exit_codes import ExitCode

if TYPE_CHECKING:
    from lmsbridge.moodle import MoodleSettings

F = TypeVar("F", bound=Callable[..., Any])
CONCURRENCY = 2  # shown in --help without loading the client: lmsbridge.moodle.DEFAULT_CONCURRENCY (tested equal)


def fail(message: str, code: ExitCode) -> NoReturn:
    """Say what is wrong on stderr and exit with ``code``."""
    click.echo(message, err=True)
    raise SystemExit(code)


# The options that say where Moodle is: doctor, plan, apply, sync, report and certificates share them.
MOODLE_OPTIONS: list[Callable[[Any], Any]] = [
    click.option("--url", envvar="LMSBRIDGE_MOODLE_URL", metavar="URL",
                 help="Moodle site root (env LMSBRIDGE_MOODLE_URL)."),
    click.option("--token", envvar="LMSBRIDGE_MOODLE_TOKEN", metavar="TOKEN",
                 help="Web-service token (env LMSBRIDGE_MOODLE_TOKEN; prefer the variable: flags show in `ps`)."),
    click.option("--timeout", envvar="LMSBRIDGE_TIMEOUT", type=float, help="Seconds per call (env LMSBRIDGE_TIMEOUT)."),
    click.option("--allow-http", envvar="LMSBRIDGE_ALLOW_HTTP", is_flag=True, default=None,
                 help="Allow plain http:// to a non-loopback host (env LMSBRIDGE_ALLOW_HTTP)."),
]


def with_options(options: list[Callable[[Any], Any]], f: F) -> F:
    for option in reversed(options):
        f = option(f)
    return f


def moodle_options(f: F) -> F:
    return with_options(MOODLE_OPTIONS, f)


def moodle_settings(o: dict[str, Any], **extra: Any) -> MoodleSettings:
    """MoodleSettings from the MOODLE_OPTIONS (taken out of `o`); bad settings exit 2 with what is wrong."""
    from pydantic import ValidationError

    from lmsbridge.moodle import MoodleSettings
    from lmsbridge.moodle._settings import ENV
    from lmsbridge.settings_errors import explain

    try:
        return MoodleSettings.from_env(url=o.pop("url"), token=o.pop("token"), timeout=o.pop("timeout"),
                                       allow_http=o.pop("allow_http"), **extra)
    except ValidationError as exc:
        fail(f"lmsbridge: {explain(exc, ENV, MoodleSettings)}", ExitCode.BAD_INPUT)


def sync_options(f: F) -> F:
    """Options shared by plan, apply and sync; each setting names its environment variable."""
    options = MOODLE_OPTIONS + [
        click.option("--source", type=click.Path(file_okay=False, path_type=Path), envvar="LMSBRIDGE_SOURCE",
                     help="The course sources with each programme's moodle.toml (env LMSBRIDGE_SOURCE)."),
        click.option("--roster", "rosters", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     envvar="LMSBRIDGE_ROSTERS",
                     help="A roster CSV (repeatable; env LMSBRIDGE_ROSTERS, several separated by ':' as in PATH)."),
        click.option("--prefix", envvar="LMSBRIDGE_PREFIX",
                     help="idnumber prefix of what lmsbridge owns [default: lmsb-] (env LMSBRIDGE_PREFIX)."),
        click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), envvar="LMSBRIDGE_STATE_DIR",
                     help="Journal, lock and run summaries, owner-only [default: .lmsbridge] "
                          "(env LMSBRIDGE_STATE_DIR)."),
        click.option("--concurrency", type=int, envvar="LMSBRIDGE_CONCURRENCY",
                     help=f"Calls in parallel [default: {CONCURRENCY}] (env LMSBRIDGE_CONCURRENCY)."),
        click.option("--auth", envvar="LMSBRIDGE_AUTH",
                     help="Authentication of new users: manual (Moodle makes and mails the password) or the site's "
                          "external method, e.g. oidc, saml2, ldap [default: manual] (env LMSBRIDGE_AUTH)."),
        click.option("--on-leave", type=click.Choice(["suspend", "unenrol", "keep"]), envvar="LMSBRIDGE_ON_LEAVE",
                     help="What happens to the enrolments of a participant who leaves [default: suspend] "
                          "(env LMSBRIDGE_ON_LEAVE)."),
        click.option("--match-users-by", type=click.Choice(["idnumber", "email", "username"]),
                     envvar="LMSBRIDGE_MATCH_USERS_BY",
                     help="How a participant finds an existing Moodle account that lmsbridge did not create; such "
                          "an account is enrolled but never changed or suspended [default: idnumber] "
                          "(env LMSBRIDGE_MATCH_USERS_BY)."),
        click.option("--thresholds", envvar="LMSBRIDGE_THRESHOLDS", metavar="SPEC",
                     help="Removal thresholds per kind: user=10%/100 blocks a run that would suspend more than 10% "
                          "of the users lmsbridge manages or more than 100 of them, whichever comes first (up to 3 "
                          "removals always pass) [default: user=10%/100,enrolment=10%/200,cohort_member=10%/200,"
                          "group_member=20%/200] (env LMSBRIDGE_THRESHOLDS)."),
        click.option("--roles", envvar="LMSBRIDGE_ROLES", metavar="MAP",
                     help="Role shortname to id, e.g. student=5,teacher=4 (env LMSBRIDGE_ROLES)."),
        click.option("--allow-mass-change", is_flag=True,
                     help="Apply even when a safety threshold is crossed: only for an intended mass change, "
                          "never to get past broken roster rows."),
        click.option("--results", "results", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     envvar="LMSBRIDGE_RESULTS",
                     help="A training event's results CSV (idnumber, event, grade, feedback; repeatable; "
                          "env LMSBRIDGE_RESULTS, several separated by ':' as in PATH)."),
        click.option("--scorm-version", type=click.Choice(["1.2", "2004"]), envvar="LMSBRIDGE_SCORM_VERSION",
                     help="SCORM version of the activities' packages [default: 1.2] (env LMSBRIDGE_SCORM_VERSION)."),
        click.option("--metrics-file", type=click.Path(dir_okay=False, path_type=Path),
                     envvar="LMSBRIDGE_METRICS_FILE",
                     help="After each sync, write OpenMetrics text here for node_exporter's textfile collector "
                          "(env LMSBRIDGE_METRICS_FILE)."),
        click.option("--log-format", type=click.Choice(["text", "json"]), envvar="LMSBRIDGE_LOG_FORMAT",
                     default="text", help="Logs on stderr as text or JSON lines [default: text] "
                                          "(env LMSBRIDGE_LOG_FORMAT)."),
    ]
    return with_options(options, f)


def report_options(f: F) -> F:
    """Where Moodle is and which programmes: shared by report and certificates."""
    options = MOODLE_OPTIONS + [
        click.option("--concurrency", type=int, envvar="LMSBRIDGE_CONCURRENCY",
                     help=f"Calls in parallel [default: {CONCURRENCY}] (env LMSBRIDGE_CONCURRENCY)."),
        click.option("--source", type=click.Path(file_okay=False, path_type=Path), envvar="LMSBRIDGE_SOURCE",
                     help="The course sources with each programme's moodle.toml (env LMSBRIDGE_SOURCE)."),
        click.option("--prefix", envvar="LMSBRIDGE_PREFIX", default="lmsb-",
                     help="idnumber prefix of lmsbridge's courses [default: lmsb-] (env LMSBRIDGE_PREFIX)."),
        click.option("--programme", "programmes", multiple=True, metavar="ID",
                     help="Only this programme (repeatable), e.g. social-clustering."),
    ]
    return with_options(options, f)
