"""The command line: a thin click face over the library. Commands hold options and printing, no logic.

Build, validate and demo are here; the other commands are in ``lmsbridge.commands`` by area. Exit codes are
named in lmsbridge.exit_codes.

Every option can also come from the environment (LMSBRIDGE_*), or from a `.env` file in the current directory;
a flag on the command line wins.
"""

from __future__ import annotations

from pathlib import Path

import click
from dotenv import load_dotenv

from lmsbridge.commands.moodle import doctor, moodle_plugin, sandbox
from lmsbridge.commands.options import fail
from lmsbridge.commands.report import certificates, report
from lmsbridge.commands.sync import apply, plan, sync, undo
from lmsbridge.exit_codes import ExitCode


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lmsbridge")
def cli() -> None:
    """Build SCORM packages of the training modules and keep Moodle in line with the programme records.

    Settings come from options, LMSBRIDGE_* variables or a .env file in the current directory. New here? Run
    `lmsbridge demo`: it builds the packages, syncs the sample programmes into a local sandbox Moodle, then
    reports and issues certificates, with no Moodle of your own.

    \b
    Example:
      export LMSBRIDGE_MOODLE_URL=https://moodle.example.org LMSBRIDGE_MOODLE_TOKEN=...
      lmsbridge plan --roster rosters/sc.csv      # what would change; nothing is written
      lmsbridge sync --roster rosters/sc.csv      # plan and apply

    Exit codes: 0 done; 1 some rows failed or were held back; 2 bad configuration or input; 3 blocked by a
    safety threshold; 4 Moodle unreachable, refusing or answering malformed; 5 another sync holds the lock.
    """


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
        fail(f"lmsbridge build: {e}", ExitCode.BAD_INPUT)
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
    raise SystemExit(ExitCode.OK if all(r.ok for r in reports) else ExitCode.ROWS_FAILED)


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


for command in (sandbox, doctor, moodle_plugin, plan, apply, sync, undo, report, certificates):
    cli.add_command(command)


def main() -> None:
    # The environment wins over .env (override=False), and flags win over both (click).
    load_dotenv(".env", override=False)
    cli()
