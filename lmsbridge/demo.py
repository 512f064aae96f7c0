"""The README's main job on the embedded default: build every package, validate it, and sync the sample
programmes into the local Moodle sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lmsbridge.exit_codes import ExitCode
from scorm.build import build_packages, default_source
from scorm.validate import validate_package


def build_and_validate(out: Path, *, schemas: Path | None, echo: Callable[[str], None]) -> bool:
    """Builds every module in both SCORM versions and validates each zip; True when all are clean."""
    packages = build_packages(default_source(), out, versions=("1.2", "2004"), schemas=schemas)
    clean = True
    for p in packages:
        report = validate_package(p.path, schemas=schemas)
        errors, warnings = len(report.errors), len(report.warnings)  # infos (e.g. XSD004) are neither
        clean &= report.ok and not warnings
        verdict = "valid" if report.ok else "INVALID"
        echo(f"  {p.path.name:<42} SCORM {p.version:<4} {p.size:>8} bytes  {verdict}"
             f"{f'  ({errors} errors, {warnings} warnings)' if errors or warnings else ''}")
    echo(f"{len(packages)} packages built in {out}, {'all valid' if clean else 'NOT all valid'}"
         f"{' (XSDs checked)' if schemas else ''}")
    return clean


def run_demo(out: Path, *, schemas: Path | None, echo: Callable[[str], None]) -> ExitCode:
    """The whole job against the local sandbox; returns the process's exit code (0 when all went well)."""
    from lmsbridge.demo_data import write_sample_results, write_sample_rosters
    from lmsbridge.moodle import MoodleClient
    from lmsbridge.report import make_certificates, make_report
    from lmsbridge.report.publish import verify_url
    from lmsbridge.sandbox import Sandbox
    from lmsbridge.sandbox.learners import simulate_learners
    from lmsbridge.sync.run import run_sync
    from lmsbridge.sync.settings import SyncSettings
    from lmsbridge.sync.summary import format_summary

    echo("1. Building and validating every module's SCORM packages")
    clean = build_and_validate(out / "packages", schemas=schemas, echo=echo)

    source = default_source()
    state = out / "state"
    # The sandbox keeps its Moodle in out/sandbox.sqlite, so a second demo finds the first one's site and
    # shows what a scheduled re-run does: nothing, unless something changed.
    with Sandbox(state=str(out / "sandbox.sqlite")) as sb, \
            MoodleClient(sb.url, sb.token, max_input_vars=sb.max_input_vars) as client:
        echo(f"\n2. Syncing the sample programmes into the Moodle sandbox at {sb.url}")
        settings = SyncSettings(source=source, rosters=write_sample_rosters(out / "rosters"),
                                results=[write_sample_results(out / "results" / "events.csv")],
                                state_dir=state, metrics_file=out / "lmsbridge.prom")
        first = run_sync(settings, client, plan_out=out / "plan.json")
        if first.plan is not None:
            echo(first.plan.to_text(limit=3))
        echo(format_summary(first))

        attempts = simulate_learners(sb.db, prefix=settings.prefix)
        echo(f"\n3. Learners at work (simulated in the sandbox): {attempts} SCORM attempts recorded")
        echo("   The next sync moves those who passed every session of the Executive Management Program "
             "to its alumni network:")
        second = run_sync(settings, client)
        if second.plan is not None and not second.plan.actions:  # the learners act only within their courses' dates
            echo("   nobody has passed every session yet")
        echo(format_summary(second))
        third = run_sync(settings, client)
        echo(f"   A further sync changes {len(third.plan.actions) if third.plan else 0} things "
             f"(exit {third.exit_code}).")

        echo("\n4. Progress report and certificates")
        report = make_report(client, source, out / "report")
        echo(f"   {report.csv} ({len(report.report.rows)} rows), {report.html}")
        # PDFs when Chromium is there (as in production); each certificate is published into the sandbox, whose
        # public page its QR code opens while the demo runs.
        certs = make_certificates(client, source, out / "certificates", state=state)
        pdfs = sum(1 for i in certs.issued if i.pdf)
        echo(f"   {len(certs.issued)} certificates in {out / 'certificates'} ({pdfs} as PDF), "
             f"{len(certs.not_qualified)} participants not yet qualified")
        made = sum(1 for s in certs.published.values() if s != "unchanged")
        echo(f"   Published to the site's public verification page: {made} new or changed"
             + (f", e.g. {verify_url(sb.url, certs.issued[0].certificate.code)}" if certs.issued else ""))
        badges = sb.db.scalar("SELECT COUNT(*) FROM badge_issued")  # what the site holds, not what was asked
        echo(f"   In Moodle for their learners: {len(certs.pdfs)} PDFs on their \"My certificates\" page, "
             f"{badges} programme badges issued with them")
        for problem in certs.problems:
            echo(f"   problem: {problem}")
    codes = [first.exit_code, second.exit_code, third.exit_code]
    return ExitCode.OK if clean and not any(codes) and not certs.problems else ExitCode.ROWS_FAILED
