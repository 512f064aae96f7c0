"""Helpers of the sync tests (imported by conftest and the tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from lmsbridge.demo_data import participants
from lmsbridge.sandbox import REGISTRY, Sandbox

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "course_packages"


def write_calls(sb: Sandbox, since: int = 0) -> list[str]:
    return [name for name in sb.calls[since:] if name in REGISTRY and REGISTRY[name].write]


def sample_rows(sc: int = 12, cme: int = 8, emp: int = 6) -> list[dict[str, str]]:
    return (participants("social-clustering", sc) + participants("cluster-manager-education", cme)
            + participants("executive-management", emp))


def run_cli(args: list[str], sb: Sandbox, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LMSBRIDGE_")}
    environ.update({"LMSBRIDGE_MOODLE_URL": sb.url, "LMSBRIDGE_MOODLE_TOKEN": sb.token,
                    "LMSBRIDGE_SOURCE": str(SOURCE), "LMSBRIDGE_STATE_DIR": str(tmp_path / "state"),
                    "LMSBRIDGE_RETRIES": "4", **env})
    return subprocess.run([sys.executable, "-m", "lmsbridge", *args], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=120)


def readme_capabilities() -> set[str]:
    """The capabilities of the README's least-privilege table: what an administrator gives the sync user."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = text.split("The sync user (least privilege)", 1)[1].split("\n\n", 2)[1]
    return {c for line in table.splitlines() if line.startswith("| `")
            for c in re.findall(r"`([a-z]+/[a-z_]+:[a-z_]+)`", line.split("|")[1])}
