"""The certificate in Moodle: the record the companion plugin keeps so that anyone can verify it on the site.

The plugin's function local_lmsbridge_publish_certificates stores one row per certificate number (create or
update; same data: unchanged), and its public page `/local/lmsbridge/v.php?c=<code>` (no login) says who earned
what and when and whether it is still valid. The URL is printed on the certificate with a QR code of it, so a
verifier needs neither lmsbridge nor its state dir. Revoking re-publishes the row with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno

from lmsbridge.moodle import PLUGIN_CERTIFICATE_FUNCTION as PUBLISH_FUNCTION
from lmsbridge.moodle import PLUGIN_CERTIFICATE_PDF_FUNCTION as PDF_FUNCTION
from lmsbridge.moodle import MoodleClient, MoodleError, calls
from lmsbridge.report.registry import Certificate, Revocation, normalise_code

VERIFY_PATH = "/local/lmsbridge/v.php"


def verify_url(base: str, code: str) -> str:
    """The public page of this certificate: short (the code without dashes), nothing secret in it."""
    return f"{base.rstrip('/')}{VERIFY_PATH}?c={normalise_code(code)}"


def qr_svg(url: str) -> str:
    """The URL as an inline SVG QR code (error correction M: survives a crease or a smudge on a printout)."""
    return str(segno.make(url, error="m", micro=False).svg_inline(scale=4, border=2, dark="#1f2328",
                                                                  omitsize=True))


def payload(cert: Certificate, *, userid: int, title: str, programme: str, issuer: str,
            revocation: Revocation | None = None) -> dict[str, Any]:
    """One row of local_lmsbridge_publish_certificates: what the public page shows, in the certificate's
    language."""
    return {"number": cert.number, "code": normalise_code(cert.code), "userid": userid, "fullname": cert.name,
            "title": title, "programme": programme, "issuer": issuer, "lang": cert.lang, "issued": cert.issued_on,
            "completed": cert.completed_on, "revoked": 1 if revocation else 0,
            "revokedon": revocation.revoked_on if revocation else "",
            "reason": revocation.reason if revocation else ""}


def publish(client: MoodleClient, rows: list[dict[str, Any]]) -> tuple[dict[str, str], str]:
    """Send the rows; returns ({number: created|updated|unchanged}, problem or "")."""
    if not rows:
        return {}, ""
    try:
        answer = client.send(calls.plugin_publish_certificates(rows))
    except MoodleError as exc:
        return {}, (f"certificates not published to Moodle ({PUBLISH_FUNCTION}: {exc}); install or upgrade the "
                    "companion plugin (lmsbridge moodle-plugin) and add the function to the sync user's service")
    return {r.number: r.status for r in answer.certificates}, ""


def store_pdfs(client: MoodleClient, pdfs: dict[str, Path]) -> tuple[dict[str, str], str]:
    """Each published certificate's PDF into the plugin's file area (webservice/upload.php, then the plugin's
    function with the draft itemid), for its learner to download from Moodle. Returns ({number: stored|unchanged},
    problem or "")."""
    done: dict[str, str] = {}
    for number, path in sorted(pdfs.items()):
        try:
            draft = client.upload([path])
            done[number] = client.send(calls.plugin_store_certificate_pdf(number, draft.itemid)).status
        except MoodleError as exc:
            return done, (f"certificate PDFs not stored in Moodle ({PDF_FUNCTION}: {exc}); upgrade the companion "
                          "plugin (lmsbridge moodle-plugin) and add the function to the sync user's service")
    return done, ""
