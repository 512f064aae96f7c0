"""Print-ready certificates: one HTML page per participant (A4 landscape), and a PDF through headless Chromium
when it is installed.

The page is self-contained (inline CSS, no fonts or images fetched) and in the participant's language; it shows
the certificate number, the issue date, the verification code, and (with a Moodle site) the URL and QR code of
the certificate's public page there (lmsbridge.report.publish).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from datetime import date
from html import escape
from pathlib import Path

from pydantic import BaseModel

from lmsbridge.report.event_text import describe_event, format_date
from lmsbridge.report.model import ReportData
from lmsbridge.report.publish import payload, qr_svg, verify_url
from lmsbridge.report.registry import Certificate, Registry
from lmsbridge.report.rules import CertificateSpec, Qualification, evaluate
from lmsbridge.sync.sources.delivery import ConfigError, Delivery

CHROMIUM_ENV = "LMSBRIDGE_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"

CSS = """
@page { size: A4 landscape; margin: 0; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; background: #fff; color: #1f2328; }
body { font-family: Georgia, "Times New Roman", "Noto Serif", serif; }
.sheet { width: 297mm; height: 210mm; padding: 12mm; page-break-after: always; }
.frame { height: 100%; border: 3px double #0b4a6f; outline: 1px solid #0b4a6f; outline-offset: 3mm;
  padding: 16mm 22mm 12mm; display: flex; flex-direction: column; text-align: center; }
.issuer { font-size: 13pt; letter-spacing: .08em; text-transform: uppercase; color: #0b4a6f; margin: 0; }
h1 { font-size: 38pt; font-weight: normal; margin: 9mm 0 5mm; letter-spacing: .04em; color: #0b4a6f; }
.name { font-size: 28pt; font-style: italic; margin: 2mm 0 6mm; border-bottom: 1px solid #8c959f;
  padding-bottom: 2mm; display: inline-block; min-width: 60%; align-self: center; }
.body { font-size: 13.5pt; line-height: 1.5; margin: 0 auto; max-width: 205mm; }
.modules { font-size: 11.5pt; color: #424a53; margin: 4mm auto 0; max-width: 210mm; }
.events { font-size: 10pt; color: #424a53; margin: 3mm auto 0; max-width: 230mm; text-align: left; }
.events p { margin: 0 0 1mm; } .events ul { margin: 0; padding-left: 5mm; columns: 2; column-gap: 8mm; }
.foot { margin-top: auto; display: flex; justify-content: space-between; align-items: flex-end; text-align: left;
  font-size: 10.5pt; }
.sign { text-align: center; min-width: 75mm; }
.sign .line { border-top: 1px solid #1f2328; padding-top: 1.5mm; }
.sign .role { color: #424a53; font-size: 9.5pt; }
.facts dt { color: #424a53; font-size: 9pt; margin: 0; } .facts dd { margin: 0 0 1.5mm; font-weight: bold; }
.code { font-family: "DejaVu Sans Mono", "Courier New", monospace; letter-spacing: .05em; }
.hint { font-size: 8.5pt; color: #57606a; max-width: 90mm; }
.verify { display: flex; gap: 3mm; align-items: flex-end; } .verify .qr svg { width: 26mm; height: 26mm; }
.verify .hint { margin: 0 0 1mm; max-width: 62mm; }
.url { font-family: "DejaVu Sans Mono", "Courier New", monospace; font-size: 7.5pt; margin: 0; max-width: 62mm;
  word-break: break-all; } .url a { color: #0b4a6f; text-decoration: none; }
@media screen { body { background: #eaeef2; } .sheet { margin: 10mm auto; background: #fff;
  box-shadow: 0 1px 6px rgba(0,0,0,.2); } }
"""


class _Safe(dict[str, object]):  # str.format_map that leaves unknown {placeholders} as they are
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_certificate(cert: Certificate, spec: CertificateSpec, delivery: Delivery, *, verify: str = "") -> str:
    """The certificate page; `verify` is the URL of its public page on the Moodle site (printed with a QR code)."""
    lang = cert.lang if cert.lang in spec.text else next(iter(spec.text))
    text = spec.text[lang]
    programme = delivery.title.get(lang) or next(iter(delivery.title.values()), delivery.programme)
    titles = {m.id: m.title.get(lang) or next(iter(m.title.values()), m.id) for m in delivery.modules}
    modules = ", ".join(f"„{titles.get(m, m)}“" if lang == "lt" else f"“{titles.get(m, m)}”" if lang == "en"
                        else f"”{titles.get(m, m)}”" for m in cert.modules)
    values = _Safe(name=cert.name, programme=programme, modules=modules, events=cert.events, intake=cert.intake,
                   completed=format_date(cert.completed_on, lang))
    body = text.body.format_map(values)
    issued = format_date(cert.issued_on, lang)
    hint = f'<p class="hint">{escape(text.verify_hint)}</p>' if text.verify_hint else ""
    if verify:
        hint = (f'<div class="verify"><div class="qr">{qr_svg(verify)}</div><div>{hint}'
                f'<p class="url"><a href="{escape(verify)}">{escape(verify)}</a></p></div></div>')
    known = {e.idnumber: e for e in delivery.events}
    attended = [describe_event(known[e], lang) if e in known else e for e in cert.attended]
    events = (f'<div class="events"><p>{escape(text.events_label)}</p><ul>'
              + "".join(f"<li>{escape(a)}</li>" for a in attended) + "</ul></div>\n") \
        if attended and text.events_label else ""
    role = f'<div class="role">{escape(text.signatory_role)}</div>' if text.signatory_role else ""
    return (f'<!doctype html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(text.title)} — {escape(cert.name)} — {escape(cert.number)}</title>\n"
            f"<style>{CSS}</style>\n</head>\n<body>\n<main class=\"sheet\">\n<div class=\"frame\">\n"
            f'<p class="issuer">{escape(text.issuer)}</p>\n<h1>{escape(text.title)}</h1>\n'
            f'<p class="name">{escape(cert.name)}</p>\n<p class="body">{escape(body)}</p>\n{events}'
            f'<div class="foot">\n<dl class="facts">\n<dt>{escape(text.number_label)}</dt>'
            f'<dd class="number">{escape(cert.number)}</dd>\n<dt>{escape(text.date_label)}</dt><dd>{escape(issued)}</dd>\n'
            f'<dt>{escape(text.code_label)}</dt><dd class="code">{escape(cert.code)}</dd>\n</dl>\n{hint}\n'
            f'<div class="sign"><div class="line">{escape(text.signatory)}</div>{role}</div>\n</div>\n'
            "</div>\n</main>\n</body>\n</html>\n")


def chromium_path() -> Path | None:
    candidate = Path(os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM)
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


# Chromium's headless printing needs its own script switched on, so the page's is switched off by policy.
_NO_SCRIPT = ('<meta http-equiv="Content-Security-Policy" content="script-src \'none\'; object-src \'none\'; '
              'connect-src \'none\'">')
_HEAD = re.compile(r"<head(\s[^>]*)?>|\A\s*<!doctype[^>]*>", re.I)


def without_script(html: str) -> str:
    """The page with a Content-Security-Policy that forbids every script, first thing in its head."""
    m = _HEAD.search(html)
    cut = m.end() if m else 0
    return html[:cut] + _NO_SCRIPT + html[cut:]


def print_pdf(html_path: Path, pdf_path: Path, *, chromium: Path, timeout: float = 90) -> Path:
    """Chromium's own print to PDF (the A4 @page of the HTML decides the paper). Offline: no network at all, and
    no JavaScript: a certificate is static, and a name from a roster must never run as script."""
    page = html_path.with_name(f".{html_path.stem}.print.html")  # beside it: relative links still resolve
    page.write_text(without_script(html_path.read_text(encoding="utf-8")), encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory(prefix="lmsbridge-chromium-") as profile:
            cmd = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer", "--print-to-pdf-no-header",
                   f"--print-to-pdf={pdf_path}", page.resolve().as_uri()]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        page.unlink(missing_ok=True)
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"Chromium did not print {html_path} to PDF (exit {done.returncode}): "
                           f"{done.stderr.strip()[-400:]}")
    return pdf_path


class Issued(BaseModel):
    qualification: Qualification
    certificate: Certificate
    new: bool
    html: Path
    pdf: Path | None = None


class CertificateRun(BaseModel):
    issued: list[Issued] = []
    revoked: list[Issued] = []  # qualify, but their certificate was revoked: no new one, no files
    to_publish: list[dict[str, object]] = []  # rows for Moodle that differ from what was last sent
    published: dict[str, str] = {}  # number -> created | updated | unchanged, as Moodle answered
    pdfs: dict[str, str] = {}  # number -> stored | unchanged: the PDF in the plugin's file area
    not_qualified: list[Qualification] = []
    problems: list[str] = []


def issue_certificates(report: ReportData, deliveries: list[Delivery], specs: dict[str, CertificateSpec],
                       registry: Registry, out: Path, *, pdf: bool | None = None, today: date | None = None,
                       site: str = "") -> CertificateRun:
    """Evaluate every programme's rule on the report, issue (or find) each qualifier's certificate in the
    registry and write it to `out/<programme>/<number>.html` (and .pdf: `pdf` None = when Chromium exists).
    With `site` (the Moodle site's URL) each carries the URL and QR code of its public page there, and
    `to_publish` holds the rows that Moodle does not have yet."""
    chromium = chromium_path() if pdf is not False else None
    if pdf and chromium is None:
        raise ConfigError(f"no Chromium at {os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM} to print PDFs "
                                f"(set {CHROMIUM_ENV}, or leave PDFs out)")
    run = CertificateRun()
    for delivery in deliveries:
        spec = specs.get(delivery.programme)
        if spec is None:
            if any(r.programme == delivery.programme for r in report.rows):
                run.problems.append(f"{delivery.programme}: no certificate.toml, so no certificates")
            continue
        for q in evaluate(report, delivery, spec):
            if not q.qualifies:
                run.not_qualified.append(q)
                continue
            cert, new = registry.issue(programme=delivery.programme, prefix=spec.number_prefix,
                                       participant=q.participant.key, name=q.participant.display_name, lang=q.lang,
                                       intake=q.intake, completed_on=q.completed_date, modules=q.modules_required,
                                       events=q.events_attended, attended=q.events, today=today)
            folder = out / delivery.programme
            html_path = folder / f"{cert.number}.html"
            revocation = registry.revocation(cert.number)
            if site:
                text = spec.text.get(cert.lang) or next(iter(spec.text.values()))
                row = payload(cert, userid=q.participant.userid, title=text.title, issuer=text.issuer,
                              programme=delivery.title.get(cert.lang) or delivery.programme, revocation=revocation)
                if registry.published(cert.number) != row:
                    run.to_publish.append(row)
            if revocation:
                run.revoked.append(Issued(qualification=q, certificate=cert, new=False, html=html_path))
                continue
            folder.mkdir(parents=True, exist_ok=True)
            html_path.write_text(render_certificate(cert, spec, delivery,
                                                    verify=verify_url(site, cert.code) if site else ""),
                                 encoding="utf-8")
            pdf_path = None
            if chromium is not None:
                try:
                    pdf_path = print_pdf(html_path, folder / f"{cert.number}.pdf", chromium=chromium)
                except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                    run.problems.append(f"{cert.number}: PDF not made: {exc}")
            run.issued.append(Issued(qualification=q, certificate=cert, new=new, html=html_path, pdf=pdf_path))
    return run

