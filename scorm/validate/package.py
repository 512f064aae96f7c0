"""validate_package: one SCORM zip in, one report out. Reads the zip in memory; writes nothing anywhere."""

from __future__ import annotations

from pathlib import Path

from scorm.validate.cam import check_cam
from scorm.validate.findings import Findings, ValidationReport
from scorm.validate.safexml import parse_manifest
from scorm.validate.version import detect_version
from scorm.validate.xsd import check_schema_locations, validate_xsd
from scorm.validate.ziprules import Limits, inspect_zip


def validate_package(path: Path, *, schemas: Path | None = None, limits: Limits | None = None) -> ValidationReport:
    """Checks a SCORM package (ours or bought in): zip safety, the manifest as XML, its SCORM version, the CAM
    rules, and, with a schema directory (layout of shared/scorm-schemas), the official XSDs offline.

    Raises FileNotFoundError when path does not exist; everything wrong with the file itself is a finding.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    findings = Findings()
    report = ValidationReport(package=str(path))
    contents = inspect_zip(path, limits or Limits(), findings)
    root = None
    if contents is not None and contents.manifest is not None:
        root = parse_manifest(contents.manifest, findings)
    detected = detect_version(root, findings) if root is not None else None
    if root is not None and detected is not None and contents is not None:
        report.version = detected.version
        check_cam(root, detected, contents, findings)
        check_schema_locations(root, contents, findings)
        if schemas is not None:
            report.schemas_checked = validate_xsd(root, detected, Path(schemas), findings)
    report.findings = list(findings)
    return report
