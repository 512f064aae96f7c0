"""PHP bracket encoding: what PHP will parse into the nested arrays Moodle validates."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from moodle_loopback import TOKEN, LoopbackServer, Reply

from lmsbridge.moodle import MoodleClient, encode_params
from lmsbridge.moodle._encoding import form_body, rest_pairs


def test_nested_lists_and_objects_at_any_depth_keep_order() -> None:
    params = {
        "courses": [
            {"fullname": "A", "courseformatoptions": [{"name": "numsections", "value": 3}]},
            {"fullname": "B", "customfields": [{"shortname": "x", "value": "y"}]},
        ],
        "options": {"deep": {"deeper": ["p", "q"]}},
    }
    assert encode_params(params) == [
        ("courses[0][fullname]", "A"),
        ("courses[0][courseformatoptions][0][name]", "numsections"),
        ("courses[0][courseformatoptions][0][value]", "3"),
        ("courses[1][fullname]", "B"),
        ("courses[1][customfields][0][shortname]", "x"),
        ("courses[1][customfields][0][value]", "y"),
        ("options[deep][deeper][0]", "p"),
        ("options[deep][deeper][1]", "q"),
    ]


def test_booleans_are_0_and_1_and_none_is_left_out() -> None:
    assert encode_params({"a": True, "b": False, "c": None, "d": [None, True], "e": {"f": None}}) == [
        ("a", "1"), ("b", "0"), ("d[1]", "1")]


def test_numbers_and_strings() -> None:
    assert encode_params({"i": 0, "f": 85.5, "g": 100.0, "s": "Ąžuolas & co"}) == [
        ("i", "0"), ("f", "85.5"), ("g", "100"), ("s", "Ąžuolas & co")]


def test_unsupported_values_are_refused() -> None:
    with pytest.raises(TypeError, match="bytes"):
        encode_params({"x": b"raw"})
    with pytest.raises(ValueError, match="wstoken"):
        encode_params({"wstoken": "x"})


def test_token_function_and_format_come_first_and_body_round_trips() -> None:
    pairs = rest_pairs("tok", "core_user_create_users", {"users": [{"username": "a b", "email": "a@b.lt"}]})
    assert [k for k, _ in pairs[:3]] == ["wstoken", "wsfunction", "moodlewsrestformat"]
    assert pairs[2] == ("moodlewsrestformat", "json")
    assert parse_qsl(form_body(pairs).decode()) == pairs


def test_client_posts_form_encoded_body_and_nothing_in_the_url(server: LoopbackServer,
                                                               client: MoodleClient) -> None:
    server.answer(Reply(body="null"))
    client.call("core_course_update_categories", {"categories": [{"id": 5, "name": "X", "visible": False}]})
    (received,) = server.received
    assert received.method == "POST" and received.path == "/webservice/rest/server.php"
    assert received.body.decode() == (
        f"wstoken={TOKEN}&wsfunction=core_course_update_categories&moodlewsrestformat=json"
        "&categories%5B0%5D%5Bid%5D=5&categories%5B0%5D%5Bname%5D=X&categories%5B0%5D%5Bvisible%5D=0")
