"""Helpers of the sync tests (imported by conftest and the tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from lmsbridge.demo_data import participants
from lmsbridge.moodle import MoodleClient, MoodleError
from lmsbridge.sandbox import REGISTRY, Sandbox

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "course_packages"


def write_calls(sb: Sandbox, since: int = 0) -> list[str]:
    return [name for name in sb.calls[since:] if name in REGISTRY and REGISTRY[name].write]


def own_accounts(sb: Sandbox, prefix: str = "lmsb-") -> dict[str, int]:
    """The accounts lmsbridge manages, as Moodle records it (members of its marker cohort): idnumber -> id."""
    return {r["idnumber"]: r["id"] for r in sb.db.q(
        "SELECT u.id, u.idnumber FROM user u JOIN cohort_members m ON m.userid = u.id JOIN cohort c ON "
        "c.id = m.cohortid WHERE c.idnumber = ?", f"{prefix}accounts")}


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


def remove_everything(client: MoodleClient, prefix: str, user_idnumbers: list[str]) -> None:
    """Deletes what a sync with `prefix` made: categories with their courses, the users, cohorts, the framework."""
    cats = [c for c in client.call("core_course_get_categories", {"addsubcategories": 0})
            if str(c.get("idnumber", "")).startswith(prefix)]
    for cat in sorted(cats, key=lambda c: -int(c.get("depth", 1))):
        try:
            client.call("core_course_delete_categories", {"categories": [{"id": cat["id"], "recursive": 1}]})
        except MoodleError:
            pass  # already gone with its parent
    cohorts = client.call("core_cohort_search_cohorts", {"query": prefix, "context": {"contextid": 1},
                                                         "includes": "all"})["cohorts"]
    mine = [c["id"] for c in cohorts if str(c.get("idnumber", "")).startswith(prefix)]
    # The users by idnumber, prefixed (an earlier version's) or the roster's, and the marker cohort's members.
    values = sorted({v for i in user_idnumbers for v in (i, i.removeprefix(prefix))})
    ids = {u["id"] for u in client.call("core_user_get_users_by_field", {"field": "idnumber", "values": values})}
    marker = [c["id"] for c in cohorts if c.get("idnumber") == f"{prefix}accounts"]
    for entry in client.call("core_cohort_get_cohort_members", {"cohortids": marker}) if marker else []:
        ids.update(entry.get("userids", []))
    if ids:
        client.call("core_user_delete_users", {"userids": sorted(ids)})
    if mine:
        client.call("core_cohort_delete_cohorts", {"cohortids": mine})
    for fw in client.call("core_competency_list_competency_frameworks", {"sort": "shortname", "context": {
            "contextid": 1}, "includes": "children", "onlyvisible": 0}):
        if str(fw.get("idnumber", "")).startswith(prefix):
            client.call("core_competency_delete_competency_framework", {"id": fw["id"]})
