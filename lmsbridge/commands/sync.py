"""plan, apply and sync: the sync's commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lmsbridge.commands.options import fail, moodle_settings, sync_options
from lmsbridge.exit_codes import ExitCode

if TYPE_CHECKING:
    from lmsbridge.moodle import MoodleClient
    from lmsbridge.sync.outcome import SyncOutcome
    from lmsbridge.sync.settings import SyncSettings


def _sync_setup(o: dict[str, Any]) -> tuple[MoodleClient, SyncSettings]:
    """(MoodleClient, SyncSettings) from the shared options; bad settings exit 2."""
    from lmsbridge.moodle import MoodleClient
    from lmsbridge.sync.settings import settings_from_options
    from lmsbridge.sync.sources.delivery import ConfigError
    from lmsbridge.sync.summary import setup_logging

    setup_logging(o.pop("log_format"))
    moodle = moodle_settings(o)
    try:
        settings = settings_from_options(**o)
    except ConfigError as exc:
        fail(f"lmsbridge: {exc}", ExitCode.BAD_INPUT)
    return MoodleClient.from_settings(moodle, concurrency=settings.concurrency), settings


@click.command()
@sync_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the plan as JSON here.")
@click.option("--limit", type=int, default=20, show_default=True, help="Actions shown per group.")
def plan(out: Path | None, limit: int, **options: Any) -> None:
    """Show what a sync would change (nothing is written to Moodle); --out saves it for `apply`.

    Exit 0 (3 when a safety threshold would block it, 2 for bad input, 4 when Moodle is unreachable or answers
    malformed).

    \b
    Example:
      lmsbridge plan --roster rosters/sc.csv --out plan.json
    """
    from lmsbridge.sync.journal import Journal
    from lmsbridge.sync.run import SyncError, make_sync_plan
    from lmsbridge.sync.sources.delivery import ConfigError

    client, settings = _sync_setup(options)
    try:
        journal = Journal(settings.state_dir)
        result = make_sync_plan(settings, client, journal)
    except ConfigError as exc:
        fail(f"lmsbridge plan: {exc}", ExitCode.BAD_INPUT)
    except SyncError as exc:
        fail(f"lmsbridge plan: {exc}", exc.exit_code)
    click.echo(result.to_text(limit=limit))
    if out:
        result.save(out)
        click.echo(f"\nPlan written to {out}; apply it with: lmsbridge apply {out}")
    raise SystemExit(ExitCode.BLOCKED if result.blocked else ExitCode.OK)


@click.command()
@sync_options
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def apply(plan_file: Path, **options: Any) -> None:
    """Apply exactly the plan in PLAN_FILE, after checking that the site has not changed since it was made.

    \b
    Example:
      lmsbridge apply plan.json
    """
    from pydantic import ValidationError

    from lmsbridge.sync.plan import Plan
    from lmsbridge.sync.run import run_apply
    from lmsbridge.sync.schedule import install_stop_handlers
    from lmsbridge.sync.summary import Progress, format_summary

    client, settings = _sync_setup(options)
    try:
        the_plan = Plan.load(plan_file)
    except (ValidationError, ValueError) as exc:
        where = ""
        if isinstance(exc, ValidationError) and exc.errors():
            first = exc.errors(include_input=False)[0]
            where = f" (at {'.'.join(map(str, first['loc'])) or 'the top'}: {first['msg'].lower()})"
        fail(f"lmsbridge apply: {plan_file} is not a plan written by `lmsbridge plan --out`{where}; make a new "
             "one with `lmsbridge plan --out`", ExitCode.BAD_INPUT)
    import threading

    stop = threading.Event()
    install_stop_handlers(stop)
    outcome = run_apply(the_plan, settings, client, stop=stop, progress=Progress())
    click.echo(format_summary(outcome))
    raise SystemExit(outcome.exit_code)


@click.command()
@sync_options
@click.option("--dry-run", is_flag=True, help="Plan and show the summary; apply nothing.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the plan as JSON here.")
@click.option("--every", metavar="INTERVAL", envvar="LMSBRIDGE_EVERY",
              help="Keep running: sync now and then every INTERVAL (15m, 1h) until SIGTERM (env LMSBRIDGE_EVERY).")
def sync(dry_run: bool, out: Path | None, every: str | None, **options: Any) -> None:
    """Plan and apply in one go: what a schedule (cron, systemd timer) runs.

    Exit codes: 0 all applied, or nothing to do; 1 some rows failed, or a broken roster row held its participant
    back; 2 bad config or input (no roster set, a roster's file or header broken); 3 blocked by a safety
    threshold; 4 Moodle unreachable, preflight failed, a malformed answer, or the site changed since the plan;
    5 another sync holds the lock. SIGTERM/SIGINT finish the current batch and release the lock.

    \b
    Examples:
      lmsbridge sync --roster rosters/sc.csv --roster rosters/emp.csv
      lmsbridge sync --dry-run
      lmsbridge sync --every 15m
    """
    import threading

    from lmsbridge.sync.run import run_sync
    from lmsbridge.sync.schedule import install_stop_handlers, parse_interval, run_every
    from lmsbridge.sync.sources.delivery import ConfigError
    from lmsbridge.sync.summary import Progress, format_summary

    client, settings = _sync_setup(options)
    stop = threading.Event()
    install_stop_handlers(stop)

    def once() -> SyncOutcome:
        return run_sync(settings, client, dry_run=dry_run, stop=stop, progress=Progress(), plan_out=out)

    def show(outcome: SyncOutcome) -> None:
        if dry_run and outcome.plan is not None:
            click.echo(outcome.plan.to_text())
        click.echo(format_summary(outcome))

    if every:
        try:
            interval = parse_interval(every)
        except ConfigError as exc:
            fail(f"lmsbridge sync: {exc}", ExitCode.BAD_INPUT)
        raise SystemExit(run_every(interval, once, stop, show))
    outcome = once()
    show(outcome)
    raise SystemExit(outcome.exit_code)




@click.command()
@sync_options
@click.argument("run_id", metavar="RUN")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the undo plan as JSON here, to apply it with `lmsbridge apply`.")
@click.option("--yes", is_flag=True, help="Apply the undo plan now, after showing it.")
def undo(run_id: str, out: Path | None, yes: bool, **options: Any) -> None:
    """Put back what run RUN took away: reactivate the accounts and enrolments it suspended, enrol again whom it
    unenrolled, add again to cohorts and groups, restore the fields it changed. Nothing is deleted. The plan is
    shown for review; apply it with --yes, or save it with --out and run `lmsbridge apply`.

    RUN is a run id from last-run.json or the runs/ folder of the state dir.

    \b
    Examples:
      lmsbridge undo 20261204T150102-1a2b3c4d --out undo.json && lmsbridge apply undo.json
      lmsbridge undo 20261204T150102-1a2b3c4d --yes
    """
    from lmsbridge.sync.journal import Journal, Lock, LockHeld
    from lmsbridge.sync.run import SyncError, apply_sync_plan
    from lmsbridge.sync.summary import format_summary
    from lmsbridge.sync.undo import UndoError, make_undo_plan

    client, settings = _sync_setup(options)
    journal = Journal(settings.state_dir)
    try:
        with Lock(settings.state_dir):
            the_plan = make_undo_plan(run_id, settings, client, journal)
            click.echo(the_plan.to_text())
            if out:
                the_plan.save(out)
                click.echo(f"\nUndo plan written to {out}; apply it with: lmsbridge apply {out}")
            if not yes or not the_plan.actions:
                raise SystemExit(ExitCode.OK)
            outcome = apply_sync_plan(the_plan, settings, client, journal, check_drift=False, command="undo")
    except LockHeld as exc:
        fail(f"lmsbridge undo: {exc}", ExitCode.SITE_FAILED)
    except UndoError as exc:
        fail(f"lmsbridge undo: {exc}", ExitCode.BAD_INPUT)
    except SyncError as exc:
        fail(f"lmsbridge undo: {exc}", exc.exit_code)
    finally:
        journal.close()
    click.echo(format_summary(outcome))
    raise SystemExit(outcome.exit_code)
