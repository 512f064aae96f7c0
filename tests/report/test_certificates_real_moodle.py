"""The certificate's public page, proved the same way on the sandbox and on a real Moodle (4.5/5.0) with the
companion plugin: published through local_lmsbridge_publish_certificates, opened by the QR code printed on the
certificate without logging in, valid, then revoked; publishing the same again changes nothing. The real site
runs when LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN (an administrator's token whose service holds
the plugin's functions) are set. Who qualifies is the sandbox's part (test_certificates_in_moodle.py).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from lmsbridge.moodle import MoodleAPIError, MoodleClient
from lmsbridge.report.certificates import print_pdf, render_certificate
from lmsbridge.report.publish import payload, publish, store_pdfs, verify_url
from lmsbridge.report.registry import Registry
from lmsbridge.report.rules import load_certificate_spec
from lmsbridge.report.run import revoke_certificate
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.sources.delivery import load_delivery

URL = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL", "")
TOKEN = os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN", "")
SC = Path(__file__).resolve().parents[2] / "course_packages" / "social-clustering"
# Screenshots to look at: LMSBRIDGE_SCREENSHOTS or the temp dir.
SHOTS = Path(os.environ.get("LMSBRIDGE_SCREENSHOTS") or tempfile.gettempdir()) / "lmsbridge-screenshots"
SITES = [pytest.param("sandbox"), pytest.param("moodle", marks=pytest.mark.moodle)]


@dataclass
class Site:
    name: str
    url: str
    admin: MoodleClient
    userid: int
    username: str = ""
    password: str = ""
    other: int = 0  # a learner without a certificate
    tokens: dict[int, str] = field(default_factory=dict)  # the sandbox's learners' own tokens

    def badges(self, userid: int) -> list[dict[str, Any]]:
        """core_badges_get_user_badges for that learner: with their own token on the sandbox, on a real site with
        the administrator's (who may view others' badges); the learner's own view there is the browser's."""
        if self.tokens:
            with MoodleClient(self.url, self.tokens[userid]) as learner:
                found: list[dict[str, Any]] = learner.call("core_badges_get_user_badges", {})["badges"]
            return found
        return list(self.admin.call("core_badges_get_user_badges", {"userid": userid})["badges"])


@pytest.fixture(scope="module", params=SITES)
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    sfx = secrets.token_hex(3)
    if request.param == "sandbox":
        with Sandbox() as sb, MoodleClient(sb.url, sb.token) as admin:
            uid = sb.db.create_user(username=f"lmsbc-{sfx}", firstname="Rūta", lastname="Žukauskaitė",
                                    email=f"lmsbc-{sfx}@example.invalid")
            other = sb.db.create_user(username=f"lmsbc-{sfx}1", firstname="Jonas", lastname="Petrauskas",
                                      email=f"lmsbc-{sfx}1@example.invalid")
            tokens = {u: sb.add_token(userid=u, capabilities=["webservice/rest:use"]) for u in (uid, other)}
            yield Site("sandbox", sb.url, admin, uid, other=other, tokens=tokens)
        return
    if not (URL and TOKEN):
        pytest.skip("needs a real Moodle: set LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN")
    password = "Lmsb-" + secrets.token_hex(8) + "!"
    with MoodleClient(URL, TOKEN, timeout=120) as admin:
        made = admin.call("core_user_create_users", {"users": [{
            "username": f"lmsbc-{sfx}{n}", "firstname": first, "lastname": last, "auth": "manual",
            "email": f"lmsbc-{sfx}{n}@example.invalid", "password": password}
            for n, (first, last) in enumerate((("Rūta", "Žukauskaitė"), ("Jonas", "Petrauskas")))]})
        try:
            yield Site("moodle", URL.rstrip("/"), admin, int(made[0]["id"]), f"lmsbc-{sfx}0", password,
                       other=int(made[1]["id"]))
        finally:
            admin.call("core_user_delete_users", {"userids": [m["id"] for m in made]})


def test_published_certificate_verifies_by_its_qr_code_then_revoked(site: Site, browser: Any,
                                                                     tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    delivery = load_delivery(SC)
    spec = load_certificate_spec(delivery)
    assert spec is not None
    prefix = "T" + secrets.token_hex(3).upper()  # a number of its own: the site keeps earlier runs' rows
    with Registry(tmp_path, secret=secrets.token_hex(16)) as registry:
        cert, _ = registry.issue(programme=delivery.programme, prefix=prefix, participant=f"u{site.userid}",
                                 name="Rūta Žukauskaitė", lang="lt", modules=["sc-intro"], events=1,
                                 attended=["SC-LT-01"], today=date(2026, 12, 4))
        row = payload(cert, userid=site.userid, title=spec.text["lt"].title, issuer=spec.text["lt"].issuer,
                      programme=delivery.title["lt"])
        statuses, problem = publish(site.admin, [row])
        assert (statuses, problem) == ({cert.number: "created"}, "")
        registry.set_published(cert.number, row)
        assert publish(site.admin, [row]) == ({cert.number: "unchanged"}, ""), "the same data changes nothing"

    # The programme's core badge (Open Badges), issued once (the re-publish above issued nothing new).
    [badge] = site.badges(site.userid)
    assert badge["name"] == f"{spec.text['lt'].title} — {delivery.title['lt']}"
    assert site.badges(site.other) == [], "no certificate, no badge"
    assertion = f"{site.url}/badges/assertion.php?b={badge['uniquehash']}&obversion=2"
    if site.name == "moodle":  # the assertion verifies with the issuer's own site, without login
        answer = requests.get(assertion, timeout=60)
        assert answer.status_code == 200 and answer.json()["verify"]["type"] == "hosted", answer.text[:500]
        assert answer.json()["verify"]["url"].startswith(site.url)

    url = verify_url(site.url, cert.code)
    html = tmp_path / "certificate.html"
    html.write_text(render_certificate(cert, spec, delivery, verify=url), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 850})
    page.goto(html.as_uri())
    page.locator(".sheet").screenshot(path=str(tmp_path / "certificate.png"))
    page.close()
    [decoded] = [b.text for b in zxingcpp.read_barcodes(Image.open(tmp_path / "certificate.png"))]
    assert decoded == url

    # The PDF in Moodle: stored once (the same file again changes nothing), downloaded by the learner only.
    pdf = print_pdf(html, tmp_path / f"{cert.number}.pdf", chromium=Path("/usr/bin/chromium"))
    assert store_pdfs(site.admin, {cert.number: pdf}) == ({cert.number: "stored"}, "")
    assert store_pdfs(site.admin, {cert.number: pdf}) == ({cert.number: "unchanged"}, "")
    if site.name == "moodle":  # the learner's own browser session
        learner = browser.new_context()
        mine = learner.new_page()
        login(mine, site, site.username)
        mine.goto(f"{site.url}/badges/mybadges.php")
        assert badge["name"] in mine.locator("#region-main").inner_text(), "the learner sees it under My badges"
        mine.goto(f"{site.url}/local/lmsbridge/my.php")
        with mine.expect_download() as download:
            mine.locator("#my-certificates a.pdf").first.click()
        assert Path(download.value.path()).read_bytes() == pdf.read_bytes()
        href = str(mine.locator("#my-certificates a.pdf").first.get_attribute("href"))
        other = browser.new_context()
        login(other.new_page(), site, site.username[:-1] + "1")
        assert other.request.get(href).status == 404, "another learner cannot download it"
        other.close()
    # (On the sandbox the learner's download is test_certificates_in_moodle.py's, through the app's URL.)

    # An outsider: no token, no session cookie.
    answer = requests.get(decoded, timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(decoded)
    box = phone.locator("#certificate-verification")
    # The Lithuanian certificate's page speaks Lithuanian (the site has the language), labels included.
    assert box.locator(".status").inner_text().strip() == "Galioja: šį sertifikatą išdavė ši svetainė."
    text = box.inner_text()
    assert "Išdavimo data" in text and "Date of issue" not in text
    for shown in ("Rūta Žukauskaitė", "Pažymėjimas", "Socialinė klasterystė viešajame sektoriuje", cert.number,
                  "2026-12-04"):
        assert shown in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400, "readable on a phone, no side-scrolling"
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / f"public-page-{site.name}-phone.png"), full_page=True)

    revocation, new, problem = revoke_certificate(site.admin, cert.number, "grade corrected", state=tmp_path,
                                                  today=date(2026, 12, 5))
    assert new and problem == ""
    assert site.badges(site.userid) == [], "revoking the certificate revokes its badge"
    if site.name == "moodle":
        assert learner.request.get(href).status == 404, "a revoked certificate's PDF is no longer served"
        learner.close()
    if site.name == "moodle":
        gone = requests.get(assertion, timeout=60)
        assert gone.status_code == 410 and gone.json()["revoked"] is True
    phone.goto(decoded)
    assert box.locator(".status").inner_text().strip() == \
        "Atšauktas 2026-12-05: grade corrected. Šis sertifikatas nebegalioja."
    phone.context.close()

    unknown = requests.get(f"{site.url}/local/lmsbridge/v.php?c=AAAAABBBBBCCCCCDDDDD", timeout=60)
    assert unknown.status_code == 404 and "No certificate with this code was issued on this site." in unknown.text


def test_bad_rows_store_nothing(site: Site) -> None:
    good = {"number": "T-BAD-1", "code": "A" * 20, "userid": site.userid, "fullname": "X", "title": "T",
            "programme": "P", "issuer": "I", "lang": "en", "issued": "2026-12-04", "completed": "", "revoked": 0,
            "revokedon": "", "reason": ""}
    with pytest.raises(MoodleAPIError) as err:
        site.admin.call("local_lmsbridge_publish_certificates",
                        {"certificates": [good, {**good, "number": "T-BAD-2", "code": "short"}]})
    assert err.value.errorcode == "invalidcertificate" and re.search(r'Certificate "T-BAD-2"', str(err.value))


def test_the_learner_finds_it_on_my_certificates(site: Site, browser: Any) -> None:
    """Logged in as the learner (their own browser session): "My certificates" lists theirs, with the link to
    its public page; another learner, who has none, is told so. Runs after the test above published one."""
    if site.name == "sandbox":
        pytest.skip("the sandbox has no browser login; the page is Moodle's (local/lmsbridge/my.php)")
    for username, sees in ((site.username, "Pažymėjimas — Socialinė klasterystė viešajame sektoriuje"),
                           (site.username[:-1] + "1", "You have no programme certificate yet.")):
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        login(page, site, username)
        page.goto(f"{site.url}/local/lmsbridge/my.php")
        mine = page.locator("#my-certificates")
        assert mine.count() == 1, f"{username}: {page.url}: {page.locator('body').inner_text()[:600]}"
        assert sees in mine.inner_text()
        if mine.locator(".certificate").count():
            assert "Revoked on 2026-12-05: grade corrected." in mine.inner_text()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "my-certificates-phone.png"), full_page=True)
            with page.expect_navigation():
                mine.locator("a.verify").first.click()
            assert "/local/lmsbridge/v.php?c=" in page.url
        context.close()


def login(page: Any, site: Site, username: str) -> None:
    """The learner's own browser session."""
    # Up to three tries, each after the login page has settled (as the player tests' learners log in): on a
    # reused, busy site the form was now and then answered "Invalid login"; a real refusal fails all three.
    for attempt in range(3):
        page.goto(f"{site.url}/login/index.php", wait_until="networkidle")
        page.fill("#username", username)
        page.fill("#password", site.password)
        page.click("#loginbtn")
        try:
            page.wait_for_url(lambda url: "/login/" not in url, timeout=60_000)
            return
        except Exception:
            if attempt == 2:
                raise
