"""The CAM rules and version detection, one small manifest per rule (the zip is made in tmp_path)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from scorm.validate import validate_package

CP12 = ('xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
        'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"')
CP04 = ('xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
        'xmlns:imsss="http://www.imsglobal.org/xsd/imsss" xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"')


def manifest(version: str = "1.2", *, schemaversion: str | None = None, default: str = "O", item: str = "",
             resource_attrs: str | None = None, files: str = '<file href="index.html"/>', extra_items: str = "",
             item_attrs: str = 'identifierref="R"', org_title: str = "<title>Course</title>") -> str:
    ns = CP12 if version == "1.2" else CP04
    sv = schemaversion if schemaversion is not None else ("1.2" if version == "1.2" else "2004 4th Edition")
    st = "scormtype" if version == "1.2" else "scormType"
    attrs = resource_attrs if resource_attrs is not None else f'adlcp:{st}="sco" href="index.html"'
    meta = f"<metadata><schema>ADL SCORM</schema><schemaversion>{sv}</schemaversion></metadata>" if sv else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M" version="1" {ns}>
  {meta}
  <organizations default="{default}">
    <organization identifier="O">{org_title}
      <item identifier="I" {item_attrs}><title>Page</title>{item}</item>{extra_items}
    </organization>
  </organizations>
  <resources>
    <resource identifier="R" type="webcontent" {attrs}>{files}</resource>
  </resources>
</manifest>
"""


def package(tmp_path: Path, xml: str, files: dict[str, bytes] | None = None) -> Path:
    path = tmp_path / "pkg.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("imsmanifest.xml", xml)
        for name, data in (files if files is not None else {"index.html": b"<title>x</title>"}).items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_a_minimal_package_is_clean(tmp_path: Path, version: str) -> None:
    report = validate_package(package(tmp_path, manifest(version)))
    assert report.findings == [] and report.ok
    assert report.version == ("1.2" if version == "1.2" else "2004 4th")


@pytest.mark.parametrize("schemaversion, expected", [
    ("1.2", "1.2"), ("CAM 1.3", "2004 2nd"), ("2004 3rd Edition", "2004 3rd"), ("2004 4th Edition", "2004 4th")])
def test_version_detection(tmp_path: Path, schemaversion: str, expected: str) -> None:
    version = "1.2" if expected == "1.2" else "2004"
    assert validate_package(package(tmp_path, manifest(version, schemaversion=schemaversion))).version == expected


# (version, manifest keyword arguments, zip files or None for index.html only, code, severity)
RULES = [
    ("2004", dict(schemaversion=""), None, "VER002", "error"),
    ("1.2", dict(schemaversion=""), None, "VER002", "warning"),
    ("2004", dict(schemaversion="2004 5th Edition"), None, "VER004", "error"),
    ("2004", dict(schemaversion="1.2"), None, "VER003", "error"),
    ("1.2", dict(extra_items='<item identifier="I" identifierref="R"><title>x</title></item>'), None, "CAM001",
     "error"),
    ("2004", dict(default="NOPE"), None, "CAM003", "error"),
    ("2004", dict(default="I"), None, "CAM003", "error"),
    ("1.2", dict(item_attrs='identifierref="GONE"'), None, "CAM004", "error"),
    ("1.2", dict(files='<file href="index.html"/><dependency identifierref="GONE"/>'), None, "CAM005", "error"),
    ("1.2", dict(files='<file href="index.html"/><file href="img/a.png"/>'), None, "CAM006", "error"),
    ("1.2", dict(), {"Index.html": b"x"}, "CAM007", "error"),
    ("1.2", dict(files='<file href="index.html"/><file href="https://cdn.example.org/x.js"/>'), None, "CAM008",
     "warning"),
    ("1.2", dict(files='<file href="index.html"/><file href="../outside.html"/>'), None, "CAM009", "error"),
    ("1.2", dict(resource_attrs='adlcp:scormtype="sco"'), None, "CAM010", "error"),
    ("2004", dict(resource_attrs='href="index.html"'), None, "CAM011", "error"),
    ("1.2", dict(resource_attrs='adlcp:scormtype="SCO" href="index.html"'), None, "CAM012", "error"),
    ("1.2", dict(resource_attrs='adlcp:scormType="sco" href="index.html"'), None, "CAM013", "error"),
    ("2004", dict(resource_attrs='adlcp:scormtype="sco" href="index.html"'), None, "CAM013", "error"),
    ("1.2", dict(item="<adlcp:masteryscore>120</adlcp:masteryscore>"), None, "CAM014", "error"),
    ("1.2", dict(item="<adlcp:masteryscore>eighty</adlcp:masteryscore>"), None, "CAM014", "error"),
    ("2004", dict(item="<imsss:sequencing><imsss:objectives><imsss:primaryObjective satisfiedByMeasure=\"true\">"
                       "<imsss:minNormalizedMeasure>1.5</imsss:minNormalizedMeasure></imsss:primaryObjective>"
                       "</imsss:objectives></imsss:sequencing>"), None, "CAM015", "error"),
    ("2004", dict(schemaversion="2004 3rd Edition", item='<adlcp:completionThreshold minProgressMeasure="0.5"/>'),
     None, "CAM016", "error"),
    ("2004", dict(schemaversion="2004 3rd Edition", item="<adlcp:data/>"), None, "CAM016", "error"),
    ("1.2", dict(), {"index.html": b"x", "stray.html": b"x"}, "CAM018", "warning"),
    ("1.2", dict(item="<adlcp:dataFromLMS>x</adlcp:dataFromLMS>"), None, "CAM019", "error"),
    ("2004", dict(item="<adlcp:masteryscore>80</adlcp:masteryscore>"), None, "CAM019", "error"),
    ("2004", dict(org_title=""), None, "CAM021", "error"),
    ("1.2", dict(org_title=""), None, "CAM021", "warning"),
    ("2004", dict(item='<item identifier="C" identifierref="R"><title>c</title></item>'), None, "CAM022", "error"),
    ("2004", dict(item_attrs=""), None, "CAM024", "error"),
    ("1.2", dict(item="<adlcp:timelimitaction>stop</adlcp:timelimitaction>"), None, "CAM026", "error"),
]


@pytest.mark.parametrize("version, kwargs, files, code, severity", RULES,
                         ids=[f"{r[3]}-{r[0]}-{i}" for i, r in enumerate(RULES)])
def test_rule(tmp_path: Path, version: str, kwargs: dict, files: dict | None, code: str, severity: str) -> None:
    report = validate_package(package(tmp_path, manifest(version, **kwargs), files))
    found = [f for f in report.findings if f.code == code]
    assert found, report.findings
    assert {f.severity for f in found} == {severity}
    assert all(f.hint and f.message and f.file for f in found[:1])


def test_empty_organizations_is_a_warning(tmp_path: Path) -> None:
    xml = manifest("1.2").replace('<organizations default="O">', "<organizations>")
    xml = xml[:xml.index("<organization ")] + xml[xml.index("</organizations>"):]
    report = validate_package(package(tmp_path, xml))
    assert report.ok and [f.code for f in report.findings] == ["CAM017"]


def test_xml_base_is_followed(tmp_path: Path) -> None:
    xml = manifest("2004", resource_attrs='adlcp:scormType="sco" href="index.html" xml:base="content/"')
    assert validate_package(package(tmp_path, xml, {"content/index.html": b"x"})).findings == []


def test_line_numbers_point_at_the_element(tmp_path: Path) -> None:
    report = validate_package(package(tmp_path, manifest("1.2", default="NOPE")))
    finding = next(f for f in report.findings if f.code == "CAM003")
    assert finding.file == "imsmanifest.xml" and finding.line == 4  # <organizations default="NOPE">


def with_location(xml: str, location: str) -> str:
    return xml.replace('version="1"', 'version="1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                                      f'xsi:schemaLocation="{location}"')


def test_schema_locations_must_be_in_the_package(tmp_path: Path) -> None:
    # A non-standard name, or a remote copy: ADL wants the file at the root, and a validator cannot guess it.
    for location in ("http://www.imsproject.org/xsd/imscp_rootv1p1p2 my_cp.xsd",
                     "http://www.imsproject.org/xsd/imscp_rootv1p1p2 http://www.imsproject.org/xsd/cp.xsd"):
        report = validate_package(package(tmp_path, with_location(manifest("1.2"), location)))
        assert [f.code for f in report.findings] == ["XSD003"] and report.ok


def test_standard_schema_not_carried_is_only_noted(tmp_path: Path) -> None:
    # The official schema under its standard name: every validator has a copy, so only a note (what our own
    # packages built without --schemas declare).
    xml = with_location(manifest("1.2"), "http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd")
    report = validate_package(package(tmp_path, xml))
    assert [(f.code, f.severity) for f in report.findings] == [("XSD004", "info")] and report.ok
    assert not report.warnings


def test_xsd_catches_what_the_schema_forbids(shared: Path, tmp_path: Path) -> None:
    xml = manifest("2004", item='<imsss:sequencing><imsss:bogus/></imsss:sequencing>')
    report = validate_package(package(tmp_path, xml), schemas=shared / "scorm-schemas")
    assert report.schemas_checked and "XSD001" in {f.code for f in report.errors}
    assert next(f for f in report.findings if f.code == "XSD001").line == 6  # the item's line


def test_missing_schema_set_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    report = validate_package(package(tmp_path, manifest("1.2")), schemas=tmp_path / "empty")
    assert report.ok and [f.code for f in report.findings] == ["XSD002"] and not report.schemas_checked


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_package(tmp_path / "nope.zip")


def test_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_text("hello")
    assert [f.code for f in validate_package(tmp_path / "x.zip").findings] == ["ZIP001"]
