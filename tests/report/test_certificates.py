"""`lmsbridge certificates`: who qualifies, the printable certificate in Chromium, idempotent issuing, verify."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_seed import CHROMIUM, SOURCE, Seeded

from lmsbridge.cli import cli
from lmsbridge.report import make_certificates

LINE = re.compile(r"^(?P<number>[A-Z]+-\d{4}-\d{5})  (?P<new>new |kept)  (?P<name>.+?) \((?P<key>[^,]+), "
                  r"(?P<programme>[^,]+), (?P<lang>\w+)\)  (?P<files>.+)$")


def run(seeded: Seeded, state: Path, out: Path, *args: str, secret: str | None = "s3cret-for-tests-that-is-32-bytes-long") -> tuple[int, str]:
    env = {**seeded.env, "LMSBRIDGE_STATE_DIR": str(state)}
    if secret is not None:
        env["LMSBRIDGE_CERT_SECRET"] = secret
    else:
        env["LMSBRIDGE_CERT_SECRET"] = ""
    result = CliRunner().invoke(cli, ["certificates", "--out", str(out), "--show-missing", *args], env=env,
                                catch_exceptions=False)
    return result.exit_code, result.output


def issued(output: str) -> dict[str, dict[str, str]]:
    return {m["key"]: m.groupdict() for m in (LINE.match(line) for line in output.splitlines()) if m}


def verify(seeded: Seeded, state: Path, code: str, secret: str = "s3cret-for-tests-that-is-32-bytes-long") -> tuple[int, str]:
    env = {**seeded.env, "LMSBRIDGE_STATE_DIR": str(state), "LMSBRIDGE_CERT_SECRET": secret}
    result = CliRunner().invoke(cli, ["certificates", "verify", code], env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def first_run(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    state, out = tmp_path_factory.mktemp("state"), tmp_path_factory.mktemp("certificates")
    code, output = run(seeded, state, out)
    assert code == 0, output
    return state, out, output


def test_who_qualifies(first_run: tuple[Path, Path, str]) -> None:
    _, out, output = first_run
    got = issued(output)
    assert set(got) == {"sc000001", "cme000001", "emp000001"}
    assert (got["sc000001"]["name"], got["sc000001"]["lang"], got["sc000001"]["programme"]) == \
        ("Rūta Žukauskaitė", "lt", "social-clustering")
    assert got["emp000001"]["lang"] == "sv" and got["cme000001"]["lang"] == "en"
    assert all(g["new"] == "new " for g in got.values())
    assert got["sc000001"]["number"].startswith("SC-") and got["emp000001"]["number"].startswith("EMP-")
    # Who does not qualify yet, and why.
    assert "Jonas Petrauskas (sc000002, social-clustering): events attended 0 of 1" in output
    assert "Piotr Nowak (cme000002, cluster-manager-education): modules not passed: cme-strategy" in output
    assert "3 qualify (3 new), 5 do not yet" in output
    for g in got.values():
        assert (out / g["programme"] / f"{g['number']}.html").is_file()


def test_reissue_keeps_number_and_code(seeded: Seeded, first_run: tuple[Path, Path, str], tmp_path: Path) -> None:
    state, _, output = first_run
    code, again = run(seeded, state, tmp_path)
    assert code == 0, again
    before, after = issued(output), issued(again)
    assert {k: v["number"] for k, v in before.items()} == {k: v["number"] for k, v in after.items()}
    assert all(v["new"] == "kept" for v in after.values())
    html = (tmp_path / "social-clustering" / f"{after['sc000001']['number']}.html").read_text(encoding="utf-8")
    old = (first_run[1] / "social-clustering" / f"{before['sc000001']['number']}.html").read_text(encoding="utf-8")
    assert html == old, "the same certificate, byte for byte"
    assert "3 qualify (0 new)" in again


def test_new_qualifier_gets_the_next_number(seeded: Seeded, tmp_path: Path) -> None:
    """A participant who qualifies later gets a new number; the earlier ones stay."""
    state = tmp_path / "state"
    with seeded.client() as client:
        first = make_certificates(client, SOURCE, tmp_path / "a", programme=["cluster-manager-education"],
                                  state=state, pdf=False, today=date(2026, 5, 4))
        assert [i.certificate.number for i in first.issued] == ["CME-2026-00001"]
        db = seeded.sandbox.db
        piotr = db.scalar("SELECT id FROM user WHERE username = 'cme000002'")
        sco = db.scalar("SELECT s.id FROM scorm_scoes s JOIN scorm sc ON sc.id = s.scorm JOIN course c ON "
                        "c.id = sc.course WHERE c.idnumber = 'lmsb-CME-2020-cme-strategy' AND s.scormtype = 'sco'")
        for element, value in {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "83"}.items():
            db.add_track(piotr, sco, element, value, attempt=3)
        try:
            second = make_certificates(client, SOURCE, tmp_path / "b", programme=["cluster-manager-education"],
                                       state=state, pdf=False, today=date(2026, 6, 1))
        finally:
            db.execute("DELETE FROM scorm_tracks WHERE userid = ? AND attempt = 3", piotr)
    numbers = {i.certificate.participant: (i.certificate.number, i.certificate.issued_on, i.new) for i in second.issued}
    assert numbers == {"cme000001": ("CME-2026-00001", "2026-05-04", False),
                       "cme000002": ("CME-2026-00002", "2026-06-01", True)}


def test_verify_valid_invalid_tampered(seeded: Seeded, first_run: tuple[Path, Path, str]) -> None:
    state, _, output = first_run
    ruta = issued(output)["sc000001"]
    html = (first_run[1] / "social-clustering" / f"{ruta['number']}.html").read_text(encoding="utf-8")
    code = re.search(r'<dd class="code">([A-Z2-7-]+)</dd>', html)[1]  # type: ignore[index]

    status, said = verify(seeded, state, code)
    assert status == 0, said
    assert said.startswith("valid:") and "Rūta Žukauskaitė (sc000001)" in said and "social-clustering" in said
    assert ruta["number"] in said and "issued " in said
    # typed without dashes, in lower case: still the same code
    assert verify(seeded, state, code.replace("-", "").lower())[0] == 0

    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    status, said = verify(seeded, state, wrong)
    assert status == 1 and said.startswith("invalid:")
    assert verify(seeded, state, "hello")[0] == 1

    # Another secret: the stored record no longer matches its code.
    status, said = verify(seeded, state, code, secret="another-secret-also-32-bytes-or-more")
    assert status == 1 and "altered" in said

    # Someone edits the registry: the name on record no longer matches the signed code.
    db = sqlite3.connect(state / "certificates.sqlite")
    (data,) = db.execute("SELECT data FROM certificate WHERE number = ?", (ruta["number"],)).fetchone()
    forged = json.loads(data)
    forged["name"] = "Mallory Forger"
    db.execute("UPDATE certificate SET data = ? WHERE number = ?", (json.dumps(forged), ruta["number"]))
    db.commit()
    try:
        status, said = verify(seeded, state, code)
        assert status == 1 and "altered" in said and "Mallory" not in said
    finally:
        db.execute("UPDATE certificate SET data = ? WHERE number = ?", (data, ruta["number"]))
        db.commit()
        db.close()


def test_generated_secret_is_private_and_never_printed(seeded: Seeded, tmp_path: Path) -> None:
    state = tmp_path / "state"
    code, output = run(seeded, state, tmp_path / "out", "--programme", "executive-management", secret=None)
    assert code == 0, output
    secret_file = state / "cert-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) == 64 and secret not in output
    # The same secret on the next run: codes stay valid.
    number = issued(output)["emp000001"]["number"]
    html = (tmp_path / "out" / "executive-management" / f"{number}.html").read_text(encoding="utf-8")
    assert secret not in html
    cert_code = re.search(r'<dd class="code">([A-Z2-7-]+)</dd>', html)[1]  # type: ignore[index]
    env = {**seeded.env, "LMSBRIDGE_STATE_DIR": str(state), "LMSBRIDGE_CERT_SECRET": ""}
    result = CliRunner().invoke(cli, ["certificates", "verify", cert_code], env=env)
    assert result.exit_code == 0 and secret not in result.output
    assert os.environ.get("LMSBRIDGE_CERT_SECRET") is None or secret != os.environ["LMSBRIDGE_CERT_SECRET"]


def test_verify_without_registry(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["certificates", "verify", "ABCDE-FGHJK-LMNPQ-RSTUV"],
                                env={"LMSBRIDGE_STATE_DIR": str(tmp_path / "none")})
    assert result.exit_code == 1 and "no certificates were issued" in result.output
    assert not (tmp_path / "none" / "cert-secret").exists()


@pytest.mark.browser
def test_certificate_in_chromium(first_run: tuple[Path, Path, str], browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, out, output = first_run
    ruta = issued(output)["sc000001"]
    page = browser.new_page(viewport={"width": 1200, "height": 850})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith("file:") else None)
    page.goto((out / "social-clustering" / f"{ruta['number']}.html").as_uri())
    assert page.locator("html").get_attribute("lang") == "lt"
    assert page.locator("h1").inner_text() == "Pažymėjimas"
    assert page.locator(".name").inner_text() == "Rūta Žukauskaitė"
    body = page.locator(".body").inner_text()
    assert "„Socialinė klasterystė viešajame sektoriuje“" in body and "„Korupcija Lietuvoje ir pasaulyje“" in body
    assert "renginių: 2" in body
    # ... and which: the first events in Norway and in Lithuania, with place, dates and topics (moodle.toml).
    assert page.locator(".events p").inner_text() == "Mokymų renginiai, kuriuose dalyvauta:"
    assert page.locator(".events li").all_inner_texts() == [
        "LT-01 · Lietuva, 2016 m. lapkričio 28–29 d.: Korupcija Lietuvoje ir pasaulyje; Korupcijos rizikos "
        "analizė; Antikorupcinės priemonės ir prevencijos",
        "NO-01 · Norvegija, Flexible Education Norway, 2016 m. lapkričio 14–18 d.: Korupcija Lietuvoje ir "
        "pasaulyje; Korupcijos rizikos analizė; Antikorupcinės priemonės ir prevencijos"]
    text = page.locator("main").inner_text()
    assert ruta["number"] in text and "Tikrinimo kodas" in text and re.search(r"\d{4} m\. \w+ \d{1,2} d\.", text)
    assert re.search(r"[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{5}", text)
    # Printed, it is one A4 landscape page (297 x 210 mm at 96 px per inch).
    page.emulate_media(media="print")
    box = page.locator(".sheet").bounding_box()
    assert box is not None and abs(box["width"] - 1122.5) < 2 and abs(box["height"] - 793.7) < 2
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "one page"
    page.emulate_media(media="screen")
    shot = tmp_path / "certificate.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000 and outside == []
    page.close()


@pytest.mark.browser
def test_pdf_through_chromium(seeded: Seeded, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM}")
    env = {**seeded.env, "LMSBRIDGE_STATE_DIR": str(tmp_path / "state"), "LMSBRIDGE_CERT_SECRET": "x" * 32,
           "LMSBRIDGE_CHROMIUM": str(CHROMIUM)}
    result = CliRunner().invoke(cli, ["certificates", "--programme", "executive-management", "--pdf",
                                      "--out", str(tmp_path / "out")], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pdfs = list((tmp_path / "out" / "executive-management").glob("*.pdf"))
    assert len(pdfs) == 1
    data = pdfs[0].read_bytes()
    assert data.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page[^s]", data)) == 1
    # A4 landscape: 842 x 595 points
    assert re.search(rb"/MediaBox\s*\[\s*0 0 84[12](\.\d+)? 59[45](\.\d+)?\s*\]", data), data[:2000]


def test_pdf_asked_without_chromium_is_a_config_error(seeded: Seeded, tmp_path: Path) -> None:
    code, output = run(seeded, tmp_path / "state", tmp_path / "out", "--pdf")  # LMSBRIDGE_CHROMIUM=/nonexistent
    assert code == 2 and "no Chromium at /nonexistent" in output
