"""report and certificates: what the administrators read back from Moodle."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lmsbridge.commands.options import fail, moodle_settings, report_options
from lmsbridge.exit_codes import ExitCode

if TYPE_CHECKING:
    from lmsbridge.moodle import MoodleClient

F = TypeVar("F", bound=Callable[..., Any])


def _report_client(o: dict[str, Any]) -> tuple[MoodleClient, Path]:
    """A MoodleClient from the shared options (bad settings exit 2) and the course sources folder."""
    from lmsbridge.moodle import MoodleClient
    from scorm.build import default_source

    settings = moodle_settings(o, concurrency=o.pop("concurrency"))
    return MoodleClient.from_settings(settings), o.pop("source") or default_source()


def _report_errors(fn: F) -> F:
    """Bad configuration exits 2, an unreachable or refusing Moodle 4 (house exit codes)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from lmsbridge.moodle import MoodleError
        from lmsbridge.sync.sources.delivery import ConfigError

        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            fail(f"lmsbridge: {exc}", ExitCode.BAD_INPUT)
        except MoodleError as exc:
            fail(f"lmsbridge: Moodle: {exc}", ExitCode.SITE_FAILED)
    return wrapper  # type: ignore[return-value]


@click.command()
@report_options
@click.option("--intake", "intakes", multiple=True, metavar="ID", help="Only this intake (repeatable), e.g. 2026.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only rows with activity on or after this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only rows with activity on or before this day.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/report"),
              show_default=True, help="Folder for report.csv and report.html.")
@_report_errors
def report(intakes: tuple[str, ...], since: datetime | None, until: datetime | None, out: Path, **options: Any
           ) -> None:
    """Pull progress, scores, time spent, completion and event grades of every participant and course;
    write report.csv (one row per participant and course) and report.html (charts, works offline).

    Exit 0; 1 when some data could not be read (the files are written anyway); 2 bad configuration;
    4 Moodle unreachable or refusing the token.

    \b
    Example:
      lmsbridge report --programme social-clustering --intake 2026 --since 2026-01-01 --out out/report
    """
    from lmsbridge.report import Filters, make_report

    client, source = _report_client(options)
    filters = Filters(programme=list(options["programmes"]), intake=list(intakes),
                      since=since.date() if since else None, until=until.date() if until else None)
    with client:
        files = make_report(client, source, out, prefix=str(options["prefix"]), filters=filters)
    data = files.report
    for problem in data.problems:
        click.echo(f"lmsbridge report: {problem}", err=True)
    people = len({r.participant.key for r in data.rows})
    click.echo(f"{len(data.rows)} rows ({people} participants) from {data.calls} calls")
    click.echo(f"{files.csv}\n{files.html}")
    raise SystemExit(ExitCode.ROWS_FAILED if data.problems else ExitCode.OK)


@click.group(invoke_without_command=True)
@report_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/certificates"),
              show_default=True, help="Folder for the certificates (one folder per programme).")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), envvar="LMSBRIDGE_STATE_DIR",
              help="Where the certificate registry and secret live [default: .lmsbridge] (env LMSBRIDGE_STATE_DIR).")
@click.option("--pdf/--no-pdf", default=None, help="Also print each to PDF with Chromium [default: when /usr/bin/"
              "chromium exists] (env LMSBRIDGE_CHROMIUM names another Chromium).")
@click.option("--show-missing", is_flag=True, help="Also list who does not qualify yet, and what is missing.")
@click.pass_context
@_report_errors
def certificates(ctx: click.Context, /, out: Path, state_dir: Path | None, pdf: bool | None, show_missing: bool,
                 **options: Any) -> None:
    """List who has earned a programme's certificate (rule in its certificate.toml) and write each one:
    print-ready HTML (A4) in the participant's language, and PDF. Re-runs keep every number and code.
    Each is published to the Moodle site (companion plugin), whose public page its QR code and URL open.

    The verification code is signed with LMSBRIDGE_CERT_SECRET, or a secret kept in the state dir.
    Exit 0; 1 when some data could not be read; 2 bad configuration; 4 Moodle unreachable.

    \b
    Examples:
      lmsbridge certificates --programme executive-management --out out/certificates
      lmsbridge certificates verify ABCDE-FGHJK-LMNPQ-RSTUV
      lmsbridge certificates revoke SC-2026-00001 --reason "grade corrected"
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"state_dir": state_dir, "options": options}
        return
    from lmsbridge.report import make_certificates

    client, source = _report_client(options)
    with client:
        run = make_certificates(client, source, out, programme=list(options["programmes"]),
                                prefix=str(options["prefix"]), state=state_dir, pdf=pdf)
    for problem in run.problems:
        click.echo(f"lmsbridge certificates: {problem}", err=True)
    for item in run.issued:
        c = item.certificate
        files = f"{item.html}" + (f", {item.pdf}" if item.pdf else "")
        click.echo(f"{c.number}  {'new ' if item.new else 'kept'}  {c.name} ({c.participant}, {c.programme}, "
                   f"{c.lang})  {files}")
    for item in run.revoked:
        c = item.certificate
        click.echo(f"{c.number}  revoked  {c.name} ({c.participant}, {c.programme}, {c.lang})")
    if run.published:
        made = sum(1 for s in run.published.values() if s != "unchanged")
        click.echo(f"published to Moodle: {made} certificate(s) created or updated")
    if run.pdfs:
        click.echo(f"PDFs in Moodle for the learners: {sum(1 for s in run.pdfs.values() if s == 'stored')} stored")
    if show_missing:
        for q in run.not_qualified:
            click.echo(f"not yet  {q.participant.display_name} ({q.participant.key}, {q.programme}): {q.missing}")
    click.echo(f"{len(run.issued)} qualify ({sum(1 for i in run.issued if i.new)} new), "
               f"{len(run.not_qualified)} do not yet")
    raise SystemExit(ExitCode.ROWS_FAILED if run.problems else ExitCode.OK)


@certificates.command("verify")
@click.argument("code")
@click.pass_context
@_report_errors
def certificates_verify(ctx: click.Context, /, code: str) -> None:
    """Check a certificate's verification code: valid (who, what, when), exit 0; invalid, exit 1."""
    from lmsbridge.report import verify_certificate

    result = verify_certificate(code, state=(ctx.obj or {}).get("state_dir"))
    if result.valid and result.certificate:
        c = result.certificate
        click.echo(f"valid: {c.number} — {c.name} ({c.participant}) completed {c.programme}"
                   f"{' intake ' + c.intake if c.intake else ''}; issued {c.issued_on}"
                   f"{', completed ' + c.completed_on if c.completed_on else ''}")
        raise SystemExit(ExitCode.OK)
    click.echo(f"invalid: {result.message}")
    raise SystemExit(ExitCode.ROWS_FAILED)




@certificates.command("revoke")
@click.argument("number")
@click.option("--reason", required=True, help="Why, as the public page will say (e.g. \"grade corrected\").")
@click.pass_context
@_report_errors
def certificates_revoke(ctx: click.Context, /, number: str, reason: str) -> None:
    """Revoke a certificate issued in error: its public page in Moodle then says revoked, `verify` says
    invalid, and later runs neither reprint it nor issue the participant another number. Exit 0; 1 when Moodle
    could not be told."""
    from lmsbridge.report import revoke_certificate

    obj = ctx.obj or {}
    client, _ = _report_client(obj.get("options") or {})
    with client:
        revocation, new, problem = revoke_certificate(client, number, reason, state=obj.get("state_dir"))
    click.echo(f"{revocation.number} {'revoked' if new else 'was already revoked'} on {revocation.revoked_on}: "
               f"{revocation.reason}")
    if problem:
        click.echo(f"lmsbridge certificates revoke: {problem}", err=True)
    raise SystemExit(ExitCode.ROWS_FAILED if problem else ExitCode.OK)
