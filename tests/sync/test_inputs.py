"""Programme delivery files and roster CSVs: what an administrator writes, and the messages they get back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lmsbridge.sync.sources.delivery import ConfigError, load_deliveries, load_delivery
from lmsbridge.sync.desired import build_desired
from lmsbridge.sync.sources.roster import read_roster_file

from sync_helpers import SOURCE


@pytest.fixture(scope="module")
def deliveries():
    return load_deliveries(SOURCE)


def test_sample_programmes_are_delivered_as_the_schedules_say(deliveries) -> None:
    by_id = {d.programme: d for d in deliveries}
    cme = by_id["cluster-manager-education"].intakes[0]
    assert cme.dates_of("cme-collaboration") == (date(2020, 9, 1), date(2020, 11, 30))
    assert cme.dates_of("cme-strategy")[0] == date(2020, 12, 1)
    emp = by_id["executive-management"]
    assert emp.intakes[0].start == date(2026, 10, 4) and emp.intakes[0].location == "Luleå"
    assert [m.id for m in emp.modules] == ["emp-omvarld", "emp-ledarskap", "emp-verktyg"]
    sc = by_id["social-clustering"]
    assert sc.per_language and sc.languages == ["lt", "en"]


def test_courses_per_module_and_language_with_forced_language(deliveries) -> None:
    from lmsbridge.sync.sources.roster import Roster

    desired = build_desired(deliveries, Roster())
    sc = sorted(c.shortname for c in desired.courses.values() if c.programme == "social-clustering")
    assert len(sc) == 8 and "SC-2026-sc-intro-lt" in sc and "SC-2026-sc-intro-en" in sc
    intro_en = desired.courses["lmsb-SC-2026-sc-intro-en"]
    assert intro_en.lang == "en" and intro_en.fullname.startswith("1. ")
    collab = desired.courses["lmsb-CME-2020-cme-collaboration"]
    assert collab.lang == "en" and collab.enddate > collab.startdate > 0
    assert desired.categories["lmsb-cat-CME"].parent == "lmsb-cat-programmes"


def test_bad_moodle_toml_names_the_file_and_the_field(tmp_path: Path) -> None:
    prog = tmp_path / "p"
    (prog / "m1").mkdir(parents=True)
    (prog / "programme.toml").write_text('id = "p"\ncode = "P"\nlanguages = ["en"]\nmodules = ["m1"]\n'
                                         '[title]\nen = "P"\n')
    (prog / "m1" / "module.toml").write_text('[title]\nen = "M1"\n')
    (prog / "moodle.toml").write_text('[[intakes]]\nid = "Spring 2026"\nstart = 2026-01-01\n')
    with pytest.raises(ConfigError) as e:
        load_delivery(prog)
    assert "moodle.toml" in str(e.value) and "intakes.0.id" in str(e.value) and "lower-case" in str(e.value)


def test_roster_with_bom_and_semicolons_is_read(tmp_path: Path, deliveries) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffidnumber;firstname;lastname;email;institution;lang;programme\n"
                     "P1;Rūta;Žukauskaitė;ruta@example.org;Utenos rajono savivaldybė;lt;social-clustering\n"
                     .encode("utf-8"))
    roster = read_roster_file(path, deliveries)
    assert roster.problems == []
    row = roster.rows[0]
    assert row.user["firstname"] == "Rūta" and row.user["username"] == "ruta@example.org"
    assert row.intake == "2026" and row.source == f"{path}:2"


def test_each_bad_row_is_reported_with_file_line_and_fix_and_others_go_on(tmp_path: Path, deliveries) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "idnumber,firstname,lastname,email,country,lang,programme,intake,course1,role1\n"
        "A1,Ann,Lee,ann@example.org,SE,sv,executive-management,2026,,\n"
        "A2,Bo,,bo@example.org,SE,sv,executive-management,2026,,\n"               # line 3: no lastname
        "A3,Cy,Lo,not-an-email,SE,sv,executive-management,2026,,\n"               # line 4
        "A4,Di,Wu,di@example.org,Sweden,sv,executive-management,2026,,\n"         # line 5
        "A5,Ed,Ng,ed@example.org,SE,sv,executive-management,2031,,\n"             # line 6
        "A6,Fi,Ho,fi@example.org,SE,de,social-clustering,2026,,\n"                # line 7
        "A7,Gu,Ek,gu@example.org,SE,sv,,,NOPE-1,student\n"                        # line 8
        '"A8","Hu","Multi\nLine",hu@example.org,SE,sv,executive-management,2026,,\n'  # lines 9-10
        "A9,Io,Ax,io@example.org,SE,sv,executive-management,2026,,\n",           # line 11
        encoding="utf-8")
    roster = read_roster_file(path, deliveries, {"EMP-2026-emp-omvarld"})
    errors = {p.line: str(p) for p in roster.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert f"{path}:3: lastname is empty" in errors[3]
    assert "not a valid address" in errors[4] and "two-letter" in errors[5]
    assert "unknown intake '2031'" in errors[6] and "2026" in errors[6]
    assert "not a language of social-clustering" in errors[7] and "lt, en" in errors[7]
    assert "NOPE-1" in errors[8] and "not a course lmsbridge manages" in errors[8]
    assert [r.user["idnumber"] for r in roster.rows] == ["A1", "A8", "A9"]
    assert [r.line for r in roster.rows] == [2, 9, 11]


def test_password_column_is_refused(tmp_path: Path, deliveries) -> None:
    path = tmp_path / "r.csv"
    path.write_text("idnumber,username,password,firstname,lastname,email\n1,a,Secret1!,A,B,a@example.org\n")
    roster = read_roster_file(path, deliveries)
    assert not roster.rows and "never sends passwords" in str(roster.errors[0])
