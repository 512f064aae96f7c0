"""The README's main command on its embedded default: one run builds, validates, syncs into the sandbox and
produces the report and the certificates, which render in a browser; a second run finds nothing to change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lmsbridge.demo import run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo") / "out"
    lines: list[str] = []
    assert run_demo(out, schemas=None, echo=lines.append) == 0, "\n".join(lines)
    return out, "\n".join(lines)


def test_one_command_builds_syncs_reports_and_certifies(demo: tuple[Path, str]) -> None:
    out, text = demo
    assert len(list((out / "packages").glob("*.zip"))) == 26 and "26 packages built" in text and "all valid" in text
    assert "exit 0 (all applied)" in text and "A further sync changes 0 things" in text
    assert (out / "report" / "report.csv").is_file() and (out / "report" / "report.html").is_file()
    certificates = sorted((out / "certificates").glob("*/*.html"))
    # The simulated learners act only within their courses' dates and before now: a programme whose last module
    # has not started yet (EMP's until 2027) has nobody certified yet.
    assert "cluster-manager-education" in {c.parent.name for c in certificates}
    assert {c.parent.name for c in certificates} <= {"social-clustering", "cluster-manager-education",
                                                      "executive-management"}
    # The PDFs are made (Chromium is on the test machine) and every certificate is published to the sandbox.
    pdfs = sorted((out / "certificates").glob("*/*.pdf"))
    assert pdfs and [p.with_suffix(".html") for p in pdfs] == certificates and pdfs[0].read_bytes()[:5] == b"%PDF-"
    assert f"({len(pdfs)} as PDF)" in text
    assert f"Published to the site's public verification page: {len(certificates)} new or changed, e.g. " in text
    # Each learner finds the PDF and the programme's badge in Moodle itself.
    assert (f'In Moodle for their learners: {len(pdfs)} PDFs on their "My certificates" page, '
            f"{len(certificates)} programme badges issued with them") in text
    assert (out / "lmsbridge.prom").read_text(encoding="utf-8").rstrip().endswith("# EOF")
    # Names as the programmes spell them, not as Moodle escapes them for display.
    csv_text = (out / "report" / "report.csv").read_text(encoding="utf-8")
    assert "Collaboration & Leadership" in csv_text and "&amp;" not in csv_text


def test_another_fresh_demo_gives_the_same_results(demo: tuple[Path, str], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulated learners depend on who they are, not on the ids Moodle happened to give them."""
    out, _ = demo
    monkeypatch.setenv("LMSBRIDGE_CHROMIUM", "/nonexistent")  # the PDFs were proved once; save the CPU
    again = tmp_path / "out"
    assert run_demo(again, schemas=None, echo=lambda _: None) == 0

    def results(root: Path) -> tuple[list[str], list[str]]:
        certificates = sorted(p.relative_to(root).as_posix() for p in root.glob("certificates/*/*.html"))
        # every column: last_activity is the learners' (event grades, which the sync dates, do not count)
        rows = (root / "report" / "report.csv").read_text(encoding="utf-8").splitlines()
        return certificates, rows

    assert results(again) == results(out)


def test_a_second_run_changes_nothing(demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    out, _ = demo
    monkeypatch.setenv("LMSBRIDGE_CHROMIUM", "/nonexistent")
    lines: list[str] = []
    assert run_demo(out, schemas=None, echo=lines.append) == 0
    assert "Nothing to change: Moodle matches the programmes and rosters." in "\n".join(lines)
    assert "Published to the site's public verification page: 0 new or changed" in "\n".join(lines)


@pytest.mark.browser
def test_report_and_a_certificate_render(demo: tuple[Path, str], browser: Any, tmp_path: Path) -> None:
    out, _ = demo
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    try:
        page.goto((out / "report" / "report.html").as_uri())
        assert page.locator("h1").first.text_content()
        assert page.locator("svg").count() >= 4  # completion per programme, intake, country, organisation, ...
        page.screenshot(path=str(tmp_path / "report.png"))
        certificate = sorted((out / "certificates" / "cluster-manager-education").glob("*.html"))[0]
        page.goto(certificate.as_uri())
        assert page.evaluate("document.documentElement.lang") == "en"
        body = page.locator("body").text_content() or ""
        assert "Cluster Manager Education" in body and "CME-" in body
        page.screenshot(path=str(tmp_path / "certificate.png"))
    finally:
        page.close()


def test_simulated_activity_lies_within_the_courses_dates_and_before_the_report(demo: tuple[Path, str]) -> None:
    import csv
    from datetime import UTC, datetime

    out, _ = demo
    made = datetime.fromtimestamp((out / "report" / "report.csv").stat().st_mtime, UTC)
    rows = list(csv.DictReader((out / "report" / "report.csv").read_text(encoding="utf-8-sig").splitlines()))
    times = [datetime.fromisoformat(r["last_activity"].replace("Z", "+00:00")) for r in rows if r["last_activity"]]
    assert times and max(times) <= made
    # Moodle's course completion, not a rule of the report's own: who passed the module is course-complete.
    assert all(r["course_completed"] == "yes" for r in rows if r["passed"] == "yes")
    assert all(r["state"] in ("completed", "passed", "failed", "in progress", "not started") for r in rows)
