"""Plan, apply, sync: the library behind `lmsbridge plan|apply|sync` (settings in .settings, repeats in .schedule).

    settings = SyncSettings(source=Path("course_packages"), rosters=[Path("rosters/sc.csv")])
    with MoodleClient(url, token) as client:
        outcome = run_sync(settings, client)           # plan + apply; outcome.exit_code, outcome.summary
        plan = make_sync_plan(settings, client)        # review first ...
        outcome = apply_sync_plan(plan, settings, client)   # ... then apply exactly that plan

Exit codes: 0 all applied; 1 some rows failed; 2 bad config or input; 3 blocked by safety; 4 Moodle
unreachable, preflight failed, or the site drifted since the plan.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lmsbridge.capabilities import permission_hint
from lmsbridge.exit_codes import ExitCode
from lmsbridge.exit_codes import outcome as exit_outcome
from lmsbridge.moodle import (
    COMPETENCY_FUNCTIONS,
    PLUGIN_BULK_FUNCTIONS,
    PLUGIN_FUNCTIONS,
    PLUGIN_READ_FUNCTION,
    SYNC_FUNCTIONS,
    MoodleAPIError,
    MoodleClient,
    MoodleError,
)
from lmsbridge.private_files import private_dir, write_private
from lmsbridge.sync.actual import ActualState, Scope
from lmsbridge.sync.apply.applier import apply_plan
from lmsbridge.sync.apply.guard import live_ids, refused_actions
from lmsbridge.sync.apply.ledger import SiteFailure
from lmsbridge.sync.desired import DesiredState, add_frameworks, add_results, build_desired
from lmsbridge.sync.journal import Journal, Lock, LockHeld, now_iso
from lmsbridge.sync.keys import Pair
from lmsbridge.sync.metrics import write_sync_metrics
from lmsbridge.sync.outcome import SyncOutcome
from lmsbridge.sync.plan import Plan
from lmsbridge.sync.planner import PlanSettings, make_plan, scope_of
from lmsbridge.sync.reader import read_actual
from lmsbridge.sync.settings import SyncSettings
from lmsbridge.sync.sources.delivery import ConfigError, load_deliveries
from lmsbridge.sync.sources.results import read_results
from lmsbridge.sync.sources.roster import read_rosters

log = logging.getLogger("lmsbridge.sync")


class SyncError(Exception):
    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# What reading an answer of the wrong shape raises (pydantic's ValidationError is a ValueError): a site that is
# not Moodle, or a proxy or plugin rewriting its answers. A protocol error of the site, never a traceback.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def malformed(exc: Exception, step: str) -> SyncError:
    detail = (str(exc).splitlines() or [""])[0][:200]
    return SyncError(f"{step}: Moodle's answer is not in the shape Moodle gives ({type(exc).__name__}: {detail}). "
                     "Check that LMSBRIDGE_MOODLE_URL is the Moodle site and that nothing between (a proxy, a "
                     "plugin) rewrites its answers", ExitCode.SITE_FAILED)


# --- the steps ---


def load_desired(settings: SyncSettings) -> DesiredState:
    if not settings.prefix or not settings.prefix.strip():
        raise ConfigError("the idnumber prefix is empty: lmsbridge would claim everything. Set LMSBRIDGE_PREFIX")
    if not settings.rosters:
        raise ConfigError("no roster is set: name the roster CSV files in LMSBRIDGE_ROSTERS (in the environment "
                          "or the .env file; several separated by ':') or with --roster")
    deliveries = load_deliveries(settings.source)
    missing = [str(p) for p in settings.rosters if not Path(p).is_file()]
    if missing:
        raise ConfigError(f"roster file not found: {', '.join(missing)}")
    from lmsbridge.sync.desired import course_plan

    shortnames = {c.shortname for d in deliveries for c in course_plan(d, settings.prefix)}
    roster = read_rosters(settings.rosters, deliveries, shortnames)
    unreadable = [p for p in roster.problems if p.line <= 1 and p.severity == "error"]
    if unreadable:
        raise ConfigError("\n".join(str(p) for p in unreadable))
    desired = build_desired(deliveries, roster, prefix=settings.prefix, default_auth=settings.auth)
    add_frameworks(desired, deliveries)
    if settings.results:
        rows, problems = read_results(settings.results)
        desired.problems.extend(problems)
        add_results(desired, rows, deliveries)
    return desired


def preflight(client: MoodleClient) -> set[str]:
    """Check the site and the core functions; returns the names of the functions the token's service has."""
    try:
        info = client.get_site_info()
    except MoodleError as exc:
        raise SyncError(f"Moodle preflight failed: {exc}", ExitCode.SITE_FAILED) from None
    except MALFORMED as exc:
        raise malformed(exc, "Moodle preflight failed") from None
    missing = [f for f in SYNC_FUNCTIONS if f not in info.function_names]
    if missing:
        raise SyncError(f"the token's web service lacks {', '.join(missing)}; add them to the external service "
                        "(run `lmsbridge doctor`)", ExitCode.SITE_FAILED)
    return set(info.function_names)


def optional_parts(functions: set[str]) -> tuple[str, str]:
    """Why the plugin's and the competency parts cannot run on this site ("" = they can)."""
    plugin = ""
    needed = [f for f in PLUGIN_FUNCTIONS if f != PLUGIN_READ_FUNCTION and f not in PLUGIN_BULK_FUNCTIONS]
    lacking = [f for f in needed if f not in functions]
    if len(lacking) == len(needed):
        plugin = "the companion plugin local_lmsbridge is not installed; see lmsbridge doctor"
    elif lacking:
        plugin = (f"the token's service lacks {', '.join(lacking)} of the companion plugin; see lmsbridge doctor")
    lacking = [f for f in COMPETENCY_FUNCTIONS if f not in functions]
    competencies = (f"the token's service lacks {', '.join(lacking)} (competencies); see lmsbridge doctor"
                    if lacking else "")
    return plugin, competencies


def build_run_packages(settings: SyncSettings, desired: DesiredState) -> tuple[dict[str, tuple[str, str]], str]:
    """Build the delivered modules' packages once per run into <state dir>/packages (reproducible: the same
    sources give the same sha1, so an unchanged module is not uploaded again)."""
    from scorm.build import BuildError, build_packages
    from scorm.sources import SourceError

    modules = sorted({a.module for a in desired.activities.values()})
    if not modules:
        return {}, ""
    try:
        built = build_packages(settings.source, settings.state_dir / "packages", versions=(settings.scorm_version,),
                               modules=modules)
    except (SourceError, BuildError) as exc:
        return {}, f"the packages could not be built: {str(exc).splitlines()[0]} (run lmsbridge build)"
    return {str(Pair(b.module, b.lang)): (b.sha1, str(b.path)) for b in built}, ""


def _read(client: MoodleClient, scope: Scope, settings: SyncSettings) -> ActualState:
    try:
        return read_actual(client, scope, concurrency=settings.concurrency)
    except MoodleError as exc:
        if isinstance(exc, MoodleAPIError) and exc.errorcode == "nopermissions":
            raise SyncError(f"reading Moodle failed: {exc.function}: {exc.moodle_message}\n  "
                            f"{permission_hint(exc.moodle_message)}", ExitCode.SITE_FAILED) from None
        raise SyncError(f"reading Moodle failed: {exc}", ExitCode.SITE_FAILED) from None
    except MALFORMED as exc:
        raise malformed(exc, "reading Moodle failed") from None


def make_sync_plan(settings: SyncSettings, client: MoodleClient, journal: Journal | None = None,
                   desired: DesiredState | None = None) -> Plan:
    """Read inputs and the live site; return the plan (nothing is written to Moodle)."""
    desired = desired or load_desired(settings)
    functions = preflight(client)
    plugin_missing, competencies_missing = optional_parts(functions)
    packages, packages_problem = ({}, "") if plugin_missing else build_run_packages(settings, desired)
    known = journal.managed_users() if journal else set()
    ids = {e: journal.known_ids(e) for e in ("course", "group")} if journal else None
    scope = scope_of(desired, known, ids, plugin=not plugin_missing, competencies=not competencies_missing,
                     read_courses=PLUGIN_READ_FUNCTION in functions)
    scope.bulk = [f for f in PLUGIN_BULK_FUNCTIONS if f in functions] if not plugin_missing else []
    scope.match_by, scope.adopted = settings.match_users_by, journal.adopted_users() if journal else {}
    scope.managed = journal.managed_ids() if journal else {}
    actual = _read(client, scope, settings)
    plan = make_plan(desired, actual, scope, PlanSettings(
        roles=settings.roles, on_leave=settings.on_leave, safety=settings.safety,
        allow_mass_change=settings.allow_mass_change,
        last_roster_rows=journal.last_roster_rows() if journal else None, now=int(time.time()),
        created_at=now_iso(),
        site_url=client.url, plugin_missing=plugin_missing, competencies_missing=competencies_missing,
        packages=packages, packages_problem=packages_problem))
    log.info("planned %d changes from %d roster rows (%d read calls, %d problems)", len(plan.actions),
             plan.roster_rows, plan.reads, len(plan.problems), extra={"count": len(plan.actions)})
    return plan


def apply_sync_plan(plan: Plan, settings: SyncSettings, client: MoodleClient, journal: Journal, *,
                    check_drift: bool = True, stop: threading.Event | None = None,
                    progress: Callable[[str, int, int], None] | None = None, command: str = "apply") -> SyncOutcome:
    """Apply exactly ``plan``; with ``check_drift`` first re-read the site and refuse if it changed."""
    started = time.monotonic()
    if plan.safety and not (plan.override or settings.allow_mass_change):
        return SyncOutcome(exit_code=ExitCode.BLOCKED, plan=plan, message="; ".join(f.message for f in plan.safety))
    if plan.prefix != settings.prefix:
        raise SyncError(f"the plan was made for prefix {plan.prefix!r}, the settings say {settings.prefix!r}",
                        ExitCode.BAD_INPUT)
    if check_drift:
        preflight(client)
        now = _read(client, plan.scope, settings)
        if now.fingerprint() != plan.fingerprint:
            raise SyncError("the site has changed since the plan was made (its state no longer matches the plan's "
                            "fingerprint); make a new plan with `lmsbridge plan` and review it", ExitCode.SITE_FAILED)
        refused = refused_actions(plan, now, {k for k, u in now.users.items() if u.matched_by})
        if refused:
            raise SyncError(f"the plan is refused: {len(refused)} action(s) on what lmsbridge does not own (was the "
                            "plan edited?); nothing was applied. Make a new plan with `lmsbridge plan`:\n  "
                            + "\n  ".join(refused[:20]), ExitCode.BAD_INPUT)
        plan = plan.model_copy(update={"ids": live_ids(plan, now)})  # the plan's own ids are not trusted
    journal.mark_interrupted()  # we hold the lock: any run still marked running was killed
    run_id = journal.start_run(command, plan)
    try:
        result = apply_plan(plan, client, journal, run_id, concurrency=settings.concurrency, stop=stop,
                            progress=progress)
    except SiteFailure as exc:
        journal.finish_run(run_id, "failed", ExitCode.SITE_FAILED, {})
        raise SyncError(f"Moodle stopped answering usefully: {exc}", ExitCode.SITE_FAILED) from None
    except MALFORMED as exc:
        journal.finish_run(run_id, "failed", ExitCode.SITE_FAILED, {})
        raise malformed(exc, "applying the plan failed") from None
    adopted = set(journal.adopted_users()) | {a.key for a in plan.actions if a.op == "adopt"}
    managed = {k: v for k, v in result.ids.get("user", {}).items() if k.startswith(plan.prefix) and k not in adopted}
    journal.remember_users(managed, run_id)
    for entity in ("course", "group"):
        journal.remember_ids(entity, result.ids.get(entity, {}))
    code = ExitCode.ROWS_FAILED if (result.failures or plan.errors) else ExitCode.OK
    status = "interrupted" if result.interrupted else ("partial" if code else "applied")
    journal.finish_run(run_id, status, code, result.applied)
    log.info("run %s %s: %d write calls, %d failed rows, exit %d", run_id, status, result.calls,
             len(result.failures), code, extra={"run_id": run_id})
    outcome = SyncOutcome(exit_code=code, plan=plan, result=result, run_id=run_id,
                          seconds=round(time.monotonic() - started, 3),
                          message="interrupted: stopped after the current batch" if result.interrupted else "")
    write_run_summary(settings.state_dir, outcome)
    return outcome


def run_sync(settings: SyncSettings, client: MoodleClient, *, dry_run: bool = False,
             stop: threading.Event | None = None, progress: Callable[[str, int, int], None] | None = None,
             plan_out: Path | None = None) -> SyncOutcome:
    """Plan and apply in one go (under the lock), as a scheduled sync does; with ``settings.metrics_file`` the
    run's OpenMetrics file is written too (also for a failed run: monitoring must see it)."""
    outcome = log_outcome(_run_sync(settings, client, dry_run=dry_run, stop=stop, progress=progress,
                                    plan_out=plan_out))
    if settings.metrics_file and not dry_run:
        try:
            write_sync_metrics(outcome.summary(), settings.metrics_file)
        except OSError as exc:
            log.error("could not write the metrics file %s: %s", settings.metrics_file, exc)
    return outcome


def _run_sync(settings: SyncSettings, client: MoodleClient, *, dry_run: bool = False,
              stop: threading.Event | None = None, progress: Callable[[str, int, int], None] | None = None,
              plan_out: Path | None = None) -> SyncOutcome:
    started = time.monotonic()
    try:
        desired = load_desired(settings)
    except ConfigError as exc:
        return SyncOutcome(exit_code=ExitCode.BAD_INPUT, message=str(exc))
    try:
        with _locked(settings) as journal:
            plan = make_sync_plan(settings, client, journal, desired)
            if plan_out:
                plan.save(plan_out)
            if dry_run:
                return SyncOutcome(exit_code=ExitCode.BLOCKED if plan.blocked else ExitCode.OK, plan=plan, dry_run=True,
                                   seconds=round(time.monotonic() - started, 3))
            outcome = apply_sync_plan(plan, settings, client, journal, check_drift=False, stop=stop,
                                      progress=progress, command="sync")
            outcome.seconds = round(time.monotonic() - started, 3)
            if outcome.run_id:
                write_run_summary(settings.state_dir, outcome)
            return outcome
    except LockHeld as exc:
        return SyncOutcome(exit_code=ExitCode.LOCKED, message=str(exc))
    except SyncError as exc:
        return SyncOutcome(exit_code=exc.exit_code, message=str(exc))


def run_apply(plan: Plan, settings: SyncSettings, client: MoodleClient, *, stop: threading.Event | None = None,
              progress: Callable[[str, int, int], None] | None = None) -> SyncOutcome:
    """`lmsbridge apply PLAN.json`: under the lock, check for drift, then apply exactly the plan."""
    try:
        with _locked(settings) as journal:
            return log_outcome(apply_sync_plan(plan, settings, client, journal, check_drift=True, stop=stop,
                                               progress=progress))
    except LockHeld as exc:
        return log_outcome(SyncOutcome(exit_code=ExitCode.LOCKED, message=str(exc), plan=plan))
    except SyncError as exc:
        return log_outcome(SyncOutcome(exit_code=exc.exit_code, message=str(exc), plan=plan))


def log_outcome(outcome: SyncOutcome) -> SyncOutcome:
    """The run's outcome as a log record (an error record for anything but success), so that a JSON log alone
    tells monitoring how every run ended, refusals included."""
    name = exit_outcome(outcome.exit_code)
    level = logging.INFO if outcome.exit_code == ExitCode.OK else logging.ERROR
    log.log(level, "sync %s (exit %d%s)%s", name, outcome.exit_code, ", dry run" if outcome.dry_run else "",
            f": {outcome.message}" if outcome.message else "",
            extra={"outcome": name, "exit_code": outcome.exit_code, "run_id": outcome.run_id})
    return outcome


@contextmanager
def _locked(settings: SyncSettings) -> Iterator[Journal]:
    """The journal, while holding the state dir's lock so that two runs never overlap (LockHeld if taken)."""
    journal = Journal(settings.state_dir)
    try:
        with Lock(settings.state_dir):
            yield journal
    finally:
        journal.close()


def write_run_summary(state_dir: Path, outcome: SyncOutcome) -> Path:
    """`<state dir>/last-run.json` (and runs/<run id>.json): what monitoring reads."""
    data = outcome.summary()
    runs = private_dir(private_dir(state_dir) / "runs")
    text = json.dumps(data, indent=1, ensure_ascii=False)
    write_private(runs / f"{outcome.run_id or 'dry-run'}.json", text)
    return write_private(state_dir / "last-run.json", text)
