"""Certificates anyone can verify on the Moodle site (sandbox with the plugin's function and public page):
published by `lmsbridge certificates`, opened by the QR code printed on them, revoked by `certificates revoke`."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from report_seed import Seeded

from lmsbridge.cli import cli
from lmsbridge.moodle import MoodleClient

# Screenshots to look at (the certificate, the public page on a phone): LMSBRIDGE_SCREENSHOTS or the temp dir.
SHOTS = Path(os.environ.get("LMSBRIDGE_SCREENSHOTS") or tempfile.gettempdir()) / "lmsbridge-screenshots"
LINE = re.compile(r"^(?P<number>[A-Z]+-\d{4}-\d{5})  (?P<status>new |kept|revoked)  (?P<name>.+?) \((?P<key>[^,]+),")


def cli_run(seeded: Seeded, state: Path, *args: str, pdf: bool = False) -> tuple[int, str]:
    env = {**seeded.env, **({"LMSBRIDGE_CHROMIUM": "/usr/bin/chromium"} if pdf else {}), "LMSBRIDGE_STATE_DIR": str(state), "LMSBRIDGE_CERT_SECRET": "s3cret-for-tests-" + "0" * 32}
    result = CliRunner().invoke(cli, ["certificates", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.output


def lines(output: str) -> dict[str, dict[str, str]]:
    return {m["key"]: m.groupdict() for m in (LINE.match(line) for line in output.splitlines()) if m}


@pytest.fixture(scope="module")
def issued(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, dict[str, str]]]:
    state, out = tmp_path_factory.mktemp("state"), tmp_path_factory.mktemp("out")
    code, output = cli_run(seeded, state, "--out", str(out), pdf=True)  # the PDFs too: learners download them
    assert code == 0, output
    assert "published to Moodle: 3 certificate(s) created or updated" in output
    assert "PDFs in Moodle for the learners: 3 stored" in output
    return state, out, lines(output)


def page_url(seeded: Seeded, html: str) -> str:
    found = re.search(r'<p class="url"><a href="([^"]+)">', html)
    assert found, "the certificate prints its verification URL"
    return found[1]


def test_only_qualifiers_are_published_to_moodle(seeded: Seeded, issued: Any) -> None:
    rows = seeded.sandbox.db.q("SELECT number, userid, fullname, revoked FROM local_lmsbridge_cert ORDER BY number")
    assert sorted(r["fullname"] for r in rows) == sorted(v["name"] for v in issued[2].values())
    assert {r["userid"] for r in rows} == {seeded.users[k] for k in issued[2]}
    assert seeded.users["sc000002"] not in {r["userid"] for r in rows}, "Jonas does not qualify yet"
    assert all(r["revoked"] == 0 for r in rows)


def test_the_printed_qr_code_opens_the_public_page(seeded: Seeded, issued: Any, browser: Any) -> None:
    import zxingcpp
    from PIL import Image

    _, out, got = issued
    ruta = got["sc000001"]
    cert = out / "social-clustering" / f"{ruta['number']}.html"
    url = page_url(seeded, cert.read_text(encoding="utf-8"))
    assert url.startswith(seeded.sandbox.url + "/local/lmsbridge/v.php?c=") and len(url.split("c=")[1]) == 20
    page = browser.new_page(viewport={"width": 1200, "height": 850})
    page.goto(cert.as_uri())
    shot = SHOTS / "certificate-with-qr.png"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".sheet").screenshot(path=str(shot))
    page.close()
    decoded = [b.text for b in zxingcpp.read_barcodes(Image.open(shot))]
    assert decoded == [url], "the QR code on the certificate is the URL printed beside it"
    # Anyone opens it: no token, no cookie.
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200
    # In the certificate's language, labels included: a Lithuanian verifier reads Lithuanian.
    assert '<html lang="lt">' in answer.text and "Galioja: šį sertifikatą išdavė ši svetainė." in answer.text
    assert "<dt>Išdavimo data</dt>" in answer.text and "Date of issue" not in answer.text
    assert "Rūta Žukauskaitė" in answer.text and ruta["number"] in answer.text
    assert "Socialinė klasterystė viešajame sektoriuje" in answer.text and "Pažymėjimas" in answer.text


def test_an_unknown_code_is_not_found(seeded: Seeded, issued: Any) -> None:
    answer = requests.get(seeded.sandbox.url + "/local/lmsbridge/v.php?c=AAAAABBBBBCCCCCDDDDD", timeout=10)
    assert answer.status_code == 404 and "No certificate with this code was issued on this site." in answer.text


def learner_badges(seeded: Seeded, key: str) -> list[dict[str, Any]]:
    """core_badges_get_user_badges as the learner: their own token, no capability beyond using REST."""
    token = seeded.sandbox.add_token(userid=seeded.users[key], capabilities=["webservice/rest:use"])
    with MoodleClient(seeded.sandbox.url, token) as learner:
        badges: list[dict[str, Any]] = learner.call("core_badges_get_user_badges", {})["badges"]
    return badges


def test_each_qualifier_has_the_programmes_badge(seeded: Seeded, issued: Any) -> None:
    got = issued[2]
    for key in got:
        [badge] = learner_badges(seeded, key)
        assert badge["issuerurl"] == seeded.sandbox.url and badge["dateissued"] > 0
    assert learner_badges(seeded, "sc000002") == [], "Jonas does not qualify yet: no badge"
    assert learner_badges(seeded, "sc000001")[0]["name"].startswith("Pažymėjimas — ")


def pdf_url(seeded: Seeded, number: str) -> str:
    """Where "My certificates" links the PDF, as the Moodle app opens it (webservice/pluginfile.php)."""
    certid = seeded.sandbox.db.scalar("SELECT id FROM local_lmsbridge_cert WHERE number = ?", number)
    system = seeded.sandbox.db.context_id(10, 0)
    return f"{seeded.sandbox.url}/webservice/pluginfile.php/{system}/local_lmsbridge/certificate/{certid}/{number}.pdf"


def learner_download(seeded: Seeded, key: str, url: str) -> requests.Response:
    token = seeded.sandbox.add_token(userid=seeded.users[key], capabilities=["webservice/rest:use"])
    return requests.get(url, params={"token": token}, timeout=10)


def test_the_learner_downloads_the_pdf_from_moodle(seeded: Seeded, issued: Any) -> None:
    _, out, got = issued
    number = got["sc000001"]["number"]
    url = pdf_url(seeded, number)
    answer = learner_download(seeded, "sc000001", url)
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert answer.content == (out / "social-clustering" / f"{number}.pdf").read_bytes(), "the PDF lmsbridge made"
    assert learner_download(seeded, "sc000002", url).status_code == 404, "another learner cannot"


def test_a_second_run_publishes_and_issues_nothing_new(seeded: Seeded, issued: Any, tmp_path: Path) -> None:
    state, _, first = issued
    code, output = cli_run(seeded, state, "--out", str(tmp_path))
    assert code == 0, output
    again = lines(output)
    assert {k: v["number"] for k, v in again.items()} == {k: v["number"] for k, v in first.items()}
    assert all(v["status"] == "kept" for v in again.values()) and "published to Moodle" not in output
    assert seeded.sandbox.db.scalar("SELECT COUNT(*) FROM local_lmsbridge_cert") == 3


def test_revoked_then_the_page_says_so(seeded: Seeded, issued: Any, browser: Any, tmp_path: Path) -> None:
    state, out, got = issued
    emp = got["emp000001"]
    code, output = cli_run(seeded, state, "revoke", emp["number"], "--reason", "grade corrected")
    assert code == 0, output
    assert re.search(rf"{emp['number']} revoked on \d{{4}}-\d\d-\d\d: grade corrected", output)
    url = page_url(seeded, (out / "executive-management" / f"{emp['number']}.html").read_text(encoding="utf-8"))
    answer = requests.get(url, timeout=10)
    assert re.search(r"Återkallat \d{4}-\d\d-\d\d: grade corrected\. Certifikatet är inte längre giltigt\.",
                     answer.text) and "Giltigt:" not in answer.text, "the Swedish programme's page, in Swedish"
    # The issuer's own check agrees; revoking twice changes nothing; a later run neither reprints nor renumbers.
    code, output = cli_run(seeded, state, "verify", url.split("c=")[1])
    assert code == 1 and "invalid: revoked on" in output and "grade corrected" in output
    code, output = cli_run(seeded, state, "revoke", emp["number"], "--reason", "another reason")
    assert code == 0 and "was already revoked" in output and "grade corrected" in output
    code, output = cli_run(seeded, state, "--out", str(tmp_path))
    assert code == 0, output
    assert lines(output)["emp000001"] == {**emp, "status": "revoked"}
    assert not (tmp_path / "executive-management").exists() and "published to Moodle" not in output
    # Readable on a phone: the verifier's view, looked at.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(url)
    assert phone.locator(".status").inner_text().startswith("Återkallat")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "public-page-revoked-phone.png"), full_page=True)
    ruta = page_url(seeded, (out / "social-clustering" / f"{got['sc000001']['number']}.html").read_text("utf-8"))
    phone.goto(ruta)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "public-page-valid-phone.png"), full_page=True)
    phone.close()
    assert learner_badges(seeded, "emp000001") == [], "the badge is revoked with the certificate"
    assert learner_download(seeded, "emp000001", pdf_url(seeded, emp["number"])).status_code == 404
    assert len(learner_badges(seeded, "sc000001")) == 1


def test_unknown_number_cannot_be_revoked(seeded: Seeded, issued: Any) -> None:
    code, output = cli_run(seeded, issued[0], "revoke", "SC-1999-00009", "--reason", "x")
    assert code == 2 and "no certificate 'SC-1999-00009'" in output
