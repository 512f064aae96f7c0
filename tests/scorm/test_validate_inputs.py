"""`lmsbridge validate` takes a zip, the package's folder, or only its imsmanifest.xml."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from click.testing import CliRunner

from lmsbridge.cli import cli
from scorm.validate import validate_package

CP = 'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"'
MANIFEST = (f'<?xml version="1.0"?>\n<manifest identifier="COURSE" {CP}>\n'
            "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>\n"
            '<organizations default="O"><organization identifier="O"><title>Course</title>'
            '<item identifier="I" identifierref="R"><title>Lesson</title></item></organization></organizations>\n'
            '<resources>\n<resource identifier="R" type="webcontent" adlcp:scormtype="sco" href="index.html">\n'
            '<file href="index.html"/>\n<file href="css/style.css"/></resource></resources>\n</manifest>\n')
FILES = {"imsmanifest.xml": MANIFEST, "index.html": "<p>hi</p>", "css/style.css": "p { color: red }"}


def folder(path: Path, files: dict[str, str] = FILES) -> Path:
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    return path


def test_a_folder_gets_the_verdict_its_zip_gets(tmp_path: Path) -> None:
    pkg = folder(tmp_path / "course")
    with zipfile.ZipFile(tmp_path / "course.zip", "w") as zf:
        for name, text in FILES.items():
            zf.writestr(name, text)
    result = CliRunner().invoke(cli, ["validate", str(pkg), str(tmp_path / "course.zip")])
    assert result.exit_code == 0, result.output
    assert result.output.count("=> VALID (SCORM 1.2; 0 errors, 0 warnings)") == 2
    assert result.output.count("offline in the Moodle app: yes") == 2


def test_a_folder_with_a_missing_file_and_a_link(tmp_path: Path) -> None:
    pkg = folder(tmp_path / "course", {k: v for k, v in FILES.items() if k != "css/style.css"})
    os.symlink("/etc/passwd", pkg / "passwd")
    report = validate_package(pkg)
    assert report.source == "folder" and not report.ok
    assert {(f.code, f.file) for f in report.errors} == {("CAM006", "imsmanifest.xml"), ("ZIP005", "passwd")}
    assert "'css/style.css' is not in the package" in next(f.message for f in report.errors if f.code == "CAM006")


def test_only_the_manifest_says_which_files_it_could_not_see(tmp_path: Path) -> None:
    manifest = tmp_path / "imsmanifest.xml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(manifest)])
    assert result.exit_code == 0, result.output  # not seeing the files is no error
    lines = result.output.splitlines()
    assert lines[0] == f"{manifest}: (only the manifest)"
    unseen = [line for line in lines if "CAM032" in line]
    assert unseen == [
        "  info    CAM032  imsmanifest.xml:6  resource 'R' href 'index.html': not checked, only the manifest was given",
        "  info    CAM032  imsmanifest.xml:7  resource 'R' file 'index.html': not checked, only the manifest was "
        "given",
        "  info    CAM032  imsmanifest.xml:8  resource 'R' file 'css/style.css': not checked, only the manifest "
        "was given"]
    assert "  offline in the Moodle app: unknown - only the manifest was given: what the pages load and the " \
           "package's size were not seen" in lines
    assert lines[-1] == "  => VALID (SCORM 1.2; 0 errors, 0 warnings, 3 notes)"


def test_a_manifest_under_another_name_and_its_errors(tmp_path: Path) -> None:
    # ADL's suite keeps manifests side by side under other names; any non-zip file is read as a manifest.
    manifest = tmp_path / "CM-01.xml"
    manifest.write_text(MANIFEST.replace('default="O"', 'default="X"'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--json", str(manifest)])
    assert result.exit_code == 1
    [report] = json.loads(result.output)["packages"]
    assert report["source"] == "manifest" and report["offline"]["playable"] == "no"
    assert [f["code"] for f in report["findings"] if f["severity"] == "error"] == ["CAM003"]


def test_the_folder_above_the_package(tmp_path: Path) -> None:
    folder(tmp_path / "download" / "course")
    [finding] = validate_package(tmp_path / "download").errors
    assert finding.code == "ZIP013" and finding.file == "course/imsmanifest.xml"
    assert finding.message == "imsmanifest.xml is in the sub-folder 'course/', not at the top of the folder given"
