"""Real-Moodle benchmark (issue 19): `lmsbridge sync` against Moodle's own CLI upload of the same users and
enrolments, on the real site that tests/moodle/site stands up, in the same run.

    eval "$(LMSBRIDGE_BIN=$PWD/.venv/bin/lmsbridge tests/moodle/site up --archive ../shared/moodle/moodle-5.0.tar.xz \
            --name m50 --port 8071 | sed 's/^/export /')"
    .venv/bin/python bench/real_moodle_bench.py                       # 1,000 participants x 3 courses, 3 runs
    .venv/bin/python bench/real_moodle_bench.py --reset-site m50      # each measurement on the site as installed
    .venv/bin/python bench/real_moodle_bench.py --participants 10000 --runs 1

The job: N new participants, each enrolled as student in the 3 courses of a programme with one SCORM module per
course (the sample programme executive-management, without its cohorts and groups, which the upload tool has no
column for). lmsbridge's run creates the category, the courses, their SCORM activities, the users and the
enrolments; the CLI upload (admin/tool/uploaduser/cli/uploaduser.php, default settings: add new users, create
their passwords) gets the same users and enrolments in a CSV (course1..3, role1..3) into courses made for it
beforehand, untimed, without SCORM modules: the comparison counts only against lmsbridge. The two alternate
(interleaved runs); each prints its time, then the medians and the ratio (CLI time / lmsbridge time). A second,
no-op sync is timed too and must make no write. Not a test; CI does not run it.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lmsbridge.demo_data import participants, write_roster  # noqa: E402
from lmsbridge.moodle import PLUGIN_BULK_FUNCTIONS, MoodleClient  # noqa: E402
from lmsbridge.sync.run import run_sync  # noqa: E402
from lmsbridge.sync.settings import SyncSettings  # noqa: E402

PROGRAMME = "executive-management"
SITE = ROOT / "tests" / "moodle" / "site"


def people(n: int, tag: str) -> list[dict[str, str]]:
    """N participants of the programme, unique to this measurement (the site keeps earlier runs' users)."""
    return [row | {"idnumber": f"{tag}{row['idnumber']}", "username": f"{tag}{row['username']}",
                   "email": f"{tag}{row['idnumber']}@example.org"} for row in participants(PROGRAMME, n)]


def source(tmp: Path, tag: str) -> Path:
    """The programme's 3 courses alone: without cohorts and groups (the upload tool has no column for them),
    events and alumni; its intake named ``tag``, so that its course shortnames are new to the site."""
    out = tmp / f"course_packages-{tag}"
    shutil.copytree(ROOT / "course_packages" / PROGRAMME, out / PROGRAMME)
    toml = out / PROGRAMME / "moodle.toml"
    text = toml.read_text(encoding="utf-8").split("[[events]]")[0]
    text = re.sub(r"(?m)^cohorts = .*$", "cohorts = []", text)
    text = re.sub(r"(?m)^groups = .*$", "groups = []", text)
    toml.write_text(re.sub(r'(?m)^id = "2026"$', f'id = "{tag}"', text), encoding="utf-8")
    return out


def time_lmsbridge(client: MoodleClient, rows: list[dict[str, str]], tmp: Path, tag: str,
                   concurrency: int | None, auth: str) -> tuple[float, float, int]:
    """(first sync seconds, no-op re-sync seconds, the re-sync's writes)."""
    settings = SyncSettings(source=source(tmp, tag), rosters=[write_roster(tmp / f"{tag}.csv", rows)], prefix=f"{tag}-",
                            state_dir=tmp / f"state-{tag}", auth=auth,
                            **({"concurrency": concurrency} if concurrency else {}))
    t = time.perf_counter()
    first = run_sync(settings, client)
    t_first = time.perf_counter() - t
    if first.exit_code != 0:
        raise SystemExit(f"lmsbridge sync failed (exit {first.exit_code}): {first.message} {first.summary()} "
                         f"{[str(f) for f in (first.result.failures if first.result else [])][:5]}")
    print(f"  lmsbridge applied {first.result.applied if first.result else {}}", flush=True)
    t = time.perf_counter()
    again = run_sync(settings, client)
    t_again = time.perf_counter() - t
    if again.exit_code != 0 or not again.plan or again.plan.actions:
        raise SystemExit(f"the re-sync was not a no-op: {again.message}")
    return t_first, t_again, again.result.calls if again.result else 0


def time_cli(client: MoodleClient, moodle_dir: Path, rows: list[dict[str, str]], tmp: Path, tag: str,
             auth: str) -> float:
    """The same users and enrolments through Moodle's CLI upload, into 3 courses made for it (untimed)."""
    courses = [f"{tag}-c{i}" for i in (1, 2, 3)]
    client.call("core_course_create_courses", {"courses": [
        {"fullname": c, "shortname": c, "categoryid": 1, "idnumber": c} for c in courses]})
    path = tmp / f"{tag}-upload.csv"
    fields = ["username", "firstname", "lastname", "email", "idnumber", "institution", "country", "lang", "auth"]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(fields + [x for i in (1, 2, 3) for x in (f"course{i}", f"role{i}")])
        for r in rows:
            w.writerow([(r | {"auth": auth})[k] for k in fields] + [x for c in courses for x in (c, "student")])
    path.chmod(0o644)
    t = time.perf_counter()
    done = subprocess.run(["runuser", "-u", "www-data", "--", "php", "admin/tool/uploaduser/cli/uploaduser.php",
                           f"--file={path}"], cwd=moodle_dir, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0 or f"Users created: {len(rows)}" not in done.stdout:
        raise SystemExit(f"the CLI upload failed ({done.returncode}): {done.stdout[-800:]} {done.stderr[-800:]}")
    return elapsed


def reset(site: str | None) -> None:
    if site:
        subprocess.run([str(SITE), "reset", site], check=True, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--participants", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=None, help="lmsbridge's (default: the sync's default)")
    ap.add_argument("--auth", default="manual", help="the users' authentication method on both sides, e.g. oauth2 "
                    "for a single-sign-on site: Moodle then sets no password (default: manual, passwords created)")
    ap.add_argument("--reset-site", metavar="NAME", help="`tests/moodle/site reset NAME` before each measurement")
    args = ap.parse_args()
    url, token = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL"), os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN")
    moodle_dir = os.environ.get("LMSBRIDGE_TEST_MOODLE_DIR")
    if not (url and token and moodle_dir):
        raise SystemExit("set LMSBRIDGE_TEST_MOODLE_URL, _TOKEN and _DIR (tests/moodle/site up prints them)")
    n = args.participants
    ours: list[float] = []
    noop: list[float] = []
    theirs: list[float] = []
    with tempfile.TemporaryDirectory() as d, MoodleClient(url, token, timeout=600) as client:
        tmp = Path(d)
        tmp.chmod(0o755)  # the CLI upload runs as the web server's user and reads its CSV here
        info = client.get_site_info()
        bulk = [f for f in PLUGIN_BULK_FUNCTIONS if f in info.function_names]
        print(f"Moodle {info.release} at {url}: {n:,} participants x 3 courses "
              f"(+ 1 SCORM module per course for lmsbridge), auth {args.auth}, {args.runs} interleaved runs; "
              f"the plugin's bulk functions: {len(bulk)} of {len(PLUGIN_BULK_FUNCTIONS)}", flush=True)
        for i in range(args.runs):
            tag = f"b{uuid.uuid4().hex[:6]}"
            order = ("lmsbridge", "cli") if i % 2 == 0 else ("cli", "lmsbridge")
            for method in order:
                reset(args.reset_site)
                rows = [r | {"intake": tag + "l"} for r in people(n, tag + method[0])]
                if method == "lmsbridge":
                    first, again, writes = time_lmsbridge(client, rows, tmp, tag + "l", args.concurrency,
                                                           args.auth)
                    ours.append(first)
                    noop.append(again)
                    print(f"run {i + 1}: lmsbridge sync {first:6.1f} s; no-op re-sync {again:4.1f} s, "
                          f"{writes} writes", flush=True)
                else:
                    theirs.append(time_cli(client, Path(moodle_dir), rows, tmp, tag + "c", args.auth))
                    print(f"run {i + 1}: CLI upload     {theirs[-1]:6.1f} s", flush=True)
    cli, sync = statistics.median(theirs), statistics.median(ours)
    print(f"medians: CLI upload {cli:.1f} s, lmsbridge sync {sync:.1f} s ({cli / sync:.2f}x the CLI upload), "
          f"no-op re-sync {statistics.median(noop):.1f} s")


if __name__ == "__main__":
    main()
