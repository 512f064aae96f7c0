"""What a run tells the administrator on the terminal: the closing summary (counts per entity and action,
failures with their source line and hint), JSON-lines logs, and progress."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TextIO

from lmsbridge.exit_codes import ExitCode
from lmsbridge.moodle import RedactingFilter, redact
from lmsbridge.sync.outcome import SyncOutcome, summary_data


def format_summary(outcome: SyncOutcome, *, limit: int = 50) -> str:
    """The closing summary: one line per entity with counts per action, then failures and problems."""
    data = summary_data(outcome)
    lines = []
    entities = sorted(set(data["planned"]) | set(data["applied"]) | set(data["failed"]))
    if entities:
        lines.append(f"{'entity':<20} {'action':<11} {'planned':>8} {'applied':>8} {'failed':>7} {'skipped':>8}")
    for e in entities:
        ops = sorted(set(data["planned"].get(e, {})) | set(data["applied"].get(e, {})))
        for op in ops:
            lines.append(f"{e:<20} {op:<11} {data['planned'].get(e, {}).get(op, 0):>8} "
                         f"{data['applied'].get(e, {}).get(op, 0):>8} {data['failed'].get(e, {}).get(op, 0):>7} "
                         f"{data['skipped'].get(e, {}).get(op, 0):>8}")
    if not entities and outcome.plan is not None:
        lines.append("Nothing to change: Moodle matches the programmes and rosters.")
    result = outcome.result
    if result and result.failures:
        lines.append(f"\nFailed rows ({len(result.failures)}):")
        lines.extend(f"  {f}" for f in result.failures[:limit])
        if len(result.failures) > limit:
            lines.append(f"  ... and {len(result.failures) - limit} more (see last-run.json in the state dir)")
    plan = outcome.plan
    if plan and plan.skipped:
        lines.append("\nSkipped:")
        lines.extend(f"  {s}" for s in plan.skipped)
    if plan and plan.problems:
        lines.append(f"\nProblems in the input ({len(plan.problems)}):")
        lines.extend(f"  {p.severity}: {p}" for p in plan.problems[:limit])
    if plan and not plan.override and not outcome.dry_run:  # a dry run has shown the plan's text with them
        lines.extend(plan.blocked_lines())
    calls = f"{data['read_calls']} read and {data['write_calls']} write calls"
    tail = f"exit {outcome.exit_code} ({data['meaning']})"
    if outcome.dry_run:
        tail = f"exit {outcome.exit_code}, dry run: nothing applied" + (
            " (a safety threshold would block it)" if outcome.exit_code == ExitCode.BLOCKED else "")
    lines.append(f"\n{calls}, {outcome.seconds:.1f} s; {tail}")
    if outcome.message and not (plan and plan.safety and outcome.exit_code == ExitCode.BLOCKED):
        lines.append(outcome.message)  # (a blocked run's message repeats the BLOCKED lines above)
    return redact("\n".join(lines))


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        for key in ("run_id", "entity", "op", "count", "outcome", "exit_code"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(fmt: str = "text", level: int = logging.INFO, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())  # no token or password in any record, whatever Moodle answered
    root = logging.getLogger("lmsbridge")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last = ""

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        self.stream.write(f"\r{label:<22} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}   ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
