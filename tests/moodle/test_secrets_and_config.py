"""The token is never shown; settings refuse what would leak it."""

from __future__ import annotations

import logging

import pytest
from moodle_loopback import TOKEN, LoopbackServer, Reply, Reset, make_client
from pydantic import ValidationError

from lmsbridge.moodle import MoodleSettings
from lmsbridge.moodle import MoodleClient, MoodleError


def test_token_in_no_url_repr_log_or_exception(server: LoopbackServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    with make_client(server.url) as client:
        shown.append(repr(client))
        shown.append(str(vars(client).get("url")))
        server.answer(
            Reply.json({"warnings": [{"warningcode": "x", "message": "careful"}]}),
            Reply(200, f"<html>echo {TOKEN}</html>", "text/html"),  # a page that echoes the request
            Reply(500, "oops", "text/plain"),
            Reset(),
        )
        client.call("core_user_update_users", {"users": [{"id": 1, "password": "S3cret!pw"}]})
        for _ in range(3):
            with pytest.raises(MoodleError) as info:
                client.call("core_user_update_users", {"users": [{"id": 1}]})
            shown += [str(info.value), repr(info.value), str(getattr(info.value, "body", ""))]
        upload_server_answer = Reply.json({"error": "Invalid token", "errorcode": "invalidtoken",
                                           "stacktrace": None, "debuginfo": None, "reproductionlink": None})
        server.answer(upload_server_answer)
        with pytest.raises(MoodleError) as info:
            client.upload([("a.txt", b"a")])
        shown += [str(info.value), repr(info.value)]
    shown.append(caplog.text)
    assert "careful" in caplog.text
    for text in shown:
        assert TOKEN not in text
        assert "S3cret!pw" not in text
    assert all(TOKEN not in r.path for r in server.received)


def test_settings_hide_the_token() -> None:
    settings = MoodleSettings(url="https://moodle.example.org/", token=TOKEN)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    assert settings.url == "https://moodle.example.org"
    assert TOKEN not in repr(MoodleClient.from_settings(settings))


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9000",
                                 "https://moodle.example.org"])
def test_https_or_loopback_is_accepted(url: str) -> None:
    assert MoodleSettings(url=url, token="t").url == url


def test_plain_http_elsewhere_is_refused_unless_allowed() -> None:
    with pytest.raises(ValidationError, match="refusing plain http://"):
        MoodleSettings(url="http://moodle.example.org", token="t")
    assert MoodleSettings(url="http://moodle.example.org", token="t", allow_http=True).allow_http


@pytest.mark.parametrize("url, message", [
    ("moodle.example.org", "not an http"),
    ("https://moodle.example.org/webservice/rest/server.php", "site's root"),
    ("https://u:p@moodle.example.org", "user name or password"),
    ("https://moodle.example.org/?x=1", "query string"),
])
def test_bad_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        MoodleSettings(url=url, token="t")


def test_settings_from_environment_and_overrides() -> None:
    env = {"LMSBRIDGE_MOODLE_URL": "http://moodle.internal", "LMSBRIDGE_MOODLE_TOKEN": "abc",
           "LMSBRIDGE_TIMEOUT": "12.5", "LMSBRIDGE_MAX_INPUT_VARS": "5000", "LMSBRIDGE_ALLOW_HTTP": "1"}
    settings = MoodleSettings.from_env(env)
    assert (settings.timeout, settings.max_input_vars, settings.allow_http) == (12.5, 5000, True)
    assert MoodleSettings.from_env(env, timeout=3, url=None).timeout == 3
    with pytest.raises(ValidationError, match="token"):
        MoodleSettings.from_env({"LMSBRIDGE_MOODLE_URL": "https://m.example.org"})


def test_a_site_echoing_token_and_password_gets_them_blanked_everywhere(server: LoopbackServer) -> None:
    """Moodle in debug mode puts the SQL parameters of a failed query in debuginfo; a hostile or broken site may
    echo anything. Whatever it answers, no exception, attribute or log record holds the token or a password."""
    import io
    from urllib.parse import quote

    from lmsbridge.sync.summary import setup_logging

    password = "Corr3ct-h0rse/b@ttery"
    echoed = f"{TOKEN} {quote(TOKEN)} {password} {quote(password, safe='')} {password.replace('/', chr(92) + '/')}"
    stream = io.StringIO()
    setup_logging("json", logging.DEBUG, stream)
    try:
        with make_client(server.url) as client:
            server.answer(
                Reply.json({"exception": f"dml_write_exception {TOKEN}", "errorcode": f"dmlwriteexception{TOKEN}",
                            "message": f"Error writing to database {echoed}", "debuginfo": f"[array ({echoed})]"}),
                Reply.json({"warnings": [{"item": password, "warningcode": "x", "message": echoed}]}),
                Reply(200, f"<html>{echoed}</html>", "text/html"),
            )
            params = {"users": [{"username": "ann", "password": password}]}
            with pytest.raises(MoodleError) as api:
                client.call("core_user_create_users", params)
            client.call("core_user_update_users", params)
            with pytest.raises(MoodleError) as html:
                client.call("core_user_update_users", params)
            logging.getLogger("lmsbridge.sync").error("failed: %s", api.value)
    finally:
        logging.getLogger("lmsbridge").handlers[:] = []
    shown = [stream.getvalue()]
    for exc in (api.value, html.value):
        shown += [str(exc), repr(exc), *(str(v) for v in vars(exc).values())]
    assert "Error writing to database" in shown[0] and "***" in shown[0]
    for text in shown:
        for secret in (TOKEN, quote(TOKEN), password, quote(password, safe=""), "Corr3ct-h0rse"):
            assert secret not in text
