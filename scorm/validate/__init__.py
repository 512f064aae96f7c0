"""A validator for any SCORM package, ours or bought in.

    report = validate_package(Path("course.zip"), schemas=Path("shared/scorm-schemas"))  # or a folder, or a manifest
    report.ok, report.version, report.findings  # Finding: code, severity, file, line, message, hint
    report.offline.playable                     # "yes" | "no" | "unknown": the Moodle app, offline

Modules by concern: `ziprules` (zip safety, read without extracting), `folder` (a package folder, or only its
manifest), `safexml` (parser safety: no entities, DTDs or network), `stream` (the manifest read as a stream, in
bounded memory), `version` (SCORM 1.2 / 2004 2nd-4th detection), `cam` (the specifications' content aggregation
rules as our own checks), `xsd` (official XSDs, offline), `remote` (what the pages fetch from the internet),
`offline` (the Moodle app's offline verdict), `findings` (the report model), `codes` (the catalogue of finding
codes, documented in CODES.md next to this file), `text` (human output).
"""

from scorm.validate.codes import CODES
from scorm.validate.findings import Finding, ValidationReport
from scorm.validate.package import validate_package
from scorm.validate.text import format_report, format_reports, reports_json, verdict
from scorm.validate.ziprules import Limits

__all__ = ["CODES", "Finding", "Limits", "ValidationReport", "format_report", "format_reports", "reports_json",
           "validate_package", "verdict"]
