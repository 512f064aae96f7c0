"""validate_package: one SCORM package in (a zip, its folder, or only its manifest), one report out.
Reads in memory, bounded; writes nothing anywhere."""

from __future__ import annotations

from pathlib import Path

from scorm.validate import remote
from scorm.validate.cam import CamChecker
from scorm.validate.findings import Findings, ValidationReport
from scorm.validate.folder import inspect_folder, read_manifest_only
from scorm.validate.offline import offline_verdict
from scorm.validate.stream import read_head, walk
from scorm.validate.version import detect_version
from scorm.validate.xsd import SchemaSetError, check_schema_locations, load_schema
from scorm.validate.ziprules import MANIFEST, Limits, ZipContents, inspect_zip

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def kind_of(path: Path) -> str:
    """"folder", "zip" (by name or by its first bytes) or "manifest" (any other file: read as the manifest)."""
    if path.is_dir():
        return "folder"
    if path.suffix.lower() in (".zip", ".pif"):
        return "zip"
    with open(path, "rb") as f:
        return "zip" if f.read(4) in _ZIP_MAGIC else "manifest"


def validate_package(path: Path, *, schemas: Path | None = None, limits: Limits | None = None) -> ValidationReport:
    """Checks a SCORM package (ours or bought in): zip safety, the manifest as XML, its SCORM version, the CAM
    rules, what its pages fetch from the internet, whether the Moodle app can play it offline, and, with a schema
    directory (layout of shared/scorm-schemas), the official XSDs offline.

    path is a zip, the package's folder, or only its manifest (then the files it lists are reported as not
    seen, CAM032). Raises FileNotFoundError when path does not exist; everything wrong with it is a finding.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    limits = limits or Limits()
    findings = Findings()
    source = kind_of(path)
    report = ValidationReport(package=str(path), source=source)

    def visit(name: str, data: bytes) -> None:
        for hit in remote.scan_file(name, data):
            findings.add("NET001", f"{hit.what} fetches {hit.url}", file=name, line=hit.line)

    contents: ZipContents | None
    if source == "zip":
        contents = inspect_zip(path, limits, findings, visit=visit, wants=remote.wants)
    elif source == "folder":
        contents = inspect_folder(path, limits, findings, visit=visit, wants=remote.wants)
    else:
        contents = read_manifest_only(path, limits, findings)
    data = contents.manifest if contents is not None else None
    if contents is not None:
        contents.manifest = None
    head = read_head(data, findings) if data is not None else None
    detected = detect_version(head, findings) if head is not None else None
    if head is not None and detected is not None and contents is not None and data is not None:
        report.version = detected.version
        check_schema_locations(head, contents, findings)
        schema = None
        if schemas is not None:
            try:
                schema = load_schema(Path(schemas).resolve(), detected.version)
            except SchemaSetError as e:
                findings.add("XSD002", f"not validated against the SCORM {detected.version} XSDs: {e}",
                             file=MANIFEST)
        walk(data, CamChecker(detected, contents, findings), findings, schema=schema)
        report.schemas_checked = schema is not None
    del data, head
    ok = not any(f.severity == "error" for f in findings)
    report.offline = offline_verdict(report.version, ok, contents, findings, source)
    report.findings = findings.close()
    return report
