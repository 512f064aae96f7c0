"""`lmsbridge report` against the seeded sandbox: the CSV a programme lead opens, and the HTML report in Chromium."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from report_seed import SOURCE, Seeded
from lmsbridge.cli import cli
from lmsbridge.report import Filters, make_report
from lmsbridge.report.tracks import is_passed, parse_duration, summarize


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so spreadsheets show ą and ö right"
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def row(rows: list[dict[str, str]], user: str, module: str) -> dict[str, str]:
    found = [r for r in rows if r["user_idnumber"] == user and r["module"] == module]
    assert len(found) == 1, (user, module, found)
    return found[0]


@pytest.fixture(scope="module")
def report_dir(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(cli, ["report", "--out", str(out)], env=seeded.env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "26 rows (8 participants)" in result.output
    return out


def test_csv_has_one_row_per_participant_and_course(report_dir: Path) -> None:
    rows = read_csv(report_dir / "report.csv")
    # SC: 4 learners x 4 courses of their language; CME: 2 x 2; EMP: 2 x 3. The hand-made course is not there.
    assert len(rows) == 16 + 4 + 6
    assert {r["programme"] for r in rows} == {"social-clustering", "cluster-manager-education", "executive-management"}
    assert not any(r["course_idnumber"] == "staff-room" for r in rows)

    ruta = row(rows, "sc000001", "sc-intro")
    assert (ruta["firstname"], ruta["lastname"], ruta["organisation"], ruta["country"]) == \
        ("Rūta", "Žukauskaitė", "Biržų rajono savivaldybė", "LT")
    assert (ruta["lang"], ruta["intake"], ruta["course_idnumber"]) == ("lt", "2026", "lmsb-SC-2026-sc-intro-lt")
    assert (ruta["status"], ruta["passed"], ruta["score"], ruta["attempts"]) == ("passed", "yes", "92", "1")
    assert (ruta["time_spent_s"], ruta["time_spent"]) == ("2110", "0:35:10")
    assert (ruta["events_attended"], ruta["events_graded"]) == ("2", "3")
    assert row(rows, "sc000001", "sc-rizika")["attempts"] == "2"

    jonas = row(rows, "sc000002", "sc-korupcija")
    assert (jonas["lang"], jonas["course_idnumber"]) == ("en", "lmsb-SC-2026-sc-korupcija-en")

    egle = row(rows, "sc000003", "sc-korupcija")
    assert (egle["state"], egle["status"], egle["score"], egle["time_spent_s"]) == \
        ("in progress", "incomplete", "", "760")
    tomas = row(rows, "sc000004", "sc-prevencija")
    assert (tomas["state"], tomas["status"], tomas["attempts"], tomas["last_activity"]) == \
        ("not started", "not attempted", "0", "")

    piotr = row(rows, "cme000002", "cme-strategy")
    assert (piotr["status"], piotr["passed"], piotr["score"], piotr["grade"], piotr["attempts"]) == \
        ("failed", "no", "55", "55", "2")
    assert piotr["state"] == "failed"  # not "in progress": the last attempt failed
    ingrid = row(rows, "cme000001", "cme-strategy")
    assert (ingrid["course_completed"], ingrid["last_activity"]) == ("yes", "2021-03-15T10:00:00Z")

    # SCORM 2004: success status, ISO 8601 durations
    karin = row(rows, "emp000001", "emp-verktyg")
    assert (karin["status"], karin["score"], karin["time_spent_s"], karin["lang"]) == ("passed", "91", "3012", "sv")
    assert row(rows, "emp000001", "emp-ledarskap")["time_spent"] == "1:05:00"


def test_report_uses_few_calls(seeded: Seeded, tmp_path: Path) -> None:
    """Bulk calls where Moodle has them: per course 1 participants + 1 grades (userid=0) + 1 SCO tree; per
    participant 1 completion call; per participant and SCO 1 tracks call; plus 2 for courses and SCORMs."""
    before = len(seeded.sandbox.calls)
    with seeded.client() as client:
        files = make_report(client, SOURCE, tmp_path)
    made = seeded.sandbox.calls[before:]
    courses, people, enrolments = 8 + 2 + 3, 8, 26
    assert files.report.calls == len(made) == 2 + 3 * courses + people + enrolments
    assert made.count("gradereport_user_get_grade_items") == courses
    assert "mod_scorm_get_scorm_attempt_count" not in made
    assert "core_completion_get_course_completion_status" not in made


def test_filters_by_programme_intake_and_date(seeded: Seeded, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--programme", "executive-management", "--intake", "2026",
                                 "--out", str(tmp_path / "emp")], env=seeded.env)
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "emp" / "report.csv")
    assert {r["programme"] for r in rows} == {"executive-management"} and len(rows) == 6

    result = runner.invoke(cli, ["report", "--since", "2026-02-15", "--until", "2026-03-31",
                                 "--out", str(tmp_path / "window")], env=seeded.env)
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "window" / "report.csv")
    assert {(r["user_idnumber"], r["module"]) for r in rows} == {
        ("sc000001", "sc-rizika"), ("sc000001", "sc-prevencija"), ("sc000002", "sc-rizika"),
        ("sc000002", "sc-prevencija")}

    result = runner.invoke(cli, ["report", "--programme", "no-such-programme", "--out", str(tmp_path / "x")],
                           env=seeded.env)
    assert result.exit_code == 2 and "unknown programme no-such-programme" in result.output


def test_unreachable_moodle_exits_4(seeded: Seeded, tmp_path: Path) -> None:
    env = {**seeded.env, "LMSBRIDGE_MOODLE_URL": "http://127.0.0.1:9", "LMSBRIDGE_RETRIES": "0"}
    result = CliRunner().invoke(cli, ["report", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 4, result.output


def test_library_filters(seeded: Seeded, tmp_path: Path) -> None:
    with seeded.client() as client:
        files = make_report(client, SOURCE, tmp_path, filters=Filters(programme=["cluster-manager-education"]))
    assert {r.participant.display_name for r in files.report.rows} == {"Ingrid Berg", "Piotr Nowak"}
    assert all(r.completed for r in files.report.rows if r.participant.key == "cme000001")


@pytest.mark.browser
def test_html_report_in_chromium(report_dir: Path, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto((report_dir / "report.html").as_uri())
    assert page.locator("h1").inner_text() == "Training results"
    assert page.locator("h2").all_inner_texts() == ["Summary", "Completion", "Score distributions",
                                                    "Progress over time", "Participants",
                                                    "How the figures are computed"]
    table = page.locator("table:not(.data)")
    assert "Results per participant and course (26 rows)" in table.locator("caption").inner_text()
    text = table.inner_text()
    for expected in ("Rūta Žukauskaitė", "Karin Öberg", "Piotr Nowak", "Biržų rajono savivaldybė", "92%", "55%",
                     "Korupcija Lietuvoje ir pasaulyje", "Corruption in Lithuania and the world", "Strategiska verktyg"):
        assert expected in text
    # Every chart is an image with a title and a description that state its numbers.
    charts = page.locator("figure.chart svg")
    assert charts.count() == 4 + 3 + 3
    for i in range(charts.count()):
        svg = charts.nth(i)
        assert svg.get_attribute("role") == "img"
        title_id, desc_id = svg.get_attribute("aria-labelledby").split()
        assert page.locator(f"#{title_id}").text_content() and page.locator(f"#{desc_id}").text_content()
    descs = page.locator("figure.chart desc").all_text_contents()
    assert any("Executive Management Program: 1 of 2 participants completed (50%), 1 in progress, 0 not started"
               in d for d in descs)
    assert any("LT: 2 of 4 participants completed (50%), 1 in progress, 1 not started" in d for d in descs)
    assert any("Vilniaus dizaino kolegija: 1 of 1" in d for d in descs)
    assert any("9 scores, mean 88%" in d for d in descs), descs
    assert any("intake 2026: 9 modules passed between 2026-01-20 and 2026-03-05" in d for d in descs)
    # Every data table has a caption; nothing was fetched from anywhere.
    assert page.locator("table").count() == page.locator("table caption").count()
    assert outside == []
    # Ids beside names (people may share a name); labels wrap rather than being cut.
    assert table.locator("thead th").nth(1).inner_text() == "Id" and "cme000001" in text
    assert all("…" not in t for t in page.locator("figure.chart svg text.label").all_text_contents())
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    # A phone: nothing but the participants table (which scrolls in its own box) is wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "report-phone.png"), full_page=False)
    page.close()


def test_tracks_parsing() -> None:
    assert parse_duration("0000:35:10.50") == 2110.5
    assert parse_duration("PT1H2M3.5S") == 3723.5
    assert parse_duration("P1DT1S") == 86401
    assert parse_duration("PT") is None and parse_duration("soon") is None
    s = summarize({"cmi.completion_status": "completed", "cmi.success_status": "unknown", "cmi.score.scaled": "0.8",
                   "cmi.total_time": "PT0S", "cmi.session_time": "PT10M", "timemodified": "1700000000"}, 3)
    assert s is not None and (s.status, s.score, s.time_spent_s, s.attempt) == ("completed", 80.0, 600.0, 3)
    assert is_passed(s, mastery=80) and not is_passed(s, mastery=90) and not is_passed(s)
    assert summarize({}, 1) is None


def test_empty_figures_say_no_data_not_zero() -> None:
    from lmsbridge.report.htmlreport import render_html
    from lmsbridge.report.model import ReportData

    html = render_html(ReportData(generated_at=1_800_000_000))
    assert "no data</span> mean module score" in html and "completed (no data)" in html and "0%<" not in html


def test_a_participant_who_left_is_shown_apart() -> None:
    from lmsbridge.report.csvout import row_values
    from lmsbridge.report.htmlreport import render_html
    from lmsbridge.report.model import CourseInfo, Participant, ReportData, ResultRow

    course = CourseInfo(id=2, idnumber="lmsb-k", programme="p", intake="i")
    rows = [ResultRow(programme="p", intake="i", course=course,
                      participant=Participant(userid=n, idnumber=f"p{n}", fullname="Same Name", left=n == 2))
            for n in (1, 2)]
    html = render_html(ReportData(generated_at=1_800_000_000, rows=rows))
    assert '<span class="num">1</span> participants' in html and '<span class="num">1</span> left' in html
    assert '<span class="num">1</span> enrolments' in html
    assert 'class="state-left">left' in html and ">p1<" in html and ">p2<" in html  # ids tell them apart
    assert row_values(rows[1])["left"] == "yes" and row_values(rows[0])["left"] == "no"
