"""Read-only client tests against a real Moodle, when LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN
are set (skipped otherwise, with the reason). Nothing here writes to the site."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from lmsbridge.moodle import MoodleSettings
from lmsbridge.doctor import run_doctor
from lmsbridge.moodle import InvalidToken, MoodleClient, NotFound

URL = os.environ.get("LMSBRIDGE_TEST_MOODLE_URL", "")
TOKEN = os.environ.get("LMSBRIDGE_TEST_MOODLE_TOKEN", "")

pytestmark = [
    pytest.mark.moodle,
    pytest.mark.skipif(not (URL and TOKEN), reason="set LMSBRIDGE_TEST_MOODLE_URL and LMSBRIDGE_TEST_MOODLE_TOKEN "
                       "to run the client against a real Moodle"),
]


@pytest.fixture(scope="module")
def settings() -> MoodleSettings:
    return MoodleSettings(url=URL, token=TOKEN, allow_http=True, timeout=30)


@pytest.fixture(scope="module")
def moodle(settings: MoodleSettings) -> Iterator[MoodleClient]:
    with MoodleClient.from_settings(settings) as client:
        yield client


def test_site_info(moodle: MoodleClient) -> None:
    info = moodle.get_site_info()
    assert info.userid > 0 and info.release and "core_webservice_get_site_info" in info.function_names


def test_doctor_reaches_the_site(settings: MoodleSettings) -> None:
    report = run_doctor(settings)
    assert report.reachable and report.site_name


def test_reads_that_find_nothing(moodle: MoodleClient) -> None:
    functions = moodle.get_site_info().function_names
    if "core_course_get_categories" in functions:
        assert moodle.get_categories([{"key": "idnumber", "value": "lmsbridge-no-such-category-x9"}]) == []
    if "core_user_get_users_by_field" in functions:
        assert moodle.get_users_by_field("idnumber", ["lmsbridge-no-such-user-x9"]) == []
    if "core_course_get_courses_by_field" in functions:
        assert moodle.get_courses_by_field("idnumber", "lmsbridge-no-such-course-x9").courses == []
    if "core_course_get_contents" in functions:
        with pytest.raises(NotFound):
            moodle.get_course_contents(987654321)


def test_wrong_token_is_invalid_token(settings: MoodleSettings) -> None:
    with MoodleClient(settings.url, "0" * 32) as client, pytest.raises(InvalidToken):
        client.get_site_info()
