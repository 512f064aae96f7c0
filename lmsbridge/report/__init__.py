"""Results back to the administrators: progress, grades and certificates.

    from lmsbridge.report import make_report, make_certificates, verify_certificate
    files = make_report(client, Path("course_packages"), Path("out/report"))   # report.csv + report.html
    run = make_certificates(client, Path("course_packages"), Path("out/certificates"))
    verify_certificate("ABCDE-FGHJK-LMNPQ-RSTUV").valid

Modules by concern: ``model`` (the pulled data), ``courses`` (which Moodle course carries which module),
``tracks`` (SCO tracking data -> status, score, time), ``pull`` (the web-service calls), ``csvout``,
``charts`` and ``htmlreport`` (the outputs), ``rules`` (certificate.toml and who qualifies), ``registry``
(issued certificates and their codes), ``certificates`` (the printable pages). The sync's own metrics file
is lmsbridge.sync.metrics.
"""

from lmsbridge.report.certificates import CertificateRun, Issued, issue_certificates, render_certificate
from lmsbridge.report.csvout import write_csv
from lmsbridge.report.htmlreport import render_html, write_html
from lmsbridge.report.model import EventGrade, Filters, ModuleResult, Participant, ReportData, ResultRow
from lmsbridge.report.pull import pull_results
from lmsbridge.report.registry import Certificate, Registry, Verification
from lmsbridge.report.rules import CertificateSpec, Qualification, evaluate, load_certificate_spec
from lmsbridge.report.run import (
    DEFAULT_PREFIX,
    ReportFiles,
    make_certificates,
    make_report,
    revoke_certificate,
    verify_certificate,
)

__all__ = [
    "Certificate", "CertificateRun", "CertificateSpec", "DEFAULT_PREFIX", "EventGrade", "Filters",
    "Issued", "ModuleResult", "Participant", "Qualification", "Registry", "ReportData", "ReportFiles", "ResultRow",
    "Verification", "evaluate", "issue_certificates", "load_certificate_spec", "make_certificates",
    "make_report", "pull_results", "render_certificate", "render_html",
    "revoke_certificate", "verify_certificate", "write_csv", "write_html",
]
