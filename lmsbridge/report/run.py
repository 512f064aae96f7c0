"""What the `report` and `certificates` commands do, as library calls (the CLI only parses options)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel

from lmsbridge.moodle import MoodleClient
from lmsbridge.report.certificates import CertificateRun, issue_certificates
from lmsbridge.report.csvout import write_csv
from lmsbridge.report.htmlreport import write_html
from lmsbridge.report.model import Filters, ReportData
from lmsbridge.report.publish import publish, store_pdfs
from lmsbridge.report.pull import pull_results
from lmsbridge.report.registry import Registry, Revocation, Verification, has_registry, state_dir
from lmsbridge.report.rules import CertificateSpec, load_certificate_spec
from lmsbridge.sync.sources.delivery import ConfigError, Delivery, load_deliveries

DEFAULT_PREFIX = "lmsb-"


class ReportFiles(BaseModel):
    report: ReportData
    csv: Path
    html: Path


def programmes(source: Path, only: list[str] | None = None) -> list[Delivery]:
    """The programmes with a moodle.toml under `source`; unknown names in `only` are a ConfigError."""
    deliveries = load_deliveries(source)
    if only:
        known = {d.programme for d in deliveries}
        unknown = [p for p in only if p not in known]
        if unknown:
            raise ConfigError(f"unknown programme {', '.join(unknown)}: the programmes in {source} are "
                              f"{', '.join(sorted(known))}")
    return deliveries


def make_report(client: MoodleClient, source: Path, out: Path, *, prefix: str = DEFAULT_PREFIX,
                filters: Filters | None = None, show_progress: bool | None = None) -> ReportFiles:
    """Pull the results and write `out/report.csv` and `out/report.html`."""
    filters = filters or Filters()
    deliveries = programmes(source, filters.programme)
    report = pull_results(client, deliveries, prefix=prefix, filters=filters, show_progress=show_progress)
    return ReportFiles(report=report, csv=write_csv(report, out / "report.csv"),
                       html=write_html(report, out / "report.html"))


def certificate_specs(deliveries: list[Delivery]) -> dict[str, CertificateSpec]:
    specs = {}
    for d in deliveries:
        spec = load_certificate_spec(d)
        if spec is not None:
            specs[d.programme] = spec
    return specs


def make_certificates(client: MoodleClient, source: Path, out: Path, *, programme: list[str] | None = None,
                      prefix: str = DEFAULT_PREFIX, state: Path | None = None, pdf: bool | None = None,
                      show_progress: bool | None = None, today: date | None = None,
                      publish_to_moodle: bool = True) -> CertificateRun:
    """Pull the results, decide who qualifies and write their certificates under `out/<programme>/`."""
    deliveries = programmes(source, programme)
    chosen = [d for d in deliveries if not programme or d.programme in programme]
    specs = certificate_specs(chosen)
    if not specs:
        raise ConfigError(f"no programme in {source} has a certificate.toml: add one next to its moodle.toml")
    report = pull_results(client, chosen, prefix=prefix, filters=Filters(programme=[d.programme for d in chosen]),
                          show_progress=show_progress)
    with Registry(state) as registry:
        run = issue_certificates(report, chosen, specs, registry, out, pdf=pdf, today=today, site=client.url)
        if publish_to_moodle:
            statuses, problem = publish(client, run.to_publish)
            if problem:
                run.problems.append(problem)
            for row in run.to_publish:
                if statuses.get(str(row["number"])) in ("created", "updated", "unchanged"):
                    registry.set_published(str(row["number"]), row)
            run.published = statuses
            # The learner downloads the PDF from Moodle: sent with its row (new or changed), not on every run.
            sent = {n for n, st in statuses.items() if st in ("created", "updated")}
            pdfs = {i.certificate.number: i.pdf for i in run.issued if i.pdf and i.certificate.number in sent}
            run.pdfs, problem = store_pdfs(client, pdfs)
            if problem:
                run.problems.append(problem)
    run.problems[:0] = report.problems
    return run


def revoke_certificate(client: MoodleClient | None, number: str, reason: str, *, state: Path | None = None,
                       today: date | None = None) -> tuple[Revocation, bool, str]:
    """Revoke in the registry, then on the Moodle site's public page (when the certificate was published there).
    Returns (revocation, new, problem or "")."""
    with Registry(state) as registry:
        cert, revocation, new = registry.revoke(number, reason, today=today)
        sent = registry.published(cert.number)
        if client is None or sent is None:
            return revocation, new, "" if sent is None else "not revoked in Moodle: no Moodle site given"
        row = {**sent, "revoked": 1, "revokedon": revocation.revoked_on, "reason": revocation.reason}
        if row == sent:
            return revocation, new, ""
        statuses, problem = publish(client, [row])
        if statuses.get(cert.number):
            registry.set_published(cert.number, row)
        return revocation, new, problem


def verify_certificate(code: str, *, state: Path | None = None) -> Verification:
    if not has_registry(state):
        return Verification(valid=False, message=f"no certificates were issued with the state dir "
                                                 f"{state_dir(state)} (set LMSBRIDGE_STATE_DIR / --state-dir)")
    with Registry(state) as registry:
        return registry.verify(code)
