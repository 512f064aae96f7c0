"""Hostile packages are refused with the right code, fast, without touching the network or writing anything.

A process-wide audit hook (armed only inside `guarded()`) records every socket operation and every file opened for
writing, so "nothing written, nothing fetched" is observed, not assumed. The zips are made here, in tmp_path.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import stat
import struct
import sys
import threading
import time
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scorm.validate import Limits, validate_package

_WATCH: dict[str, object] = {"armed": None, "events": []}  # armed: the id of the thread being watched
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_FS_EVENTS = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "os.truncate",
              "shutil.copyfile", "shutil.move", "os.chmod"}


def _audit(event: str, args: tuple) -> None:
    # Only the validating thread: servers other test areas keep running in the background are not ours to judge.
    if _WATCH["armed"] != threading.get_ident():
        return
    events: list = _WATCH["events"]  # type: ignore[assignment]
    if event.startswith("socket."):
        events.append((event, repr(args)[:200]))
        raise PermissionError(f"network use during validation: {event}")
    if event == "open":
        path, mode, flags = args
        writes = isinstance(mode, str) and any(c in mode for c in "wax+")
        if writes or (isinstance(flags, int) and flags & _WRITE_FLAGS):
            events.append((event, repr(path)))
    elif event in _FS_EVENTS:
        events.append((event, repr(args)[:200]))


sys.addaudithook(_audit)  # cannot be removed; inert unless armed


@contextmanager
def guarded() -> Iterator[list]:
    """Records (and for sockets, blocks) what happens inside the block."""
    events: list = []
    _WATCH.update(armed=threading.get_ident(), events=events)
    try:
        yield events
    finally:
        _WATCH["armed"] = None


MANIFEST12 = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="M" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="O"><organization identifier="O"><title>T</title>
    <item identifier="I" identifierref="R"><title>T</title></item></organization></organizations>
  <resources><resource identifier="R" type="webcontent" adlcp:scormtype="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>
"""


def make_zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]], *, base: bool = True) -> Path:
    """A zip of a valid 1.2 package (unless base=False) plus the given entries, written as given."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names on purpose
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            if base:
                zf.writestr("imsmanifest.xml", MANIFEST12)
                zf.writestr("index.html", b"<!doctype html><title>T</title>")
            for info, data in entries:
                zf.writestr(info, data)
    return path


def patch_entry(path: Path, name: str, *, flags: int | None = None, file_size: int | None = None) -> None:
    """Rewrites header fields of one entry in place, in the local and the central header (what zipfile won't)."""
    data = bytearray(path.read_bytes())
    local = zipfile.ZipFile(path).getinfo(name).header_offset
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        n_len, = struct.unpack_from("<H", data, pos + 28)
        if data[pos + 46:pos + 46 + n_len] == name.encode():
            if flags is not None:
                struct.pack_into("<H", data, pos + 8, flags)
                struct.pack_into("<H", data, local + 6, flags)
            if file_size is not None:
                struct.pack_into("<I", data, pos + 24, file_size)
                struct.pack_into("<I", data, local + 22, file_size)
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def check(path: Path, code: str, *, limits: Limits | None = None, within: float = 2.0) -> None:
    """Validation refuses path with code, in time, with no socket and no file opened for writing."""
    start = time.monotonic()
    with guarded() as events:
        report = validate_package(path, limits=limits)
    elapsed = time.monotonic() - start
    assert not report.ok and code in {f.code for f in report.errors}, report.findings
    assert elapsed < within, f"took {elapsed:.2f}s"
    assert events == [], events


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", ["../evil.txt", "../../tmp/evil.txt", "content/../../evil.txt",
                                  "content\\..\\..\\evil.txt"])
def test_zip_slip_is_refused(tmp_path: Path, name: str) -> None:
    pkg = make_zip(tmp_path / "slip.zip", [(name, b"pwned")])
    check(pkg, "ZIP002")
    assert not (tmp_path.parent / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


@pytest.mark.parametrize("name", ["/tmp/abs-evil.txt", "C:/Windows/evil.txt", "c:evil.txt", "\\evil.txt"])
def test_absolute_path_is_refused(tmp_path: Path, name: str) -> None:
    check(make_zip(tmp_path / "abs.zip", [(name, b"pwned")]), "ZIP003")


def test_backslash_path_is_refused(tmp_path: Path) -> None:
    check(make_zip(tmp_path / "bs.zip", [("content\\page.html", b"x")]), "ZIP004")


def test_symlink_entry_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("passwd.html")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    check(make_zip(tmp_path / "link.zip", [(link, b"/etc/passwd")]), "ZIP005")


def test_encrypted_entry_is_refused(tmp_path: Path) -> None:
    pkg = make_zip(tmp_path / "enc.zip", [("secret.html", b"x" * 100)])
    patch_entry(pkg, "secret.html", flags=0x1)
    check(pkg, "ZIP006")


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    check(make_zip(tmp_path / "dup.zip", [("index.html", b"<p>other</p>")]), "ZIP007")


def test_too_many_entries(tmp_path: Path) -> None:
    pkg = make_zip(tmp_path / "many.zip", [(f"f{i}.html", b"x") for i in range(20)])
    check(pkg, "ZIP008", limits=Limits(max_entries=10))


def test_compression_bomb_with_tiny_compressed_size(tmp_path: Path) -> None:
    pkg = make_zip(tmp_path / "bomb.zip", [("bomb.html", b"\0" * (64 * 1024**2))])
    assert zipfile.ZipFile(pkg).getinfo("bomb.html").compress_size < 100_000
    check(pkg, "ZIP010", within=1.0)


def test_bomb_that_lies_about_its_size_is_caught_by_reading(tmp_path: Path) -> None:
    """The header says 1000 bytes; the stream holds 8 MiB. Reading back (bounded) exposes it."""
    pkg = make_zip(tmp_path / "liar.zip", [("liar.html", b"\0" * (8 * 1024**2))])
    patch_entry(pkg, "liar.html", file_size=1000)
    check(pkg, "ZIP011")


def test_total_size_over_the_limit(tmp_path: Path) -> None:
    pkg = make_zip(tmp_path / "big.zip", [(f"v{i}.bin", os.urandom(300_000)) for i in range(4)])
    check(pkg, "ZIP009", limits=Limits(max_total_bytes=1_000_000))


def manifest_with(doctype: str, title: str = "T", encoding: str = "utf-8") -> bytes:
    text = MANIFEST12.decode().replace('<?xml version="1.0" encoding="UTF-8"?>\n',
                                       f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n{doctype}\n')
    return text.replace("<title>T</title>", f"<title>{title}</title>", 1).encode(encoding)


def test_xxe_reading_a_local_file_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    doc = manifest_with(f'<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>', "&xxe;")
    pkg = make_zip(tmp_path / "xxe.zip", [("imsmanifest.xml", doc), ("index.html", b"x")], base=False)
    check(pkg, "XML002")
    assert "TOP-SECRET-VALUE" not in validate_package(pkg).model_dump_json()


def test_xxe_in_utf16_is_refused(tmp_path: Path) -> None:
    doc = manifest_with('<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;", "utf-16")
    pkg = make_zip(tmp_path / "xxe16.zip", [("imsmanifest.xml", doc), ("index.html", b"x")], base=False)
    check(pkg, "XML002")
    assert "root:" not in validate_package(pkg).model_dump_json()


def test_billion_laughs_is_refused_without_expanding(tmp_path: Path) -> None:
    lol = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doc = manifest_with(f"<!DOCTYPE manifest [{''.join(lol)}]>", "&lol9;")
    pkg = make_zip(tmp_path / "lol.zip", [("imsmanifest.xml", doc), ("index.html", b"x")], base=False)
    check(pkg, "XML002", within=1.0)


def test_parameter_entity_pointing_at_the_network_is_refused(tmp_path: Path) -> None:
    doc = manifest_with('<!DOCTYPE manifest [<!ENTITY % r SYSTEM "http://127.0.0.1:9/evil.dtd"> %r;]>')
    pkg = make_zip(tmp_path / "pe.zip", [("imsmanifest.xml", doc), ("index.html", b"x")], base=False)
    check(pkg, "XML002")


def test_external_dtd_is_not_loaded(tmp_path: Path) -> None:
    doc = manifest_with('<!DOCTYPE manifest SYSTEM "http://127.0.0.1:9/manifest.dtd">')
    pkg = make_zip(tmp_path / "dtd.zip", [("imsmanifest.xml", doc), ("index.html", b"x")], base=False)
    with guarded() as events:
        report = validate_package(pkg)
    assert report.ok and [f.code for f in report.findings] == ["XML003"] and events == []


def test_the_guard_does_see_sockets_and_writes(tmp_path: Path) -> None:
    """Without this, the guard's silence would prove nothing."""
    with guarded() as events:
        with pytest.raises(PermissionError):
            socket.create_connection(("127.0.0.1", 9), timeout=0.1)
        (tmp_path / "w.txt").write_text("x")
    assert any(e[0].startswith("socket.") for e in events)
    assert any(e[0] == "open" for e in events)


def test_no_socket_and_no_write_while_validating_the_corpus_with_schemas(shared: Path) -> None:
    zips = sorted((shared / "scorm-corpus").glob("*/*.zip"))
    assert zips
    with guarded() as events:
        reports = [validate_package(z, schemas=shared / "scorm-schemas") for z in zips]
    assert events == []
    assert any(r.schemas_checked for r in reports)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_remote_schema_import_is_refused(tmp_path: Path) -> None:
    """A schema set that imports from a URL (a real server on 127.0.0.1) is not fetched: XSD002, zero requests."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/evil.xsd"
        xs = 'xmlns:xs="http://www.w3.org/2001/XMLSchema"'
        sets = tmp_path / "schemas"
        for rel, body in {
            "scorm12/imscp_rootv1p1p2.xsd": f'<xs:schema {xs} targetNamespace="http://www.imsproject.org/xsd/'
                                            f'imscp_rootv1p1p2"><xs:import namespace="urn:evil" '
                                            f'schemaLocation="{url}"/></xs:schema>',
            "scorm12/adlcp_rootv1p2.xsd": f'<xs:schema {xs} targetNamespace="http://www.adlnet.org/xsd/'
                                          f'adlcp_rootv1p2"/>',
            "patched/imsmd_rootv1p2p1.xsd": f'<xs:schema {xs} targetNamespace="http://www.imsglobal.org/xsd/'
                                            f'imsmd_rootv1p2p1"/>',
            "w3c/xml.xsd": f'<xs:schema {xs} targetNamespace="http://www.w3.org/XML/1998/namespace"/>',
        }.items():
            (sets / rel).parent.mkdir(parents=True, exist_ok=True)
            (sets / rel).write_text(body)
        pkg = make_zip(tmp_path / "ok.zip", [])
        report = validate_package(pkg, schemas=sets)
        assert "XSD002" in {f.code for f in report.warnings} and not report.schemas_checked
        assert any("evil.xsd" in f.message for f in report.findings), report.findings
        assert _Recorder.hits == []
    finally:
        server.shutdown()
        server.server_close()


def test_report_is_json_serialisable(tmp_path: Path) -> None:
    report = validate_package(make_zip(tmp_path / "slip.zip", [("../x", b"x")]))
    data = json.loads(report.model_dump_json())
    assert data["ok"] is False and data["findings"][0]["code"] == "ZIP002"
