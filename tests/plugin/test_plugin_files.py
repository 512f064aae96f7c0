"""The companion plugin's files and its zip, without a Moodle: PHP syntax, Moodle's expectations, reproducible zip."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmsbridge.cli import cli
from lmsbridge.moodle import PLUGIN_SERVICE_FUNCTIONS as SERVICE_FUNCTIONS
from lmsbridge.plugin_zip import (
    COMPONENT,
    PLUGIN_ROOT,
    TOP_FOLDER,
    plugin_files,
    plugin_version,
    write_plugin_zip,
)

PHP_FILES = sorted(PLUGIN_ROOT.rglob("*.php"))


def test_the_plugin_has_the_files_moodle_expects():
    names = {p.as_posix() for p in plugin_files()}
    for required in ("version.php", "db/services.php", "db/access.php", "lang/en/local_lmsbridge.php",
                     "classes/privacy/provider.php", "README.txt", "CONTRACT.md"):
        assert required in names, f"{required} missing from {PLUGIN_ROOT}"
    assert plugin_version()[0] == COMPONENT


@pytest.mark.parametrize("path", PHP_FILES, ids=lambda p: p.relative_to(PLUGIN_ROOT).as_posix())
def test_php_syntax(path: Path):
    php = shutil.which("php")
    if not php:
        pytest.skip("php is not installed (Debian: apt-get install php-cli); the syntax check needs it")
    done = subprocess.run([php, "-l", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", PHP_FILES, ids=lambda p: p.relative_to(PLUGIN_ROOT).as_posix())
def test_php_files_follow_moodle_conventions(path: Path):
    text = path.read_text(encoding="utf-8")
    assert "GNU General Public License" in text and "either version 3" in text, "GPLv3 header missing"
    assert "@package    local_lmsbridge" in text, "PHPDoc @package missing"
    if path.parent.name == "external" or path.parent.parent.name == "classes":
        # Autoloaded classes carry their namespace and no MOODLE_INTERNAL guard (Moodle's coding style).
        assert re.search(r"^namespace local_lmsbridge\\", text, re.M)
    elif "require(__DIR__ . '/../../config.php');" in text:
        # A page (v.php): it loads Moodle itself, so the guard would stop it before Moodle is there.
        assert "MOODLE_INTERNAL" not in text
    else:
        assert "defined('MOODLE_INTERNAL') || die();" in text


def test_every_function_is_declared_with_its_class():
    services = (PLUGIN_ROOT / "db/services.php").read_text(encoding="utf-8")
    declared = re.findall(r"'(local_lmsbridge_\w+)' => \[", services)
    assert sorted(declared) == sorted(SERVICE_FUNCTIONS)
    for function in SERVICE_FUNCTIONS:
        short = function.removeprefix("local_lmsbridge_")
        assert f"'classname' => 'local_lmsbridge\\external\\{short}'" in services
        source = (PLUGIN_ROOT / "classes/external" / f"{short}.php").read_text(encoding="utf-8")
        assert f"class {short} extends external_api" in source
        for method in ("execute_parameters", "execute", "execute_returns"):
            assert f"public static function {method}(" in source
        # Every function enters its context first (course ones through lookup::enter(), which answers a missing
        # course and a foreign one alike); each but the caller's own capability check requires a capability.
        assert "self::validate_context(" in source or "lookup::enter(" in source
        assert "require_capability(" in source or short == "check_capabilities"


def test_every_string_the_code_uses_is_defined():
    lang = (PLUGIN_ROOT / "lang/en/local_lmsbridge.php").read_text(encoding="utf-8")
    defined = set(re.findall(r"^\$string\['([^']+)'\]", lang, re.M))
    used = set()
    for path in PHP_FILES:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"moodle_exception\('(\w+)', 'local_lmsbridge'", text))
        used |= set(re.findall(r"get_string\('(\w+)', 'local_lmsbridge'", text))
        used |= {"warning_" + code for code in re.findall(r"self::warning\('(\w+)'", text)}
    assert used - defined == set()
    assert {"pluginname", "privacy:metadata"} <= defined


def test_the_contract_documents_every_function_and_error_code():
    contract = (PLUGIN_ROOT / "CONTRACT.md").read_text(encoding="utf-8")
    for function in SERVICE_FUNCTIONS:
        assert f"## {function}" in contract
    codes = set()
    for path in PHP_FILES:
        codes |= set(re.findall(r"moodle_exception\('(\w+)', 'local_lmsbridge'", path.read_text(encoding="utf-8")))
    assert {c for c in codes if f"`{c}`" not in contract} == set()


def test_zip_has_one_top_folder_and_the_plugin(tmp_path: Path):
    result = write_plugin_zip(tmp_path / "local_lmsbridge.zip")
    with zipfile.ZipFile(result.path) as zf:
        names = zf.namelist()
        assert zf.testzip() is None
        assert {n.split("/")[0] for n in names} == {TOP_FOLDER}
        assert f"{TOP_FOLDER}/version.php" in names
        version_php = zf.read(f"{TOP_FOLDER}/version.php").decode()
        assert "$plugin->component = 'local_lmsbridge';" in version_php
        files = {n.removeprefix(f"{TOP_FOLDER}/") for n in names if not n.endswith("/")}
        assert files == {p.as_posix() for p in plugin_files()}
        assert not any("__pycache__" in n or "/." in n for n in names)
    assert result.sha1 == hashlib.sha1(result.path.read_bytes()).hexdigest()


def test_zip_is_reproducible(tmp_path: Path):
    first = write_plugin_zip(tmp_path / "a" / "one.zip")
    second = write_plugin_zip(tmp_path / "b" / "two.zip")
    assert first.path.read_bytes() == second.path.read_bytes()


def test_cli_writes_the_zip_and_says_how_to_install(tmp_path: Path):
    out = tmp_path / "dist" / "local_lmsbridge.zip"
    result = CliRunner().invoke(cli, ["moodle-plugin", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert f"sha1 {hashlib.sha1(out.read_bytes()).hexdigest()}" in result.output
    assert "Install plugins" in result.output and "local/lmsbridge/version.php" in result.output
    for function in SERVICE_FUNCTIONS:
        assert function in result.output
    assert "moodle/grade:edit" in result.output


def test_cli_reports_an_unwritable_destination(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["moodle-plugin", "--out", str(blocker / "x.zip")])
    assert result.exit_code == 2
    assert "lmsbridge moodle-plugin:" in result.output
