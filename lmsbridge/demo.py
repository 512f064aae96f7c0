"""The README's main job on the embedded default: build every package, validate it, and sync the sample
programmes into the local Moodle sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scorm.build import build_packages, default_source
from scorm.validate import validate_package


def build_and_validate(out: Path, *, schemas: Path | None, echo: Callable[[str], None]) -> bool:
    """Builds every module in both SCORM versions and validates each zip; True when all are clean."""
    packages = build_packages(default_source(), out, versions=("1.2", "2004"), schemas=schemas)
    clean = True
    for p in packages:
        report = validate_package(p.path, schemas=schemas)
        errors = sum(f.severity == "error" for f in report.findings)
        warnings = len(report.findings) - errors
        clean &= report.ok and not warnings
        verdict = "valid" if report.ok else "INVALID"
        echo(f"  {p.path.name:<42} SCORM {p.version:<4} {p.size:>8} bytes  {verdict}"
             f"{f'  ({errors} errors, {warnings} warnings)' if report.findings else ''}")
    echo(f"{len(packages)} packages built in {out}, {'all valid' if clean else 'NOT all valid'}"
         f"{' (XSDs checked)' if schemas else ''}")
    return clean
