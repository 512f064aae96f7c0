"""max_input_vars: requests are split instead of cut, and a short create answer is never taken silently."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pytest
from moodle_loopback import LoopbackServer, Received, Reply, make_client

from lmsbridge.moodle import MoodleClient, RequestTooLarge, TruncatedResult, split_batches

MAX_INPUT_VARS = 100


def php_like_create_users(request: Received) -> Reply:
    """Like PHP + Moodle: keep only the first MAX_INPUT_VARS variables, create every complete user."""
    pairs = parse_qsl(request.body.decode(), keep_blank_values=True)[:MAX_INPUT_VARS]
    form = dict(pairs)
    if "wstoken" not in form:
        return Reply.json({"exception": "moodle_exception", "errorcode": "invalidtoken", "message": "Invalid token"})
    users: dict[int, dict[str, str]] = {}
    for key, value in pairs:
        found = re.fullmatch(r"users\[(\d+)\]\[(\w+)\]", key)
        if found:
            users.setdefault(int(found[1]), {})[found[2]] = value
    complete = [u for _, u in sorted(users.items()) if {"username", "email", "firstname"} <= u.keys()]
    return Reply.json([{"id": 100 + i, "username": u["username"]} for i, u in enumerate(complete)])


def user(i: int) -> dict[str, str]:
    return {"username": f"u{i}", "email": f"u{i}@example.com", "firstname": "F"}


def test_batches_stay_under_the_variable_budget() -> None:
    batches = split_batches("core_user_create_users", "users", [user(i) for i in range(100)], max_vars=80)
    assert [len(b) for b in batches] == [25, 25, 25, 25]  # 3 header vars + 25 x 3 = 78 <= 80
    assert [u["username"] for b in batches for u in b] == [f"u{i}" for i in range(100)]


def test_fixed_parameters_count_against_the_budget() -> None:
    batches = split_batches("core_user_get_users_by_field", "values", list(range(50)),
                            params={"field": "id"}, max_vars=14)
    assert {len(b) for b in batches} == {10}  # 3 header + 1 field + 10 values


def test_an_item_too_large_alone_is_refused() -> None:
    with pytest.raises(RequestTooLarge, match="item 0"):
        split_batches("core_user_create_users", "users", [user(0)], max_vars=5)


def test_batches_stay_under_the_byte_budget() -> None:
    big = [{"username": f"u{i}", "description": "x" * 1000} for i in range(10)]
    batches = split_batches("core_user_update_users", "users", big, max_vars=1000, max_bytes=3500)
    assert len(batches) == 4 and sum(map(len, batches)) == 10


def test_call_batched_splits_a_request_php_would_cut(server: LoopbackServer) -> None:
    server.default = php_like_create_users
    with make_client(server.url, max_input_vars=MAX_INPUT_VARS) as client:
        created = client.create_users([user(i) for i in range(90)])  # 273 variables in one request
    assert [u.username for u in created] == [f"u{i}" for i in range(90)]
    assert len(server.received) > 1
    assert all(len(parse_qsl(r.body.decode())) <= MAX_INPUT_VARS for r in server.received)


def test_single_call_over_max_input_vars_is_refused_before_sending(server: LoopbackServer) -> None:
    with make_client(server.url, max_input_vars=MAX_INPUT_VARS) as client, pytest.raises(RequestTooLarge,
                                                                                          match="max_input_vars"):
        client.call("core_user_create_users", {"users": [user(i) for i in range(40)]})
    assert server.received == []


def test_silent_truncation_is_detected(server: LoopbackServer) -> None:
    """The site really has a lower max_input_vars than configured: PHP cuts, Moodle creates fewer, says OK."""
    server.default = php_like_create_users
    with make_client(server.url, max_input_vars=1000) as client, pytest.raises(TruncatedResult) as info:
        client.call("core_user_create_users", {"users": [user(i) for i in range(40)]})
    assert info.value.sent == 40 and info.value.returned == 32  # (100 - 3) // 3 complete users
    assert "LMSBRIDGE_MAX_INPUT_VARS" in str(info.value)


def test_read_batches_merge_items_and_warnings(server: LoopbackServer, client: MoodleClient) -> None:
    def answer(request: Received) -> Reply:
        ids = [int(v) for k, v in parse_qsl(request.body.decode()) if k.startswith("cohortids[")]
        return Reply.json([{"cohortid": i, "userids": [i * 10]} for i in ids])

    server.default = answer
    members = client.get_cohort_members(list(range(1, 2001)))
    assert [m.cohortid for m in members] == list(range(1, 2001))
    assert len(server.received) == 3  # budget 800 variables: 797 + 797 + 406

    server.reset()
    server.default = Reply.json({"warnings": [{"item": "user", "itemid": 1, "warningcode": "invaliduserid",
                                               "message": "Invalid user ID"}]})
    warnings = client.update_users([{"id": i, "city": "Vilnius"} for i in range(1, 901)])
    assert len(warnings) == len(server.received) == 3 and warnings[0].warningcode == "invaliduserid"
