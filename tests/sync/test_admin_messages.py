"""Messages for the administrator (issue 11, points 3 and 7): settings named by their variable and where to set
them, --help with one default per setting shown one way, the safety message's advice, the README's exit codes."""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner
from sync_helpers import ROOT, participants, run_cli

from lmsbridge.cli import cli
from lmsbridge.demo_data import write_roster
from lmsbridge.exit_codes import ExitCode
from lmsbridge.moodle import MoodleSettings
from lmsbridge.sandbox import Sandbox
from lmsbridge.sync.settings import SyncSettings


def _help(*command: str) -> str:
    result = CliRunner().invoke(cli, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_missing_setting_names_the_variable_and_the_env_file(tmp_path: Path) -> None:
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LMSBRIDGE_")}
    result = CliRunner().invoke(cli, ["sync", "--roster", "r.csv"], env=unset)
    assert result.exit_code == ExitCode.BAD_INPUT
    said = result.output
    assert "LMSBRIDGE_MOODLE_URL is not set" in said and ".env file" in said and "LMSBRIDGE_MOODLE_TOKEN" in said
    assert "Field required" not in said and "url:" not in said
    bad = CliRunner().invoke(cli, ["sync", "--roster", "r.csv", "--url", "https://m.example.org", "--token", "t",
                                   "--concurrency", "0"])
    assert bad.exit_code == ExitCode.BAD_INPUT and "LMSBRIDGE_CONCURRENCY" in bad.output
    assert "Input should" not in bad.output and "Value error" not in bad.output


def test_help_shows_each_default_one_way_and_the_same_in_every_command() -> None:
    concurrency = {}
    for command in ("sync", "plan", "apply", "report", "certificates"):
        text = " ".join(_help(command).split())
        odd = [b for b in re.findall(r"\[([^\]]*)\]", text)
               if not b.startswith("default: ") and "|" not in b and b not in ("OPTIONS", "ARGS", "COMMAND", "%Y-%m-%d")]
        assert odd == [], (command, odd)
        concurrency[command] = re.search(r"--concurrency INTEGER Calls in parallel \[default: (\d+)\]",
                                         text).group(1)  # type: ignore[union-attr]
    assert set(concurrency.values()) == {str(SyncSettings().concurrency)}
    assert SyncSettings().concurrency == MoodleSettings.model_fields["concurrency"].default
    sync = " ".join(_help("sync").split())
    assert "user=10%/100 blocks a run that would suspend more than 10% of the users lmsbridge manages or more " \
           "than 100 of them" in sync
    top = _help()
    assert "Example:" in top and "lmsbridge demo" in top and "5 another sync holds the lock" in " ".join(top.split())


def test_the_readme_exit_code_table_is_the_exit_codes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| exit code | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d) \| (.+)$", table, re.M)}
    assert sorted(rows) == sorted(int(c) for c in ExitCode)
    for case, code in (("nothing to do", 0), ("header-only roster on a site with nothing", 0), ("held back", 1),
                       ("empty (0 bytes)", 2), ("no roster set", 2), ("misspelled column", 2),
                       ("header-only or truncated roster that would remove", 3), ("stale plan", 4),
                       ("not in Moodle's shape", 4), ("lock", 5)):
        assert case in rows[code], (case, code)
    assert "--thresholds user=10%/100`" in readme and "whichever is reached first" in readme


def test_blocked_lines_once_and_advice_that_fits_the_input(sandbox: Sandbox, tmp_path: Path) -> None:
    rows = participants("executive-management", 40)
    path = write_roster(tmp_path / "r.csv", rows)
    assert run_cli(["sync", "--roster", str(path)], sandbox, tmp_path).returncode == 0

    write_roster(path, rows[:30])  # a valid roster, ten people fewer: plausibly intended
    for args in (["sync"], ["sync", "--dry-run"], ["plan"]):
        result = run_cli([*args, "--roster", str(path)], sandbox, tmp_path)
        assert result.returncode == ExitCode.BLOCKED, result.stdout + result.stderr
        blocked = [line for line in result.stdout.splitlines() if line.startswith("BLOCKED by safety")]
        assert len(blocked) == len(set(blocked)) == 3, result.stdout  # users, enrolments, cohort members
        assert result.stdout.count("10 user suspend of 40 managed") == 1
        assert "re-run with --allow-mass-change" in result.stdout

    broken = [dict(r) for r in rows]
    for r in broken[5:40]:
        r["idnumber"] = ""  # a column emptied by mistake: nobody can be told apart, so nobody can be held
    write_roster(path, broken)
    result = run_cli(["sync", "--roster", str(path)], sandbox, tmp_path)
    blocked = [line for line in result.stdout.splitlines() if line.startswith("BLOCKED by safety")]
    assert result.returncode == ExitCode.BLOCKED and blocked and len(blocked) == len(set(blocked))
    assert "fix the roster files" in result.stdout and "Do not use --allow-mass-change" in result.stdout
    assert "re-run with --allow-mass-change" not in result.stdout
    assert sandbox.db.scalar("SELECT count(*) FROM user WHERE suspended = 1") == 0
