"""The state dir holds names, e-mails and every before/after value (issue 14, point 10): owner-only modes, a
certificate secret long enough to resist guessing, and certificates printed without JavaScript."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from sync_helpers import participants, run_cli

from lmsbridge.demo_data import write_roster
from lmsbridge.report.certificates import print_pdf
from lmsbridge.report.registry import Registry
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.sources.delivery import ConfigError

CHROMIUM = Path("/usr/bin/chromium")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_state_dir_is_0700_and_its_files_0600(sandbox: Sandbox, tmp_path: Path) -> None:
    old = os.umask(0o022)  # a usual umask: files would be world-readable without care
    try:
        roster = write_roster(tmp_path / "r.csv", participants("executive-management", 3))
        assert run_cli(["sync", "--roster", str(roster)], sandbox, tmp_path).returncode == 0
        with Registry(tmp_path / "state", secret="k" * 32) as registry:
            registry.sign({"a": 1})
    finally:
        os.umask(old)
    state = tmp_path / "state"
    assert _mode(state) == 0o700 and _mode(state / "runs") == 0o700
    files = [p for p in state.rglob("*") if p.is_file() and "packages" not in p.parts]
    names = {p.name for p in files}
    assert {"journal.sqlite", "sync.lock", "last-run.json", "certificates.sqlite"} <= names, names
    assert any(p.parent.name == "runs" for p in files)
    loose = {str(p.relative_to(state)): oct(_mode(p)) for p in files if _mode(p) & 0o077}
    assert loose == {}


def test_an_existing_loose_state_dir_is_tightened(sandbox: Sandbox, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    (state / "journal.sqlite").touch(mode=0o644)
    os.chmod(state / "journal.sqlite", 0o644)
    roster = write_roster(tmp_path / "r.csv", participants("executive-management", 2))
    assert run_cli(["sync", "--roster", str(roster)], sandbox, tmp_path).returncode == 0
    assert _mode(state) == 0o700 and _mode(state / "journal.sqlite") == 0o600


def test_a_short_certificate_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        Registry(tmp_path / "state", secret="s3cret")
    assert "LMSBRIDGE_CERT_SECRET is 6 bytes long" in str(e.value) and "at least 32" in str(e.value)
    Registry(tmp_path / "state", secret="x" * 32).close()


@pytest.mark.skipif(not CHROMIUM.exists() or not shutil.which("pdftotext"), reason="needs Chromium and pdftotext")
def test_certificates_print_with_javascript_disabled(tmp_path: Path) -> None:
    html = tmp_path / "c.html"
    html.write_text("<!doctype html><html><body><p>Certificate for Ann Lee</p>"
                    "<p id='x'>static</p><script>document.getElementById('x').textContent = 'SCRIPT RAN';"
                    "</script></body></html>", encoding="utf-8")
    pdf = print_pdf(html, tmp_path / "c.pdf", chromium=CHROMIUM)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Certificate for Ann Lee" in text and "static" in text and "SCRIPT RAN" not in text


def test_a_saved_plan_is_owner_only(sandbox: Sandbox, tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "r.csv", participants("executive-management", 2))
    out = tmp_path / "plan.json"
    assert run_cli(["plan", "--roster", str(roster), "--out", str(out)], sandbox, tmp_path).returncode == 0
    assert _mode(out) == 0o600  # it holds the participants' names and e-mails
