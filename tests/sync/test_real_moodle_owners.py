"""Who owns participants' accounts (issue 11, point 5) against a real Moodle: the scenario of owners_scenario
(a fresh sync with the roster's idnumbers and the marker cohort, a lost state directory, an upgrade from an
earlier version's prefixed idnumbers without duplicates, a leaver known by the marker alone). Runs only with
LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN (an administrator's token on a test site); everything
it makes carries the prefix `lmsbo-` or the idnumbers `ow...`, and is deleted before and after.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from owners_scenario import owner_rows, run_owners_scenario
from sync_helpers import remove_everything

from lmsbridge.moodle import MoodleClient

URL, TOKEN = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL"), os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN")
PREFIX, TAG = "lmsbo-", "ow"
pytestmark = [pytest.mark.moodle, pytest.mark.skipif(
    not (URL and TOKEN), reason="needs a real Moodle: set LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN")]


@pytest.fixture(scope="module")
def client() -> Iterator[MoodleClient]:
    users = [PREFIX + row["idnumber"] for row in owner_rows(TAG)]
    with MoodleClient(URL or "", TOKEN or "", timeout=300) as c:
        remove_everything(c, PREFIX, users)
        yield c
        remove_everything(c, PREFIX, users)


def test_fresh_sync_lost_state_upgrade_and_leaver(client: MoodleClient, tmp_path: Path) -> None:
    run_owners_scenario(client, tmp_path, PREFIX, TAG)
