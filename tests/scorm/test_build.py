"""Building packages: zip bytes, manifests and SCO pages, for the test module and for every real module."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree, html

from lmsbridge.cli import cli
from scorm.build import BuildError, build_packages
from scorm.manifest import scaled_passing_score
from scorm.sources import SourceError

DATA = Path(__file__).parent / "data"
REAL = Path(__file__).resolve().parents[2] / "course_packages"
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
CP = {"1.2": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "2004": "http://www.imsglobal.org/xsd/imscp_v1p1"}
ADLCP = {"1.2": "http://www.adlnet.org/xsd/adlcp_rootv1p2", "2004": "http://www.adlnet.org/xsd/adlcp_v1p3"}
SS = "http://www.imsglobal.org/xsd/imsss"
XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
EXPECTED_12 = ["http://www.imsproject.org/xsd/imscp_rootv1p1p2", "imscp_rootv1p1p2.xsd",
               "http://www.adlnet.org/xsd/adlcp_rootv1p2", "adlcp_rootv1p2.xsd"]
EXPECTED_2004 = ["http://www.imsglobal.org/xsd/imscp_v1p1", "imscp_v1p1.xsd", "http://www.adlnet.org/xsd/adlcp_v1p3",
                 "adlcp_v1p3.xsd", "http://www.adlnet.org/xsd/adlseq_v1p3", "adlseq_v1p3.xsd",
                 "http://www.adlnet.org/xsd/adlnav_v1p3", "adlnav_v1p3.xsd", "http://www.imsglobal.org/xsd/imsss",
                 "imsss_v1p0.xsd"]


def manifest_of(zf: zipfile.ZipFile) -> etree._Element:
    return etree.fromstring(zf.read("imsmanifest.xml"), etree.XMLParser(resolve_entities=False, no_network=True))


def by_class(el: html.HtmlElement, name: str, tag: str = "*") -> list[html.HtmlElement]:
    return el.xpath(f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def is_schema_file(name: str) -> bool:
    return "/" not in name and name.endswith((".xsd", ".dtd"))


def check_package(path: Path, version: str, langs: list[str], mastery: int, titles: dict[str, str]) -> None:
    """What every package must satisfy, whatever its content."""
    zf = zipfile.ZipFile(path)
    names = zf.namelist()
    # Reproducible zip: sorted entries, fixed metadata, relative paths only.
    assert names == sorted(names) and len(names) == len(set(names))
    for info in zf.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0) and info.create_system == 3
        assert info.external_attr >> 16 == 0o100644 and info.compress_type == zipfile.ZIP_DEFLATED
        assert not info.filename.startswith("/") and ".." not in info.filename.split("/") and not info.extra

    # Manifest: identifiers, references, every file listed.
    m = manifest_of(zf)
    cp = CP[version]
    ids = [e.get("identifier") for e in m.iter() if e.get("identifier") is not None]
    assert all(NCNAME.match(i) for i in ids) and len(ids) == len(set(ids)), ids
    assert m.find(f"{{{cp}}}metadata/{{{cp}}}schemaversion").text == {"1.2": "1.2", "2004": "2004 4th Edition"}[version]
    org = m.find(f"{{{cp}}}organizations/{{{cp}}}organization")
    assert m.find(f"{{{cp}}}organizations").get("default") == org.get("identifier")
    item = org.find(f"{{{cp}}}item")
    assert org.findtext(f"{{{cp}}}title") == item.findtext(f"{{{cp}}}title") == titles[langs[0]]
    sco, assets = m.findall(f"{{{cp}}}resources/{{{cp}}}resource")
    scormtype = f"{{{ADLCP[version]}}}{'scormtype' if version == '1.2' else 'scormType'}"
    assert (sco.get(scormtype), assets.get(scormtype)) == ("sco", "asset")
    assert item.get("identifierref") == sco.get("identifier") and sco.get("href") == "index.html"
    assert sco.find(f"{{{cp}}}dependency").get("identifierref") == assets.get("identifier")
    assert [f.get("href") for f in sco.findall(f"{{{cp}}}file")] == ["index.html"]
    listed = [f.get("href") for r in (sco, assets) for f in r.findall(f"{{{cp}}}file")]
    assert all(h.startswith("assets/") for h in listed[1:])
    assert sorted(listed) == sorted(n for n in names if n != "imsmanifest.xml" and not is_schema_file(n))
    if version == "1.2":
        assert item.findtext(f"{{{ADLCP['1.2']}}}masteryscore") == str(mastery)
    else:
        seq = item.find(f"{{{SS}}}sequencing")
        primary = seq.find(f"{{{SS}}}objectives/{{{SS}}}primaryObjective")
        assert primary.get("satisfiedByMeasure") == "true"
        assert float(primary.findtext(f"{{{SS}}}minNormalizedMeasure")) == mastery / 100
        delivery = seq.find(f"{{{SS}}}deliveryControls")
        assert delivery.get("completionSetByContent") == delivery.get("objectiveSetByContent") == "true"
    # The manifest always declares its schemas' standard locations; the files travel only when built with them,
    # and then all of them.
    location = m.get(XSI_LOCATION).split()
    assert location == {"1.2": EXPECTED_12, "2004": EXPECTED_2004}[version]
    schema_names = [n for n in names if is_schema_file(n)]
    assert schema_names == [] or all(f in names for f in location[1::2])

    # Nothing the package ships may point at the internet.
    for name in names:
        if name.endswith((".html", ".css", ".js")):
            text = zf.read(name).decode("utf-8")
            assert not re.search(r"(?i)https?://|url\(\s*['\"]?//", text), f"{path.name}:{name} has a web address"

    check_page(zf.read("index.html").decode("utf-8"), version, langs, mastery, titles, names)


def check_page(source: str, version: str, langs: list[str], mastery: int, titles: dict[str, str],
               names: list[str]) -> None:
    doc = html.document_fromstring(source)
    assert source.startswith("<!DOCTYPE html>") and doc.get("lang") == langs[0]
    assert doc.findtext(".//title") == titles[langs[0]]
    versions = by_class(doc, "language-version")
    assert [v.get("lang") for v in versions] == [v.get("data-lang") for v in versions] == langs
    all_ids = [e.get("id") for e in doc.iter() if e.get("id")]
    assert len(all_ids) == len(set(all_ids)), "duplicate ids"
    config = json.loads(doc.get_element_by_id("lmsbridge-config").text)
    assert config["scorm"] == version and config["mastery_score"] == mastery and config["default_lang"] == langs[0]
    assert list(config["languages"]) == langs
    for v in versions:
        lang = v.get("lang")
        assert [h.text_content() for h in v.iter("h1")] == [titles[lang]]
        # Headings never skip a level (h1 -> h2 -> h3 ...).
        levels = [int(h.tag[1]) for h in v.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
        pages = by_class(v, "page", "section")
        assert [p.get("id") for p in pages] == config["languages"][lang]["pages"]
        assert [p.get("data-page") for p in pages] == [str(i) for i in range(1, len(pages) + 1)]
        assert pages[-1].get("id") == f"{lang}-page-quiz" and list(by_class(pages[0], "objectives")[0].iter("li"))
        for p in pages:
            assert p.get("aria-labelledby") == p.find("h2").get("id")
        # Every control has a label; every question a legend.
        labels = {lab.get("for") for lab in v.iter("label")}
        for control in v.iter("input", "select"):
            assert control.get("id") in labels, html.tostring(control)
        questions = by_class(v, "question", "fieldset")
        assert [q.get("data-question") for q in questions] == [q["id"] for q in config["quiz"]["questions"]]
        assert all(q.find("legend") is not None and q.findtext("legend").strip() for q in questions)
        assert len(config["languages"][lang]["strings"]) == 11
        for button in v.iter("button"):
            assert button.text_content().strip()
    for img in doc.iter("img"):
        assert img.get("src") in names and img.get("alt") is not None


# --- the test module ---

MINI_TITLES = {"lt": "Pagrindai & <bandymas>", "en": "Basics & <testing>"}


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> list:
    return build_packages(DATA, tmp_path_factory.mktemp("mini"))


def test_one_package_per_module_language_and_version(mini: list) -> None:
    assert [p.path.name for p in mini] == ["mini-basics-lt-scorm12.zip", "mini-basics-lt-scorm2004.zip",
                                           "mini-basics-en-scorm12.zip", "mini-basics-en-scorm2004.zip"]
    for p in mini:
        assert p.sha1 == hashlib.sha1(p.path.read_bytes()).hexdigest() and p.size == p.path.stat().st_size
        check_package(p.path, p.version, [p.lang], 75, MINI_TITLES)


def test_rebuild_is_byte_identical(mini: list, tmp_path: Path) -> None:
    # Same content in another place, with other file times: the same bytes.
    src = tmp_path / "elsewhere" / "sources"
    shutil.copytree(DATA, src)
    for f in src.rglob("*"):
        os.utime(f, (1_700_000_000, 1_700_000_000))
    again = build_packages(src, tmp_path / "out")
    assert [(p.path.name, p.sha1) for p in again] == [(p.path.name, p.sha1) for p in mini]
    for p in again:  # no build-machine data: neither the source path nor the output path inside
        with zipfile.ZipFile(p.path) as zf:
            blob = b"".join(zf.read(n) for n in zf.namelist())
        assert str(tmp_path).encode() not in blob and str(DATA).encode() not in blob


def test_page_content_and_config(mini: list) -> None:
    with zipfile.ZipFile(mini[0].path) as zf:
        doc = html.document_fromstring(zf.read("index.html"))
        config = json.loads(doc.get_element_by_id("lmsbridge-config").text)
    assert by_class(doc, "programme")[0].text == "Bandomoji programa"
    first = doc.get_element_by_id("lt-page-1")
    assert [li.text for li in by_class(first, "objectives")[0].iter("li")] == ["Paaiškinti, kas yra paketas.", "Atlikti testą."]
    assert [h.text for h in first.iter("h3")] == ["Mokymosi tikslai", "Ką darysite"]  # page ## became h3
    assert by_class(doc, "quiz-submit")[0].text == "Pateikti atsakymus"
    assert by_class(doc, "page-indicator")[0].text == "Puslapis 1 iš 3"
    assert config["quiz"]["questions"] == [
        {"id": "q1", "type": "single", "points": 2, "correct": ["a"]},
        {"id": "q2", "type": "multiple", "points": 1, "correct": ["a", "c"]},
        {"id": "q3", "type": "true-false", "points": 1, "correct": False},
        {"id": "q4", "type": "fill-in", "points": 1, "correct": {"lt": ["index.html", "index"]}},
        {"id": "q5", "type": "matching", "points": 1, "correct": [["s1", "t1"], ["s2", "t2"]]}]
    assert "75 %" in config["languages"]["lt"]["strings"]["failed"]
    # Matching targets are shown sorted by their text; true/false radios carry "true"/"false".
    assert [o.text for o in doc.get_element_by_id("lt-q5-s1").iter("option")] == [
        "Pasirinkite…", "Aprašo paketą", "Rodo turinį"]
    assert [i.get("value") for i in doc.xpath("//fieldset[@data-question='q3']//input")] == ["true", "false"]


def test_multilingual_package(tmp_path: Path) -> None:
    built = build_packages(DATA, tmp_path, multilingual=True, versions=("2004",))
    assert [(p.path.name, p.lang) for p in built] == [("mini-basics-multi-scorm2004.zip", "multi")]
    check_package(built[0].path, "2004", ["lt", "en"], 75, MINI_TITLES)


def test_schemas_are_copied_and_referenced(shared: Path, tmp_path: Path) -> None:
    built = build_packages(DATA, tmp_path, schemas=shared / "scorm-schemas", langs=["en"])
    for p in built:
        check_package(p.path, p.version, ["en"], 75, MINI_TITLES)
        with zipfile.ZipFile(p.path) as zf:
            location = manifest_of(zf).get(XSI_LOCATION).split()
            schema_names = {n for n in zf.namelist() if is_schema_file(n)}
            for name in schema_names:  # byte-for-byte copies of the set's files
                folder = "scorm12" if p.version == "1.2" else "scorm2004_4th"
                assert zf.read(name) == (shared / "scorm-schemas" / folder / name).read_bytes()
        if p.version == "1.2":
            assert location[1::2] == ["imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd"]
            assert schema_names == {"imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd", "ims_xml.xsd"}
        else:
            assert location[1::2] == ["imscp_v1p1.xsd", "adlcp_v1p3.xsd", "adlseq_v1p3.xsd", "adlnav_v1p3.xsd",
                                      "imsss_v1p0.xsd"]
            # imscp_v1p1.xsd imports xml.xsd, whose DOCTYPE names XMLSchema.dtd, which needs datatypes.dtd.
            assert {"xml.xsd", "XMLSchema.dtd", "datatypes.dtd", "imsss_v1p0util.xsd"} <= schema_names
            assert not any(n.startswith("lom") for n in schema_names)


def test_scaled_passing_score() -> None:
    assert [scaled_passing_score(m) for m in (0, 5, 75, 80, 100)] == ["0", "0.05", "0.75", "0.8", "1"]


def test_requests_the_sources_cannot_meet(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no module nope in .*: the modules are mini-basics"):
        build_packages(DATA, tmp_path, modules=["nope"])
    with pytest.raises(BuildError, match="no module in sv"):
        build_packages(DATA, tmp_path, langs=["sv"])
    with pytest.raises(BuildError, match="unknown SCORM version 1.3"):
        build_packages(DATA, tmp_path, versions=("1.3",))
    assert not list(tmp_path.iterdir())


def test_cli_build(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(cli, ["build", "--source", str(DATA), "--out", str(out), "--scorm", "1.2",
                                 "--lang", "en", "mini-basics"], env={"LMSBRIDGE_SCHEMAS": None})
    assert result.exit_code == 0, result.output
    [line] = result.output.splitlines()
    path, size, sha1 = re.fullmatch(r"(\S+)  (\d+) bytes  sha1 ([0-9a-f]{40})", line).groups()
    assert Path(path) == out / "mini-basics-en-scorm12.zip"
    assert int(size) == Path(path).stat().st_size and sha1 == hashlib.sha1(Path(path).read_bytes()).hexdigest()
    with zipfile.ZipFile(path) as zf:  # built without --schemas: the locations declared, the files not shipped
        assert manifest_of(zf).get(XSI_LOCATION).split() == EXPECTED_12
        assert not any(is_schema_file(n) for n in zf.namelist())


def test_cli_build_source_error_exits_2(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(DATA, src)
    (src / "mini/mini-basics/quiz.toml").write_text("[[questions]]\nid = 'q1'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--source", str(src), "--out", str(tmp_path / "out")],
                                env={"LMSBRIDGE_SCHEMAS": None})
    assert result.exit_code == 2
    assert "quiz.toml: question q1: has no type" in result.output
    assert "Traceback" not in result.output


# --- the real course sources: every module that exists ---

REAL_MODULES = sorted(p.parent.name for p in REAL.glob("*/*/module.toml"))


@pytest.mark.skipif(not REAL_MODULES, reason="no modules in course_packages/ yet")
@pytest.mark.parametrize("module_id", REAL_MODULES)
def test_real_module_builds_clean_and_reproducibly(module_id: str, tmp_path: Path) -> None:
    try:
        built = build_packages(REAL, tmp_path / "a", modules=[module_id])
    except SourceError as e:
        pytest.fail(f"the sources of {module_id} are broken:\n{e}")
    [programme_dir] = [p.parent.parent for p in REAL.glob(f"*/{module_id}/module.toml")]
    from scorm.sources import load_module
    module = load_module(programme_dir / module_id)
    assert {(p.lang, p.version) for p in built} == {(lang, v) for lang in module.languages for v in ("1.2", "2004")}
    for p in built:
        check_package(p.path, p.version, [p.lang], module.mastery_score, module.title)
        quiz = module.quiz.questions
        assert len(quiz) >= 5 and {"single", "multiple", "true-false"} <= {q.type for q in quiz}
    again = build_packages(REAL, tmp_path / "b", modules=[module_id])
    assert [p.sha1 for p in again] == [p.sha1 for p in built]
