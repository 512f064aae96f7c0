"""`lmsbridge validate`: what a user sees, exit codes, JSON for machines; CODES.md in step with the catalogue."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from click.testing import CliRunner

from lmsbridge.cli import cli
from scorm.validate.codes import CODES, LENIENT_IN_12

GOOD = """<?xml version="1.0"?>
<manifest identifier="M" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>T</title>
    <item identifier="I" identifierref="R"><title>T</title></item></organization></organizations>
  <resources><resource identifier="R" type="webcontent" adlcp:scormtype="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>
"""


def make(path: Path, manifest: str, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("imsmanifest.xml", manifest)
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def test_clean_package_exits_0(tmp_path: Path) -> None:
    pkg = make(tmp_path / "good.zip", GOOD, {"index.html": "x"})
    result = CliRunner().invoke(cli, ["validate", str(pkg)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("=> VALID (SCORM 1.2; 0 errors, 0 warnings)")


def test_findings_are_printed_with_code_place_and_hint(tmp_path: Path) -> None:
    good = make(tmp_path / "good.zip", GOOD, {"index.html": "x", "extra.css": "x"})
    bad = make(tmp_path / "bad.zip", GOOD.replace('default="O"', 'default="X"'), {"index.html": "x"})
    result = CliRunner().invoke(cli, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    warning = next(i for i, line in enumerate(lines) if "CAM018" in line)
    assert re.match(r"^  warning CAM018  extra\.css  'extra\.css' is in the zip but no resource lists it$",
                    lines[warning])
    assert lines[warning + 1].strip().startswith("hint: List it in a <resource>")
    error = next(line for line in lines if "CAM003" in line)
    assert re.match(r"^  error   CAM003  imsmanifest\.xml:5  organizations/@default is 'X'", error)
    assert "  => VALID (SCORM 1.2; 0 errors, 1 warning)" in lines
    assert "  => REJECTED (SCORM 1.2; 1 error, 0 warnings)" in lines
    assert lines[-1] == "2 packages: 1 valid, 1 rejected"


def test_json_output(tmp_path: Path) -> None:
    bad = make(tmp_path / "bad.zip", GOOD, {})
    result = CliRunner().invoke(cli, ["validate", "--json", str(bad)])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    (report,) = data["packages"]
    assert report["package"] == str(bad) and report["version"] == "1.2" and report["ok"] is False
    codes = {f["code"] for f in report["findings"]}
    assert {"CAM006", "CAM007"} <= codes
    assert set(report["findings"][0]) == {"code", "severity", "file", "line", "message", "hint"}


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.zip")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_no_argument_is_a_usage_error() -> None:
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 2


def test_schemas_from_the_environment(shared: Path, tmp_path: Path) -> None:
    pkg = make(tmp_path / "good.zip", GOOD, {"index.html": "x"})
    result = CliRunner().invoke(cli, ["validate", str(pkg)], env={"LMSBRIDGE_SCHEMAS": str(shared / "scorm-schemas")})
    assert result.exit_code == 0 and "XSD checked" in result.output


def test_codes_md_documents_every_code() -> None:
    text = (Path(__file__).resolve().parents[2] / "scorm" / "validate" / "CODES.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| (\w{3}\d{3}) \| ([^|]+) \|", text, re.M)}
    assert set(rows) == set(CODES)
    for code, entry in CODES.items():
        assert rows[code].strip() == entry.severity + (" (1.2: warning)" if code in LENIENT_IN_12 else ""), code
