"""What a package's pages fetch from the internet (NET001, with file:line), and whether the Moodle app can play
the package offline: in the text output and in --json."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from click.testing import CliRunner

from lmsbridge.cli import cli
from scorm.validate import validate_package

PAGE = """<!doctype html>
<html><head>
<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Roboto">
<link rel="canonical" href="https://example.org/course">
<script src="//cdn.example.com/jquery.js"></script>
<style>
/* background: url(http://in-a-comment.example/x.png) */
h1 { background: url( "https://img.example.com/bg.png" ) }
</style>
</head><body style="background-image: url(//bg.example.net/a.png)">
<a href="https://en.wikipedia.org/wiki/SCORM">read more</a>
<form action="https://forms.example.com/"></form>
<img src="images/local.png" srcset="images/local.png 1x, https://cdn.example.com/a@2x.png 2x">
<video poster="http://video.example.com/p.jpg"><source src="https://video.example.com/v.mp4"></video>
<iframe src="https://www.youtube.com/embed/xyz"></iframe>
<img src="data:image/png;base64,iVBORw0KGgo=">
</body></html>
"""
CSS = """@import url("https://fonts.example.com/font.css");
.logo { background: url('../images/local.png') }
@font-face { src: url(https://fonts.gstatic.com/s/roboto.woff2) }
"""
JS = """// fetch("https://in-a-comment.example/")
var svg = "http://www.w3.org/2000/svg";
var pattern = /https?:\\/\\/x/;
fetch("https://api.example.com/track?visit=1");
var xhr = new XMLHttpRequest(); xhr.open("POST", "https://lrs.example.com/statements");
var s = document.createElement("script"); s.src = "https://cdn.example.com/analytics.js";
document.write('<script src="https://ads.example.com/ad.js"></scr' + 'ipt>');
var home = "https://www.example.com/";
"""
EXPECTED = [  # (file:line, what is fetched), in file order
    ("index.html:3", "https://fonts.googleapis.com/css2?family=Roboto"),
    ("index.html:5", "//cdn.example.com/jquery.js"),
    ("index.html:8", "https://img.example.com/bg.png"),
    ("index.html:10", "//bg.example.net/a.png"),
    ("index.html:13", "https://cdn.example.com/a@2x.png"),
    ("index.html:14", "http://video.example.com/p.jpg"),
    ("index.html:14", "https://video.example.com/v.mp4"),
    ("index.html:15", "https://www.youtube.com/embed/xyz"),
    ("js/app.js:4", "https://api.example.com/track?visit=1"),
    ("js/app.js:5", "https://lrs.example.com/statements"),
    ("js/app.js:6", "https://cdn.example.com/analytics.js"),
    ("js/app.js:7", "https://ads.example.com/ad.js"),
    ("styles/main.css:1", "https://fonts.example.com/font.css"),
    ("styles/main.css:3", "https://fonts.gstatic.com/s/roboto.woff2"),
]


def manifest(files: list[str], version: str = "1.2") -> str:
    listed = "".join(f'<file href="{f}"/>' for f in files)
    if version == "1.2":
        ns, st, sv = ('xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
                      'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"', "scormtype", "1.2")
    else:
        ns, st, sv = ('xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
                      'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"', "scormType", "2004 4th Edition")
    return f"""<?xml version="1.0"?>
<manifest identifier="M" {ns}>
  <metadata><schema>ADL SCORM</schema><schemaversion>{sv}</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>T</title>
    <item identifier="I" identifierref="R"><title>T</title></item></organization></organizations>
  <resources><resource identifier="R" type="webcontent" adlcp:{st}="sco" href="index.html">{listed}</resource>
  </resources>
</manifest>
"""


def make(path: Path, files: dict[str, bytes | str], version: str = "1.2") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", manifest(sorted(files), version))
        for name, data in files.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if isinstance(data, bytes) else None)
    return path


def test_every_fetch_from_the_internet_is_a_warning_with_file_and_line(tmp_path: Path) -> None:
    pkg = make(tmp_path / "remote.zip", {"index.html": PAGE, "styles/main.css": CSS, "js/app.js": JS,
                                         "images/local.png": "png"})
    report = validate_package(pkg)
    assert report.ok  # warnings only
    hits = [(f.where, f.message.rsplit(" fetches ", 1)[1]) for f in report.findings if f.code == "NET001"]
    assert sorted(hits) == sorted(EXPECTED)
    assert all(f.severity == "warning" for f in report.findings if f.code == "NET001")
    # Links a learner clicks, a form's target, a canonical link, namespace strings and comments are not fetches.
    text = " ".join(f.message for f in report.findings)
    for not_fetched in ("wikipedia", "forms.example", "example.org/course", "w3.org", "in-a-comment",
                        "www.example.com/"):
        assert not_fetched not in text
    assert report.offline.playable == "no"
    assert report.offline.reasons == ["14 references to the internet (NET001/CAM008) would fail offline"]


def test_clean_scorm12_package_plays_offline(tmp_path: Path) -> None:
    pkg = make(tmp_path / "clean.zip", {"index.html": "<script src='js/app.js'></script>", "js/app.js": "x=1"})
    result = CliRunner().invoke(cli, ["validate", str(pkg)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-2:] == ["  offline in the Moodle app: yes",
                                               "  => VALID (SCORM 1.2; 0 errors, 0 warnings)"]
    data = json.loads(CliRunner().invoke(cli, ["validate", "--json", str(pkg)]).output)
    offline = data["packages"][0]["offline"]
    assert offline["playable"] == "yes" and offline["reasons"] == [] and offline["notes"] == []
    assert offline["download_bytes"] == pkg.stat().st_size and offline["unpacked_bytes"] > 0


def test_scorm_2004_plays_online_only(tmp_path: Path) -> None:
    pkg = make(tmp_path / "s2004.zip", {"index.html": "<p>x</p>"}, version="2004")
    report = validate_package(pkg)
    assert report.ok and report.offline.playable == "no"
    assert report.offline.reasons == ["SCORM 2004 4th, which the app plays online only (offline it plays SCORM 1.2)"]


def test_large_download_is_playable_after_a_question(tmp_path: Path) -> None:
    pkg = make(tmp_path / "video.zip", {"index.html": "<video src='v.mp4'></video>",
                                        "v.mp4": os.urandom(11 * 1024 * 1024)})
    report = validate_package(pkg)
    assert report.offline.playable == "yes"
    assert report.offline.notes == ["11.0 MiB: the app asks learners on mobile data to confirm the download"]


def test_too_large_for_a_phone(tmp_path: Path) -> None:
    course = tmp_path / "course"
    course.mkdir()
    (course / "imsmanifest.xml").write_text(manifest(["index.html", "v.mp4"]), encoding="utf-8")
    (course / "index.html").write_text("<video src='v.mp4'></video>", encoding="utf-8")
    with open(course / "v.mp4", "wb") as f:  # sparse: 600 MiB on paper, nothing on disk
        f.truncate(600 * 1024 * 1024)
    report = validate_package(course)
    assert report.ok and report.offline.playable == "no"
    assert report.offline.reasons == ["it unpacks to 600.0 MiB, more than the 500.0 MiB a phone can be expected "
                                      "to hold for one activity"]
    assert "even on Wi-Fi" in report.offline.notes[0]


def test_scripts_are_read_as_javascript(tmp_path: Path) -> None:
    # A division is not a regex (which would swallow the string after it); a template literal is a string;
    # a URL only named, not fetched, is not a fetch.
    js = ("var half = total / 2; fetch(`https://api.example.com/a`);\n"
          "var r = /[/]'/g, q = (n) / 4 / 2; $.ajax({url: 'https://api.example.com/b'});\n"
          "var docs = 'https://docs.example.com/'; window.open(docs);\n")
    pkg = make(tmp_path / "js.zip", {"index.html": "<script src='app.js'></script>", "app.js": js})
    hits = [(f.where, f.message) for f in validate_package(pkg).findings if f.code == "NET001"]
    assert hits == [("app.js:1", "script (fetch) fetches https://api.example.com/a"),
                    ("app.js:2", "script (url) fetches https://api.example.com/b")]
