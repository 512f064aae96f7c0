"""A first sync on a real Moodle never fails because of its own parallelism (issue 19): several courses whose
SCORM packages share files, created at the default and at the highest concurrency, exit 0 with every activity
created. Moodle's file pool races parallel requests that create the same folder (storedfilecannotcreatefiledirs);
each repetition adds an image, identical in every package and new to the site, so that its folder is new and
every package's extraction races for it, as the shared runtime files do on a freshly installed site.

Runs only with LMSBRIDGE_TEST_MOODLE_URL and _TOKEN (see test_real_moodle_sync.py); the number of repetitions is
LMSBRIDGE_TEST_FIRST_SYNC_REPEAT (2 by default; 10 to check it by hand on a site just reset).
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_helpers import SOURCE, remove_everything

from lmsbridge.demo_data import participants, write_roster
from lmsbridge.moodle import MoodleClient
from lmsbridge.sync.run import run_sync
from lmsbridge.sync.settings import SyncSettings

URL, TOKEN = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL"), os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN")
REPEAT = int(os.environ.get("LMSBRIDGE_TEST_FIRST_SYNC_REPEAT", "2"))
HIGHEST = SyncSettings.model_fields["concurrency"].metadata[-1].le
PREFIX = "lmsbf"
pytestmark = [pytest.mark.moodle, pytest.mark.skipif(
    not (URL and TOKEN), reason="needs a real Moodle: set LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN")]
# A 1x1 PNG; a salt after its IEND chunk makes its content (so its file pool folder) new on every repetition.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def rows() -> list[dict[str, str]]:
    out = []
    for programme in ("social-clustering", "cluster-manager-education", "executive-management"):
        for row in participants(programme, 2, seed=19):
            pid = "f" + row["idnumber"]
            out.append(row | {"idnumber": pid, "username": pid, "email": f"{pid}@example.org"})
    return out


@pytest.fixture(scope="module")
def client() -> Iterator[MoodleClient]:
    with MoodleClient(URL or "", TOKEN or "", timeout=300) as c:
        yield c


def shared_image_source(tmp_path: Path, salt: bytes) -> Path:
    """The course sources with one image, the same bytes in every module and language, on each module's first
    page."""
    source = tmp_path / "course_packages"
    shutil.copytree(SOURCE, source)
    for page in sorted(source.glob("*/*/*/01-*.md")):
        (page.parent / "shared.png").write_bytes(PNG + salt)
        page.write_text(page.read_text(encoding="utf-8") + "\n![](shared.png)\n", encoding="utf-8")
    return source


@pytest.mark.parametrize("repetition", range(REPEAT))
@pytest.mark.parametrize("concurrency", [SyncSettings.model_fields["concurrency"].default, HIGHEST])
def test_first_sync_of_packages_sharing_files_creates_every_activity(
        client: MoodleClient, tmp_path: Path, concurrency: int, repetition: int,
        caplog: pytest.LogCaptureFixture) -> None:
    salt = uuid.uuid4().hex
    prefix = f"{PREFIX}{salt[:6]}-"
    people = rows()
    settings = SyncSettings(source=shared_image_source(tmp_path, salt.encode()),
                            rosters=[write_roster(tmp_path / "roster.csv", people)], prefix=prefix,
                            state_dir=tmp_path / "state", concurrency=concurrency)
    try:
        with caplog.at_level(logging.INFO, logger="lmsbridge.applier"):
            first = run_sync(settings, client)
        assert first.exit_code == 0, first.message or "\n".join(map(str, first.result.failures if first.result else []))
        planned = (first.plan.counts() if first.plan else {}).get("activity", {}).get("create", 0)
        assert planned == 13 and first.result and first.result.applied["activity"]["create"] == planned
        races = [r for r in caplog.records if "file pool raced" in r.getMessage()]
        print(f"concurrency {concurrency}: {len(races)} file pool race(s) sent again")
        again = run_sync(settings, client)
        assert again.exit_code == 0 and again.plan and again.plan.actions == []
    finally:
        remove_everything(client, prefix, [prefix + p["idnumber"] for p in people])
