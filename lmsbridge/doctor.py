"""Preflight: can lmsbridge work with this Moodle and this token, and if not, what must an administrator change?

Reads core_webservice_get_site_info (which every token may call) and compares the functions of the token's
external service with what lmsbridge needs.
"""

from __future__ import annotations

from pydantic import BaseModel

from lmsbridge.capability_check import check_capabilities
from lmsbridge.exit_codes import ExitCode
from lmsbridge.moodle import (
    PLUGIN_BULK_FUNCTIONS,
    PLUGIN_FUNCTIONS,
    PLUGIN_READ_FUNCTION,
    REQUIRED_FUNCTIONS,
    AccessException,
    InvalidToken,
    MoodleClient,
    MoodleError,
    MoodleSettings,
    ProtocolError,
    RetryPolicy,
    SiteInfo,
    Transport,
    TransportError,
    WebServicesDisabled,
    calls,
)
from lmsbridge.plugin_zip import DOCTOR_HINT

# The companion plugin (local_lmsbridge) adds what core lacks: creating/replacing SCORM activities from an
# uploaded package, and grades for manual (event) grade items. Optional: without it those parts are skipped.
# Its function names live with the others in lmsbridge.moodle; the plugin declares exactly those.
PLUGIN_MISSING = "the companion plugin is not installed: SCORM activities and event grades will be skipped"

SERVICE_FUNCTIONS_PATH = ("Site administration > Server > Web services > External services > (the token's service) "
                          "> Functions")


class DoctorReport(BaseModel):
    url: str
    reachable: bool = False
    ready: bool = False
    site_name: str | None = None
    site_url: str | None = None
    user: str | None = None
    userid: int | None = None
    release: str | None = None
    version: str | None = None
    missing_required: list[str] = []
    missing_optional: list[str] = []
    plugin_installed: bool = False
    missing_capabilities: list[str] = []  # of the sync user, against the README's list (needs the plugin)
    problems: list[str] = []  # what blocks lmsbridge
    notes: list[str] = []  # what works but deserves attention
    actions: list[str] = []  # what an administrator must change

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.ready else ExitCode.SITE_FAILED


def check_site(info: SiteInfo, report: DoctorReport) -> None:
    """Fill ``report`` from a site-info answer (pure: no I/O)."""
    report.reachable = True
    report.site_name, report.site_url = info.sitename, info.siteurl
    report.user, report.userid = info.username, info.userid
    report.release, report.version = info.release, info.version
    have = info.function_names
    report.missing_required = [f for f in REQUIRED_FUNCTIONS if f not in have]
    report.missing_optional = [f for f in PLUGIN_FUNCTIONS if f not in have]
    report.plugin_installed = any(f.startswith(calls.PLUGIN_PREFIX) for f in have)
    if report.missing_required:
        report.problems.append(
            f"the token's service lacks {len(report.missing_required)} function(s) lmsbridge needs")
        report.actions.append(f"add these functions under {SERVICE_FUNCTIONS_PATH}: "
                              + ", ".join(report.missing_required))
    if not report.plugin_installed:
        report.notes.append(PLUGIN_MISSING)
        report.actions.append("optional: " + DOCTOR_HINT)
    elif report.missing_optional:
        report.notes.append("the companion plugin is installed but the token's service lacks: "
                            + ", ".join(report.missing_optional))
        report.actions.append(f"add {', '.join(report.missing_optional)} under {SERVICE_FUNCTIONS_PATH}")
        if PLUGIN_READ_FUNCTION in report.missing_optional:
            report.notes.append(f"without {PLUGIN_READ_FUNCTION} the sync reads each course with core's functions "
                                "(a few calls per course instead of one for all); if Moodle does not list it, the "
                                "plugin is older than this lmsbridge: install the zip of `lmsbridge moodle-plugin` "
                                "again")
        bulk = [f for f in PLUGIN_BULK_FUNCTIONS if f in report.missing_optional]
        if bulk:
            report.notes.append(f"without {', '.join(bulk)} the sync creates, finds and enrols participants and "
                                "adds them to cohorts with core's functions, row by row (a first sync takes at "
                                "least twice as long); if Moodle does not list them, the plugin is older than this "
                                "lmsbridge: install the zip of `lmsbridge moodle-plugin` again")
    if report.plugin_installed and not info.uploadfiles:
        report.problems.append("the token's service does not allow file uploads (needed for SCORM packages)")
        report.actions.append("tick 'Can upload files' in the token's external service (Site administration > "
                              "Server > Web services > External services > Edit)")
    if info.feature("enablecompletion") == 0:
        report.notes.append("completion tracking is off on this site: SCORM completion will not be reported")
        report.actions.append("enable Site administration > General > Advanced features > Enable completion "
                              "tracking")
    if info.feature("enablecompetencies") == 0:
        report.notes.append("competencies are off on this site: competency frameworks will be skipped")
        report.actions.append("enable Site administration > General > Advanced features > Enable competencies")
    if info.userissiteadmin:
        report.notes.append(f"the token belongs to a site administrator ({info.username}); a dedicated user "
                            "with only the needed capabilities is safer")
    report.ready = not report.problems


def _explain(exc: MoodleError, report: DoctorReport) -> None:
    report.problems.append(str(exc).split("\n")[0])
    if isinstance(exc, TransportError):
        report.actions.append("check the URL, and that this machine can reach the Moodle server (firewall, "
                              "proxy, DNS)")
        return
    report.reachable = True
    if isinstance(exc, WebServicesDisabled):
        report.actions.append("enable Site administration > General > Advanced features > Enable web services, "
                              "and Site administration > Server > Web services > Manage protocols > REST")
    elif isinstance(exc, InvalidToken):
        report.actions.append("create a token under Site administration > Server > Web services > Manage tokens "
                              "and pass it with --token or LMSBRIDGE_MOODLE_TOKEN")
    elif isinstance(exc, AccessException):
        report.actions.append(
            "give the token's user a role with webservice/rest:use; check that the token's service is enabled, "
            "lists this user if it is restricted to authorised users, has no IP restriction excluding this "
            "machine, and that neither service nor token has expired")
    elif isinstance(exc, ProtocolError):
        report.actions.append("check that the URL is the Moodle site's root and that no proxy or login page "
                              "answers in its place")


def run_doctor(settings: MoodleSettings, *, transport: Transport | None = None) -> DoctorReport:
    report = DoctorReport(url=settings.url)
    # Fewer retries than a sync: a preflight should answer quickly.
    with MoodleClient.from_settings(settings, transport=transport,
                                    retry=RetryPolicy(retries=min(settings.retries, 1))) as client:
        try:
            info = client.get_site_info()
        except MoodleError as exc:
            _explain(exc, report)
            return report
        check_site(info, report)
        if report.plugin_installed:
            check_capabilities(client, info.function_names, report)
            report.ready = not report.problems
    return report


def format_report(report: DoctorReport) -> str:
    lines = [f"Moodle: {report.url}"]
    if report.site_name is not None:
        lines += [
            f"  site:     {report.site_name} ({report.site_url})",
            f"  user:     {report.user} (id {report.userid})",
            f"  Moodle:   {report.release} (version {report.version})",
            f"  plugin:   {'installed' if report.plugin_installed else 'not installed'}",
        ]
    if report.missing_required:
        lines.append("Missing functions (required):")
        lines += [f"  - {f}" for f in report.missing_required]
    if report.plugin_installed and report.missing_optional:
        lines.append("Missing functions (companion plugin):")
        lines += [f"  - {f}" for f in report.missing_optional]
    for title, items in (("Problems", report.problems), ("Notes", report.notes),
                         ("What an administrator must change", report.actions)):
        if items:
            lines.append(f"{title}:")
            lines += [f"  - {item}" for item in items]
    lines.append("Ready: lmsbridge can work with this site." if report.ready
                 else "Not ready (exit 4).")
    return "\n".join(lines)
