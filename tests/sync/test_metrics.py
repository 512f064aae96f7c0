"""The OpenMetrics file a sync run leaves for node_exporter's textfile collector."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from lmsbridge.sync.metrics import SyncRunSummary, write_sync_metrics

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABELS = r'\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\}'
SAMPLE = re.compile(rf"^({NAME})({LABELS})? (-?[0-9.]+(?:e[+-]?\d+)?|[+-]Inf|NaN)$")
HELP = re.compile(rf"^# HELP ({NAME}) \S.*$")
TYPE = re.compile(rf"^# TYPE ({NAME}) (counter|gauge)$")


def parse(text: str) -> dict[str, dict[str, float]]:
    """A strict reader of the subset we write: metadata before samples, counters' samples end in _total,
    every family once, `# EOF` last. Returns family -> {sample with labels: value}."""
    assert text.endswith("# EOF\n"), "OpenMetrics ends with # EOF and a newline"
    lines = text[:-1].split("\n")
    assert lines[-1] == "# EOF" and "# EOF" not in lines[:-1]
    families: dict[str, dict[str, float]] = {}
    kinds: dict[str, str] = {}
    current = None
    for line in lines[:-1]:
        if m := HELP.match(line):
            assert m[1] not in families, f"family {m[1]} twice"
            current = m[1]
            families[current] = {}
        elif m := TYPE.match(line):
            assert m[1] == current, "TYPE follows the family's HELP"
            kinds[current] = m[2]
        else:
            m = SAMPLE.match(line)
            assert m, f"not a valid sample line: {line!r}"
            assert current is not None and current in kinds
            expected = current + "_total" if kinds[current] == "counter" else current
            assert m[1] == expected, f"{m[1]} under family {current} ({kinds[current]})"
            families[current][m[1] + (m[2] or "")] = float(m[3])
    return families


def summary(**changes: object) -> SyncRunSummary:
    data = dict(run_id="r1", started_at=1_800_000_000.0, finished_at=1_800_000_012.5, outcome="success", exit_code=0,
                actions=[dict(entity="user", action="create", outcome="ok", count=12),
                         dict(entity="enrolment", action="enrol", outcome="ok", count=30),
                         dict(entity="user", action="update", outcome="failed", count=1)])
    data.update(changes)
    return SyncRunSummary.model_validate(data)


def test_metrics_file_format_and_values(tmp_path: Path) -> None:
    path = write_sync_metrics(summary(), tmp_path / "lmsbridge.prom")
    text = path.read_text(encoding="utf-8")
    fam = parse(text)
    assert fam["lmsbridge_sync_runs"] == {'lmsbridge_sync_runs_total{outcome="success"}': 1}
    assert fam["lmsbridge_sync_actions"] == {
        'lmsbridge_sync_actions{entity="enrolment",action="enrol",outcome="ok"}': 30,
        'lmsbridge_sync_actions{entity="user",action="create",outcome="ok"}': 12,
        'lmsbridge_sync_actions{entity="user",action="update",outcome="failed"}': 1}
    assert fam["lmsbridge_sync_failures"] == {"lmsbridge_sync_failures": 1}
    assert fam["lmsbridge_sync_duration_seconds"] == {"lmsbridge_sync_duration_seconds": 12.5}
    assert fam["lmsbridge_sync_last_success_timestamp_seconds"] == {
        "lmsbridge_sync_last_success_timestamp_seconds": 1_800_000_012.5}
    assert fam["lmsbridge_sync_last_exit_code"] == {"lmsbridge_sync_last_exit_code": 0}
    assert stat.S_IMODE(path.stat().st_mode) == 0o644, "node_exporter runs as another user"


def test_runs_accumulate_and_last_success_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "lmsbridge.prom"
    write_sync_metrics(summary(), path)
    write_sync_metrics(summary(finished_at=1_800_000_900.0, started_at=1_800_000_890.0), path)
    write_sync_metrics(summary(outcome="partial", exit_code=1, finished_at=1_800_001_800.0,
                               started_at=1_800_001_700.0, actions=[]), path)
    fam = parse(path.read_text(encoding="utf-8"))
    assert fam["lmsbridge_sync_runs"] == {'lmsbridge_sync_runs_total{outcome="partial"}': 1,
                                          'lmsbridge_sync_runs_total{outcome="success"}': 2}
    assert fam["lmsbridge_sync_last_success_timestamp_seconds"] == {
        "lmsbridge_sync_last_success_timestamp_seconds": 1_800_000_900.0}
    assert fam["lmsbridge_sync_last_run_timestamp_seconds"] == {
        "lmsbridge_sync_last_run_timestamp_seconds": 1_800_001_800.0}
    assert fam["lmsbridge_sync_actions"] == {} and fam["lmsbridge_sync_last_exit_code"] == {
        "lmsbridge_sync_last_exit_code": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lmsbridge.prom"], "no temporary file left behind"


def test_accepts_the_syncs_run_summary_and_escapes_labels(tmp_path: Path) -> None:
    """The sync's own summary JSON (lmsbridge.sync.summary.summary_data) goes in as it is."""
    data = {"run_id": "20260301T101500Z", "finished_at": "2026-03-01T10:15:42Z", "exit_code": 3, "seconds": 4.5,
            "applied": {"user": {"create": 5}}, "failed": {'odd "entity"\\': {"update": 2}}, "skipped": {}}
    fam = parse(write_sync_metrics(data, tmp_path / "m.prom").read_text(encoding="utf-8"))
    assert fam["lmsbridge_sync_runs"] == {'lmsbridge_sync_runs_total{outcome="blocked"}': 1}
    assert fam["lmsbridge_sync_failures"] == {"lmsbridge_sync_failures": 2}
    assert 'lmsbridge_sync_actions{entity="odd \\"entity\\"\\\\",action="update",outcome="failed"}' in \
        fam["lmsbridge_sync_actions"]
    assert fam["lmsbridge_sync_duration_seconds"] == {"lmsbridge_sync_duration_seconds": 4.5}
    assert fam["lmsbridge_sync_last_success_timestamp_seconds"] == {}, "never succeeded yet: no sample"
