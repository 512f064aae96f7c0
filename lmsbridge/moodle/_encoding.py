"""PHP bracket encoding of web-service parameters.

Moodle's REST server reads only form variables, and PHP builds nested arrays from bracketed names:
``courses[0][fullname]=X&courses[0][shortname]=Y``. Lists become ``name[i]``, mappings ``name[key]``, at any
depth. PARAM_BOOL accepts only ``0``/``1`` (``true`` is rejected), and ``None`` means "not sent" (Moodle then
uses the parameter's default; sending an empty string would be a value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from pydantic import BaseModel

Pairs = list[tuple[str, str]]

# Sent first, in this order: PHP keeps only the first max_input_vars variables, so whatever is cut must never
# be the token or the function name (recording limits_max_input_vars_token_dropped).
HEADER_KEYS = ("wstoken", "wsfunction", "moodlewsrestformat")


def _scalar(value: object) -> str:
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "1" if value else "0"
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value))
    raise TypeError(f"cannot send a {type(value).__name__} to Moodle: {value!r}")


def _flatten(prefix: str, value: object, out: Pairs) -> None:
    if value is None:
        return
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_none=True)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}[{key}]", item, out)
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, out)
    else:
        out.append((prefix, _scalar(value)))


def encode_params(params: Mapping[str, object] | None) -> Pairs:
    """Flatten a function's parameters to ordered ``(name, value)`` pairs in PHP bracket notation."""
    out: Pairs = []
    for key, value in (params or {}).items():
        if key in HEADER_KEYS:
            raise ValueError(f"{key!r} is set by the client, not passed as a parameter")
        _flatten(key, value, out)
    return out


def rest_pairs(token: str, function: str, params: Mapping[str, object] | None) -> Pairs:
    """The full variable list of one REST call: token, function and format first, then the parameters."""
    return [("wstoken", token), ("wsfunction", function), ("moodlewsrestformat", "json"), *encode_params(params)]


def form_body(pairs: Pairs) -> bytes:
    """``application/x-www-form-urlencoded`` body, byte for byte what PHP parses."""
    return urlencode(pairs).encode("ascii")
