"""The command line: a thin click face over the library. Commands hold no logic of their own.

Every option can also come from the environment (LMSBRIDGE_*), or from a `.env` file in the current directory;
a flag on the command line wins.
"""

from __future__ import annotations

from pathlib import Path

import click
from dotenv import load_dotenv


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lmsbridge")
def cli() -> None:
    """Build SCORM packages of the training modules and keep Moodle in line with the programme records."""


# Commands by area; each calls one library function. Options that are settings name their variable explicitly
# (envvar="LMSBRIDGE_..."), so that the same name works in the environment, in .env and in the README.

# --- build, validate (scorm/) ---

@cli.command()
@click.option("--scorm", "versions", multiple=True, type=click.Choice(["1.2", "2004"]),
              help="SCORM version to build (repeatable; default: both).")
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Only this language (repeatable; default: all).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/packages"),
              show_default=True, help="Folder for the zips.")
@click.option("--schemas", type=click.Path(exists=True, file_okay=False, path_type=Path), envvar="LMSBRIDGE_SCHEMAS",
              help="SCORM schema directory (layout of shared/scorm-schemas): its XSDs go into each package. The "
                   "manifest declares xsi:schemaLocation either way.")
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), envvar="LMSBRIDGE_SOURCE",
              help="The course sources [default: ./course_packages, else the project's own].")
@click.option("--multilingual", is_flag=True, help="One package per module carrying all its languages.")
@click.argument("modules", nargs=-1)
def build(versions: tuple[str, ...], langs: tuple[str, ...], out: Path, schemas: Path | None, source: Path | None,
          multilingual: bool, modules: tuple[str, ...]) -> None:
    """Build the SCORM packages of the modules (all, or the MODULE ids given).

    Example: lmsbridge build --scorm 1.2 --lang lt sc-intro
    """
    from scorm.build import BuildError, build_packages, default_source
    from scorm.sources import SourceError

    try:
        packages = build_packages(source or default_source(), out, versions=versions or ("1.2", "2004"),
                                  langs=list(langs) or None, modules=list(modules) or None, schemas=schemas,
                                  multilingual=multilingual)
    except (SourceError, BuildError) as e:
        click.echo(f"lmsbridge build: {e}", err=True)
        raise SystemExit(2) from None
    for p in packages:
        click.echo(f"{p.path}  {p.size} bytes  sha1 {p.sha1}")


@cli.command()
@click.argument("packages", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--schemas", type=click.Path(exists=True, file_okay=False, path_type=Path),
              envvar="LMSBRIDGE_SCHEMAS",
              help="SCORM schema directory (layout of shared/scorm-schemas; env LMSBRIDGE_SCHEMAS): also validate "
                   "each manifest against the official XSDs, offline.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
def validate(packages: tuple[Path, ...], schemas: Path | None, as_json: bool) -> None:
    """Validate SCORM packages, ours or bought in: zip safety, the manifest, the SCORM rules (and XSDs), what
    the pages fetch from the internet, and whether the Moodle app can play each one offline.

    Each PACKAGE is a zip, the package's folder, or only its imsmanifest.xml (the files it lists are then
    reported as not seen). Prints one line per finding (severity, code, file:line, message) with what to do,
    the offline verdict and a verdict per package. Exit 0 when no package has errors, 1 otherwise, 2 for usage
    errors.
    Example: lmsbridge validate --schemas ../shared/scorm-schemas out/packages/*.zip
    """
    from scorm.validate import format_reports, reports_json, validate_package

    reports = [validate_package(p, schemas=schemas) for p in packages]
    click.echo(reports_json(reports) if as_json else format_reports(reports))
    raise SystemExit(0 if all(r.ok for r in reports) else 1)


# --- sandbox (lmsbridge/sandbox/) ---

@cli.command()
@click.option("--host", envvar="LMSBRIDGE_SANDBOX_HOST", default="127.0.0.1", show_default=True,
              help="Address to bind (env LMSBRIDGE_SANDBOX_HOST); loopback unless you mean to share it.")
@click.option("--port", envvar="LMSBRIDGE_SANDBOX_PORT", type=int, default=0,
              help="Port (env LMSBRIDGE_SANDBOX_PORT) [default: a free one].")
@click.option("--state", envvar="LMSBRIDGE_SANDBOX_STATE", type=click.Path(dir_okay=False),
              help="SQLite file that keeps the sandbox's Moodle across restarts (env LMSBRIDGE_SANDBOX_STATE) "
                   "[default: in memory].")
@click.option("--token", envvar="LMSBRIDGE_SANDBOX_TOKEN", metavar="TOKEN",
              help="Fix the sandbox's main token (env LMSBRIDGE_SANDBOX_TOKEN) [default: the stored one, else new].")
@click.option("--max-input-vars", envvar="LMSBRIDGE_SANDBOX_MAX_INPUT_VARS", type=int, default=5000,
              show_default=True, help="PHP max_input_vars to imitate (env LMSBRIDGE_SANDBOX_MAX_INPUT_VARS).")
@click.option("--debug", envvar="LMSBRIDGE_SANDBOX_DEBUG", is_flag=True,
              help="Send debuginfo in errors, like a site in developer debugging (env LMSBRIDGE_SANDBOX_DEBUG).")
@click.option("--latency-ms", envvar="LMSBRIDGE_SANDBOX_LATENCY_MS", type=float, default=0.0,
              help="Delay per call (env LMSBRIDGE_SANDBOX_LATENCY_MS); a real site costs about 25.")
@click.option("--per-row-ms", envvar="LMSBRIDGE_SANDBOX_PER_ROW_MS", type=float, default=0.0,
              help="Extra delay per item sent or returned (env LMSBRIDGE_SANDBOX_PER_ROW_MS).")
@click.option("--fail-rate", envvar="LMSBRIDGE_SANDBOX_FAIL_RATE", type=click.FloatRange(0, 1), default=0.0,
              help="Fraction of calls answered HTTP 5xx, not applied (env LMSBRIDGE_SANDBOX_FAIL_RATE).")
@click.option("--reset-rate", envvar="LMSBRIDGE_SANDBOX_RESET_RATE", type=click.FloatRange(0, 1), default=0.0,
              help="Fraction of calls whose connection is reset, not applied (env LMSBRIDGE_SANDBOX_RESET_RATE).")
@click.option("--timeout-rate", envvar="LMSBRIDGE_SANDBOX_TIMEOUT_RATE", type=click.FloatRange(0, 1), default=0.0,
              help="Fraction of calls that hang --timeout-s, then apply (env LMSBRIDGE_SANDBOX_TIMEOUT_RATE).")
@click.option("--timeout-s", envvar="LMSBRIDGE_SANDBOX_TIMEOUT_S", type=float, default=5.0, show_default=True,
              help="How long a timed-out call hangs (env LMSBRIDGE_SANDBOX_TIMEOUT_S).")
@click.option("--drop-rate", envvar="LMSBRIDGE_SANDBOX_DROP_RATE", type=click.FloatRange(0, 1), default=0.0,
              help="Fraction of calls applied whose response is then lost (env LMSBRIDGE_SANDBOX_DROP_RATE).")
@click.option("--seed", envvar="LMSBRIDGE_SANDBOX_SEED", type=int, default=0, show_default=True,
              help="Seed of the fault RNG, for repeatable runs (env LMSBRIDGE_SANDBOX_SEED).")
def sandbox(host: str, port: int, state: str | None, token: str | None, max_input_vars: int, debug: bool,
            latency_ms: float, per_row_ms: float, fail_rate: float, reset_rate: float, timeout_rate: float,
            timeout_s: float, drop_rate: float, seed: int) -> None:
    """Run a local Moodle-5.0-compatible web-service endpoint until Ctrl-C.

    Example: lmsbridge sandbox --port 8765 --state sandbox.sqlite
    """
    from lmsbridge.sandbox.cli import run_sandbox

    run_sandbox(host=host, port=port, state=state, token=token, max_input_vars=max_input_vars, debug=debug,
                faults=dict(latency_ms=latency_ms, per_row_ms=per_row_ms, fail_rate=fail_rate,
                            reset_rate=reset_rate, timeout_rate=timeout_rate, timeout_s=timeout_s,
                            drop_rate=drop_rate, seed=seed), echo=click.echo)

# --- doctor (lmsbridge/moodle/) ---


# The options that say where Moodle is: doctor, plan, apply, sync, report and certificates share them.
MOODLE_OPTIONS = [
    click.option("--url", envvar="LMSBRIDGE_MOODLE_URL", metavar="URL", help="Moodle site root (env LMSBRIDGE_MOODLE_URL)."),
    click.option("--token", envvar="LMSBRIDGE_MOODLE_TOKEN", metavar="TOKEN",
                 help="Web-service token (env LMSBRIDGE_MOODLE_TOKEN; prefer the variable: flags show in `ps`)."),
    click.option("--timeout", envvar="LMSBRIDGE_TIMEOUT", type=float, help="Seconds per call (env LMSBRIDGE_TIMEOUT)."),
    click.option("--allow-http", envvar="LMSBRIDGE_ALLOW_HTTP", is_flag=True, default=None,
                 help="Allow plain http:// to a non-loopback host (env LMSBRIDGE_ALLOW_HTTP)."),
]


def _with_options(options: list, f):  # type: ignore[no-untyped-def]
    for option in reversed(options):
        f = option(f)
    return f


def _moodle_options(f):  # type: ignore[no-untyped-def]
    return _with_options(MOODLE_OPTIONS, f)


def _moodle_settings(o: dict, **extra):  # type: ignore[no-untyped-def]
    """MoodleSettings from the MOODLE_OPTIONS (taken out of `o`); bad settings exit 2 with what is wrong."""
    from pydantic import ValidationError

    from lmsbridge.config import MoodleSettings

    try:
        return MoodleSettings.from_env(url=o.pop("url"), token=o.pop("token"), timeout=o.pop("timeout"),
                                       allow_http=o.pop("allow_http"), **extra)
    except ValidationError as exc:
        click.echo("lmsbridge: " + "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
                                             for e in exc.errors(include_input=False)), err=True)
        raise SystemExit(2) from None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_moodle_options
def doctor(as_json: bool, **o: object) -> None:
    """Check that Moodle is reachable and the token's service has what lmsbridge needs.

    Exit 0 when ready, 4 when Moodle is unreachable or a required function is missing.

    \b
    Example:
      LMSBRIDGE_MOODLE_TOKEN=... lmsbridge doctor --url https://moodle.example.org
    """
    from lmsbridge.doctor import format_report, run_doctor

    report = run_doctor(_moodle_settings(o))
    click.echo(report.model_dump_json(indent=2) if as_json else format_report(report))
    raise SystemExit(report.exit_code)

# --- moodle-plugin (lmsbridge/plugin_zip.py) ---


@cli.command("moodle-plugin")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("local_lmsbridge.zip"),
              show_default=True, help="Where to write the plugin's zip.")
def moodle_plugin(out: Path) -> None:
    """Write the companion Moodle plugin (local_lmsbridge) as the zip an administrator installs, and say how.

    The zip has one top folder, lmsbridge/, as Moodle's plugin installer expects; the same lmsbridge version
    always writes the same bytes.

    \b
    Example:
      lmsbridge moodle-plugin --out local_lmsbridge.zip
    """
    from lmsbridge.plugin_zip import PluginError, install_instructions, write_plugin_zip

    try:
        result = write_plugin_zip(out)
    except (PluginError, OSError) as e:
        click.echo(f"lmsbridge moodle-plugin: {e}", err=True)
        raise SystemExit(2) from None
    click.echo(f"{result.path}  {result.size} bytes  sha1 {result.sha1}  local_lmsbridge {result.release} "
               f"(version {result.version}, {result.files} files)")
    click.echo(install_instructions(result.path))


# --- plan, apply, sync ---

def _sync_options(f):  # type: ignore[no-untyped-def]
    """Options shared by plan, apply and sync; each setting names its environment variable."""
    options = MOODLE_OPTIONS + [
        click.option("--source", type=click.Path(file_okay=False, path_type=Path), envvar="LMSBRIDGE_SOURCE",
                     help="The course sources with each programme's moodle.toml (env LMSBRIDGE_SOURCE)."),
        click.option("--roster", "rosters", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     envvar="LMSBRIDGE_ROSTERS", help="A roster CSV (repeatable; env LMSBRIDGE_ROSTERS, several separated by ':' as in PATH)."),
        click.option("--prefix", envvar="LMSBRIDGE_PREFIX", help="idnumber prefix of what lmsbridge owns [lmsb-] (env LMSBRIDGE_PREFIX)."),
        click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), envvar="LMSBRIDGE_STATE_DIR",
                     help="Journal, lock and run summaries [.lmsbridge] (env LMSBRIDGE_STATE_DIR)."),
        click.option("--concurrency", type=int, envvar="LMSBRIDGE_CONCURRENCY",
                     help="Calls in parallel [2] (env LMSBRIDGE_CONCURRENCY)."),
        click.option("--auth", envvar="LMSBRIDGE_AUTH",
                     help="Authentication of new users: manual (Moodle makes and mails the password) or the site's "
                          "external method, e.g. oidc, saml2, ldap [manual] (env LMSBRIDGE_AUTH)."),
        click.option("--on-leave", type=click.Choice(["suspend", "unenrol", "keep"]), envvar="LMSBRIDGE_ON_LEAVE",
                     help="What happens to the enrolments of a participant who leaves [suspend] (env LMSBRIDGE_ON_LEAVE)."),
        click.option("--thresholds", envvar="LMSBRIDGE_THRESHOLDS", metavar="SPEC",
                     help="Removal thresholds, e.g. user=10%/100,enrolment=10%/200 (env LMSBRIDGE_THRESHOLDS)."),
        click.option("--roles", envvar="LMSBRIDGE_ROLES", metavar="MAP",
                     help="Role shortname to id, e.g. student=5,teacher=4 (env LMSBRIDGE_ROLES)."),
        click.option("--allow-mass-change", is_flag=True, help="Apply even when a safety threshold is crossed."),
        click.option("--results", "results", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     envvar="LMSBRIDGE_RESULTS", help="A training event's results CSV (idnumber, event, grade, feedback; "
                     "repeatable; env LMSBRIDGE_RESULTS, several separated by ':' as in PATH)."),
        click.option("--scorm-version", type=click.Choice(["1.2", "2004"]), envvar="LMSBRIDGE_SCORM_VERSION",
                     help="SCORM version of the activities' packages [1.2] (env LMSBRIDGE_SCORM_VERSION)."),
        click.option("--metrics-file", type=click.Path(dir_okay=False, path_type=Path), envvar="LMSBRIDGE_METRICS_FILE",
                     help="After each sync, write OpenMetrics text here for node_exporter's textfile collector "
                          "(env LMSBRIDGE_METRICS_FILE)."),
        click.option("--log-format", type=click.Choice(["text", "json"]), envvar="LMSBRIDGE_LOG_FORMAT",
                     default="text", help="Logs on stderr as text or JSON lines (env LMSBRIDGE_LOG_FORMAT)."),
    ]
    return _with_options(options, f)


def _sync_setup(o: dict):  # type: ignore[no-untyped-def]
    """(MoodleClient, SyncSettings) from the shared options; bad settings exit 2."""
    from pydantic import ValidationError

    from lmsbridge.delivery import ConfigError
    from lmsbridge.moodle import MoodleClient
    from lmsbridge.summary import setup_logging
    from lmsbridge.sync import settings_from_options

    setup_logging(o.pop("log_format"))
    moodle = _moodle_settings(o)
    try:
        settings = settings_from_options(**o)
    except ValidationError as exc:
        click.echo("lmsbridge: " + "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
                                             for e in exc.errors(include_input=False)), err=True)
        raise SystemExit(2) from None
    except ConfigError as exc:
        click.echo(f"lmsbridge: {exc}", err=True)
        raise SystemExit(2) from None
    return MoodleClient.from_settings(moodle, concurrency=settings.concurrency), settings


@cli.command()
@_sync_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the plan as JSON here.")
@click.option("--limit", type=int, default=20, show_default=True, help="Actions shown per group.")
def plan(out: Path | None, limit: int, **options: object) -> None:
    """Show what a sync would change (nothing is written to Moodle); --out saves it for `apply`.

    Exit 0 (3 when a safety threshold would block it, 2 for bad input, 4 when Moodle is unreachable).

    \b
    Example:
      lmsbridge plan --roster rosters/sc.csv --out plan.json
    """
    from lmsbridge.delivery import ConfigError
    from lmsbridge.journal import Journal
    from lmsbridge.sync import BLOCKED, OK, SyncError, make_sync_plan

    client, settings = _sync_setup(options)
    try:
        journal = Journal(settings.state_dir)
        result = make_sync_plan(settings, client, journal)
    except ConfigError as exc:
        click.echo(f"lmsbridge plan: {exc}", err=True)
        raise SystemExit(2) from None
    except SyncError as exc:
        click.echo(f"lmsbridge plan: {exc}", err=True)
        raise SystemExit(exc.exit_code) from None
    click.echo(result.to_text(limit=limit))
    if out:
        result.save(out)
        click.echo(f"\nPlan written to {out}; apply it with: lmsbridge apply {out}")
    raise SystemExit(BLOCKED if result.blocked else OK)


@cli.command()
@_sync_options
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def apply(plan_file: Path, **options: object) -> None:
    """Apply exactly the plan in PLAN_FILE, after checking that the site has not changed since it was made.

    \b
    Example:
      lmsbridge apply plan.json
    """
    from pydantic import ValidationError

    from lmsbridge.plan import Plan
    from lmsbridge.summary import Progress, format_summary
    from lmsbridge.sync import install_stop_handlers, run_apply

    client, settings = _sync_setup(options)
    try:
        the_plan = Plan.load(plan_file)
    except (ValidationError, ValueError) as exc:
        click.echo(f"lmsbridge apply: {plan_file} is not a plan written by `lmsbridge plan --out`: {exc}", err=True)
        raise SystemExit(2) from None
    import threading

    stop = threading.Event()
    install_stop_handlers(stop)
    outcome = run_apply(the_plan, settings, client, stop=stop, progress=Progress())
    click.echo(format_summary(outcome))
    raise SystemExit(outcome.exit_code)


@cli.command()
@_sync_options
@click.option("--dry-run", is_flag=True, help="Plan and show the summary; apply nothing.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the plan as JSON here.")
@click.option("--every", metavar="INTERVAL", envvar="LMSBRIDGE_EVERY",
              help="Keep running: sync now and then every INTERVAL (15m, 1h) until SIGTERM (env LMSBRIDGE_EVERY).")
def sync(dry_run: bool, out: Path | None, every: str | None, **options: object) -> None:
    """Plan and apply in one go: what a schedule (cron, systemd timer) runs.

    Exit codes: 0 all applied; 1 some rows failed; 2 bad config or input; 3 blocked by a safety threshold;
    4 Moodle unreachable or preflight failed. SIGTERM/SIGINT finish the current batch and release the lock.

    \b
    Examples:
      lmsbridge sync --roster rosters/sc.csv --roster rosters/emp.csv
      lmsbridge sync --dry-run
      lmsbridge sync --every 15m
    """
    import threading

    from lmsbridge.delivery import ConfigError
    from lmsbridge.summary import Progress, format_summary
    from lmsbridge.sync import install_stop_handlers, parse_interval, run_every, run_sync

    client, settings = _sync_setup(options)
    stop = threading.Event()
    install_stop_handlers(stop)

    def once():  # type: ignore[no-untyped-def]
        return run_sync(settings, client, dry_run=dry_run, stop=stop, progress=Progress(), plan_out=out)

    def show(outcome) -> None:  # type: ignore[no-untyped-def]
        if dry_run and outcome.plan is not None:
            click.echo(outcome.plan.to_text())
        click.echo(format_summary(outcome))

    if every:
        try:
            interval = parse_interval(every)
        except ConfigError as exc:
            click.echo(f"lmsbridge sync: {exc}", err=True)
            raise SystemExit(2) from None
        raise SystemExit(run_every(interval, once, stop, show))
    outcome = once()
    show(outcome)
    raise SystemExit(outcome.exit_code)


# --- report, certificates ---

def _report_options(f):  # type: ignore[no-untyped-def]
    """Where Moodle is and which programmes: shared by report and certificates."""
    options = MOODLE_OPTIONS + [
        click.option("--concurrency", type=int, envvar="LMSBRIDGE_CONCURRENCY",
                     help="Calls in parallel [4] (env LMSBRIDGE_CONCURRENCY)."),
        click.option("--source", type=click.Path(file_okay=False, path_type=Path), envvar="LMSBRIDGE_SOURCE",
                     help="The course sources with each programme's moodle.toml (env LMSBRIDGE_SOURCE)."),
        click.option("--prefix", envvar="LMSBRIDGE_PREFIX", default="lmsb-", show_default=True,
                     help="idnumber prefix of lmsbridge's courses (env LMSBRIDGE_PREFIX)."),
        click.option("--programme", "programmes", multiple=True, metavar="ID",
                     help="Only this programme (repeatable), e.g. social-clustering."),
    ]
    return _with_options(options, f)


def _report_client(o: dict):  # type: ignore[no-untyped-def]
    """A MoodleClient from the shared options (bad settings exit 2) and the course sources folder."""
    from lmsbridge.moodle import MoodleClient
    from scorm.build import default_source

    settings = _moodle_settings(o, concurrency=o.pop("concurrency"))
    return MoodleClient.from_settings(settings), o.pop("source") or default_source()


def _report_errors(fn):  # type: ignore[no-untyped-def]
    """Bad configuration exits 2, an unreachable or refusing Moodle 4 (house exit codes)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        from lmsbridge.delivery import ConfigError
        from lmsbridge.moodle import MoodleError

        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"lmsbridge: {exc}", err=True)
            raise SystemExit(2) from None
        except MoodleError as exc:
            click.echo(f"lmsbridge: Moodle: {exc}", err=True)
            raise SystemExit(4) from None
    return wrapper


@cli.command()
@_report_options
@click.option("--intake", "intakes", multiple=True, metavar="ID", help="Only this intake (repeatable), e.g. 2026.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only rows with activity on or after this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only rows with activity on or before this day.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/report"),
              show_default=True, help="Folder for report.csv and report.html.")
@_report_errors
def report(intakes: tuple[str, ...], since, until, out: Path, **options: object) -> None:  # type: ignore[no-untyped-def]
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
    filters = Filters(programme=list(options["programmes"]), intake=list(intakes),  # type: ignore[arg-type]
                      since=since.date() if since else None, until=until.date() if until else None)
    with client:
        files = make_report(client, source, out, prefix=str(options["prefix"]), filters=filters)
    data = files.report
    for problem in data.problems:
        click.echo(f"lmsbridge report: {problem}", err=True)
    people = len({r.participant.key for r in data.rows})
    click.echo(f"{len(data.rows)} rows ({people} participants) from {data.calls} calls")
    click.echo(f"{files.csv}\n{files.html}")
    raise SystemExit(1 if data.problems else 0)


@cli.group(invoke_without_command=True)
@_report_options
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out/certificates"),
              show_default=True, help="Folder for the certificates (one folder per programme).")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), envvar="LMSBRIDGE_STATE_DIR",
              help="Where the certificate registry and secret live [.lmsbridge] (env LMSBRIDGE_STATE_DIR).")
@click.option("--pdf/--no-pdf", default=None, help="Also print each to PDF with Chromium [when /usr/bin/chromium "
              "exists; env LMSBRIDGE_CHROMIUM names another].")
@click.option("--show-missing", is_flag=True, help="Also list who does not qualify yet, and what is missing.")
@click.pass_context
@_report_errors
def certificates(ctx: click.Context, out: Path, state_dir: Path | None, pdf: bool | None, show_missing: bool,
                 **options: object) -> None:
    """List who has earned a programme's certificate (rule in its certificate.toml) and write each one:
    print-ready HTML (A4) in the participant's language, and PDF. Re-runs keep every number and code.

    The verification code is signed with LMSBRIDGE_CERT_SECRET, or a secret kept in the state dir.
    Exit 0; 1 when some data could not be read; 2 bad configuration; 4 Moodle unreachable.

    \b
    Examples:
      lmsbridge certificates --programme executive-management --out out/certificates
      lmsbridge certificates verify ABCDE-FGHJK-LMNPQ-RSTUV
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"state_dir": state_dir}
        return
    from lmsbridge.report import make_certificates

    client, source = _report_client(options)
    with client:
        run = make_certificates(client, source, out, programme=list(options["programmes"]),  # type: ignore[arg-type]
                                prefix=str(options["prefix"]), state=state_dir, pdf=pdf)
    for problem in run.problems:
        click.echo(f"lmsbridge certificates: {problem}", err=True)
    for item in run.issued:
        c = item.certificate
        files = f"{item.html}" + (f", {item.pdf}" if item.pdf else "")
        click.echo(f"{c.number}  {'new ' if item.new else 'kept'}  {c.name} ({c.participant}, {c.programme}, "
                   f"{c.lang})  {files}")
    if show_missing:
        for q in run.not_qualified:
            click.echo(f"not yet  {q.participant.display_name} ({q.participant.key}, {q.programme}): {q.missing}")
    click.echo(f"{len(run.issued)} qualify ({sum(1 for i in run.issued if i.new)} new), "
               f"{len(run.not_qualified)} do not yet")
    raise SystemExit(1 if run.problems else 0)


@certificates.command("verify")
@click.argument("code")
@click.pass_context
@_report_errors
def certificates_verify(ctx: click.Context, code: str) -> None:
    """Check a certificate's verification code: valid (who, what, when), exit 0; invalid, exit 1."""
    from lmsbridge.report import verify_certificate

    result = verify_certificate(code, state=(ctx.obj or {}).get("state_dir"))
    if result.valid and result.certificate:
        c = result.certificate
        click.echo(f"valid: {c.number} — {c.name} ({c.participant}) completed {c.programme}"
                   f"{' intake ' + c.intake if c.intake else ''}; issued {c.issued_on}"
                   f"{', completed ' + c.completed_on if c.completed_on else ''}")
        raise SystemExit(0)
    click.echo(f"invalid: {result.message}")
    raise SystemExit(1)


# --- demo: the README's main command ---


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
              help="Folder for the packages and the run's files.")
@click.option("--schemas", type=click.Path(exists=True, file_okay=False, path_type=Path), envvar="LMSBRIDGE_SCHEMAS",
              help="SCORM schema directory: packages carry the XSDs and are validated against them.")
def demo(out: Path, schemas: Path | None) -> None:
    """Run the whole job on the embedded default, no Moodle of your own needed: build and validate every
    package, sync the sample programmes into the local Moodle sandbox, then report and issue certificates."""
    from lmsbridge.demo import run_demo

    raise SystemExit(run_demo(out, schemas=schemas, echo=click.echo))


def main() -> None:
    # The environment wins over .env (override=False), and flags win over both (click).
    load_dotenv(".env", override=False)
    cli()
