"""OpenMetrics text for node_exporter's textfile collector, from a sync run's summary.

    write_sync_metrics(summary, Path("/var/lib/prometheus/node-exporter/lmsbridge.prom"))

The file is replaced atomically (a temporary file in the same folder, then rename), so the collector never reads
half a file; the temporary name does not end in .prom, so the collector never picks it up. Counters that span
runs (runs by outcome) and the last success time are carried over from the previous file.

Only counter and gauge types, no timestamps and no UNIT lines are written: node_exporter parses the file with the
Prometheus text parser, which reads these (and takes `# EOF` as a comment), so the same file is valid OpenMetrics
and valid for the collector. Metric names:

    lmsbridge_sync_runs_total{outcome}                  counter  runs by outcome (success, partial, ...)
    lmsbridge_sync_actions{entity,action,outcome}       gauge    actions of the last run
    lmsbridge_sync_failures                             gauge    failed actions of the last run
    lmsbridge_sync_duration_seconds                     gauge    duration of the last run
    lmsbridge_sync_last_run_timestamp_seconds           gauge    when the last run finished
    lmsbridge_sync_last_success_timestamp_seconds       gauge    when the last successful run finished
    lmsbridge_sync_last_exit_code                       gauge    the last run's exit code
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from lmsbridge.exit_codes import outcome as exit_outcome

PREFIX = "lmsbridge_sync"
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)\s*$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


class ActionCount(BaseModel):
    entity: str  # user, course, enrolment, cohort_member, ...
    action: str  # create, update, suspend, enrol, ...
    outcome: str = "ok"  # ok | failed | skipped | ...
    count: int = Field(ge=0)


class SyncRunSummary(BaseModel):
    """What a sync run reports to the metrics file (the sync's JSON summary can be validated into this)."""

    run_id: str = ""
    started_at: float  # Unix seconds
    finished_at: float
    outcome: str  # success | partial | failed | blocked | unreachable | config | locked (exit_codes.outcome)
    exit_code: int = 0
    actions: list[ActionCount] = []
    failures: int | None = None  # default: the actions whose outcome is "failed"

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0

    @property
    def failed_actions(self) -> int:
        return self.failures if self.failures is not None else sum(
            a.count for a in self.actions if a.outcome == "failed")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items()) + "}" if labels else ""


def _number(value: float) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53):
        return str(int(value))
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def read_previous(path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Samples of an earlier file (name, sorted labels) -> value; an unreadable file counts as none."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return out
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if not m or line.startswith("#"):
            continue
        try:
            value = float(m[3])
        except ValueError:
            continue
        labels = tuple(sorted((k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                              for k, v in _LABEL.findall(m[2] or "")))
        out[(m[1], labels)] = value
    return out


def render_sync_metrics(summary: SyncRunSummary, previous: Mapping[tuple[str, tuple[tuple[str, str], ...]], float]
                        | None = None) -> str:
    previous = previous or {}
    runs: dict[str, float] = {}
    for (name, labels), value in previous.items():
        if name == f"{PREFIX}_runs_total":
            runs[dict(labels).get("outcome", "")] = value
    runs[summary.outcome] = runs.get(summary.outcome, 0) + 1
    last_success = summary.finished_at if summary.succeeded else \
        previous.get((f"{PREFIX}_last_success_timestamp_seconds", ()))

    lines: list[str] = []

    def family(name: str, kind: str, help_text: str, samples: list[tuple[str, Mapping[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.extend(f"{sample}{_labels(labels)} {_number(value)}" for sample, labels, value in samples)

    family(f"{PREFIX}_runs", "counter", "Sync runs by outcome, since this file was first written.",
           [(f"{PREFIX}_runs_total", {"outcome": k}, v) for k, v in sorted(runs.items())])
    merged: dict[tuple[str, str, str], int] = {}
    for a in summary.actions:
        key = (a.entity, a.action, a.outcome)
        merged[key] = merged.get(key, 0) + a.count
    family(f"{PREFIX}_actions", "gauge", "Actions of the last sync run by entity, action and outcome.",
           [(f"{PREFIX}_actions", {"entity": e, "action": a, "outcome": o}, n)
            for (e, a, o), n in sorted(merged.items())])
    family(f"{PREFIX}_failures", "gauge", "Failed actions (rows) in the last sync run.",
           [(f"{PREFIX}_failures", {}, summary.failed_actions)])
    family(f"{PREFIX}_duration_seconds", "gauge", "Duration of the last sync run in seconds.",
           [(f"{PREFIX}_duration_seconds", {}, max(0.0, summary.finished_at - summary.started_at))])
    family(f"{PREFIX}_last_run_timestamp_seconds", "gauge", "When the last sync run finished (Unix time).",
           [(f"{PREFIX}_last_run_timestamp_seconds", {}, summary.finished_at)])
    family(f"{PREFIX}_last_success_timestamp_seconds", "gauge",
           "When the last successful sync run finished (Unix time).",
           [(f"{PREFIX}_last_success_timestamp_seconds", {}, last_success)] if last_success is not None else [])
    family(f"{PREFIX}_last_exit_code", "gauge", "Exit code of the last sync run (0 all applied).",
           [(f"{PREFIX}_last_exit_code", {}, summary.exit_code)])
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def write_sync_metrics(summary: SyncRunSummary | Mapping[str, Any], path: Path) -> Path:
    """Write (atomically replace) the OpenMetrics file at `path` for this run; returns the path.

    `summary` is a SyncRunSummary, or a mapping: the sync's run summary JSON (see `summary_from_run`) or this
    module's SyncRunSummary fields."""
    if not isinstance(summary, SyncRunSummary):
        # The sync's own run summary (it has "applied"/"seconds") or this module's fields.
        summary = summary_from_run(summary) if "started_at" not in summary else SyncRunSummary.model_validate(summary)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_sync_metrics(summary, read_previous(path))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # the collector runs as another user
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def summary_from_run(data: Mapping[str, Any]) -> SyncRunSummary:
    """The sync's run summary JSON (lmsbridge.sync.outcome.summary_data: run_id, finished_at ISO, seconds, exit_code,
    applied / failed / skipped as {entity: {action: count}}) as a SyncRunSummary."""
    from datetime import datetime

    finished_raw = data.get("finished_at")
    if isinstance(finished_raw, int | float):
        finished = float(finished_raw)
    elif finished_raw:
        finished = datetime.fromisoformat(str(finished_raw).replace("Z", "+00:00")).timestamp()
    else:
        import time

        finished = time.time()
    seconds = float(data.get("seconds") or 0.0)
    exit_code = int(data.get("exit_code") or 0)
    actions = []
    for key, outcome in (("applied", "ok"), ("failed", "failed"), ("skipped", "skipped")):
        for entity, ops in (data.get(key) or {}).items():
            for op, count in (ops or {}).items():
                actions.append(ActionCount(entity=entity, action=op, outcome=outcome, count=int(count)))
    return SyncRunSummary(run_id=str(data.get("run_id") or ""), started_at=finished - seconds, finished_at=finished,
                          outcome=str(data.get("outcome") or exit_outcome(exit_code)),
                          exit_code=exit_code, actions=actions)
