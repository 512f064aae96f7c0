"""Reports as people read them: one line per finding, the hint under it, a verdict per package."""

from __future__ import annotations

from scorm.validate.findings import ValidationReport


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def verdict(report: ValidationReport) -> str:
    counts = f"{_plural(len(report.errors), 'error')}, {_plural(len(report.warnings), 'warning')}"
    if report.infos:
        counts += f", {_plural(len(report.infos), 'note')}"
    version = f"SCORM {report.version}" if report.version else "SCORM version unknown"
    xsd = ", XSD checked" if report.schemas_checked else ""
    return f"{'VALID' if report.ok else 'REJECTED'} ({version}{xsd}; {counts})"


def offline_line(report: ValidationReport) -> str | None:
    """"offline in the Moodle app: yes|no|unknown - reasons; notes"."""
    o = report.offline
    if o is None:
        return None
    why = "; ".join(o.reasons + o.notes)
    return f"offline in the Moodle app: {o.playable}{f' - {why}' if why else ''}"


def format_report(report: ValidationReport) -> str:
    lines = [f"{report.package}:" + (" (only the manifest)" if report.source == "manifest" else "")]
    for f in report.findings:
        lines.append(f"  {f.severity:<7} {f.code}  {f.where}  {f.message}")
        lines.append(f"          hint: {f.hint}")
    offline = offline_line(report)
    if offline:
        lines.append(f"  {offline}")
    lines.append(f"  => {verdict(report)}")
    return "\n".join(lines)


def format_reports(reports: list[ValidationReport]) -> str:
    """Every report, then a one-line tally when there are several."""
    parts = [format_report(r) for r in reports]
    if len(reports) > 1:
        rejected = sum(not r.ok for r in reports)
        parts.append(f"{_plural(len(reports), 'package')}: {len(reports) - rejected} valid, {rejected} rejected")
    return "\n\n".join(parts)


def reports_json(reports: list[ValidationReport]) -> str:
    """For machines: {"ok": no package has errors, "packages": [report, ...]}."""
    import json

    return json.dumps({"ok": all(r.ok for r in reports), "packages": [r.model_dump(mode="json") for r in reports]},
                      indent=2, ensure_ascii=False)
